"""The claims' per-run measures (measures.py) on hand-worked examples, their planted and null
behaviour through the claims' statistics, and the Undecidable path end to end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from claims_helpers import ALGOS, DEFAULTS, DISTRAL, FRAMES, TASKS, claim_by_id, make_suite, suite_data
from distral import cli
from distral.analysis import claims as C
from distral.analysis import measures as M
from distral.io import write_csv

BASELINES = ["A3C_multitask", "A3C_2col"]


# ---- degradation: peak of the smoothed task-averaged curve minus its end


def test_peak_minus_end_by_hand():
    # trailing 3-bin means: 1, 8/3, 4, 5, 13/3, 10/3, 2 -> peak 5, end 2
    assert M.peak_minus_end(np.array([0, 1, 2, 5, 5, 5, 3, 2, 1.0])) == pytest.approx(3.0)
    assert M.peak_minus_end(np.array([0, 1, 2, 3.0])) == 0.0          # never falls
    assert M.peak_minus_end(np.array([4, 0.0])) == 0.0                # shorter than the window: one window
    # one lucky bin is smoothed away: a spike of 9 among 1s is a peak of 11/3, not 9
    assert M.peak_minus_end(np.array([1, 1, 9, 1, 1, 1.0])) == pytest.approx(11 / 3 - 1)


def curve_rows(scores: dict, hp="h0", seed=0, algo="A3C_2col") -> list[dict]:
    return [dict(algo=algo, hp=hp, seed=seed, task=task, policy="task", frames=1000 * (i + 1), score=v)
            for task, values in scores.items() for i, v in enumerate(values) if v is not None]


def test_degradation_averages_tasks_first_and_skips_bins_a_task_lacks():
    """Run (h0, 0): t0 = 2, 4, 6, 6, 0, 0; t1 starts one bin late: -, 0, 2, 2, 0, 0. Bins where both
    have data: mean 2, 4, 4, 0, 0 -> trailing means 10/3, 8/3, 4/3 -> peak - end = 2. Run (h0, 1)
    rises: 0."""
    curves = pd.DataFrame(curve_rows({"t0": [2, 4, 6, 6, 0, 0], "t1": [None, 0, 2, 2, 0, 0]})
                          + curve_rows({"t0": [0, 1, 2, 3, 4, 5], "t1": [0, 1, 2, 3, 4, 5]}, seed=1))
    runs = curves[["algo", "hp", "seed", "task", "policy"]].drop_duplicates()
    values = M.degradation(curves, runs)
    assert values.to_dict() == pytest.approx({("h0", 0): 2.0, ("h0", 1): 0.0})


def degrading(drop: dict, seeds: int = 6, noise: float = 0.05, seed: int = 0):
    """make_suite's rising curves, then each algorithm's curve falls by drop[algo] x level over the
    last half of the budget (linearly), final scores following the curves."""
    data = suite_data(make_suite({a: 1.0 for a in ALGOS}, seeds=seeds, noise=noise, seed=seed))
    curves = data.curves
    frac = curves["frames"] / FRAMES
    fall = curves["algo"].map(drop).fillna(0.0) * np.clip((frac - 0.5) / 0.5, 0, 1)
    curves["score"] = curves["score"] - fall
    last = curves[curves["frames"] == FRAMES].set_index(["algo", "hp", "seed", "task", "policy"])["score"]
    key = pd.MultiIndex.from_frame(data.runs[["algo", "hp", "seed", "task", "policy"]])
    data.runs["final_score"] = last.reindex(key).to_numpy()
    return data


def test_degradation_claim_planted_and_reversed():
    claim = claim_by_id("mazes-baselines-degrade")
    planted = C.deep_estimate(degrading({a: 0.6 for a in BASELINES}), claim, DEFAULTS, None)
    # baselines without noise: bins k = 1..8 at 1 - exp(-3 k / 8), minus 0.15, 0.3, 0.45, 0.6 in bins
    # 5-8; trailing 3-bin means peak at bins 3-5 and end at bins 6-8; Distral's curves never fall
    k = np.arange(1, 9)
    curve = 1 - np.exp(-3 * k / 8) - 0.6 * np.clip((k / 8 - 0.5) / 0.5, 0, 1)
    by_hand = curve[2:5].mean() - curve[5:8].mean()
    assert by_hand == pytest.approx(0.2422, abs=1e-4)
    assert C.verdict(planted, 4)[0] == "reproduced" and planted.effect == pytest.approx(by_hand, abs=0.02)
    reversed_ = C.deep_estimate(degrading({a: 0.6 for a in DISTRAL}), claim, DEFAULTS, None)
    assert C.verdict(reversed_, 4)[0] == "contradicted"


# ---- final_spread: Brown-Forsythe's absolute deviations from the median


def per_run(values, hps=None) -> pd.Series:
    """Per-run values indexed by (hp, seed), as run_means gives them (one hp unless `hps`)."""
    hps = hps or ["h0"] * len(values)
    index = pd.MultiIndex.from_arrays([hps, range(len(values))], names=["hp", "seed"])
    return pd.Series(values, index=index, dtype=float)


def test_final_spread_by_hand_and_is_scipys_brown_forsythe():
    assert M.final_spread(per_run([1.0, 2.0, 4.0, 10.0])).tolist() == [2.0, 1.0, 1.0, 7.0]  # median 3
    # per hp setting: h1's level (medians 3 and 101) is not spread
    two = per_run([1.0, 2.0, 4.0, 10.0, 100.0, 101.0, 103.0], ["h0"] * 4 + ["h1"] * 3)
    assert M.final_spread(two).tolist() == [2.0, 1.0, 1.0, 7.0, 1.0, 0.0, 2.0]
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 6), rng.normal(0, 3, 7)
    dev_a, dev_b = M.final_spread(per_run(a)), M.final_spread(per_run(b))
    # Levene's test centred on the median (Brown-Forsythe) is the one-way ANOVA of these deviations
    assert stats.levene(a, b, center="median").statistic == pytest.approx(stats.f_oneway(dev_a, dev_b).statistic)


def spread_suite(sd: dict, seeds: int = 6, seed: int = 0):
    """Flat curves at 1; each run's final score shifted by N(0, sd[algo]) (the same on every task)."""
    data = suite_data(make_suite({a: 1.0 for a in ALGOS}, seeds=seeds, noise=0.0, seed=seed))
    rng = np.random.default_rng(seed)
    shift = {(a, h, s): rng.normal(0, sd.get(a, 0.2)) for a in ALGOS for h in ("h0", "h1") for s in range(seeds)}
    data.runs["final_score"] = data.runs["final_score"] + [shift[k] for k in
                                                           zip(data.runs["algo"], data.runs["hp"], data.runs["seed"])]
    return data


