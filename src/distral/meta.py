"""Provenance written next to every run's log: resolved config, git commit, versions."""

from __future__ import annotations

import platform
import subprocess
import sys
from importlib import metadata
from typing import Any, Mapping

PACKAGES = ("distral-repro", "numpy", "pandas", "torch", "gymnasium", "vizdoom", "labmaze", "omgifol")


def git_commit() -> dict:
    """The commit of the working tree and whether it had uncommitted changes. The run logs
    (results/, benchmarks/) do not count: a profile whose logs are shipped commits each finished
    run while others still run (analysis.protocol checks the runs' commits); so it takes no lock:
    a plain `git status` writes its refreshed index under .git/index.lock, and the commit of the
    run beside it fails on that lock."""
    def git(*args: str) -> str:
        out = subprocess.run(["git", "--no-optional-locks", *args], capture_output=True, text=True, timeout=10)
        return out.stdout.strip() if out.returncode == 0 else ""

    try:
        return {"commit": git("rev-parse", "HEAD") or "unknown", "dirty": bool(git("status", "--porcelain", "--", ".", ":!results", ":!benchmarks"))}
    except (OSError, subprocess.TimeoutExpired):
        return {"commit": "unknown", "dirty": None}


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def run_meta(config: Mapping[str, Any], wildcards: Mapping[str, Any]) -> dict:
    """The meta.json of one run (torchbeast's idea): enough to rerun it exactly."""
    return {
        "wildcards": dict(wildcards),
        "config": dict(config),
        "git": git_commit(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        "command": sys.argv,
    }
