"""The pipeline on a real SLURM cluster: a one-node cluster on localhost
(tests/cluster/slurm_up.sh) runs the smoke profile through the Snakemake SLURM
executor and the project's workflow profile (profiles/slurm), one SLURM job per run.

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
from test_pipeline import FIGS, project_files, run

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
               "--config", "profile=smoke", "--jobs", "4",
               # no accounting database on this test cluster: ask squeue, and ask early
               "--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "2"], dest)
    submitted = re.findall(r"submitted with SLURM jobid (\d+)", out.stdout + out.stderr)
    params = load_params(ROOT / "params.yaml")
    n_runs = len(params["gridworld"]["algorithms"]) * params["profiles"]["smoke"]["gridworld"]["seeds"]
    # one SLURM job per run, plus the aggregation and the figure
    assert len(submitted) == n_runs + 2, out.stderr[-2000:]
    assert sorted(p.name for p in (dest / "figures" / "smoke").iterdir()) == sorted(FIGS)
