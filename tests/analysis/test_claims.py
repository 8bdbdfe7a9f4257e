"""The claims report on synthetic aggregates whose answer is known: a planted
effect is reproduced, a reversed one contradicted, a null one inconclusive; same seed, same
bytes; a malformed registry is an error naming the key."""

from __future__ import annotations

import copy
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from claims_helpers import ALGOS, DEFAULTS, DISTRAL, FRAMES, claim_by_id, make_suite, suite_data
from distral import cli
from distral.analysis import aggregates
from distral.analysis import claims as C
from distral.analysis import verdicts as V
from distral.analysis.fig3 import GridMap
from distral.config import ParamsError
from distral.envs.gridworld import Layout
from distral.io import write_csv, write_json
from distral.tabular.logs import map_table

REPO = Path(__file__).resolve().parents[2]


def levels(distral: float, baseline: float) -> dict:
    return {a: (distral if a in DISTRAL else baseline) for a in ALGOS}


# ---- the statistic and the verdict rule


@pytest.mark.parametrize("distral, baseline, expected", [
    (2.0, 1.0, "reproduced"), (1.0, 2.0, "contradicted"), (1.0, 1.0, "inconclusive")])
def test_planted_reversed_null_effect(distral, baseline, expected):
    noise = 0.05 if distral != baseline else 0.5
    data = suite_data(make_suite(levels(distral, baseline), noise=noise))
    for cid in ("mazes-distral-final", "mazes-distral-faster"):
        est = C.deep_estimate(data, claim_by_id(cid), DEFAULTS, None)
        assert C.verdict(est, 4)[0] == expected, (cid, est)


def test_direction_less_flips_sign():
    """KL-only ending lower than KL+ent (direction: less) holds when KL ends lower."""
    lv = {a: 1.0 for a in ALGOS} | {"KL_1col": 0.5, "KL_2col": 0.5}
    est = C.deep_estimate(suite_data(make_suite(lv)), claim_by_id("mazes-kl-final"), DEFAULTS, None)
    assert est.effect == pytest.approx(0.5, abs=0.1) and C.verdict(est, 4)[0] == "reproduced"


def test_contrasts_match_hand_computation():
    a1, a2, b1 = np.array([3.0, 5.0]), np.array([1.0, 2.0]), np.array([0.0, 1.0])
    assert C.mean_contrast(-1.0)(a1, b1) == pytest.approx(-(4 - 0.5))
    assert C.pooled_contrast(2, 1.0)(a1, a2, b1) == pytest.approx((4 + 1.5) / 2 - 0.5)
    claim = {"a": ["x", "y"], "b": ["z"], "pairing": "all", "direction": "greater", "statistic": "difference"}
    est = C.pairwise_estimate({"x": a1, "y": a2, "z": b1}, claim, 0.05)
    assert est.effect == pytest.approx(1.5 - 0.5) and "y vs z" in est.detail
    # intersection-union: p_support is the weaker pair's Welch p; p_contra the pooled Welch test's
    welch_yz = stats.ttest_ind(a2, b1, equal_var=False, alternative="greater").pvalue
    pooled = stats.ttest_ind(np.r_[a1, a2], b1, equal_var=False, alternative="less").pvalue
    assert est.p_support == pytest.approx(welch_yz) and est.p_contra == pytest.approx(pooled)
    assert C.pairs({"a": ["p", "q"], "b": ["r", "s"], "pairing": "zip"}) == [("p", "r"), ("q", "s")]


def test_one_reversed_pair_is_not_reproduced():
    """"Distral beats all three baselines" is not reproduced if A3C beats the Distral runs; not
    contradicted either while the Distral group still beats the baselines' average."""
    lv = levels(2.0, 1.0) | {"A3C": 3.0}
    est = C.deep_estimate(suite_data(make_suite(lv)), claim_by_id("mazes-distral-final"), DEFAULTS, None)
    assert est.effect == pytest.approx(-1.0, abs=0.1) and est.low < 0 < est.high
    assert C.verdict(est, 4)[0] == "inconclusive"