def test_unstable_baselines_by_hand_through_the_claim():
    data = spread_suite({})
    values = C.run_values(data, claim_by_id("mazes-baselines-unstable"), "A3C_2col", None)
    finals = C.run_means(data.runs[(data.runs["algo"] == "A3C_2col") & (data.runs["hp"] == "h0")
                                   & (data.runs["policy"] == "task")].set_index(["hp", "seed", "task"])["final_score"])
    assert values == pytest.approx(np.abs(finals - np.median(finals)).to_numpy())


def test_unstable_baselines_planted_and_reversed():
    claim = claim_by_id("mazes-baselines-unstable")
    # 12 seeds: the verdict's union bound over the 2 x 2 hp choices (verdicts.union_bound) needs them
    planted = C.deep_estimate(spread_suite({a: 2.0 for a in BASELINES}, seeds=12), claim, DEFAULTS, None)
    assert C.verdict(planted, 4)[0] == "reproduced" and planted.effect > 0.5
    reversed_ = C.deep_estimate(spread_suite({a: 2.0 for a in DISTRAL}, seeds=12), claim, DEFAULTS, None)
    assert C.verdict(reversed_, 4)[0] == "contradicted"


def null_effects(claim_id: str, make, n: int = 30) -> np.ndarray:
    """The claim's pooled effect (no bootstrap) on n null data sets made by make(seed)."""
    claim = claim_by_id(claim_id)
    sign = 1.0 if claim["direction"] == "greater" else -1.0
    out = []
    for s in range(n):
        data = make(s)
        samples = [C.run_values(data, claim, algo, None) for algo in claim["a"] + claim["b"]]
        out.append(C.pooled_contrast(len(claim["a"]), sign)(*samples))
    return np.array(out)


