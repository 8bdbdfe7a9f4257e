"""The seven algorithms learn the toy multitask pixel suite at a setting of the paper's grid
(App. B.2) exactly as params.yaml states it, and pi_0 learns too (it stayed frozen under the old optimiser).

Checks are statistical, over seeds, each with a control that fails it:
- task policies: last-quarter mean return well above random play (about -0.05; best about
  +0.95); control: A3C with a learning rate of ~0;
- pi_0 (the distilled policy, or A3C_multitask's common policy): its evaluation return at
  the end beats the one at frame 0; control: KL_1col with the optimiser this project used
  at first (RMSProp epsilon 0.1, global clipping, torch's mean-square start, one summed step),
  under which pi_0 stayed at its initialisation;
- KL(pi_i || pi_0) falls from its peak for KL_1col, as pi_0 follows the tasks (with the
  entropy term, KL+ent_1col's task policies may stay further from pi_0, as Sec. 4.2 says
  of KL+ent's distilled policies, so it is not asserted there).
"""

from __future__ import annotations

import multiprocessing as mp
from io import StringIO

import numpy as np
import pandas as pd
import pytest

from deep_helpers import quarters, run_toy

ALGOS = ["A3C", "A3C_multitask", "A3C_2col", "KL_1col", "KL+ent_1col", "KL_2col", "KL+ent_2col"]
WITH_PI0 = ["A3C_multitask", "KL_1col", "KL+ent_1col", "KL_2col", "KL+ent_2col"]
# Two seeds (three until the CI ran over its time budget): on seeds 0-1 the closest checks
# were A3C_multitask's last quarter 0.58 / 0.60 and KL+ent_2col's pi_0 gain 0.18 / 0.30; the
# third seed (0.83; 0.38) decided none. A control only has to show that its check fails: one seed.
SEEDS = [0, 1]
CONTROL_SEEDS = [0]
FRAMES = 32000  # env frames per task: 8,000 agent steps per task, 100 updates of 4 envs x 20 steps
# Without pi_0 to check, half as long: A3C's and A3C_2col's task policies reach 0.86-0.88 by
# the second eighth of the full run (measured, seeds 0-2), and a frozen network's return
# does not depend on the length. pi_0 moves late (its gains come after update 50).
FRAMES_TASKS_ONLY = FRAMES // 2
# KL_1col (and its old-optimiser control) twice as long: whether KL(pi_i||pi_0) has turned down
# by update 100 depends on the seed (seed 0: with one summed step on the shared parameters it
# peaked at 0.58 and ended at 0.43; with a step per task, `shared_steps: per_task`, it was still
# rising, 0.61 at update 90); by update 200 it has fallen to a third or less of its peak on both
# seeds in both settings (measured 2026-12-05: per_task 0.55 -> 0.18, 0.56 -> 0.04; once
# 0.56 -> 0.24, 0.54 -> 0.05; docs/notes/2026-12-05-shared-parameters-steps.md).
FRAMES_KL = 2 * FRAMES
KL_ALGOS = ["KL_1col"]
MIN_LAST_QUARTER = 0.5  # task policies: mean over seeds of the last quarter's mean return
MIN_SEED_LAST_QUARTER = 0.3  # ... and in every seed
MIN_PI0_GAIN = 0.15  # pi_0: mean of the last two evaluations minus the frame-0 one, mean over seeds
# (measured: 1col 0.7-0.8, 2col and A3C_multitask 0.2-0.3; the old optimiser's frozen pi_0 -0.07)
# 16 evaluation episodes per task: with 4, a frozen pi_0's evaluations alone swung by 0.4 (docs/deep.md, Calibration)
FROZEN, OLD_OPTIMISER = "A3C_lr0", "KL_1col_eps0.1_global_clip"
CONTROLS = {FROZEN: ("A3C", {"learning_rate": 1e-12}), OLD_OPTIMISER: ("KL_1col", {"epsilon": 0.1, "clip": "global", "mean_square_start": "zero", "shared_steps": "once"})}