def test_null_effect_rarely_decides():
    """Over 20 synthetic null data sets, a decided verdict on the 12-pair claim is rare."""
    decided = [C.verdict(C.deep_estimate(suite_data(make_suite(levels(1.0, 1.0), noise=0.5, seed=s)),
                                         claim_by_id("mazes-distral-final"), DEFAULTS, None), 4)[0]
               for s in range(20)]
    assert decided.count("inconclusive") >= 18, decided


def test_few_runs_are_inconclusive_whatever_the_interval():
    data = suite_data(make_suite(levels(2.0, 1.0), seeds=3))
    est = C.deep_estimate(data, claim_by_id("mazes-distral-final"), DEFAULTS, None)
    assert est.low > 0 and C.verdict(est, 4) == ("inconclusive", "fewer than 4 runs (3)")


def test_distilled_policy_falls_back_to_the_task_selection():
    frames = make_suite(levels(2.0, 1.0))
    frames["selection"] = frames["selection"][frames["selection"]["policy"] == "task"]
    data = suite_data(frames)
    assert C.selected_hp(data, "KL_2col", "distilled") == "h0"
    with pytest.raises(ValueError, match="no selected hp for algo 'nope'"):
        C.selected_hp(data, "nope", "task")


def test_non_finite_scores_are_inconclusive_not_an_error():
    frames = make_suite(levels(2.0, 1.0))
    frames["runs"].loc[frames["runs"]["algo"] == "A3C", "final_score"] = np.inf  # an A3C reference of 0
    est = C.deep_estimate(suite_data(frames), claim_by_id("mazes-distral-final"), DEFAULTS, None)
    assert C.verdict(est, 4) == ("inconclusive", "a non-finite score")


def test_good_fraction_and_threshold_moves_the_verdict():
    """Distral runs end at 1.0, baselines at 0.4 of the best: good at threshold 0.5 (reproduced);
    at 0.25 every run is good (no difference: inconclusive)."""
    data = suite_data(make_suite(levels(1.0, 0.4), noise=0.02))
    claim = claim_by_id("mazes-robust")
    assert C.verdict(C.deep_estimate(data, claim, DEFAULTS, 0.5), 4)[0] == "reproduced"
    low = C.deep_estimate(data, claim, DEFAULTS, 0.25)
    assert low.effect == pytest.approx(0.0) and C.verdict(low, 4)[0] == "inconclusive"
    # hand count: of each Distral algorithm's 12 runs (2 hps x 6 seeds) the 6 of h0 are good.
    assert C.run_values(data, claim, "KL_1col", 0.5).tolist() == [1.0] * 6 + [0.0] * 6


def test_early_score_uses_the_first_part_of_the_curve():
    """KL learns faster (rate 12) but to the same level: early score higher, final the same."""
    lv = {a: 1.0 for a in ALGOS}
    data = suite_data(make_suite(lv, rates={"KL_1col": 12.0, "KL_2col": 12.0}, noise=0.02))
    early = C.deep_estimate(data, claim_by_id("mazes-kl-early"), DEFAULTS, 0.25)
    assert C.verdict(early, 4)[0] == "reproduced"
    expected = (1 - np.exp(-12 * np.array([0.125, 0.25]))).mean() - (1 - np.exp(-3 * np.array([0.125, 0.25]))).mean()
    assert early.effect == pytest.approx(expected, abs=0.05)


def test_persistence_by_hand():
    layout = GridMap(map_table(Layout.from_rows(["#####", "#.#.#", "#...#", "#.#.#", "#####"])))
    corridor = layout.corridor_cells()
    rows = [dict(row=r, col=c, prev_action=p, prev_reward="step", action=a, seed=s,
                 prob=(pk if a == p else (1 - pk) / 4))
            for s, pk in enumerate([0.7, 0.8, 0.9, 0.6]) for r, c in corridor for p in ("left", "right")
            for a in ("stay", "up", "down", "left", "right")]
    per_seed = C.persistence_values(pd.DataFrame(rows), layout)
    assert per_seed.tolist() == pytest.approx([0.7, 0.8, 0.9, 0.6])
    claim = claim_by_id("gw-corridor")
    est = C.persistence_estimate(per_seed, claim, DEFAULTS, 0.4)
    assert est.effect == pytest.approx(0.75 - 0.4) and C.verdict(est, 4)[0] == "reproduced"
    # by hand: t = (0.75 - 0.4) / (s / 2), s = sd of (0.7, 0.8, 0.9, 0.6) = 0.1291, 3 df
    t = 0.35 / (np.std([0.7, 0.8, 0.9, 0.6], ddof=1) / 2)
    assert est.p_support == pytest.approx(stats.t.sf(t, 3)) and est.p_contra == pytest.approx(stats.t.cdf(t, 3))
    assert C.verdict(C.persistence_estimate(per_seed, claim, DEFAULTS, 0.99), 4)[0] == "contradicted"


