"""Provenance (distral.meta): a run's commit is dirty for a change of the code or the settings,
not for the run logs that a shipped profile commits while its other runs still run."""

import os
import subprocess

from distral import meta


def git(root, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root, check=True,
                   capture_output=True)


def test_dirty_counts_code_and_settings_not_run_logs(tmp_path, monkeypatch):
    git(tmp_path, "init", "-q")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("x = 1\n")
    (tmp_path / "params.yaml").write_text("p: 1\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "code")
    monkeypatch.chdir(tmp_path)
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    for logs in ("results/pilot/mazes/A3C/h/100", "benchmarks/pilot/mazes/A3C/h"):
        (tmp_path / logs).mkdir(parents=True)
        (tmp_path / logs / "episodes.csv").write_text("a finished run, not yet committed\n")
    assert meta.git_commit() == {"commit": head, "dirty": False}
    (tmp_path / "src" / "b.py").write_text("new = True\n")  # an untracked module the run may import
    assert meta.git_commit()["dirty"] is True
    (tmp_path / "src" / "b.py").unlink()
    (tmp_path / "params.yaml").write_text("p: 2\n")
    assert meta.git_commit()["dirty"] is True


def test_reading_the_commit_never_writes_the_index(tmp_path, monkeypatch):
    """A shipped profile's scheduler commits one run's logs while the next run starts and reads its
    commit. `git status` refreshes a stale index and writes it back under .git/index.lock, so the
    commit beside it fails ("index.lock: File exists"; CI of fc8e018). Reading the commit must take
    no lock: the index is left byte for byte, however stale its stat data."""
    git(tmp_path, "init", "-q")
    (tmp_path / "a.py").write_text("x = 1\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "code")
    monkeypatch.chdir(tmp_path)
    index = tmp_path / ".git" / "index"
    # the same bytes with an older mtime: the index's stat data of a.py is stale (and not racy)
    stamp = (tmp_path / "a.py").stat().st_mtime - 100
    os.utime(tmp_path / "a.py", (stamp, stamp))
    before = index.read_bytes()
    assert meta.git_commit()["dirty"] is False
    assert index.read_bytes() == before
    # the check can fail: a plain `git status` does rewrite this index
    subprocess.run(["git", "status", "--porcelain"], cwd=tmp_path, check=True, capture_output=True)
    assert index.read_bytes() != before
