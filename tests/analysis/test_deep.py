"""Deep aggregation on hand-made logs, every expected number worked out by hand.

Budget of the hand-made runs (tests/analysis_logs.py): 200 frames per task, 10 frames per
update, evaluations at 0, 100, 200 (2 episodes each); 20 bins of 10 frames.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import analysis_logs as logs
from distral.analysis import deep, figs4_7, runlogs, style
from distral.sweep import Run

HP_A, HP_B = logs.BUDGET["hps"]
TASKS = ["t0", "t1"]


def aggregate(root, runs, suite="mazes", hps=(HP_A, HP_B)):
    episodes, infos = runlogs.read_deep_runs(runs, "smoke", root)
    return deep.aggregate_suite(episodes, infos, suite, 200, list(hps))


def evals(value):
    return logs.eval_rows(TASKS, [0, 100, 200], value)


def test_bins_are_right_closed_with_frame_zero_apart():
    edges = deep.bin_edges(200)
    assert edges.tolist() == list(range(0, 201, 10))
    assert deep.bin_of(np.array([0, 1, 10, 11, 200, 205]), edges).tolist() == [0, 1, 1, 2, 20, 20]
    assert deep.final_bins() == 1 and deep.final_bins(20, 0.1) == 2 and deep.final_bins(10, 0.05) == 1


def test_task_curve_auc_and_final_by_hand(tmp_path):
    # t0: episodes ending at frames 5 (return 1) and 8 (3) -> bin 1 = 2; bin 2 empty -> carries 2;
    # frame 25 (6) -> bin 3 = 6, carried to bin 20. AUC = (2 + 2 + 18 * 6) / 20 = 5.6; final = 6.
    # t1: first episode at frame 35 (4) -> bins 1..3 left out; bins 4..20 = 4: AUC 4, final 4.
    rows = [(5, "t0", "task", 0, 0, 1.0, 5), (8, "t0", "task", 1, 0, 3.0, 8), (25, "t0", "task", 0, 1, 6.0, 20),
            (35, "t1", "task", 0, 0, 4.0, 35)]
    logs.write_run(tmp_path, "mazes", "A3C", HP_A, 0, TASKS, rows)
    out = aggregate(tmp_path, [Run("mazes", "A3C", HP_A, 0)], hps=[HP_A])
    curve = out["curves"][out["curves"]["task"] == "t0"]
    assert curve["frames"].tolist()[:3] == [10, 20, 30]
    assert curve["return"].tolist()[:3] == [2.0, 2.0, 6.0] and curve["n_episodes"].tolist()[:3] == [2, 0, 1]
    assert len(out["curves"][out["curves"]["task"] == "t1"]) == 17
    runs = out["runs"].set_index("task")
    assert runs.loc["t0", "auc"] == pytest.approx(5.6) and runs.loc["t0", "final"] == 6.0
    assert runs.loc["t1", "auc"] == pytest.approx(4.0) and runs.loc["t1", "final"] == 4.0
    assert (runs["auc_score"] == runs["auc"]).all()  # mazes: raw returns
    assert set(out["runs"]["policy"]) == {"task"}  # A3C has no distilled policy


def test_distilled_curve_is_the_evaluations_by_hand(tmp_path):
    # evaluations of t0 at 0: (1, 1), 100: (3, 5), 200: (7, 9) -> 1, 4, 8 at bins 0, 10, 20.
    # AUC over bins 1..20 = (9 * 1 + 10 * 4 + 8) / 20 = 2.85; final = last evaluation = 8.
    table = {0: (1, 1), 100: (3, 5), 200: (7, 9)}
    rows = evals(lambda task, frames, k: table[frames][k] if task == "t0" else 0.0)
    logs.write_run(tmp_path, "mazes", "KL_1col", HP_A, 0, TASKS, rows)
    out = aggregate(tmp_path, [Run("mazes", "KL_1col", HP_A, 0)], hps=[HP_A])
    curve = out["curves"][(out["curves"]["task"] == "t0") & (out["curves"]["policy"] == "distilled")]
    assert curve["frames"].iloc[0] == 0 and curve["return"].iloc[0] == 1.0 and len(curve) == 21
    run = out["runs"].set_index(["task", "policy"]).loc[("t0", "distilled")]
    assert run["auc"] == pytest.approx(2.85) and run["final"] == 8.0
    task_policy = out["runs"].set_index(["task", "policy"]).loc[("t0", "task")]
    assert math.isnan(task_policy["auc"]) and math.isnan(task_policy["final"])  # no training episode ended


def test_a3c_normaliser_is_the_best_a3c_final_per_task(tmp_path):
    # A3C finals: t0 = 6 (hp A seed 0) and 4 (hp B seed 1); t1 = 2 and 5 -> references 6 and 5.
    # KL_1col scores 3 on both tasks throughout -> final_score t0 = 0.5, t1 = 0.6.
    a3c = {(HP_A, 0): (6.0, 2.0), (HP_B, 1): (4.0, 5.0)}
    runs = []
    for (hp, seed), (r0, r1) in a3c.items():
        logs.write_run(tmp_path, "navigation", "A3C", hp, seed, TASKS,
                       [(200, "t0", "task", 0, 0, r0, 9), (200, "t1", "task", 0, 0, r1, 9)])
        runs.append(Run("navigation", "A3C", hp, seed))
    rows = [(f, t, "task", 0, i, 3.0, 9) for i, f in enumerate((100, 200)) for t in TASKS] + evals(lambda *a: 3.0)
    logs.write_run(tmp_path, "navigation", "KL_1col", HP_A, 0, TASKS, rows)
    runs.append(Run("navigation", "KL_1col", HP_A, 0))
    out = aggregate(tmp_path, runs, suite="navigation")
    norm = out["normaliser"].set_index("task")
    assert norm["reference"].tolist() == [6.0, 5.0] and norm["divisor"].tolist() == [6.0, 5.0]
    assert norm.loc["t0", "best_hp"] == HP_A and norm.loc["t1", "best_seed"] == 1
    kl = out["runs"][(out["runs"]["algo"] == "KL_1col")].set_index(["task", "policy"])
    assert kl.loc[("t0", "task"), "final_score"] == pytest.approx(0.5)
    assert kl.loc[("t1", "task"), "final_score"] == pytest.approx(0.6)
    assert kl.loc[("t1", "distilled"), "final_score"] == pytest.approx(0.6)  # same reference for pi_0
    curves = out["curves"][out["curves"]["algo"] == "KL_1col"]
    assert np.allclose(curves["score"] * curves["task"].map({"t0": 6.0, "t1": 5.0}), curves["return"])


def test_no_positive_a3c_reference_keeps_raw_returns_and_says_so(tmp_path):
    logs.write_run(tmp_path, "laser-tag", "A3C", HP_A, 0, TASKS,
                   [(200, "t0", "task", 0, 0, 0.0, 9), (200, "t1", "task", 0, 0, 2.0, 9)])
    out = aggregate(tmp_path, [Run("laser-tag", "A3C", HP_A, 0)], suite="laser-tag", hps=[HP_A])
    norm = out["normaliser"].set_index("task")
    assert norm.loc["t0", "divisor"] == 1.0 and norm.loc["t0", "method"].startswith("raw")
    assert norm.loc["t1", "divisor"] == 2.0
    assert style.score_label(out["normaliser"]) == "score (return / best A3C;\nraw where no A3C reference)"


def test_selection_takes_the_hp_with_the_best_mean_auc_over_tasks_and_runs(tmp_path):
    # KL_1col: hp A runs have AUC 1 and 5 (mean 3), hp B 2 and 3.5 (mean 2.75) -> hp A.
    # A3C: hp A 0 and 10 (mean 5, with the best single run), hp B 6 and 6 (mean 6) -> hp B.
    values = {("KL_1col", HP_A): (1, 5), ("KL_1col", HP_B): (2, 3.5), ("A3C", HP_A): (0, 10), ("A3C", HP_B): (6, 6)}
    runs = []
    for (algo, hp), pair in values.items():
        for seed, v in enumerate(pair):
            rows = [(f, t, "task", 0, f // 10 - 1, float(v), 9) for f in range(10, 201, 10) for t in TASKS]
            if algo == "KL_1col":
                rows += evals(lambda *a: 0.0)
            logs.write_run(tmp_path, "mazes", algo, hp, seed, TASKS, rows)
            runs.append(Run("mazes", algo, hp, seed))
    out = aggregate(tmp_path, runs)
    sel = out["selection"].set_index(["algo", "policy"])
    assert sel.loc[("KL_1col", "task"), "hp"] == HP_A and sel.loc[("KL_1col", "task"), "criterion"] == 3.0
    assert sel.loc[("A3C", "task"), "hp"] == HP_B and sel.loc[("A3C", "task"), "n_runs"] == 2
    assert sel.loc[("KL_1col", "distilled"), "hp"] == HP_A  # all equal: the first hp in params order


def test_sorted_final_scores_and_untrained_network_line(tmp_path):
    # Four KL_2col runs with finals 3, 7, 5, 1 -> ranked 7, 5, 3, 1. Their frame-0 evaluations
    # (untrained networks) return 2 on t0 and 4 on t1 -> the A3C line of B1/B2 is 3.
    finals = {(HP_A, 0): 3.0, (HP_A, 1): 7.0, (HP_B, 0): 5.0, (HP_B, 1): 1.0}
    runs = []
    for (hp, seed), v in finals.items():
        rows = [(200, t, "task", 0, 0, v, 9) for t in TASKS]
        rows += evals(lambda task, frames, k, v=v: (2.0 if task == "t0" else 4.0) if frames == 0 else v)
        logs.write_run(tmp_path, "mazes", "KL_2col", hp, seed, TASKS, rows)
        runs.append(Run("mazes", "KL_2col", hp, seed))
    out = aggregate(tmp_path, runs)
    ranked = figs4_7.ranked_finals(out["runs"], "task")
    assert ranked["value"].tolist() == [7.0, 5.0, 3.0, 1.0] and ranked["rank"].tolist() == [1, 2, 3, 4]
    assert list(zip(ranked["hp"], ranked["seed"]))[0] == (HP_A, 1)
    assert figs4_7.ranked_finals(out["runs"], "distilled")["value"].tolist() == [7.0, 5.0, 3.0, 1.0]
    assert figs4_7.untrained_score(out["curves"]) == 3.0


def test_band_is_the_task_average_of_the_std_over_runs(tmp_path):
    # Two runs: t0 returns 1 and 3 (std 1.414), t1 returns 2 and 2 (std 0) -> band 0.707; mean 2.
    for seed, (r0, r1) in enumerate([(1.0, 2.0), (3.0, 2.0)]):
        rows = [(f, t, "task", 0, f // 10 - 1, r, 9) for f in range(10, 201, 10) for t, r in zip(TASKS, (r0, r1))]
        logs.write_run(tmp_path, "mazes", "A3C", HP_A, seed, TASKS, rows)
    out = aggregate(tmp_path, [Run("mazes", "A3C", HP_A, s) for s in (0, 1)], hps=[HP_A])
    bands = figs4_7.band_curves(out["curves"], out["selection"], "task")
    assert np.allclose(bands["mean"], 2.0) and np.allclose(bands["band"], math.sqrt(2) / 2)
    assert (bands["n_runs"] == 2).all()


def test_diverged_run_stays_in_with_its_last_good_score(tmp_path):
    # Diverged after 12 updates (120 frames): training episodes up to 120, evaluations at 0 and
    # 100 only. Task t0: return 2 until frame 60, 5 from 70 to 120 -> carried to the end:
    # final 5, AUC = (6 * 2 + 14 * 5) / 20 = 4.1. Distilled final = the evaluation at 100.
    rows = [(f, t, "task", 0, f // 10 - 1, 2.0 if f <= 60 else 5.0, 9) for f in range(10, 121, 10) for t in TASKS]
    rows += logs.eval_rows(TASKS, [0, 100], lambda task, frames, k: frames / 100)
    logs.write_run(tmp_path, "mazes", "KL_2col", HP_A, 0, TASKS, rows, status="diverged", updates=12)
    out = aggregate(tmp_path, [Run("mazes", "KL_2col", HP_A, 0)], hps=[HP_A])
    runs = out["runs"].set_index(["task", "policy"])
    assert (runs["status"] == "diverged").all() and (runs["frames_reached"] == 120).all()
    assert runs.loc[("t0", "task"), "final"] == 5.0 and runs.loc[("t0", "task"), "auc"] == pytest.approx(4.1)
    assert runs.loc[("t0", "distilled"), "final"] == 1.0
    assert out["curves"]["frames"].max() == 200  # the last good value is carried to the budget's end
    metrics = deep.suite_metrics(out["runs"], out["selection"])
    assert metrics["KL_2col"]["task"]["n_diverged"] == 1 and metrics["KL_2col"]["task"]["n_runs"] == 1


def test_eval_schedule_matches_the_trainer():
    assert runlogs.deep_eval_frames(20, 20, 10, 100) == [0, 100, 200]
    assert runlogs.deep_eval_frames(25, 25, 320, 4000) == [0, 4160, 8000]  # the smoke profile
    assert runlogs.deep_eval_frames(20, 12, 10, 100) == [0, 100]  # diverged after 12 updates
    assert runlogs.deep_eval_frames(3, 3, 10, 100) == [0, 30]


def test_aggregates_have_the_contract_columns(tmp_path):
    rows = [(200, t, "task", 0, 0, 1.0, 9) for t in TASKS] + evals(lambda *a: 1.0)
    logs.write_run(tmp_path, "mazes", "KL_1col", HP_A, 0, TASKS, rows)
    out = aggregate(tmp_path, [Run("mazes", "KL_1col", HP_A, 0)], hps=[HP_A])
    assert list(out["runs"].columns) == ["suite", "algo", "hp", "seed", "task", "policy", "status",
                                         "frames_reached", "auc", "final", "auc_score", "final_score"]
    assert list(out["curves"].columns) == ["suite", "algo", "hp", "seed", "task", "policy", "frames", "return",
                                           "score", "n_episodes"]
    assert list(out["selection"].columns) == ["suite", "algo", "policy", "hp", "criterion", "n_runs"]
    assert list(out["normaliser"].columns)[:3] == ["suite", "task", "reference"]
    assert isinstance(out["runs"], pd.DataFrame)


def test_a_user_suite_is_a3c_normalised_only_when_it_says_so():
    """params.yaml's `normalise: a3c` of a user suite (gymnasium backend) divides by the best A3C
    run per task, as App. B.2 does for navigation and laser-tag; `raw` (or nothing) keeps returns."""
    params = {"suites": {"mine": {"backend": "gymnasium", "normalise": "a3c"},
                         "plain": {"backend": "gymnasium", "normalise": "raw"}, "bare": {"backend": "gymnasium"}}}
    assert deep.normalises("mine", params) and deep.normalises("navigation", params)
    assert not any(deep.normalises(s, params) for s in ("plain", "bare", "mazes"))
    runs = pd.DataFrame({"algo": ["A3C"] * 4, "policy": ["task"] * 4, "task": ["t0", "t1", "t0", "t1"],
                         "final": [4.0, 2.0, 3.0, 2.5], "hp": [HP_A, HP_A, HP_B, HP_B], "seed": [0, 0, 1, 1]})
    scaled = deep.normaliser(runs, "mine", ["t0", "t1"], normalise=True)
    assert scaled["divisor"].tolist() == [4.0, 2.5] and (scaled["method"] == "score = return / reference").all()
    raw = deep.normaliser(runs, "plain", ["t0", "t1"], normalise=False)
    assert raw["divisor"].tolist() == [1.0, 1.0] and raw["reference"].tolist() == [4.0, 2.5]
    assert (raw["method"] == "raw returns (params.yaml: normalise: raw)").all()
    # the paper's suites keep their rule and their bytes
    assert deep.normaliser(runs, "mazes", ["t0", "t1"])["method"].iloc[0] == \
        "raw returns (the paper does not normalise this suite)"


def test_final_averages_the_chosen_last_share_of_the_budget():
    """A curve whose bin k holds k: final is 20 over the last 5 % (one bin of 20), 19.5 over 10 %,
    18.5 over 20 % (params.yaml analysis.final_fraction), and the normaliser says which it used."""
    curve = pd.DataFrame({"bin": np.arange(1, 21), "return": np.arange(1, 21, dtype=float)})
    assert deep.curve_final(curve, 20) == 20.0
    assert deep.curve_final(curve, 20, 0.10) == 19.5
    assert deep.curve_final(curve, 20, 0.20) == 18.5
    runs = pd.DataFrame({"algo": "A3C", "policy": "task", "task": "t", "final": [3.0], "hp": "h", "seed": 0})
    norm = deep.normaliser(runs, "navigation", ["t"], final_fraction=0.2)
    assert "over the last 20% of the budget" in norm.loc[0, "statistic"]