def test_iqm_interval_contains_the_iqm_and_is_seeded():
    data = suite_data(make_suite(levels(2.0, 1.0), noise=0.3))
    one, two = C.aggregate_scores(data, "mazes", DEFAULTS), C.aggregate_scores(data, "mazes", DEFAULTS)
    pd.testing.assert_frame_equal(one, two)
    assert (one["ci_low"] <= one["iqm"]).all() and (one["iqm"] <= one["ci_high"]).all()
    # by hand on the common scale: per task, final / (the best A3C final of the task), random 0
    runs = data.runs[data.runs["policy"] == "task"]
    best = runs[runs["algo"] == "A3C"].groupby("task")["final"].max()
    sel = runs[(runs["algo"] == "A3C") & (runs["hp"] == "h0")]
    from scipy.stats import trim_mean
    assert one.set_index(["algo", "policy"]).loc[("A3C", "task"), "iqm"] == pytest.approx(
        trim_mean(sel["final"] / sel["task"].map(best), 0.25))


# ---- the registry


def test_packaged_registry_is_valid_and_covers_the_issue():
    ids = {c["id"] for c in C.load_registry()["claims"]}
    for needed in ("gw-faster", "gw-corridor", "mazes-distral-faster", "mazes-2col-faster", "mazes-kl-early",
                   "mazes-robust", "mazes-distilled-2col-best", "mazes-distilled-stable", "nav-distral-final",
                   "nav-2col-top-two", "lt-a3c-best-baseline", "lt-1col-beats-2col", "lt-plateau-without-entropy",
                   "lt-distral-beats-multitask"):
        assert needed in ids


@pytest.mark.parametrize("edit, key", [
    (lambda r: r["claims"][2].update(direction="bigger"), "claims.2.direction"),
    (lambda r: r["claims"][0].pop("sentence"), "claims.0"),
    (lambda r: r["claims"][3].update(colour="red"), "claims.3"),
    (lambda r: r["defaults"].update(min_runs=1), "defaults.min_runs"),
    (lambda r: r["claims"][8].pop("threshold"), "claims.8.threshold"),
    (lambda r: r["claims"][7].update(b=["KL_1col"]), "claims.7.pairing"),
])
def test_malformed_registry_names_the_key(tmp_path, edit, key):
    registry = copy.deepcopy(C.load_registry())
    edit(registry)
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump(registry))
    with pytest.raises(ParamsError, match=f"key '{key}"):
        C.load_registry(path)


# ---- the command, end to end


def gridworld_evals(seeds: int, points: int = 12) -> pd.DataFrame:
    """Grid-world evaluations: distral rises fast to a return of 1 in 10 steps and stays there;
    soft_q rises slowly to 0.8 in 14 steps and jumps around by +-0.1 (one task, a per-seed offset)."""
    rng, rows = np.random.default_rng(0), []
    for s in range(seeds):
        for i in range(points):
            frac = (i + 1) / points
            jump = 0.1 * (-1) ** i + 0.01 * rng.standard_normal()
            for algo, ret, steps in (("distral", 1 - np.exp(-10 * frac) + 0.01 * s, 10 + 0.1 * s + 30 * np.exp(-10 * frac)),
                                     ("soft_q", 0.8 * (1 - np.exp(-3 * frac)) + jump, 14 + 30 * np.exp(-3 * frac))):
                rows.append({"task": 0, "env_steps": int(frac * 20000), "return": ret, "steps_to_goal": steps,
                             "success_rate": 1.0, "algo": algo, "seed": s})
    return pd.DataFrame(rows)


