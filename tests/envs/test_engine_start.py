"""ViZDoom engines starting in a fresh working directory, alone and several at once.

An engine that finds no settings file (a fresh cache: a new machine's first runs) makes
./_vizdoom/ at start, in two steps (check, then create); two jobs starting together lost that
race in CI (exit 139, "Failed to create ./_vizdoom/ directory: File exists"; without the fix,
about one start of four engines in eight here). `new_game` makes the directory first.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from distral.envs.registry import make_suite
from distral.envs.vizdoom import engine

pytestmark = pytest.mark.usefixtures("fresh_wad_cache")
ENGINES = 4
ROUNDS = 2


def started_game(seed: int):
    """Starts an engine on the navigation suite's first map in the directory current when called
    (the maps are made now, before it)."""
    env = make_suite("navigation", episode_frames=400, maps_per_wad=2).make_env(0, seed)
    pool = env.make_pool(0)
    return lambda: engine.new_game(env.engine, str(pool.wad), pool.maps[0][0], env.game_args(), seed=seed, timeout=500)


def test_the_engine_directory_exists_before_the_engine_starts(tmp_path, monkeypatch):
    """Deterministic: whatever the timing, no engine is left to create ./_vizdoom/ itself."""
    seen = []

    class Recording(engine.vzd.DoomGame):
        def init(self):
            seen.append((Path.cwd() / engine.ENGINE_DIR).is_dir())
            return super().init()

    start = started_game(seed=0)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(engine.vzd, "DoomGame", Recording)
    start().close()
    assert seen == [True]


def _start_after(barrier, directory: str, wad_cache: str, seed: int) -> None:
    os.environ["DISTRAL_WAD_CACHE"] = wad_cache
    start = started_game(seed)  # maps made before the barrier, so the engines start together
    os.chdir(directory)
    barrier.wait()
    start().close()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_several_engines_start_at_once_in_an_empty_directory(tmp_path, round_):
    """Each round: a fresh WAD cache (no settings file yet) and a fresh working directory."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(ENGINES)
    workdir, cache = tmp_path / "fresh", tmp_path / "wads"
    workdir.mkdir()
    args = (barrier, str(workdir), str(cache))
    procs = [ctx.Process(target=_start_after, args=(*args, seed)) for seed in range(ENGINES)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * ENGINES
    assert (workdir / engine.ENGINE_DIR).is_dir()
