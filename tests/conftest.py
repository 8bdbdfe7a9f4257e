"""Fixtures shared by several test modules."""

import pytest


@pytest.fixture(scope="module")
def fresh_wad_cache(tmp_path_factory):
    """Generated Doom WADs go to a fresh directory, so tests also exercise map generation."""
    mp = pytest.MonkeyPatch()
    mp.setenv("DISTRAL_WAD_CACHE", str(tmp_path_factory.mktemp("wads")))
    yield
    mp.undo()