def seal_aggregates(root: Path) -> None:
    """Hand-made (or hand-edited) aggregates need the checksum manifest the aggregate reader checks."""
    for suite in ["mazes", "navigation", "laser-tag", "gridworld", "mazes-mini"]:
        outputs = [*(root / f"results/smoke/{suite}").glob("*.csv")]
        if not outputs:
            continue
        write_json(aggregates.manifest(root, "test", [], {p: p for p in outputs}),
                   aggregates.manifest_file(root, "smoke", suite))


def write_inputs(root: Path, deep_levels: dict, gw_seeds: int = 5) -> Path:
    """Synthetic aggregates for every suite and grid-world inputs; a params file with enough seeds."""
    for i, suite in enumerate(["mazes", "navigation", "laser-tag"]):
        frames = make_suite(deep_levels, seed=i, suite=suite)
        for name, frame in frames.items():
            write_csv(frame, root / f"results/smoke/{suite}/{name}.csv")
    write_csv(gridworld_evals(gw_seeds), root / "results/smoke/gridworld/evals.csv")
    seal_aggregates(root)
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["profiles"]["smoke"]["gridworld"]["seeds"] = gw_seeds
    params["profiles"]["smoke"]["deep"]["frames_per_task"] = FRAMES  # the synthetic curves' budget
    params["profiles"]["smoke"]["deep"]["suites"] = ["mazes", "navigation", "laser-tag"]  # the paper's suites
    cells = map_table(Layout.from_rows(params["gridworld"]["layout"]))
    corridor = GridMap(cells).corridor_cells()
    for s in range(gw_seeds):
        run = root / f"results/smoke/gridworld/distral/appB1/{s}"
        write_csv(cells, run / "map.csv")
        wildcards = {"profile": "smoke", "suite": "gridworld", "algo": "distral", "hp": "appB1", "seed": s}
        write_json({"wildcards": wildcards, "status": "completed"}, run / "meta.json")
        keep = 0.75 + 0.02 * s  # P(repeat) per seed: mean 0.79, so 2 x 0.4 is within the noise
        rows = [dict(row=r, col=c, prev_action=p, prev_reward="step", action=a,
                     prob=keep if a == p else (1 - keep) / 4,
                     algo="distral", seed=s)
                for r, c in corridor for p in ("left", "right") for a in ("stay", "up", "down", "left", "right")]
        write_csv(pd.DataFrame(rows), root / f"results/smoke/gridworld/distral/appB1/{s}/pi0.csv")
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return root / "params.yaml"


OUTPUTS = ["paper_tables/smoke/claims.md", "paper_tables/smoke/claims.csv", "paper_tables/smoke/aggregate_scores.csv",
           "paper_tables/smoke/aggregate_scores.md", "paper_tables/smoke/aggregate_scores.tex",
           "figures/smoke/performance_profiles.png", "figures/smoke/performance_profiles.pdf",
           "figures/smoke/performance_profiles.csv"]


def digests(root: Path) -> dict:
    return {name: hashlib.sha256((root / name).read_bytes()).hexdigest() for name in OUTPUTS}


