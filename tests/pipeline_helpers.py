"""Helpers of the end-to-end tests (tests/test_pipeline.py, tests/test_slurm.py): a fresh
copy of the project, and running Snakemake in it as a newcomer does."""

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ("--config", "profile=smoke")


def project_files() -> list[str]:
    """Tracked and untracked-but-not-ignored files: what a fresh clone would hold."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return [f for f in out.stdout.splitlines() if (ROOT / f).is_file()]


def fresh_copy(dest: Path) -> Path:
    for rel in project_files():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)
    return dest


def env_for(cwd: Path) -> dict:
    return dict(os.environ, PYTHONPATH=str(cwd / "src"),
                PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def run(cmd: list[str], cwd: Path, ok: bool = True) -> subprocess.CompletedProcess:
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env_for(cwd))
    if ok:
        assert out.returncode == 0, f"{' '.join(cmd)} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]  # a fresh machine may have no git identity


def commit_all(cwd: Path, message: str) -> None:
    """Commit everything in `cwd` (a git repository made first if it is none), as a newcomer's clone has it."""
    if not (cwd / ".git").exists():
        run(["git", "init", "-q"], cwd)
    run(GIT + ["add", "-A"], cwd)
    run(GIT + ["commit", "-qm", message], cwd)


def share_history(cwd: Path) -> bool:
    """Make `cwd` a git repository that sees this checkout's commits (git alternates, nothing
    copied), as a clone does: claims.md checks each run's commit against the protocol's in the
    history. False when this checkout is shallow: its history is not all there to share."""
    run(["git", "init", "-q"], cwd)
    common = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.strip()
    (cwd / ".git" / "objects" / "info" / "alternates").write_text(f"{Path(common) / 'objects'}\n")
    shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.strip()
    return shallow == "false"


DVC = [sys.executable, "-m", "dvc"]


def snakemake(*args: str) -> list[str]:
    return [sys.executable, "-m", "snakemake", *args]


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def output(done: subprocess.CompletedProcess) -> str:
    return done.stdout + done.stderr


def planned_jobs(dry_run_output: str) -> dict[str, int]:
    """The job counts per rule of a dry run's summary table (none if nothing is to be done)."""
    if "Job stats:" not in dry_run_output:
        assert "Nothing to be done" in dry_run_output, dry_run_output[-2000:]
        return {}
    table = dry_run_output.split("Job stats:")[1].split("\n\n")[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M) if m[1] != "total"}
