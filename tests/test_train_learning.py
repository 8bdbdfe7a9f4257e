"""Each of the seven algorithms learns the toy multitask pixel suite (a statistical check over seeds)."""

from __future__ import annotations

import multiprocessing as mp

import numpy as np
import pytest

from deep_helpers import quarters, run_toy

ALGOS = ["A3C", "A3C_multitask", "A3C_2col", "KL_1col", "KL+ent_1col", "KL_2col", "KL+ent_2col"]
SEEDS = [0, 1, 2]
FRAMES = 32000  # env frames per task: 8,000 agent steps per task, 100 updates of 4 envs x 20 steps
# Random behaviour returns about -0.05 on this suite and the best policy about +0.95.
MIN_MEAN_GAIN = 0.08


@pytest.fixture(scope="module")
def learning_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("learning")
    jobs = [(a, s, FRAMES, str(out)) for a in ALGOS for s in SEEDS]
    with mp.get_context("spawn").Pool(2) as pool:
        results = pool.map(run_toy, jobs, chunksize=1)
    return {(a, s): csv for a, s, csv in results}


@pytest.mark.parametrize("algo", ALGOS)
def test_algorithm_learns_toy_suite(learning_runs, algo):
    """Last-quarter return beats first-quarter return: on average by MIN_MEAN_GAIN, and in every seed."""
    gains = []
    for seed in SEEDS:
        q = quarters(learning_runs[(algo, seed)])
        gains.append(q[3] - q[0])
    print(algo, "gain per seed", np.round(gains, 3))
    assert np.mean(gains) >= MIN_MEAN_GAIN, f"{algo}: mean gain {np.mean(gains):.3f} over seeds {SEEDS}: {gains}"
    assert min(gains) > 0, f"{algo}: some seed did not improve: {gains}"