def test_cli_end_to_end_same_bytes(tmp_path):
    params = write_inputs(tmp_path, levels(2.0, 1.0))
    argv = ["claims", "--profile", "smoke", "--params", str(params), "--root", str(tmp_path)]
    assert cli.main(argv) == 0
    first = digests(tmp_path)
    assert cli.main(argv) == 0
    assert digests(tmp_path) == first
    table = pd.read_csv(tmp_path / "paper_tables/smoke/claims.csv").set_index("claim")
    assert table.loc["mazes-distral-final", "verdict"] == "reproduced"
    assert table.loc["lt-distral-beats-multitask", "verdict"] == "reproduced"
    assert table.loc["gw-faster", "verdict"] == "reproduced"
    assert table.loc["gw-faster-steps", "verdict"] == "reproduced"
    assert table.loc["gw-converges", "verdict"] == "reproduced"
    assert table.loc["gw-stable", "verdict"] == "reproduced"
    assert table.loc["gw-corridor", "verdict"] == "reproduced"
    assert table.loc["gw-corridor", "verdict_half"] == "reproduced"
    assert table.loc["gw-corridor", "verdict_double"] == "inconclusive"  # mean P(repeat) 0.79 vs 0.8
    assert table.loc["lt-a3c-best-baseline", "verdict"] == "inconclusive"  # all baselines equal
    assert (table["runs_per_algo"] >= 5).all() and (table["frames_per_task"] > 0).all()
    assert "✅ reproduced" in (tmp_path / "paper_tables/smoke/claims.md").read_text()
    # the sanity checks (random policy at 0, every curve rises): reproduced, first of their suite,
    # learns (vs random) then improves (vs its own start), and not counted among the claims
    for suite, prefix in (("mazes", "mazes"), ("navigation", "nav"), ("laser-tag", "lt")):
        rows = table[table["suite"] == suite]
        assert list(rows.index[:2]) == [f"{prefix}-learns", f"{prefix}-improves"]
        assert (rows["kind"].iloc[:2] == "sanity check").all() and (rows["kind"].iloc[2:] == "claim").all()
        assert (rows["verdict"].iloc[:2] == "reproduced").all()
        assert rows["detail"].iloc[:2].str.contains("best: KL").all()
    assert (table["kind"] == "claim").sum() == 26 and (table["kind"] == "sanity check").sum() == 6
    markdown = (tmp_path / "paper_tables/smoke/claims.md").read_text()
    assert "**Sanity checks first**" in markdown
    assert "minus its own early score (the mean of its curve over the first 0.25 of the budget" in markdown


