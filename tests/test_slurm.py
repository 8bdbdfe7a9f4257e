"""The pipeline on a real SLURM cluster: a one-node cluster on localhost
(tests/cluster/slurm_up.sh) runs the smoke profile through the Snakemake SLURM executor
and the project's workflow profile (profiles/slurm): the grid world and Figure 3, and one
deep run of each 3D suite, each run a SLURM job with the cores, memory and time limit
that params.yaml's profile gives it (aggregation and figures are localrules). The whole
smoke sweep runs the same way (`snakemake --workflow-profile profiles/slurm figures
--config profile=smoke`); CI runs this subset because the 21 deep runs already run once
in tests/test_pipeline.py and twice would not fit the CI budget on 2 cores.

Needs root and Debian's SLURM packages (the script installs them); skipped elsewhere,
and with DISTRAL_SKIP_SLURM=1.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from distral.config import load_params
from distral.sweep import deep_runs
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


def test_smoke_runs_are_slurm_jobs_with_the_profiles_resources(cluster, tmp_path):
    dest = tmp_path / "clone"
    for rel in project_files():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)
    params = load_params(ROOT / "params.yaml")
    # one deep run per suite, each with another algorithm
    deep = [next(r for r in deep_runs(params, "smoke", suite) if r.algo == algo)
            for suite, algo in zip(("mazes", "navigation", "laser-tag"), ("A3C", "KL+ent_2col", "KL_1col"))]
    targets = [f"results/smoke/{r.suite}/{r.algo}/{r.hp}/{r.seed}/meta.json" for r in deep]
    targets += [f"figures/smoke/{f}" for f in FIGS]
    out = run([sys.executable, "-m", "snakemake", "--workflow-profile", "profiles/slurm", *targets,
               "--config", "profile=smoke", "--jobs", "4", "--verbose",
               # no accounting database on this test cluster: ask squeue, and ask early
               "--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "2"], dest)
    log = out.stdout + out.stderr
    submitted = re.findall(r"submitted with SLURM jobid (\d+)", log)
    n_gridworld = len(params["gridworld"]["algorithms"]) * params["profiles"]["smoke"]["gridworld"]["seeds"]
    # one SLURM job per run; aggregation and Figure 3 run on the submitting node
    assert len(submitted) == n_gridworld + len(deep), log[-2000:]
    budget = params["profiles"]["smoke"]["deep"]
    sbatch = [line for line in log.splitlines() if "sbatch call" in line and "rule_train_deep" in line]
    assert len(sbatch) == len(deep), log[-2000:]
    for line in sbatch:
        assert f"--cpus-per-task={budget['threads']}" in line and f"--mem {budget['mem_mb']}" in line, line
        assert re.search(rf"-t '?{budget['runtime']}'?( |$)", line) and "--gpus" not in line, line
    for r in deep:
        meta = json.loads((dest / "results" / "smoke" / r.suite / r.algo / r.hp / str(r.seed) / "meta.json").read_text())
        assert meta["status"] == "completed", r
    assert sorted(p.name for p in (dest / "figures" / "smoke").glob("fig3_*")) == sorted(FIGS)
