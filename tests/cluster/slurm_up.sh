#!/usr/bin/env bash
# Start a one-node SLURM cluster on localhost for the pipeline's SLURM test.
# Usage: slurm_up.sh STATE_DIR   (prints nothing on success; stop with slurm_down.sh STATE_DIR)
# Needs root and Debian's slurmctld, slurmd, slurm-client and munge packages
# (installed here when missing). Daemons are stopped by the PIDs in their pid files.
set -euo pipefail
state=$(realpath -m "$1")
mkdir -p "$state"/{spool,ctld,log}
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
fi

# munge: key owned by munge, mode 400; its run directory must exist.
mkdir -p /run/munge && chown munge:munge /run/munge
[ -f /etc/munge/munge.key ] || /usr/sbin/mungekey --create >/dev/null 2>&1 || \
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
fi

host=$(hostname -s)
mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
# slurm_down.sh puts back the machine's own slurm.conf, or removes ours: a slurm.conf left
# naming a stopped controller makes every later `scontrol` wait 9 s, and the Snakemake SLURM
# plugin calls it whenever Snakemake starts (measured: `import snakemake.cli` 11.4 s vs 2.8 s).
if [ -f /etc/slurm/slurm.conf ]; then
  [ -f "$state/slurm.conf.before" ] || cp -p /etc/slurm/slurm.conf "$state/slurm.conf.before"
else
  touch "$state/no-slurm.conf-before"
fi
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=distral
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=${state}/ctld
SlurmdSpoolDir=${state}/spool
SlurmctldPidFile=${state}/slurmctld.pid
SlurmdPidFile=${state}/slurmd.pid
SlurmctldLogFile=${state}/log/slurmctld.log
SlurmdLogFile=${state}/log/slurmd.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=500
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=300
ReturnToService=2
NodeName=${host} NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=${mem} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
/usr/sbin/slurmctld
/usr/sbin/slurmd
for _ in $(seq 100); do
  [ "$(sinfo -h -o %T 2>/dev/null | head -1)" = "idle" ] && exit 0
  sleep 0.2
done
echo "slurm_up.sh: the node did not become idle; see ${state}/log" >&2
exit 1
