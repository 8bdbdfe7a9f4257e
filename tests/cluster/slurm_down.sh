#!/usr/bin/env bash
# Stop the cluster started by slurm_up.sh STATE_DIR, by the PIDs in its pid files.
state=$(realpath -m "$1")
for pidfile in "$state/slurmd.pid" "$state/slurmctld.pid"; do
  [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
done
exit 0