@pytest.mark.parametrize("claim_id, make", [
    ("mazes-baselines-degrade", lambda s: degrading({}, noise=0.3, seed=s)),
    ("mazes-baselines-unstable", lambda s: spread_suite({}, seed=s))])
def test_no_effect_under_the_null(claim_id, make):
    """Every algorithm alike: the measure favours neither group (mean effect within 3 Monte Carlo
    standard errors of 0), though degradation is > 0 for every noisy curve. The error rate of the
    verdict itself is the statistics' business (test_claims)."""
    effects = null_effects(claim_id, make)
    assert abs(effects.mean()) < 3 * effects.std(ddof=1) / np.sqrt(effects.size)
    assert effects.std() > 0


# ---- the early window


def test_early_window_with_and_without_data():
    data = suite_data(make_suite({a: 1.0 for a in ALGOS}))  # first bin ends at 1000 of 8000 frames
    claim = claim_by_id("mazes-kl-early")
    assert np.isfinite(C.deep_estimate(data, claim, DEFAULTS, 0.125).effect)  # the first bin is the window
    with pytest.raises(M.Undecidable, match=r"no early data at this budget: the first curve bin with data ends "
                                            r"at 1000 frames per task, past the first 0.1 of the budget \(800 of 8000"):
        C.deep_estimate(data, claim, DEFAULTS, 0.1)
    # seed 1 of every algorithm starts late (no episode before 3000 frames): vs_start undecidable too
    late = (data.curves["seed"] == 1) & (data.curves["frames"] < 3000)
    data.curves = data.curves[~late]
    with pytest.raises(M.Undecidable, match="ends at 3000 frames per task, past the first 0.25"):
        C.deep_estimate(data, claim_by_id("mazes-improves"), DEFAULTS, 0.25)
    assert np.isfinite(C.deep_estimate(data, claim_by_id("mazes-improves"), DEFAULTS, 0.5).effect)


# ---- the A3C normaliser


def flag_runs(suite: str = "navigation") -> tuple[pd.DataFrame, pd.DataFrame]:
    """A3C finals per task at hp h0 (the best) and h1; the random policy's mean return, std, n.
    a: ref 4 (h0 finals 4, 2: run-to-run sd sqrt 2), random 1 +- 0.8/4: margin 3 > 2 sqrt(2.04) = 2.857.
    b: ref 1.5 (h0 finals 1.5, 1: sd 0.354), random 1 +- 0.2: margin 0.5 <= 2 x sqrt(0.125 + 0.04) = 0.812.
    c: ref 0: not positive (navigation) / no margin over random 0 (mazes)."""
    finals = {"a": [4, 2, 1], "b": [1.5, 1.0, 0.5], "c": [0, 0, -1]}
    runs = pd.DataFrame([dict(suite=suite, algo="A3C", hp=hp, seed=s, task=t, policy="task", final=float(v))
                         for t, vs in finals.items() for (hp, s), v in zip([("h0", 0), ("h0", 1), ("h1", 0)], vs)])
    random = pd.DataFrame(dict(suite=suite, task=["a", "b", "c"], n_episodes=16, mean_return=[1.0, 1.0, 0.0],
                               std_return=[0.8, 0.8, 0.0]))
    return runs, random


def test_normaliser_flags_by_hand():
    flags = M.normaliser_flags(*flag_runs(), "navigation").set_index("task")
    assert list(flags.index) == ["b", "c"]
    assert flags.loc["b", "reference"] == 1.5 and flags.loc["b", "random"] == 1.0
    assert "margin 0.5 <= 2 x SE 0.406 (A3C run-to-run 0.354, random 0.2)" in flags.loc["b", "reason"]
    assert "a" not in flags.index  # margin 3 > 2 x sqrt(2 + 0.04) = 2.86
    assert flags.loc["c", "reason"].startswith("reference not positive")
    # one seed at the reference's hp: its spread taken as 0, b's margin 0.5 > 2 x 0.2 passes
    runs, random = flag_runs()
    one_seed = M.normaliser_flags(runs[runs["seed"] == 0], random, "navigation")
    assert list(one_seed["task"]) == ["c"]
    mazes = M.normaliser_flags(*flag_runs("mazes"), "mazes").set_index("task")
    assert list(mazes.index) == ["b", "c"] and "not clearly above" in mazes.loc["c", "reason"]


