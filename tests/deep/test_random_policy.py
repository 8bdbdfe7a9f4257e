"""The uniform-random-policy reference: the command (real, on the toy suite: same seed, same
bytes, numbers independent of the threads, every engine closed), the check of its log
(truncated, wrong columns, NaN, missing task, wrong episode count: each named by path, exit 2,
nothing written), its aggregation (mean, score with the normaliser's divisor) and the
`vs_random` learning check (planted -> reproduced, reversed -> contradicted, null -> inconclusive)
and the `vs_start` improvement check (rising -> reproduced, falling -> contradicted, flat ->
inconclusive; paired by (hp, seed), not by row order), all against numbers worked out by hand."""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import analysis_logs as logs
from claims_helpers import ALGOS, DEFAULTS, claim_by_id, suite_data
from claims_helpers import make_suite as make_aggregates
from distral.analysis import claims as C
from distral.analysis import deep, runlogs
from distral.cli import main
from distral.config import ParamsError, load_params
from distral.deep import random_policy
from distral.envs.registry import make_suite

REPO = Path(__file__).resolve().parents[2]
HP = logs.BUDGET["hps"][0]


# --------------------------------------------------------------------------- the command
def toy_suite():
    return make_suite("toy", backend="numpy", resolution=[20, 20], n_tasks=3)


def slow_toy_suite():
    """The toy suite with a step that sleeps, so that worker threads really interleave (as
    ViZDoom's do, waiting on their engines)."""
    suite = toy_suite()

    def make_env(i, seed):
        env = suite.make_env(i, seed)
        step = env.step

        def slow_step(action):
            time.sleep(0.0002)
            return step(action)
        env.step = slow_step
        return env

    return dataclasses.replace(suite, make_env=make_env)


def test_toy_episodes_are_seeded_and_do_not_depend_on_the_threads():
    suite = slow_toy_suite()
    alone = random_policy.random_episodes(suite, 3, seed=5, workers=0)
    threaded = random_policy.random_episodes(suite, 3, seed=5, workers=4)
    pd.testing.assert_frame_equal(alone, threaded)
    # each episode has its own streams: playing more episodes does not change the first ones
    more = random_policy.random_episodes(suite, 5, seed=5, workers=0)
    pd.testing.assert_frame_equal(more[more["episode"] < 3].reset_index(drop=True), alone)
    assert list(alone.columns) == ["task", "episode", "episode_return", "episode_length"]
    assert alone["task"].tolist() == [t for t in suite.task_names for _ in range(3)]
    assert alone["episode"].tolist() == [0, 1, 2] * 3
    assert (alone["episode_length"] <= 20).all()  # toy: cut after max_steps = 20 agent steps
    other = random_policy.random_episodes(suite, 3, seed=6, workers=0)
    assert not other.equals(alone)  # a different seed plays different episodes


def test_every_engine_is_closed():
    suite, opened = toy_suite(), []

    def tracked(i, seed):
        env = toy_suite().make_env(i, seed)
        env.closed = False
        close = env.close

        def mark_closed():
            env.closed = True
            close()
        env.close = mark_closed
        opened.append(env)
        return env

    random_policy.random_episodes(dataclasses.replace(suite, make_env=tracked), 2, seed=0, workers=2)
    assert len(opened) == 6 and all(env.closed for env in opened)


