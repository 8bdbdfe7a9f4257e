#!/usr/bin/env bash
# Stop the cluster started by slurm_up.sh STATE_DIR, by the PIDs in its pid files, and put
# back the machine's slurm.conf as slurm_up.sh found it.
state=$(realpath -m "$1")
for pidfile in "$state/slurmd.pid" "$state/slurmctld.pid"; do
  [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
done
if [ -f "$state/slurm.conf.before" ]; then
  cp -p "$state/slurm.conf.before" /etc/slurm/slurm.conf
elif [ -f "$state/no-slurm.conf-before" ]; then
  rm -f /etc/slurm/slurm.conf
fi
exit 0
