"""Each of the seven algorithms learns the toy multitask pixel suite (a statistical check over seeds)."""

from __future__ import annotations

import multiprocessing as mp

import numpy as np
import pytest

from deep_helpers import quarters, run_toy

ALGOS = ["A3C", "A3C_multitask", "A3C_2col", "KL_1col", "KL+ent_1col", "KL_2col", "KL+ent_2col"]
SEEDS = [0, 1, 2]
FRAMES = 40000  # env frames per task: 10,000 agent steps per task, 125 updates of 4 envs x 20 steps
LEARNING_RATE = 3e-3  # with 1/beta = 3e-3 from the App. B.2 grid (see deep_helpers.toy_config)
# Random behaviour returns about -0.05 on this suite and the best policy about +0.95.
MIN_MEAN_GAIN = 0.15  # last-quarter minus first-quarter mean return, averaged over seeds
MIN_SEED_GAIN = 0.05  # ... and in every seed
CONTROL = "A3C_frozen"  # A3C with a learning rate of ~0: the same check must fail on it


@pytest.fixture(scope="module")
def learning_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("learning")
    jobs = [(a, s, FRAMES, LEARNING_RATE, str(out)) for a in ALGOS for s in SEEDS]
    jobs += [("A3C", s, FRAMES, 1e-12, str(out / CONTROL)) for s in SEEDS]
    with mp.get_context("spawn").Pool(2) as pool:
        results = pool.map(run_toy, jobs, chunksize=1)
    runs = {(a, s): csv for a, s, csv in results[: len(ALGOS) * len(SEEDS)]}
    runs.update({(CONTROL, s): csv for _, s, csv in results[len(ALGOS) * len(SEEDS):]})
    return runs


def gains(runs, algo):
    out = []
    for seed in SEEDS:
        q = quarters(runs[(algo, seed)])
        out.append(q[3] - q[0])
        print(algo, "seed", seed, "mean return per quarter", np.round(q, 3))
    return np.array(out)


@pytest.mark.parametrize("algo", ALGOS)
def test_algorithm_learns_toy_suite(learning_runs, algo):
    """Last-quarter return beats first-quarter return: on average by MIN_MEAN_GAIN, and in every seed."""
    g = gains(learning_runs, algo)
    assert g.mean() >= MIN_MEAN_GAIN, f"{algo}: mean gain {g.mean():.3f} over seeds {SEEDS}: {g}"
    assert g.min() >= MIN_SEED_GAIN, f"{algo}: some seed did not improve enough: {g}"


def test_check_fails_without_learning(learning_runs):
    """The control (learning rate ~0) does not pass the same check, so the check can fail."""
    g = gains(learning_runs, CONTROL)
    assert g.mean() < MIN_MEAN_GAIN, g