def test_a_scaled_down_variant_is_asked_the_mazes_claims_as_a_family_of_its_own(tmp_path):
    """mazes-mini (params.yaml `variant_of: mazes`), trained beside the paper's suites: every mazes
    claim is asked of it under the id "mazes-mini:<id>", decided on its own runs (here the
    baselines win on it, where Distral wins on mazes) with its own Holm family, and claims.md
    says that it is not the paper's suite."""
    params_file = write_inputs(tmp_path, levels(2.0, 1.0))
    for name, frame in make_suite(levels(1.0, 2.0), seed=7, suite="mazes-mini").items():
        write_csv(frame, tmp_path / f"results/smoke/mazes-mini/{name}.csv")
    seal_aggregates(tmp_path)
    params = yaml.safe_load(params_file.read_text())
    params["profiles"]["smoke"]["deep"]["suites"].append("mazes-mini")
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))
    assert cli.main(["claims", "--profile", "smoke", "--params", str(params_file), "--root", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "paper_tables/smoke/claims.csv").set_index("claim")
    mazes = [c["id"] for c in C.load_registry()["claims"] if c["suite"] == "mazes"]
    variant = table[table["suite"] == "mazes-mini"]
    assert sorted(variant.index) == sorted(f"mazes-mini:{c}" for c in mazes)
    assert table.loc["mazes-distral-final", "verdict"] == "reproduced"
    assert table.loc["mazes-mini:mazes-distral-final", "verdict"] == "contradicted"
    assert all(variant.loc[f"mazes-mini:{c}", "family_size"] == table.loc[c, "family_size"] for c in mazes)
    text = (tmp_path / "paper_tables/smoke/claims.md").read_text()
    assert "**mazes-mini** is the mazes scaled down" in text and "`mazes-mini:mazes-distral-final`" in text


def test_cli_missing_aggregate_exits_2_and_writes_nothing(tmp_path, capsys):
    params = write_inputs(tmp_path, levels(2.0, 1.0))
    (tmp_path / "results/smoke/navigation/selection.csv").unlink()
    argv = ["claims", "--profile", "smoke", "--params", str(params), "--root", str(tmp_path)]
    assert cli.main(argv) == 2
    assert "navigation/selection.csv" in capsys.readouterr().err
    assert not (tmp_path / "paper_tables/smoke/claims.csv").exists()


def test_cli_malformed_registry_exits_2(tmp_path, capsys):
    params = write_inputs(tmp_path, levels(2.0, 1.0))
    bad = tmp_path / "bad.yaml"
    bad.write_text("defaults: {min_runs: 4}\nclaims: []\n")
    argv = ["claims", "--profile", "smoke", "--params", str(params), "--root", str(tmp_path), "--registry", str(bad)]
    assert cli.main(argv) == 2
    assert "key 'claims'" in capsys.readouterr().err


# ---- the new pieces: selection-aware pairs, the margin, the grid world's per-seed measures


def test_pair_test_with_two_hps_by_hand():
    """A's chosen hp must beat every hp of B; p x the number of A's settings (union bound)."""
    rng = np.random.default_rng(0)
    a = C.Candidates({"h0": rng.normal(2, 1, 5), "h1": rng.normal(0, 1, 5)}, "h0")
    b = C.Candidates({"h0": rng.normal(0, 1, 5), "h1": rng.normal(0.5, 1, 5)}, "h1")
    claim = {"statistic": "difference", "direction": "greater"}
    est = C.pair_test(a, b, claim, 0.05)
    worst = max(stats.ttest_ind(a.by_hp["h0"], b.by_hp[h], equal_var=False, alternative="greater").pvalue
                for h in ("h0", "h1"))
    contra = max(stats.ttest_ind(a.by_hp[h], b.by_hp["h1"], equal_var=False, alternative="less").pvalue
                 for h in ("h0", "h1"))
    assert est.p_support == pytest.approx(min(1, 2 * worst)) and est.p_contra == pytest.approx(min(1, 2 * contra))
    assert est.effect == pytest.approx(a.by_hp["h0"].mean() - b.by_hp["h1"].mean())
    # direction less swaps the roles: every A setting against B's choice carries the support side
    less = C.pair_test(a, b, {**claim, "direction": "less"}, 0.05)
    support = max(stats.ttest_ind(a.by_hp[h], b.by_hp["h1"], equal_var=False, alternative="less").pvalue
                  for h in ("h0", "h1"))
    assert less.p_support == pytest.approx(min(1, 2 * support))


def test_margin_makes_a_non_superiority_test():
    """Distral 0.05 above A3C with margin 0.1: reproduced (reliably below A3C + 0.1); 0.3 above:
    contradicted (reliably more than the margin above)."""
    claim = claim_by_id("lt-distral-not-better-than-a3c")
    for lift, expected in ((0.05, "reproduced"), (0.3, "contradicted")):
        lv = {a: (1.0 + lift if a in DISTRAL else 1.0) for a in ALGOS}
        data = suite_data(make_suite(lv, noise=0.01, suite="laser-tag"))
        est = C.deep_estimate(data, claim, DEFAULTS, None)
        assert est.effect == pytest.approx(0.1 - lift, abs=0.02) and C.verdict(est, 4)[0] == expected


def test_margin_only_on_a_difference(tmp_path):
    registry = copy.deepcopy(C.load_registry())
    i = next(k for k, c in enumerate(registry["claims"]) if c["id"] == "mazes-robust")
    registry["claims"][i]["margin"] = 0.1
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump(registry))
    with pytest.raises(ParamsError, match=f"key 'claims.{i}.margin'"):
        C.load_registry(path)


def test_gridworld_per_seed_measures_by_hand():
    from distral.analysis import gridworld as G
    steps = [0, 100, 200, 300, 400]
    curves = pd.DataFrame({"algo": "x", "seed": 0, "env_steps": steps,
                           "return": [0.0, 1.0, 0.5, 0.9, 0.7], "steps_to_goal": [50.0, 20, 15, 12, 10]})
    finals = G.seed_finals(curves, 0.25)  # the evaluations at >= 300: 12 and 10
    assert finals.loc[0, "steps_to_goal"] == pytest.approx(11.0)
    assert G.seed_finals(curves, 0.01).loc[0, "steps_to_goal"] == pytest.approx(10.0)  # at least the last
    jumps = G.seed_instability(curves, 0.25)  # after step 100: 1.0, 0.5, 0.9, 0.7 -> |changes| 0.5, 0.4, 0.2
    assert jumps.loc[0, "return"] == pytest.approx((0.5 + 0.4 + 0.2) / 3)
    with pytest.raises(ValueError, match="fewer than two evaluations"):
        G.seed_instability(curves, 0.9)


