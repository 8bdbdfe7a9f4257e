"""The workflow passes `snakemake --lint` and `snakefmt --check`, as the Snakemake
workflow catalog's pipelines do in their CI."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ["Snakefile", "rules", "report", "profiles", "params.yaml", "envs", "src"]


def copy_workflow(dest: Path) -> Path:
    for rel in WORKFLOW:
        source = ROOT / rel
        if source.is_dir():
            shutil.copytree(source, dest / rel, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, dest / rel)
    return dest


def test_snakemake_lint_is_clean(tmp_path):
    out = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], cwd=copy_workflow(tmp_path),
                         capture_output=True, text=True)
    assert out.returncode == 0 and "Congratulations" in out.stdout + out.stderr, out.stdout + out.stderr


def test_snakefmt_check_is_clean():
    snakefmt = Path(sys.executable).parent / "snakefmt"
    out = subprocess.run([str(snakefmt), "--check", "Snakefile", "rules"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
