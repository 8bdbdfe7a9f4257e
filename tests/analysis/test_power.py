"""The power table (analysis/power.py, `python -m distral power`): the rescaled designs by hand, the
MDE against verdicts.mde and the normal approximation, the power it promises on simulated data, the
cost from benchmark files, and the command end to end on the claims' synthetic aggregates."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from distral import cli
from distral.analysis import aggregates
from distral.analysis import claims as C
from distral.analysis import power as P
from distral.analysis import verdicts as V
from distral.io import write_json

REPO = Path(__file__).resolve().parents[2]
LEVEL = 0.05 / 13 / 2  # a family of 13 claims (mazes at the time of writing), one-sided Bonferroni


# ---- the design at n runs per algorithm


def test_rescale_by_hand():
    assert P.rescale(("t1", 2, 0.5), 8, 2) == ("t1", 8, 0.5)
    # a pooled test: 4 algorithms x 2 runs against 3 x 2 -> 4 x 5 against 3 x 5
    assert P.rescale(("t2", 8, 1.0, 6, 2.0), 5, 2) == ("t2", 20, 1.0, 15, 2.0)
    # the union bound's choices and the exact test's baseline fraction stay; good_fraction pools 9 hps
    nested = ("choices", 3, ("all", ("t2", 2, 1.0, 2, 1.5), ("exact", 18, 18, 0.5)))
    assert P.rescale(nested, 4, 2) == ("choices", 3, ("all", ("t2", 4, 1.0, 4, 1.5), ("exact", 36, 36, 0.5)))
    assert P.rescale((), 8, 2) == ()
    # a missing pilot run (5 of 6 planned at 3 per algorithm) scales to the nearest count below plan
    assert P.scaled(5, 8, 3) == 13 and P.scaled(3, 4, 2) == 6 and P.scaled(1, 2, 8) == 1
    with pytest.raises(ValueError, match="unknown kind 'z'"):
        P.rescale(("z", 2), 4, 2)


def test_describe_and_spread_name_the_test_and_its_spreads():
    design = ("choices", 3, ("all", ("t2", 2, 1.0, 2, 2.5), ("t2", 2, 1.0, 2, 0.25)))
    assert P.describe(design) == "every one of 2 Welch t, chosen among 3 (union bound)"
    assert P.spread(design) == "sd 0.25-2.5"
    assert P.spread(("exact", 4, 4, 0.25)) == "baseline good fraction 0.25"
    assert P.describe(("t1", 2, 1.0)) == "one-sample t" and P.spread(("t1", 2, 1.0)) == "sd 1"
    assert P.describe(("choices", 1, ("t2", 2, 1.0, 2, 1.0))) == "Welch t"  # one hp: no choice made


def test_mde_at_n_is_verdicts_mde_of_the_rescaled_design():
    design, gap = ("t2", 2, 1.0, 2, 2.0), 4.0
    row = P.claim_power(design, 2, [4, 8], LEVEL, 0.8, gap)
    assert row["mde_pilot"] == V.mde(design, LEVEL, 0.8)
    assert row["mde_n8"] == V.mde(("t2", 8, 1.0, 8, 2.0), LEVEL, 0.8)
    assert row["mde_gap_n8"] == pytest.approx(row["mde_n8"] / gap)
    assert row["mde_pilot"] > row["mde_n4"] > row["mde_n8"] > 0
    assert math.isnan(P.claim_power(design, 2, [4], LEVEL, 0.8, math.nan)["mde_gap_n4"])


def test_large_n_matches_the_normal_approximation_and_doubling_shrinks_by_sqrt2():
    """At many runs the t test is a z test: MDE = (z_level + z_power) x se, se = sqrt(sa^2/n + sb^2/n)."""
    row = P.claim_power(("t2", 2, 1.0, 2, 2.0), 2, [400, 800], LEVEL, 0.8, 1.0)
    z = stats.norm.isf(LEVEL) + stats.norm.ppf(0.8)
    assert row["mde_n400"] == pytest.approx(z * math.sqrt((1 + 4) / 400), rel=0.01)
    assert row["mde_n400"] / row["mde_n800"] == pytest.approx(math.sqrt(2), rel=0.01)
    one = P.claim_power(("t1", 2, 3.0), 2, [1000], LEVEL, 0.8, 1.0)
    assert one["mde_n1000"] == pytest.approx(z * 3.0 / math.sqrt(1000), rel=0.01)


def test_exact_test_on_two_runs_detects_nothing():
    """Fisher on 2 vs 2 runs: the smallest one-sided p is 1 / C(4, 2) = 1/6, above any family level."""
    row = P.claim_power(("exact", 2, 2, 0.0), 2, [2, 16], LEVEL, 0.8, math.nan)
    assert math.isinf(row["mde_pilot"]) and math.isinf(row["mde_n2"])
    assert 0 < row["mde_n16"] < 1  # 16 vs 16 with no good baseline run: some fraction is detectable


def test_sd_ratio_interval_by_hand():
    """chi-square with 1 df is z^2: from 2 runs, sigma / s lies in [1 / z_0.9875, 1 / z_0.5125]."""
    low, high = P.sd_ratio_interval(2)
    assert low == pytest.approx(1 / stats.norm.isf(0.0125)) and high == pytest.approx(1 / stats.norm.ppf(0.5125))
    assert (round(low, 3), round(high, 1)) == (0.446, 31.9)
    assert P.sd_ratio_interval(10)[1] < P.sd_ratio_interval(4)[1]


# ---- the power it promises, on simulated data


SIMS = 20_000
BOUND = 3 * math.sqrt(0.8 * 0.2 / SIMS)  # three Monte Carlo standard errors around 80 %


def simulated_power(design: tuple, effect: float, rng: np.random.Generator) -> float:
    """The rate at which the claim's test (verdicts.py's, at the one-sided LEVEL; a choice among k
    at LEVEL / k, the union bound) rejects "effect <= 0" when the true effect is `effect`."""
    level = LEVEL
    if design[0] == "choices":
        design, level = design[2], LEVEL / design[1]
    if design[0] == "t1":
        _, n, sd = design
        p = V.one_sample(rng.normal(effect, sd, (SIMS, n)))[1]
    elif design[0] == "t2":
        _, na, sa, nb, sb = design
        p = V.welch(rng.normal(effect, sa, (SIMS, na)), rng.normal(0.0, sb, (SIMS, nb)))[1]
    else:
        _, na, nb, pb = design
        p = V.exact_fraction(rng.random((SIMS, na)) < pb + effect, rng.random((SIMS, nb)) < pb)[1]
    return float(np.mean(p < level))


@pytest.mark.parametrize("pilot, runs", [
    (("t1", 2, 2.0), 5),                                  # a sanity check: one-sample t
    (("t2", 2, 1.0, 2, 3.0), 8),                          # a Welch pair, unequal spreads
    (("choices", 3, ("t2", 2, 1.0, 2, 1.0)), 10),         # an hp chosen among 3 (union bound)
    (("exact", 4, 4, 0.2), 16),                           # good fractions, 2 hps x 2 runs pooled
])
def test_rescaled_mde_has_the_stated_power_and_no_effect_the_stated_level(pilot, runs):
    rng = np.random.default_rng(18)
    design = P.rescale(pilot, runs, 2)
    mde = P.claim_power(pilot, 2, [runs], LEVEL, 0.8, 1.0)[f"mde_n{runs}"]
    assert np.isfinite(mde)
    assert abs(simulated_power(design, mde, rng) - 0.8) <= BOUND
    null_bound = LEVEL + 3 * math.sqrt(LEVEL * (1 - LEVEL) / SIMS)
    assert simulated_power(design, 0.0, rng) <= null_bound


def test_every_pair_mde_is_the_weakest_pair_s_with_the_others_clear():
    """"Every pair holds" (intersection-union: the largest pair p): at the design's MDE for the noisier
    pair, with the other pair's effect far above its own MDE, the claim has 80 % power."""
    rng = np.random.default_rng(5)
    design = ("all", ("t2", 8, 1.0, 8, 1.0), ("t2", 8, 2.0, 8, 2.0))
    mde = V.mde(design, LEVEL)
    assert mde == V.mde(design[2], LEVEL)
    clear = V.welch(rng.normal(10.0, 1.0, (SIMS, 8)), rng.normal(0.0, 1.0, (SIMS, 8)))[1]
    weak = V.welch(rng.normal(mde, 2.0, (SIMS, 8)), rng.normal(0.0, 2.0, (SIMS, 8)))[1]
    p_support, _ = V.intersection_union([clear, weak], np.zeros(SIMS))
    assert abs(np.mean(p_support < LEVEL) - 0.8) <= BOUND


