"""The pipeline on a real SLURM cluster: a one-node cluster on localhost
(tests/cluster/slurm_up.sh) runs the smoke profile's whole sweep (the grid world and
the 42 deep runs) through the Snakemake SLURM executor and the project's workflow
profile (profiles/slurm), one SLURM job per run with the resources params.yaml gives it;
aggregation, figures and tables run on the submitting node (localrules).

Needs root and Debian's SLURM packages (the script installs them); skipped elsewhere,
and with DISTRAL_SKIP_SLURM=1.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from distral.config import load_params
from distral.sweep import deep_runs
from test_pipeline import expected_outputs, project_files, run

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = ROOT / "tests" / "cluster"

pytestmark = pytest.mark.skipif(
    os.environ.get("DISTRAL_SKIP_SLURM") == "1"
    or not hasattr(os, "geteuid") or os.geteuid() != 0
    or (shutil.which("slurmctld") is None and shutil.which("apt-get") is None),
    reason="needs root and SLURM (or apt-get to install it)",
)


@pytest.fixture
def cluster(tmp_path):
    state = tmp_path / "slurm"
    subprocess.run(["bash", str(CLUSTER / "slurm_up.sh"), str(state)], check=True, timeout=600)
    yield state
    subprocess.run(["bash", str(CLUSTER / "slurm_down.sh"), str(state)], check=False)


def test_smoke_pipeline_runs_as_slurm_jobs(cluster, tmp_path):
    dest = tmp_path / "clone"
    for rel in project_files():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)
    out = run([sys.executable, "-m", "snakemake", "--workflow-profile", "profiles/slurm", "figures",
               "--config", "profile=smoke", "--jobs", "4", "--verbose",
               # no accounting database on this test cluster: ask squeue, and ask early
               "--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "2"], dest)
    log = out.stdout + out.stderr
    submitted = re.findall(r"submitted with SLURM jobid (\d+)", log)
    params = load_params(ROOT / "params.yaml")
    n_gridworld = len(params["gridworld"]["algorithms"]) * params["profiles"]["smoke"]["gridworld"]["seeds"]
    n_deep = len(deep_runs(params, "smoke"))
    # one SLURM job per run (grid world and deep), plus the suite gallery
    assert len(submitted) == n_gridworld + n_deep + 1, log[-2000:]
    # the deep runs asked for the profile's cores, memory and time limit
    budget = params["profiles"]["smoke"]["deep"]
    sbatch = [line for line in log.splitlines() if "sbatch call" in line and "train_deep" in line]
    assert sbatch and all(f"--cpus-per-task={budget['threads']}" in line and f"--mem {budget['mem_mb']}" in line
                          and f"-t {budget['runtime']}" in line for line in sbatch), sbatch[:1]
    assert not [f for f in expected_outputs("smoke") if not (dest / f).is_file()]