def test_a_flagged_normaliser_makes_the_suites_claims_undecidable():
    runs, random = flag_runs()
    with pytest.raises(M.Undecidable, match="A3C normaliser of task\\(s\\) b, c not clearly above"):
        M.check_normaliser(runs, random)
    M.check_normaliser(*flag_runs("mazes"))  # raw returns: nothing rests on the normaliser


def test_common_scale_by_hand():
    runs, random = flag_runs("mazes")
    runs = pd.concat([runs, runs.assign(algo="KL_1col", final=[3.0, 2.5, 0, 1, 1, 1, 0, 0, 0])])
    scaled, flagged = M.common_scale(runs, random)
    assert flagged == ["b", "c"] and set(scaled["task"]) == {"a"}
    # task a: random 1, best A3C 4: (final - 1) / 3
    assert scaled["scaled"].tolist() == pytest.approx([1.0, 1 / 3, 0.0, 2 / 3, 0.5, -1 / 3])


def test_iqm_on_the_common_scale_by_hand():
    """No noise: every h0 final is level x (1 - e^-3) = level x c; random r: scaled = (L c - r) / (c - r)
    with A3C's level 1 the reference. With r = 0.2, Distral (level 2): (2c - 0.2) / (c - 0.2)."""
    c, r = 1 - np.exp(-3.0), 0.2
    lv = {a: (2.0 if a in DISTRAL else 1.0) for a in ALGOS}
    data = suite_data(make_suite(lv, noise=0.0, random=r))
    table = C.aggregate_scores(data, "mazes", DEFAULTS).set_index(["algo", "policy"])
    assert table.loc[("KL_1col", "task"), "iqm"] == pytest.approx((2 * c - r) / (c - r))
    assert table.loc[("A3C", "task"), "iqm"] == pytest.approx(1.0)
    assert (table["tasks"] == len(TASKS)).all() and (table["left_out"] == "").all()
    profile = C.performance_profile(data, "mazes", points=5)
    distral = profile[profile["algo"] == "KL_1col"]
    assert distral["tau"].max() == pytest.approx((2 * c - r) / (c - r))
    # every scaled score of KL_1col equals the top tau: above every tau but the last
    assert distral["fraction_above"].tolist() == [1.0, 1.0, 1.0, 1.0, 0.0]


def test_iqm_leaves_out_a_flagged_task():
    data = suite_data(make_suite({a: 1.0 for a in ALGOS}, noise=0.0, random=0.2))
    a3c_t1 = (data.runs["algo"] == "A3C") & (data.runs["task"] == "t1")
    data.runs.loc[a3c_t1, "final"] = 0.1  # below the random policy's 0.2
    table = C.aggregate_scores(data, "mazes", DEFAULTS)
    assert (table["tasks"] == 2).all() and (table["left_out"] == "t1").all()


# ---- Undecidable end to end: `python -m distral claims`


