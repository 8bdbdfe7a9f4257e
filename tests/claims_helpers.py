"""Synthetic suite aggregates whose answer is known, for the claims tests (tests/analysis/test_claims.py)
and the learning checks against the random policy (tests/deep/test_random_policy.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from distral.analysis import claims as C

ALGOS = ["A3C", "A3C_multitask", "A3C_2col", "KL_1col", "KL+ent_1col", "KL_2col", "KL+ent_2col"]
DISTILLED = ["A3C_multitask", "KL_1col", "KL+ent_1col", "KL_2col", "KL+ent_2col"]
DISTRAL = ["KL_1col", "KL+ent_1col", "KL_2col", "KL+ent_2col"]
FRAMES, BINS, TASKS = 8000, 8, ["t0", "t1", "t2"]
DEFAULTS = {"confidence": 0.95, "resamples": 500, "seed": 0, "min_runs": 4, "alpha": 0.05, "correction": "holm",
            "power": 0.8}


def claim_by_id(cid: str) -> dict:
    return next(c for c in C.load_registry()["claims"] if c["id"] == cid)


def make_suite(levels: dict, seeds: int = 6, noise: float = 0.05, seed: int = 0, suite: str = "mazes",
               rates: dict | None = None, random: float = 0.0) -> dict:
    """Aggregates in the contract's format. A run's score curve is level * (1 - exp(-rate * frac))
    + noise (frac = frames / budget); hp 'h0' is selected, 'h1' reaches a tenth of the level.
    The random policy scores `random` on every task."""
    rng, rates = np.random.default_rng(seed), rates or {}
    runs, curves = [], []
    for algo in ALGOS:
        for policy in ["task"] + (["distilled"] if algo in DISTILLED else []):
            for hp, scale in (("h0", 1.0), ("h1", 0.1)):
                for s in range(seeds):
                    for task in TASKS:
                        frac = np.arange(1, BINS + 1) / BINS
                        score = scale * levels[algo] * (1 - np.exp(-rates.get(algo, 3.0) * frac))
                        score = score + noise * rng.standard_normal(BINS)
                        curves += [dict(suite=suite, algo=algo, hp=hp, seed=s, task=task, policy=policy,
                                        frames=int(f * FRAMES), **{"return": v}, score=v, n_episodes=3)
                                   for f, v in zip(frac, score)]
                        runs.append(dict(suite=suite, algo=algo, hp=hp, seed=s, task=task, policy=policy,
                                         status="completed", frames_reached=FRAMES, auc=score.mean(),
                                         final=score[-1], auc_score=score.mean(), final_score=score[-1]))
    selection = [dict(suite=suite, algo=a, policy=p, hp="h0", criterion="mean auc_score", n_runs=seeds)
                 for a in ALGOS for p in ["task"] + (["distilled"] if a in DISTILLED else [])]
    rand = pd.DataFrame(dict(suite=suite, task=TASKS, n_episodes=16, mean_return=random, std_return=0.1, divisor=1.0,
                             score=random, score_sem=0.1 / 4))
    return {"runs": pd.DataFrame(runs), "curves": pd.DataFrame(curves), "selection": pd.DataFrame(selection),
            "random": rand}


def suite_data(frames: dict) -> C.SuiteData:
    return C.SuiteData(frames["runs"], frames["curves"], frames["selection"], FRAMES, Path("synthetic"),
                       frames.get("random"))
