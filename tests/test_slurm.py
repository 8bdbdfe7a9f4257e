"""The pipeline on a real SLURM cluster: a one-node cluster on localhost
(tests/cluster/slurm_up.sh) runs the smoke profile through the Snakemake SLURM executor
and the project's workflow profile (profiles/slurm). From the finished smoke sweep (the
session's `smoke_clone`) one grid-world run and one deep run of each 3D suite are
removed; Snakemake redoes each as a SLURM job with the cores, memory and time limit that
params.yaml's profile gives it, and the grid world's aggregation and Figure 3 on the
submitting node (aggregation and figures are localrules). The whole smoke sweep runs the
same way (`snakemake --workflow-profile profiles/slurm figures --config profile=smoke`);
CI redoes this subset because the sweep already runs once in tests/test_pipeline.py and
twice would not fit the CI budget on 2 cores.

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
from pipeline_helpers import run
from test_pipeline import FIGS

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
    state, conf = tmp_path / "slurm", Path("/etc/slurm/slurm.conf")
    before = conf.read_bytes() if conf.exists() else None
    subprocess.run(["bash", str(CLUSTER / "slurm_up.sh"), str(state)], check=True, timeout=600)
    yield state
    subprocess.run(["bash", str(CLUSTER / "slurm_down.sh"), str(state)], check=False)
    # the machine's slurm.conf as it was (a leftover one slows every later Snakemake start by 9 s)
    assert (conf.read_bytes() if conf.exists() else None) == before


def test_smoke_runs_are_slurm_jobs_with_the_profiles_resources(cluster, smoke_clone, tmp_path):
    dest = tmp_path / "clone"
    shutil.copytree(smoke_clone, dest, symlinks=True)
    params = load_params(ROOT / "params.yaml")
    # one deep run per suite, each with another algorithm, and one grid-world run
    deep = [next(r for r in deep_runs(params, "smoke", suite) if r.algo == algo)
            for suite, algo in zip(("mazes", "navigation", "laser-tag"), ("A3C", "KL+ent_2col", "KL_1col"))]
    runs = [f"results/smoke/{r.suite}/{r.algo}/{r.hp}/{r.seed}" for r in deep]
    runs.append(f"results/smoke/gridworld/{next(iter(params['gridworld']['algorithms']))}/appB1/0")
    for folder in runs:
        shutil.rmtree(dest / folder)
    targets = [f"{folder}/meta.json" for folder in runs] + [f"figures/smoke/{f}" for f in FIGS]
    out = run([sys.executable, "-m", "snakemake", "--workflow-profile", "profiles/slurm", *targets,
               "--config", "profile=smoke", "--jobs", "4", "--verbose",
               # no accounting database on this test cluster: ask squeue, and ask early
               "--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "2"], dest)
    log = out.stdout + out.stderr
    submitted = re.findall(r"submitted with SLURM jobid (\d+)", log)
    # one SLURM job per run; aggregation and Figure 3 run on the submitting node
    assert len(submitted) == len(runs), log[-2000:]
    assert "localrule aggregate_gridworld" in log and "localrule figure3" in log, log[-2000:]
    budget = params["profiles"]["smoke"]["deep"]
    sbatch = [line for line in log.splitlines() if "sbatch call" in line and "rule_train_deep" in line]
    assert len(sbatch) == len(deep), log[-2000:]
    for line in sbatch:
        assert f"--cpus-per-task={budget['threads']}" in line and f"--mem {budget['mem_mb']}" in line, line
        assert re.search(rf"-t '?{budget['runtime']}'?( |$)", line) and "--gpus" not in line, line
    for r, folder in zip(deep, runs):
        assert json.loads((dest / folder / "meta.json").read_text())["status"] == "completed", r
    for folder in runs:  # every removed run written again
        assert (dest / folder / "meta.json").stat().st_mtime > (smoke_clone / folder / "meta.json").stat().st_mtime
    for f in FIGS:
        assert (dest / "figures" / "smoke" / f).stat().st_mtime > (smoke_clone / "figures" / "smoke" / f).stat().st_mtime, f