# ---- the cost


def write_benchmark(root: Path, profile: str, suite: str, algo: str, seed: int, seconds) -> Path:
    path = root / f"benchmarks/{profile}/{suite}/{algo}/h0/{seed}.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("s\th:m:s\tmax_rss\n" + "".join(f"{s}\t0:00:00\t1.0\n" for s in np.atleast_1d(seconds)))
    return path


def simulated_finals(run_sd: float, episode_sd: float, seeds: int = 40, tasks: int = 4, seed: int = 0):
    """Episodes of one task-policy algorithm and one distilled one: every run's tasks have a true
    mean drawn with `run_sd` around 5, episodes scatter around it with `episode_sd`; 80 waves of 4
    episodes over a 20,000-frame budget (16 episodes in the final bin), 8 evaluation episodes at
    the end. Returns (episodes, runs) as power.final_sampling reads them."""
    rng = np.random.default_rng(seed)
    rows, runs = [], []
    for s in range(seeds):
        for t in range(tasks):
            mu = 5 + run_sd * rng.standard_normal()
            for i in range(80):
                for env in range(4):
                    rows.append(dict(algo="a", hp="h", seed=s, task=f"t{t}", policy="task", frames=250 * (i + 1),
                                     episode_return=mu + episode_sd * rng.standard_normal()))
            for e in range(8):
                rows.append(dict(algo="a", hp="h", seed=s, task=f"t{t}", policy="distilled", frames=20000,
                                 episode_return=mu + episode_sd * rng.standard_normal()))
    episodes = pd.DataFrame(rows)
    final = episodes[(episodes["frames"] > 19000) | (episodes["policy"] == "distilled")]
    runs = final.groupby(["algo", "hp", "seed", "task", "policy"], as_index=False)["episode_return"].mean()
    runs = runs.rename(columns={"episode_return": "final"})
    runs["final_score"] = runs["final"] / 2.0  # a normaliser of 2: the sampling sd scales with it
    return episodes, runs