def test_cli_on_toy_same_seed_same_bytes(tmp_path):
    argv = ["random-policy", "--suite", "toy", "--profile", "smoke", "--params", str(REPO / "params.yaml")]
    digests = []
    for root in (tmp_path / "a", tmp_path / "b"):
        assert main([*argv, "--root", str(root)]) == 0
        csv = root / "results/smoke/toy/random_policy.csv"
        digests.append(hashlib.sha256(csv.read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    episodes = pd.read_csv(tmp_path / "a/results/smoke/toy/random_policy.csv")
    n = load_params(REPO / "params.yaml")["profiles"]["smoke"]["deep"]["random_episodes"]
    assert n == 2 and len(episodes) == 4 * n  # the toy suite's 4 tasks
    # the profile's deep.resolution (24 in smoke) is the suite's, as in a training run
    meta = runlogs.read_meta(tmp_path / "a/results/smoke/toy/random_policy.json")
    assert meta["config"]["suite_options"]["resolution"] == [24, 24] and meta["random_episodes"] == n
    assert meta["suite_resolved_options"]["resolution"] in (24, [24, 24])  # toy keeps one number
    # the run-log check accepts what the command writes
    runlogs.read_random_policy(tmp_path / "a/results/smoke/toy", {"profile": "smoke", "suite": "toy"},
                               meta["task_names"], n)


def test_every_profile_has_random_episodes_and_the_schema_needs_it(tmp_path):
    import yaml

    params = yaml.safe_load((REPO / "params.yaml").read_text())
    counts = {p: params["profiles"][p]["deep"]["random_episodes"] for p in params["profiles"]}
    assert {"smoke", "default", "paper"} <= set(counts)  # and the pilots
    assert all(isinstance(n, int) and n >= 1 for n in counts.values()), counts
    params["profiles"]["default"]["deep"]["random_episodes"] = 0
    bad = tmp_path / "params.yaml"
    bad.write_text(yaml.safe_dump(params))
    with pytest.raises(ParamsError, match="profiles.default.deep.random_episodes"):
        load_params(bad)


# --------------------------------------------------------------------------- the log check
TASKS = ["t0", "t1"]
WILDCARDS = {"profile": "smoke", "suite": "mazes"}


@pytest.fixture
def suite_dir(tmp_path):
    return logs.write_random(tmp_path, "mazes", TASKS)


def check(suite_dir, n=3):
    return runlogs.read_random_policy(suite_dir, WILDCARDS, TASKS, n)


def rewrite(suite_dir, edit):
    path = suite_dir / "random_policy.csv"
    path.write_text(edit(path.read_text()))
    return path


def test_good_log_reads(suite_dir):
    frame = check(suite_dir)
    assert len(frame) == 6 and frame["episode_return"].tolist() == [0.0, 0.5, 1.0] * 2


@pytest.mark.parametrize("edit, reason", [
    (lambda text: text[:-3], "truncated"),
    (lambda text: text.replace("episode_return", "return"), "columns"),
    (lambda text: text.replace("t1,1,0.5", "t1,1,nan"), "column 'episode_return' has a missing, non-numeric"),
    (lambda text: "\n".join(line for line in text.splitlines() if not line.startswith("t1")) + "\n",
     "incomplete: no episode of task 't1'"),
    (lambda text: "\n".join(line for line in text.splitlines() if not line.startswith("t0,2")) + "\n",
     "2 episodes of task 't0'"),
    (lambda text: text + "t9,0,1,900\n", "tasks ['t9'] are not tasks"),
])
def test_a_bad_log_is_named(suite_dir, edit, reason):
    path = rewrite(suite_dir, edit)
    with pytest.raises(runlogs.RunLogError) as info:
        check(suite_dir)
    assert str(info.value).startswith(f"{path}: ") and reason in str(info.value)


def test_episode_count_is_the_budgets(suite_dir):
    with pytest.raises(runlogs.RunLogError, match="expected episodes 0..3 \\(budget random_episodes = 4\\)"):
        check(suite_dir, n=4)


def test_missing_meta_is_an_incomplete_reference(suite_dir):
    (suite_dir / "random_policy.json").unlink()
    with pytest.raises(runlogs.RunLogError, match="random_policy.json: missing"):
        check(suite_dir)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    root = tmp_path_factory.mktemp("sweep")
    params = logs.write_params(root / "params.yaml", hps=[HP], seeds=1)
    logs.synthetic_sweep(root, params, ["mazes", "navigation"])
    return root, params


def aggregate(root, params, suite="mazes"):
    return main(["aggregate-deep", "--suite", suite, "--profile", "smoke", "--params", str(params),
                 "--root", str(root)])


def test_cli_stops_on_a_bad_random_log_and_writes_nothing(tmp_path, capsys):
    params = logs.write_params(tmp_path / "params.yaml", hps=[HP], seeds=1)
    logs.synthetic_sweep(tmp_path, params, ["mazes"])
    bad = tmp_path / "results/smoke/mazes/random_policy.csv"
    bad.write_text(bad.read_text().replace("maze_3,1,0.5", "maze_3,1,inf"))
    assert aggregate(tmp_path, params) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "non-finite" in err and len(err.strip().splitlines()) == 1
    assert not list((tmp_path / "results/smoke/mazes").glob("runs.csv")) and not (tmp_path / "metrics").exists()


# --------------------------------------------------------------------------- the aggregation
def test_random_table_by_hand():
    # t0 (raw, divisor 1): returns 1, 3 -> mean 2, std sqrt(2), score 2, sem sqrt(2)/sqrt(2) = 1.
    # t1 (divisor 4): returns 4, 8 -> mean 6, score 1.5, sem sqrt(8)/4/sqrt(2) = 0.5.
    episodes = pd.DataFrame({"task": ["t1", "t0", "t1", "t0"], "episode": [0, 0, 1, 1],
                             "episode_return": [4.0, 1.0, 8.0, 3.0], "episode_length": 9})
    norm = pd.DataFrame({"suite": "navigation", "task": ["t0", "t1"], "divisor": [1.0, 4.0]})
    table = deep.random_table(episodes, norm)
    assert list(table.columns) == deep.RANDOM_COLUMNS and table["task"].tolist() == ["t0", "t1"]
    assert table["mean_return"].tolist() == [2.0, 6.0] and table["score"].tolist() == [2.0, 1.5]
    assert table["n_episodes"].tolist() == [2, 2]
    assert table["score_sem"].tolist() == pytest.approx([1.0, 0.5])
    assert deep.random_score(table) == pytest.approx(1.75)
    assert deep.random_score_sem(table) == pytest.approx(math.sqrt(1.25) / 2)


def test_aggregate_deep_writes_random_with_the_normalisers_divisor(sweep):
    root, params = sweep
    for suite in ("mazes", "navigation"):
        assert aggregate(root, params, suite) == 0
        random = pd.read_csv(root / f"results/smoke/{suite}/random.csv")
        norm = pd.read_csv(root / f"results/smoke/{suite}/normaliser.csv")
        # write_random: returns 0, 0.5, 1 per task -> mean 0.5; score = 0.5 / the task's divisor
        assert (random["mean_return"] == 0.5).all() and (random["n_episodes"] == 3).all()
        assert random["task"].tolist() == norm["task"].tolist()
        assert np.allclose(random["score"], 0.5 / norm["divisor"])
    assert (pd.read_csv(root / "results/smoke/mazes/random.csv")["divisor"] == 1.0).all()
    norm = pd.read_csv(root / "results/smoke/navigation/normaliser.csv")  # best A3C final: 1, 2, 3, 4
    assert norm["method"].str.startswith("score =").all() and norm["divisor"].tolist() == [1.0, 2.0, 3.0, 4.0]


# --------------------------------------------------------------------------- the learning check
def learns(level: float, random: float, noise: float = 0.05, seeds: int = 6, best: float | None = None):
    """Every algorithm at `level`, KL+ent_2col at `best` (default: level); the random policy at `random`."""
    lv = {a: level for a in ALGOS} | {"KL+ent_2col": level if best is None else best}
    return suite_data(make_aggregates(lv, noise=noise, seeds=seeds, random=random))


def test_best_algorithm_is_the_highest_mean_auc_of_the_selected_hp():
    data = learns(1.0, 0.0, best=1.5)
    assert C.best_algorithm(data, ALGOS) == "KL+ent_2col"
    # of two equal algorithms the earlier one wins the tie
    assert C.best_algorithm(learns(1.0, 0.0, noise=0.0), ALGOS) == "A3C"


@pytest.mark.parametrize("level, random, noise, expected", [
    (2.0, 0.5, 0.05, "reproduced"), (0.5, 2.0, 0.05, "contradicted"), (1.0, None, 0.5, "inconclusive")])
def test_vs_random_planted_reversed_null(level, random, noise, expected):
    claim = claim_by_id("mazes-learns")
    data = learns(level, 0.0 if random is None else random, noise=noise, best=level + 0.01)
    best = C.best_algorithm(data, claim["a"])
    values = C.run_values(data, {**claim, "statistic": "difference"}, best, None)
    if random is None:  # null: the random policy scores exactly what the best algorithm's runs average
        data.random = data.random.assign(score=values.mean())
    est = C.deep_estimate(data, claim, DEFAULTS, None)
    assert est.effect == pytest.approx(values.mean() - C.random_reference(data))
    assert C.verdict(est, 4)[0] == expected, est
    assert est.n_min == 6 and f"best: {best}" in est.detail


def test_vs_random_uses_the_final_score_of_the_selected_hp_by_hand():
    # 4 runs x 3 tasks of the best algorithm's selected hp 'h0': final scores (per run, mean over
    # tasks) 1, 2, 3, 4 -> mean 2.5; the random policy's scores 0.2, 0.5, 0.8 -> 0.5; effect 2.0.
    data = learns(1.0, 0.0, noise=0.0, seeds=4, best=3.0)
    runs = data.runs
    chosen = (runs["algo"] == "KL+ent_2col") & (runs["policy"] == "task") & (runs["hp"] == "h0")
    data.runs.loc[chosen, "final_score"] = runs.loc[chosen, "seed"] + 1.0 + runs.loc[chosen, "task"].map(
        {"t0": -1.0, "t1": 0.0, "t2": 1.0})
    data.random = data.random.assign(score=[0.2, 0.5, 0.8])
    est = C.deep_estimate(data, claim_by_id("mazes-learns"), DEFAULTS, None)
    half = stats.t.isf(0.025, 3) * np.std([1, 2, 3, 4], ddof=1) / 2  # the one-sample t interval, 3 df
    assert est.effect == pytest.approx(2.0) and (est.low, est.high) == pytest.approx((2.0 - half, 2.0 + half))


def test_vs_random_needs_min_runs_and_a_reference():
    data = learns(2.0, 0.0, seeds=2)
    assert C.verdict(C.deep_estimate(data, claim_by_id("mazes-learns"), DEFAULTS, None), 4)[0] == "inconclusive"
    data = learns(2.0, 0.0)
    data.random = data.random.iloc[0:0]
    est = C.deep_estimate(data, claim_by_id("mazes-learns"), DEFAULTS, None)
    assert C.verdict(est, 4) == ("inconclusive", "no random-policy reference")


def test_registry_has_a_sanity_check_per_suite_and_refuses_a_bad_one(tmp_path):
    import yaml

    registry = C.load_registry()
    checks = {c["suite"]: c for c in registry["claims"] if c["statistic"] == "vs_random"}
    assert sorted(checks) == ["laser-tag", "mazes", "navigation"]
    assert all(c["sentence"].startswith("(not a claim of the paper)") and c["section"] == "—"
               for c in checks.values())
    i = next(i for i, c in enumerate(registry["claims"]) if c["id"] == "mazes-learns")
    registry["claims"][i]["b"] = ["A3C"]
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump(registry, allow_unicode=True))
    with pytest.raises(ParamsError, match=f"key 'claims.{i}.statistic'"):
        C.load_registry(path)


# --------------------------------------------------------------------------- the improvement check
# vs_start: the best algorithm's final score minus its own early score (first `threshold` of the
# budget), paired per run. Beating random is not enough: an untrained network is not uniform.
def improves(level: float, rate: float = 3.0, noise: float = 0.05, seeds: int = 6):
    """Every algorithm's curve level * (1 - exp(-rate * frac)) + noise; KL+ent_2col's level 0.1 higher."""
    lv = {a: level for a in ALGOS} | {"KL+ent_2col": level + 0.1}
    return suite_data(make_aggregates(lv, noise=noise, seeds=seeds, rates={a: rate for a in ALGOS}))


@pytest.mark.parametrize("level, rate, noise, expected", [
    (2.0, 3.0, 0.05, "reproduced"),      # rises from 0 towards 2
    (-2.0, 3.0, 0.05, "contradicted"),   # falls from 0 towards -2
    (1.0, 1e6, 0.5, "inconclusive")])    # flat at 1 from the first bin: final == early up to noise
def test_vs_start_planted_declining_flat(level, rate, noise, expected):
    claim = claim_by_id("mazes-improves")
    data = improves(level, rate, noise)
    est = C.deep_estimate(data, claim, DEFAULTS, claim["threshold"])
    assert C.verdict(est, 4)[0] == expected, est
    assert est.n_min == 6 and "best: KL+ent_2col (h0)" in est.detail


def hand_worked(seeds: int = 4):
    """The best algorithm KL+ent_2col, hp h0: seed s, task offset o (t0 -1, t1 0, t2 +1) has
    curve bins 1000 -> s + o, 2000 -> s + o + 1, later bins 100 (outside the early quarter of
    8000 frames), and final_score 3 s + o + 2. Per run (mean over tasks): early s + 0.5, final
    3 s + 2, gain 2 s + 1.5 = 1.5, 3.5, 5.5, 7.5; mean 4.5 (early 2.0, final 6.5). At half the
    threshold (first bin only) early is s, gain 2 s + 2, mean 5.0."""
    data = learns(1.0, 0.0, noise=0.0, seeds=seeds, best=3.0)
    offset = {"t0": -1.0, "t1": 0.0, "t2": 1.0}
    mine = lambda f: (f["algo"] == "KL+ent_2col") & (f["policy"] == "task") & (f["hp"] == "h0")  # noqa: E731
    runs, curves = data.runs, data.curves
    rows = mine(runs)
    runs.loc[rows, "final_score"] = 3 * runs.loc[rows, "seed"] + runs.loc[rows, "task"].map(offset) + 2
    rows = mine(curves)
    start = curves.loc[rows, "seed"] + curves.loc[rows, "task"].map(offset)
    curves.loc[rows, "score"] = np.select([curves.loc[rows, "frames"] == 1000, curves.loc[rows, "frames"] == 2000],
                                          [start, start + 1], 100.0)
    return data


def test_vs_start_by_hand():
    data, claim = hand_worked(), claim_by_id("mazes-improves")
    est = C.deep_estimate(data, claim, DEFAULTS, 0.25)
    assert est.effect == pytest.approx(4.5) and 0 < est.low < 4.5 < est.high and est.n_min == 4
    assert "best: KL+ent_2col (h0)" in est.detail
    # the test is the one-sample t of exactly these per-run gains (union bound over the 14 candidates)
    gains = np.array([1.5, 3.5, 5.5, 7.5])
    t = stats.ttest_1samp(gains, 0.0)
    assert (est.low, est.high) == pytest.approx(tuple(t.confidence_interval(0.95)))
    assert est.p_support == pytest.approx(min(1.0, 14 * stats.ttest_1samp(gains, 0, alternative="greater").pvalue))
    assert C.deep_estimate(data, claim, DEFAULTS, 0.125).effect == pytest.approx(5.0)


def test_vs_start_pairs_by_hp_and_seed_not_by_row_order():
    data, claim = hand_worked(), claim_by_id("mazes-improves")
    before = C.deep_estimate(data, claim, DEFAULTS, 0.25)
    # reversed run order against shuffled curve order: paired by row position, run s's final
    # would meet another run's early score and the per-run gains (so the interval) would change
    data.runs = data.runs.iloc[::-1].reset_index(drop=True)
    data.curves = data.curves.sample(frac=1.0, random_state=3).reset_index(drop=True)
    assert C.deep_estimate(data, claim, DEFAULTS, 0.25) == before


def test_vs_start_refuses_runs_without_a_curve():
    data = hand_worked()
    gone = (data.curves["algo"] == "KL+ent_2col") & (data.curves["hp"] == "h0") & (data.curves["seed"] == 2)
    data.curves = data.curves[~gone]
    with pytest.raises(ValueError, match="curves.csv: runs.csv and curves.csv disagree on the runs of KL\\+ent_2col"):
        C.deep_estimate(data, claim_by_id("mazes-improves"), DEFAULTS, 0.25)


def test_vs_start_needs_min_runs():
    est = C.deep_estimate(improves(2.0, seeds=3), claim_by_id("mazes-improves"), DEFAULTS, 0.25)
    assert est.low > 0 and C.verdict(est, 4) == ("inconclusive", "fewer than 4 runs (3)")


def test_registry_has_learns_then_improves_per_suite():
    ids = [c["id"] for c in C.load_registry()["claims"]]
    for prefix in ("mazes", "nav", "lt"):
        assert ids.index(f"{prefix}-improves") == ids.index(f"{prefix}-learns") + 1
    check = claim_by_id("nav-improves")
    assert check["statistic"] == "vs_start" and check["threshold"] == 0.25 and check["a"] == ALGOS
    assert check["sentence"].startswith("(not a claim of the paper)") and check["panel"] == "sanity check"


@pytest.mark.parametrize("edit, key", [
    (lambda c: c.pop("threshold"), "threshold"),
    (lambda c: c.update(threshold=1.0), "threshold"),
    (lambda c: c.update(b=["A3C"]), "statistic"),
    (lambda c: c.update(measure="auc_score"), "statistic"),
    (lambda c: c.update(suite="gridworld"), "statistic"),
])
def test_registry_refuses_a_bad_vs_start(tmp_path, edit, key):
    import yaml

    registry = C.load_registry()
    i = next(i for i, c in enumerate(registry["claims"]) if c["id"] == "lt-improves")
    edit(registry["claims"][i])
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump(registry, allow_unicode=True))
    with pytest.raises(ParamsError, match=f"key 'claims.{i}.{key}'"):
        C.load_registry(path)