@pytest.fixture(scope="module")
def learning_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("learning")
    keys = [(a, s) for a in ALGOS for s in SEEDS] + [(name, s) for name in CONTROLS for s in CONTROL_SEEDS]

    def job(name, seed):
        algo, change = CONTROLS.get(name, (name, None))
        frames = FRAMES_KL if algo in KL_ALGOS else FRAMES if algo in WITH_PI0 else FRAMES_TASKS_ONLY
        return algo, seed, frames, change, str(out / name if name in CONTROLS else out)

    jobs = [job(name, seed) for name, seed in keys]
    with mp.get_context("spawn").Pool(2) as pool:
        results = pool.map(run_toy, jobs, chunksize=1)
    return dict(zip(keys, results))


def seeds_of(algo):
    return CONTROL_SEEDS if algo in CONTROLS else SEEDS


def last_quarters(runs, algo):
    q = np.array([quarters(runs[(algo, s)][0])[3] for s in seeds_of(algo)])
    print(algo, "last-quarter mean return per seed", np.round(q, 3))
    return q


def pi0_gains(runs, algo):
    gains = []
    for s in seeds_of(algo):
        ep = pd.read_csv(StringIO(runs[(algo, s)][0]))
        evals = ep[ep.policy == "distilled"].groupby("frames").episode_return.mean()
        gains.append(evals.iloc[-2:].mean() - evals.iloc[0])
        print(algo, "seed", s, "pi_0 evaluation return", np.round(evals.to_numpy(), 3))
    return np.array(gains)


@pytest.mark.parametrize("algo", ALGOS)
def test_task_policies_learn_at_the_paper_grid(learning_runs, algo):
    q = last_quarters(learning_runs, algo)
    assert q.mean() >= MIN_LAST_QUARTER, f"{algo}: last-quarter return {q}"
    assert q.min() >= MIN_SEED_LAST_QUARTER, f"{algo}: some seed did not learn: {q}"


def test_task_check_fails_without_learning(learning_runs):
    assert last_quarters(learning_runs, FROZEN).mean() < MIN_LAST_QUARTER


@pytest.mark.parametrize("algo", WITH_PI0)
def test_distilled_policy_learns(learning_runs, algo):
    g = pi0_gains(learning_runs, algo)
    assert g.mean() >= MIN_PI0_GAIN, f"{algo}: pi_0 evaluation gain per seed {g}"


def test_distilled_check_fails_with_the_old_optimiser(learning_runs):
    """The RMSProp epsilon bug (epsilon 0.1 outside the square root freezes pi_0) fails the same check."""
    assert pi0_gains(learning_runs, OLD_OPTIMISER).mean() < MIN_PI0_GAIN


@pytest.mark.parametrize("algo", KL_ALGOS)
def test_kl_to_the_distilled_policy_falls(learning_runs, algo):
    """KL(pi_i||pi_0) rises as the task policies leave the random start, then falls as pi_0 follows."""
    for s in SEEDS:
        diag = pd.read_csv(StringIO(learning_runs[(algo, s)][1]))
        kl = diag[diag.metric == "kl_pi_i_pi_0"].groupby("frames").value.mean().to_numpy()
        print(algo, "seed", s, "KL(pi_i||pi_0)", np.round(kl, 3))
        assert kl_fell(kl), f"{algo} seed {s}: KL did not fall from its peak: {kl}"


def kl_fell(kl: np.ndarray) -> bool:
    """KL ends at least KL_FALL below its peak. Measured (debiased mean square, 200 updates): KL_1col
    ends at a third or less of its peak on seeds 0-1 (see FRAMES_KL); a frozen pi_0 (the old
    optimiser, below) only rises, so its last value is its peak."""
    return bool(kl[-1] < (1 - KL_FALL) * kl.max())


KL_FALL = 0.1


def test_kl_check_fails_with_the_old_optimiser(learning_runs):
    """With pi_0 frozen (the RMSProp epsilon bug) KL(pi_i||pi_0) never falls from its peak: the check fails."""
    for s in CONTROL_SEEDS:
        diag = pd.read_csv(StringIO(learning_runs[(OLD_OPTIMISER, s)][1]))
        kl = diag[diag.metric == "kl_pi_i_pi_0"].groupby("frames").value.mean().to_numpy()
        assert not kl_fell(kl), f"old optimiser seed {s}: {kl}"