def test_final_sampling_finds_the_spread_s_source():
    """Episode noise only: the whole spread is sampling, at its theoretical size (episode sd 4 /
    sqrt(16 episodes x 4 tasks) / normaliser 2 = 0.25 for the task policy, 4 / sqrt(8 x 4) / 2 for
    pi_0); run-to-run differences only: none of it is."""
    episodes, runs = simulated_finals(run_sd=0.0, episode_sd=4.0)
    out = P.final_sampling(episodes, runs, 20000).set_index("policy")
    assert out.loc["task", "episodes_per_task"] == 16 and out.loc["distilled", "episodes_per_task"] == 8
    assert out.loc["task", "sd_sampling"] == pytest.approx(0.25, rel=0.05)
    assert out.loc["distilled", "sd_sampling"] == pytest.approx(4 / math.sqrt(32) / 2, rel=0.1)
    assert out.loc["task", "sd_final"] == pytest.approx(0.25, rel=0.3)
    assert (out["share"] > 0.6).all()
    assert out.loc["task", "sd_at_4x"] == pytest.approx(out.loc["task", "sd_sampling"] / 2, rel=0.3)
    episodes, runs = simulated_finals(run_sd=3.0, episode_sd=0.1)
    out = P.final_sampling(episodes, runs, 20000)
    assert (out["share"] < 0.01).all() and (out["sd_final"] > 0.5).all()
    assert np.allclose(out["sd_at_4x"], out["sd_final"], rtol=0.01)


def test_cost_is_runs_times_settings_times_the_median_run(tmp_path):
    for seed, s in enumerate([100.0, 200.0, 900.0]):
        write_benchmark(tmp_path, "pilot", "mazes", "A3C", seed, s)
    write_benchmark(tmp_path, "pilot", "mazes", "KL_1col", 0, [150.0, 250.0])  # repeats: their mean, 200
    wall = P.run_wall_times(tmp_path, "pilot", "mazes")
    assert sorted(wall) == [100.0, 200.0, 200.0, 900.0]
    runs = pd.DataFrame({"algo": ["A3C", "A3C", "KL_1col", "KL_1col"], "hp": ["h0", "h1", "h0", "h0"],
                         "seed": [0, 0, 0, 1], "policy": "task"})
    cost = P.suite_cost(runs, wall, [4, 8])
    assert (cost["settings"], cost["benchmarked_runs"], cost["median_run_s"]) == (3, 4, 200.0)
    assert cost["run_hours_n8"] == pytest.approx(8 * 3 * 200.0 / 3600)
    assert math.isnan(P.suite_cost(runs, P.run_wall_times(tmp_path, "pilot", "navigation"), [4])["run_hours_n4"])
    bad = tmp_path / "benchmarks/pilot/mazes/A3C/h0/7.tsv"
    bad.write_text("seconds\n3\n")
    with pytest.raises(ValueError, match="7.tsv: not a Snakemake benchmark"):
        P.run_wall_times(tmp_path, "pilot", "mazes")


def test_benchmark_folder_is_the_training_rule_s():
    rule = (REPO / "rules/train.smk").read_text()
    assert '"' + P.BENCHMARK_DIR + '/{algo}/{hp}/{seed}.tsv"' in rule


# ---- the command, end to end on the claims' synthetic aggregates


def run_power(tmp_path, *extra) -> int:
    return cli.main(["power", "--params", str(tmp_path / "params.yaml"), "--root", str(tmp_path), *extra])


