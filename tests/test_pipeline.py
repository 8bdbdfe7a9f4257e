"""End to end, as a newcomer runs it: the smoke profile of the Snakemake pipeline in a
fresh copy of the repository, a second run with nothing to do, byte-identical figures
on regeneration, and `dvc repro` driving the same pipeline."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
FIGS = [f"fig3_{p}.{e}" for p in ("left", "centre", "right") for e in ("png", "pdf", "csv")]


def project_files() -> list[str]:
    """Tracked and untracked-but-not-ignored files: what a fresh clone would hold."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return [f for f in out.stdout.splitlines() if (ROOT / f).is_file()]


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(cwd / "src"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    assert out.returncode == 0, f"{' '.join(cmd)} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


def snakemake(*args: str) -> list[str]:
    return [sys.executable, "-m", "snakemake", *args]


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A fresh copy of the project with the smoke pipeline run once (the README's command)."""
    dest = tmp_path_factory.mktemp("clone")
    for rel in project_files():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)
    run(snakemake("--cores", "2", "figures", "--config", "profile=smoke"), dest)
    return dest


def test_smoke_pipeline_writes_every_figure_panel_and_table(clone):
    figures = clone / "figures" / "smoke"
    assert sorted(p.name for p in figures.iterdir()) == sorted(FIGS)
    for name in ("fig3_auc.csv", "fig3_auc.md", "fig3_auc.tex"):
        assert (clone / "paper_tables" / "smoke" / name).stat().st_size > 0
    assert not (clone / "results" / "default").exists(), "smoke must not write the default profile's outputs"


def test_distral_learns_faster_than_single_task_soft_q(clone):
    metrics = json.loads((clone / "metrics" / "smoke" / "gridworld.json").read_text())
    assert metrics["fig3"]["learns_faster_than_baseline"] == {"distral": True}


def test_second_run_has_nothing_to_do(clone):
    out = run(snakemake("-n", "figures", "--config", "profile=smoke"), clone)
    assert "Nothing to be done" in out.stdout + out.stderr


def test_regenerated_figures_and_tables_are_byte_identical(clone):
    before = digests(clone / "figures" / "smoke"), digests(clone / "paper_tables" / "smoke")
    shutil.rmtree(clone / "figures" / "smoke")
    run(snakemake("--cores", "2", "figures", "--config", "profile=smoke",
                  "--forcerun", "aggregate_gridworld", "figure3"), clone)
    assert (digests(clone / "figures" / "smoke"), digests(clone / "paper_tables" / "smoke")) == before


def test_snakemake_lint_is_clean(clone):
    out = run(snakemake("--lint"), clone)
    assert "Congratulations" in out.stdout + out.stderr


def test_dvc_repro_drives_the_pipeline_in_a_fresh_git_clone(clone):
    params = yaml.safe_load((clone / "params.yaml").read_text())
    params["profile"] = "smoke"  # DVC takes the profile from params.yaml
    (clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(["git", "init", "-q"], clone)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A"], clone)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "clone"], clone)
    dvc = [sys.executable, "-m", "dvc"]
    run(dvc + ["repro"], clone)
    assert (clone / "dvc.lock").is_file()
    status = run(dvc + ["status"], clone)
    assert "up to date" in status.stdout
    metrics = run(dvc + ["metrics", "show"], clone)
    assert "gridworld.json" in metrics.stdout