def test_cli_records_undecidable_claims_as_inconclusive_with_the_reason(tmp_path):
    from test_claims import levels, seal_aggregates, write_inputs
    params = write_inputs(tmp_path, levels(2.0, 1.0))
    # navigation: the A3C reference of t2 falls below the random policy
    nav = tmp_path / "results/smoke/navigation"
    runs = pd.read_csv(nav / "runs.csv")
    runs.loc[(runs["algo"] == "A3C") & (runs["task"] == "t2"), "final"] = -1.0
    write_csv(runs, nav / "runs.csv")
    # laser-tag: no curve bin within the first quarter of the budget
    lt = tmp_path / "results/smoke/laser-tag"
    curves = pd.read_csv(lt / "curves.csv")
    write_csv(curves[curves["frames"] > 0.25 * FRAMES], lt / "curves.csv")
    seal_aggregates(tmp_path)  # the edited aggregates as an aggregation would have written them
    argv = ["claims", "--profile", "smoke", "--params", str(params), "--root", str(tmp_path)]
    assert cli.main(argv) == 0
    table = pd.read_csv(tmp_path / "paper_tables/smoke/claims.csv").set_index("claim")
    nav_rows = table[table["suite"] == "navigation"]
    assert (nav_rows["verdict"] == "inconclusive").all()
    assert nav_rows["reason"].str.contains("A3C normaliser of task\\(s\\) t2 not clearly above").all()
    assert (nav_rows["runs_per_algo"] == 6).all()  # the runs it would rest on, not 0: it has no test
    for cid in ("lt-1col-beats-2col-early", "lt-improves"):
        assert table.loc[cid, "verdict"] == "inconclusive"
        assert table.loc[cid, "reason"].startswith("no early data at this budget: the first curve bin with data "
                                                   "ends at 3000 frames per task")
    assert table.loc["lt-distral-beats-multitask", "verdict"] == "reproduced"  # not resting on the window
    assert table.loc["mazes-distral-final", "verdict"] == "reproduced"
    markdown = (tmp_path / "paper_tables/smoke/claims.md").read_text()
    assert "## Tasks whose A3C reference is not clearly above the random policy" in markdown
    assert "| navigation | t2 | " in markdown
    scores = pd.read_csv(tmp_path / "paper_tables/smoke/aggregate_scores.csv")
    assert (scores[scores["suite"] == "navigation"]["left_out"] == "t2").all()
    budget = yaml.safe_load((tmp_path / "params.yaml").read_text())["profiles"]["smoke"]["deep"]
    assert budget["frames_per_task"] == FRAMES


def test_the_profile_figure_labels_the_common_scale():
    from distral.analysis.profiles import TAU_LABEL, performance_profiles_figure
    profile = C.performance_profile(suite_data(make_suite({a: 1.0 for a in ALGOS})), "mazes", points=5)
    fig = performance_profiles_figure(profile, "smoke", {a: {} for a in ALGOS})
    assert fig.axes[0].get_xlabel() == TAU_LABEL == "tau: (final - random) / (best A3C - random)"
    notes = lambda f: [t.get_text() for t in f.texts if t.get_text().startswith("not drawn")]  # noqa: E731
    assert not notes(fig)  # every trained suite has its panel: no note
    fig = performance_profiles_figure(profile, "smoke", {a: {} for a in ALGOS}, ["mazes", "navigation"])
    assert notes(fig) == [
        "not drawn: navigation (no task whose best A3C run is clearly above the random policy, so no common "
        "scale; claims.md lists the tasks)"]


def test_cli_with_every_task_flagged_writes_nan_scores_and_an_empty_profile(tmp_path):
    """A random policy above every A3C reference: every task is left out of the common scale; the
    command still writes every output (NaN IQMs naming the tasks left out, a profile without data)."""
    from test_claims import levels, seal_aggregates, write_inputs
    params = write_inputs(tmp_path, levels(2.0, 1.0))
    for suite in ("mazes", "navigation", "laser-tag"):
        path = tmp_path / f"results/smoke/{suite}/random.csv"
        write_csv(pd.read_csv(path).assign(mean_return=10.0), path)
    seal_aggregates(tmp_path)
    argv = ["claims", "--profile", "smoke", "--params", str(params), "--root", str(tmp_path)]
    assert cli.main(argv) == 0
    scores = pd.read_csv(tmp_path / "paper_tables/smoke/aggregate_scores.csv")
    assert scores["iqm"].isna().all() and (scores["tasks"] == 0).all() and (scores["left_out"] == "t0 t1 t2").all()
    assert pd.read_csv(tmp_path / "figures/smoke/performance_profiles.csv").empty
    assert (tmp_path / "figures/smoke/performance_profiles.png").stat().st_size > 0
    table = pd.read_csv(tmp_path / "paper_tables/smoke/claims.csv").set_index("claim")
    assert table.loc["mazes-distral-final", "verdict"] == "reproduced"  # raw returns: not resting on the normaliser
    assert (table[table["suite"] == "laser-tag"]["verdict"] == "inconclusive").all()