def test_cli_reports_raw_and_adjusted_p_and_the_mde(tmp_path):
    params = write_inputs(tmp_path, levels(1.0, 1.0))  # no 3D effect: the 3D claims stay undecided
    assert cli.main(["claims", "--profile", "smoke", "--params", str(params), "--root", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "paper_tables/smoke/claims.csv").set_index("claim")
    assert (table["p_adjusted"] >= table["p_raw"].fillna(0) - 1e-12).all()
    for (suite, kind), family in table.groupby(["suite", "kind"]):
        assert (family["family_size"] == len(family)).all()
        assert (family["p_adjusted"].to_numpy() == pytest.approx(V.holm(family["p_raw"].to_numpy()))), suite
    undecided = table[(table["verdict"] == "inconclusive") & table["statistic"].eq("difference")
                      & table["p_raw"].notna()]  # a claim without a test (no spread, no early data) has no MDE
    assert len(undecided) > 0 and (undecided["mde"] > 0).all() and (undecided["mde_gap_fraction"] > 0).all()
    markdown = (tmp_path / "paper_tables/smoke/claims.md").read_text()
    assert "could not have seen less than" in markdown and "p raw → adjusted (m)" in markdown


def test_a_profile_without_a_grid_world_leaves_its_claims_untested_and_says_why(tmp_path):
    """The reference trains the 3D suites only (profiles.<p>.gridworld absent): the grid-world
    claims are inconclusive with that reason, the 3D claims decided as before, no grid-world log
    read (none exists here)."""
    params_file = write_inputs(tmp_path, levels(2.0, 1.0))
    params = yaml.safe_load(params_file.read_text())
    del params["profiles"]["smoke"]["gridworld"]
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))
    shutil.rmtree(tmp_path / "results/smoke/gridworld")
    assert cli.main(["claims", "--profile", "smoke", "--params", str(params_file), "--root", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "paper_tables/smoke/claims.csv").set_index("claim")
    grid = table[table["suite"] == "gridworld"]
    assert len(grid) == 5 and (grid["verdict"] == "inconclusive").all()
    assert grid["reason"].str.contains("the grid world is not part of profile smoke").all()
    assert table.loc["mazes-distral-final", "verdict"] == "reproduced"


def test_a_profile_training_some_suites_leaves_the_others_claims_untested_and_says_why(tmp_path):
    """The pilots train mazes only (profiles.<p>.deep.suites, frames per task given for mazes alone):
    the navigation and laser-tag claims are inconclusive with that reason, no aggregate of theirs
    read (none exists here), the mazes claims decided as before."""
    params_file = write_inputs(tmp_path, levels(2.0, 1.0))
    params = yaml.safe_load(params_file.read_text())
    params["profiles"]["smoke"]["deep"]["suites"] = ["mazes"]
    params["profiles"]["smoke"]["deep"]["frames_per_task"] = {"mazes": FRAMES}
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))
    for suite in ("navigation", "laser-tag"):
        shutil.rmtree(tmp_path / f"results/smoke/{suite}")
    assert cli.main(["claims", "--profile", "smoke", "--params", str(params_file), "--root", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "paper_tables/smoke/claims.csv").set_index("claim")
    others = table[table["suite"].isin(["navigation", "laser-tag"])]
    assert len(others) > 0 and (others["verdict"] == "inconclusive").all() and others["p_raw"].isna().all()
    assert (others["reason"] == others["suite"].map(
        lambda s: f"suite {s} is not part of profile smoke (profiles.smoke.deep.suites)")).all()
    assert table.loc["mazes-distral-final", "verdict"] == "reproduced"
    assert set(pd.read_csv(tmp_path / "paper_tables/smoke/aggregate_scores.csv")["suite"]) == {"mazes"}
