"""Fixtures shared by several test modules."""

from pathlib import Path

import pytest

from pipeline_helpers import SMOKE, fresh_copy, run, snakemake


@pytest.fixture(scope="module")
def fresh_wad_cache(tmp_path_factory):
    """Generated Doom WADs go to a fresh directory, so tests also exercise map generation."""
    mp = pytest.MonkeyPatch()
    mp.setenv("DISTRAL_WAD_CACHE", str(tmp_path_factory.mktemp("wads")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def smoke_clone(tmp_path_factory) -> Path:
    """A fresh copy of the project with the README's smoke command run once: the CI's most
    expensive step, shared by tests/test_pipeline.py and tests/test_slurm.py (tests that
    change files work on copies of it)."""
    dest = fresh_copy(tmp_path_factory.mktemp("clone"))
    run(snakemake("--cores", "2", "figures", *SMOKE), dest)
    return dest