def test_cli_end_to_end_reuses_the_claims_tests(tmp_path):
    from test_claims import levels, write_inputs

    params = write_inputs(tmp_path, levels(1.0, 1.0))  # no 3D effect: every claim undecided, each with its MDE
    for seed, s in enumerate([300.0, 360.0, 420.0]):
        write_benchmark(tmp_path, "smoke", "mazes", "A3C", seed, s)
    assert cli.main(["claims", "--profile", "smoke", "--params", str(params), "--root", str(tmp_path)]) == 0
    assert run_power(tmp_path, "--profile", "smoke", "--runs", "8", "4") == 0
    out = tmp_path / "paper_tables/smoke/power"
    table = pd.read_csv(out.with_suffix(".csv"), keep_default_na=False, na_values=[""]).set_index("claim")
    claims = pd.read_csv(tmp_path / "paper_tables/smoke/claims.csv").set_index("claim")
    deep = [c["id"] for c in C.load_registry()["claims"] if c["suite"] != "gridworld"]
    assert sorted(table.index) == sorted(deep)
    assert (table["pilot_runs"] == 6).all()  # make_suite: 6 seeds per (algo, hp)
    # the MDE at the pilot's runs is claims.csv's, wherever the claims command gave one
    with_mde = claims.loc[deep][claims.loc[deep, "mde"].notna()].index
    assert len(with_mde) > 10
    assert table.loc[with_mde, "mde_pilot"].to_numpy() == pytest.approx(claims.loc[with_mde, "mde"].to_numpy())
    assert (table.loc[with_mde, "family_size"] == claims.loc[with_mde, "family_size"]).all()
    tested = table[table["reason"].isna()]
    assert (tested["mde_n8"] <= tested["mde_n4"]).all()
    # the rows without a test are those claims.csv gives no p for, with its reason
    untested = table[table["reason"].notna()].index
    assert set(untested) == set(claims.loc[deep][claims.loc[deep, "p_raw"].isna()].index)
    # cost: mazes from its benchmarks (median 360 s, 7 algos x 2 hps), the others blank
    mazes = table[table["suite"] == "mazes"]
    assert mazes["run_hours_n4"].to_numpy() == pytest.approx(4 * 14 * 360.0 / 3600)
    assert table.loc[table["suite"] != "mazes", "run_hours_n4"].isna().all()
    markdown = out.with_suffix(".md").read_text()
    assert "| `mazes-distral-final` |" in markdown and "**`mazes-learns`**" in markdown
    assert "## What the runs cost" in markdown and "from 6 runs x0.62 to x2.45" in markdown


def test_cli_stacks_profiles_and_lists_a_suite_not_run(tmp_path):
    from test_claims import levels, write_inputs

    params_path = write_inputs(tmp_path, levels(2.0, 1.0))
    params = yaml.safe_load(params_path.read_text())
    params["profiles"]["pilot"] = params["profiles"]["smoke"]  # a second budget: mazes only
    params_path.write_text(yaml.safe_dump(params, sort_keys=False))
    shutil.copytree(tmp_path / "results/smoke/mazes", tmp_path / "results/pilot/mazes")
    outputs = list((tmp_path / "results/pilot/mazes").glob("*.csv"))
    write_json(aggregates.manifest(tmp_path, "test", [], {p: p for p in outputs}),
               aggregates.manifest_file(tmp_path, "pilot", "mazes"))
    assert run_power(tmp_path, "--profiles", "smoke", "pilot", "--runs", "4") == 0
    table = pd.read_csv(tmp_path / "paper_tables/power/smoke+pilot.csv", keep_default_na=False, na_values=[""])
    assert list(dict.fromkeys(table["profile"])) == ["smoke", "pilot"]
    smoke, pilot = table[table["profile"] == "smoke"], table[table["profile"] == "pilot"]
    assert len(smoke) == len(pilot)
    same = smoke.set_index("claim").loc[pilot[pilot["suite"] == "mazes"]["claim"], "mde_n4"]
    assert pilot[pilot["suite"] == "mazes"]["mde_n4"].to_numpy() == pytest.approx(same.to_numpy(), nan_ok=True)
    away = pilot[pilot["suite"] != "mazes"]
    assert len(away) > 0 and away["reason"].str.contains("not run at profile pilot").all()
    assert "- pilot: `nav-learns` (navigation): suite navigation not run" in \
        (tmp_path / "paper_tables/power/smoke+pilot.md").read_text()


@pytest.mark.parametrize("argv, message", [
    (["--profile", "smoke", "--runs", "1", "4"], "--runs: every count must be at least 2"),
    (["--profile", "nowhere"], "nowhere"),
    (["--profile", "smoke", "--profiles", "smoke"], "--profile and --profiles"),
    (["--profile", "default"], "no aggregates of any of mazes"),
])
def test_cli_bad_input_exits_2_naming_it(tmp_path, capsys, argv, message):
    from test_claims import levels, write_inputs

    write_inputs(tmp_path, levels(1.0, 1.0))
    assert run_power(tmp_path, *argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "paper_tables/smoke/power.csv").exists()
