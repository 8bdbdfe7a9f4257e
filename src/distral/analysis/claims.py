"""The paper's claims as tests: an effect size, a seeded bootstrap interval and a verdict each.

A claim (claims.yaml) compares algorithm groups A and B of one suite. Its `effect` is signed
so that a positive value supports the paper; the interval comes from inference.bootstrap
(scipy.stats.bootstrap, percentile method, seeded by params.yaml `analysis.bootstrap`), resampling
runs independently within each algorithm (and, for the aggregate IQM, within each task): a
stratified bootstrap over runs. Functions below take `defaults`: the bootstrap settings
(inference.settings) with the registry's `min_runs`. Verdict rule:
reproduced if the whole interval is above 0, contradicted if it is below 0, otherwise, or
with fewer than `min_runs` runs in an algorithm, inconclusive at this budget.
A claim over several pairs ("A beat every B") is reproduced when every pair's interval is
above 0 and contradicted when the pooled A-vs-B interval is below 0 (see pairwise_estimate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable

import jsonschema
import numpy as np
import pandas as pd
import yaml
from scipy import stats

from distral.analysis import aggregates
from distral.analysis.inference import bootstrap
from distral.config import ParamsError

REGISTRY = "claims.yaml"
VERDICTS = ("reproduced", "contradicted", "inconclusive")
SANITY_STATISTICS = ("vs_random", "vs_start")  # "the best algorithm learns": not claims of the paper
DEEP_STATISTICS = ("difference", "good_fraction", *SANITY_STATISTICS)
IQM_TRIM = 0.25  # the interquartile mean drops the lowest and highest quarter


# ---- the registry


def load_registry(path: str | Path | None = None) -> dict:
    """Read and validate the claims registry; errors name the file (the packaged one by its full
    path), the claim's id where it has one, and the key (ParamsError)."""
    if path is None:
        packaged = resources.files("distral.analysis").joinpath(REGISTRY)
        text, source = packaged.read_text(), str(packaged)
    else:
        path = Path(path)
        if not path.is_file():
            raise ParamsError(f"{path}: claims registry not found")
        text, source = path.read_text(), str(path)
    try:
        registry = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ParamsError(f"{source}: not valid YAML: {exc}") from exc

    def claim_where(i: int) -> str:
        """The file, the claim's id where it has one (a position alone is hard to find), and its key."""
        claims = registry.get("claims") if isinstance(registry, dict) else None
        claim = claims[i] if isinstance(claims, list) and i < len(claims) else None
        named = isinstance(claim, dict) and isinstance(claim.get("id"), str)
        return f"{source}: " + (f"claim {claim['id']}: " if named else "") + f"key 'claims.{i}"

    schema = yaml.safe_load(resources.files("distral.analysis").joinpath("claims.schema.yaml").read_text())
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(registry), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        e = errors[0]
        parts = list(e.absolute_path)
        if len(parts) >= 2 and parts[0] == "claims" and isinstance(parts[1], int):
            raise ParamsError(f"{claim_where(parts[1])}{''.join(f'.{p}' for p in parts[2:])}': {e.message}")
        raise ParamsError(f"{source}: key '{'.'.join(map(str, parts)) or '<top level>'}': {e.message}")
    for i, claim in enumerate(registry["claims"]):
        _check_claim(claim, claim_where(i))
    ids = [c["id"] for c in registry["claims"]]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ParamsError(f"{source}: key 'claims': duplicate id(s) {', '.join(dupes)}")
    return registry


def _check_claim(claim: dict, where: str) -> None:
    """Rules the schema cannot state: what each statistic needs."""
    stat, pairing = claim["statistic"], claim.get("pairing", "all")
    needs_b = stat in ("difference", "good_fraction", "gridworld_auc")
    if needs_b and not claim["b"]:
        raise ParamsError(f"{where}.b': statistic {stat} compares A with a non-empty group B")
    if pairing == "zip" and len(claim["a"]) != len(claim["b"]):
        raise ParamsError(f"{where}.pairing': zip needs a and b of the same length")
    needs_threshold = stat in ("good_fraction", "persistence", "vs_start") or claim["measure"] == "early_score"
    if needs_threshold and "threshold" not in claim:
        raise ParamsError(f"{where}.threshold': required by statistic {stat} / measure {claim['measure']}")
    if stat == "vs_start" and not 0 < claim["threshold"] < 1:
        raise ParamsError(f"{where}.threshold': vs_start's early part of the budget must be a fraction in (0, 1)")
    if stat in SANITY_STATISTICS and (claim["b"] or claim["measure"] != "final_score"
                                      or claim["direction"] != "greater"):
        against = "the random policy" if stat == "vs_random" else "its own early score"
        raise ParamsError(f"{where}.statistic': {stat} compares A's best with {against}: b must be "
                          "empty, measure final_score, direction greater")
    deep = claim["suite"] != "gridworld"
    if deep != (stat in DEEP_STATISTICS):
        raise ParamsError(f"{where}.statistic': {stat} does not apply to suite {claim['suite']}")
    if stat == "gridworld_auc" and (len(claim["a"]) != 1 or len(claim["b"]) != 1):
        raise ParamsError(f"{where}.a': gridworld_auc compares one algorithm with one baseline")
    if stat == "persistence" and len(claim["a"]) != 1:
        raise ParamsError(f"{where}.a': persistence reads one algorithm's pi_0")


# ---- statistics


@dataclass(frozen=True)
class Estimate:
    """An effect (positive supports the claim), its interval and the runs behind it."""

    effect: float
    low: float
    high: float
    n_min: int  # the fewest runs in any compared algorithm
    detail: str = ""


def mean_contrast(sign: float) -> Callable:
    """`sign` x (mean(A) - mean(B)), vectorised over bootstrap resamples."""

    def statistic(a, b, axis=-1):
        return sign * (np.mean(a, axis=axis) - np.mean(b, axis=axis))

    return statistic


def pooled_contrast(n_a: int, sign: float) -> Callable:
    """`sign` x (mean over A's algorithms of their mean - the same over B's)."""

    def statistic(*samples, axis=-1):
        means = [np.mean(s, axis=axis) for s in samples]
        return sign * (np.mean(means[:n_a], axis=0) - np.mean(means[n_a:], axis=0))

    return statistic


def pairs(claim: dict) -> list[tuple[str, str]]:
    """The (A, B) comparisons a claim makes: every A with every B ("A beat all B") or A[i] with B[i]."""
    if claim.get("pairing", "all") == "zip":
        return list(zip(claim["a"], claim["b"]))
    return [(x, y) for x in claim["a"] for y in claim["b"]]


def pairwise_estimate(values: dict, claim: dict, defaults: dict) -> Estimate:
    """"Every pair holds": effect = the smallest pairwise difference d_min. Its interval is
    [smallest lower bound of the pairs, upper bound of the pooled difference]: every pair must
    clear 0 to reproduce (an intersection-union test, no correction needed), and since
    d_min <= the pooled difference, the pooled upper bound bounds d_min too; a claim is
    contradicted only when the groups as a whole are reliably reversed (one test, so the many
    pairs do not inflate false contradictions)."""
    sign = 1.0 if claim["direction"] == "greater" else -1.0
    comparisons = pairs(claim)
    points, lows = [], []
    for x, y in comparisons:
        point, low, _ = bootstrap([values[x], values[y]], mean_contrast(sign), defaults)
        points, lows = points + [point], lows + [low]
    a = list(dict.fromkeys(x for x, _ in comparisons))
    b = list(dict.fromkeys(y for _, y in comparisons))
    _, _, high = bootstrap([values[k] for k in a + b], pooled_contrast(len(a), sign), defaults)
    n_min = min(v.size for v in values.values())
    if np.isnan(points).any():
        return Estimate(math.nan, math.nan, math.nan, n_min, "a non-finite score")
    weakest = comparisons[int(np.argmin(points))]
    return Estimate(min(points), float(np.min(lows)), high, n_min,
                    f"weakest pair: {weakest[0]} vs {weakest[1]}")


def interquartile_mean(*samples, axis=-1):
    """IQM of all samples pooled (the per-task strata of one algorithm)."""
    return stats.trim_mean(np.concatenate(samples, axis=axis), IQM_TRIM, axis=axis)


def verdict(est: Estimate, min_runs: int) -> tuple[str, str]:
    """The verdict and, when inconclusive, why."""
    if est.n_min < min_runs:
        return "inconclusive", f"fewer than {min_runs} runs ({est.n_min})"
    if math.isnan(est.low) or math.isnan(est.high):
        return "inconclusive", "no interval"
    if est.low > 0:
        return "reproduced", ""
    if est.high < 0:
        return "contradicted", ""
    return "inconclusive", "interval contains 0"


# ---- the data of one suite (results/{profile}/{suite}/*.csv, written by aggregate-deep)


@dataclass
class SuiteData:
    runs: pd.DataFrame
    curves: pd.DataFrame
    selection: pd.DataFrame
    frames_per_task: int
    source: Path
    random: pd.DataFrame | None = None  # random.csv: the uniform random policy per task


CLAIMS_AGGREGATES = ("runs", "curves", "selection", "random")  # what the claims read of a suite


def read_suite(root: Path, profile: str, suite: str, frames_per_task: int) -> SuiteData:
    """A suite's aggregates (aggregates.read_suite) as the claims read them."""
    tables = aggregates.read_suite(root, profile, suite, CLAIMS_AGGREGATES)
    return SuiteData(tables["runs"], tables["curves"], tables["selection"], frames_per_task,
                     aggregates.aggregate_file(root, profile, suite, "runs").parent, tables["random"])


def selected_hp(data: SuiteData, algo: str, policy: str) -> str:
    """The hp selection.csv chose for (algo, policy); a distilled policy without its own row
    uses its algorithm's task-policy choice (one hp per algorithm, as Fig. 4 reports)."""
    sel = data.selection
    rows = sel[(sel["algo"] == algo) & (sel["policy"] == policy)]
    if rows.empty and policy == "distilled":
        rows = sel[(sel["algo"] == algo) & (sel["policy"] == "task")]
    if rows.empty:
        raise ValueError(f"{data.source / 'selection.csv'}: no selected hp for algo {algo!r}, policy {policy!r}")
    return str(rows["hp"].iloc[0])


def task_values(data: SuiteData, claim: dict, algo: str, threshold: float | None) -> pd.Series:
    """`claim`'s measure per (hp, seed, task) of `algo`: the selected hp only for "difference"."""
    policy, measure = claim.get("policy", "task"), claim["measure"]
    runs = data.runs[(data.runs["algo"] == algo) & (data.runs["policy"] == policy)]
    if claim["statistic"] == "difference":
        runs = runs[runs["hp"] == selected_hp(data, algo, policy)]
    if measure == "early_score":
        return early_scores(data, runs, threshold)
    return runs.set_index(["hp", "seed", "task"])[measure].sort_index()


def run_values(data: SuiteData, claim: dict, algo: str, threshold: float | None) -> np.ndarray:
    """One value per run of `algo` (mean over tasks), in a fixed (hp, seed) order."""
    policy, measure = claim.get("policy", "task"), claim["measure"]
    per_run = run_means(task_values(data, claim, algo, threshold))
    if claim["statistic"] == "good_fraction":
        best = data.runs[data.runs["policy"] == policy].groupby(["algo", "hp", "seed"])[measure].mean().max()
        return (per_run.to_numpy() >= threshold * best).astype(float)
    return per_run.to_numpy(dtype=float)


def run_means(per_task: pd.Series) -> pd.Series:
    """Per (hp, seed): the mean over tasks, sorted by (hp, seed)."""
    return per_task.groupby(level=["hp", "seed"], sort=True).mean()


def early_scores(data: SuiteData, runs: pd.DataFrame, fraction: float) -> pd.Series:
    """Mean score of each (run, task) over the curve bins ending within the first `fraction` of
    the budget (at least the first bin)."""
    keys = runs[["algo", "hp", "seed", "task", "policy"]].drop_duplicates()
    curves = data.curves.merge(keys, on=list(keys.columns))
    first = curves.groupby(["hp", "seed", "task"])["frames"].transform("min")
    early = curves[curves["frames"] <= np.maximum(fraction * data.frames_per_task, first)]
    return early.groupby(["hp", "seed", "task"], sort=True)["score"].mean()


def deep_estimate(data: SuiteData, claim: dict, defaults: dict, threshold: float | None) -> Estimate:
    if claim["statistic"] == "vs_random":
        return vs_random_estimate(data, claim, defaults)
    if claim["statistic"] == "vs_start":
        return vs_start_estimate(data, claim, defaults, threshold)
    samples = [run_values(data, claim, algo, threshold) for algo in claim["a"] + claim["b"]]
    empty = [algo for algo, s in zip(claim["a"] + claim["b"], samples) if s.size == 0]
    if empty:
        raise ValueError(f"{data.source / 'runs.csv'}: no {claim.get('policy', 'task')} runs of "
                         f"{', '.join(empty)} (claim {claim['id']})")
    if claim.get("pairing", "all") != "pooled":
        return pairwise_estimate(dict(zip(claim["a"] + claim["b"], samples)), claim, defaults)
    sign = 1.0 if claim["direction"] == "greater" else -1.0
    point, low, high = bootstrap(samples, pooled_contrast(len(claim["a"]), sign), defaults)
    return Estimate(point, low, high, min(s.size for s in samples))


def best_algorithm(data: SuiteData, algos: list[str]) -> str:
    """The algorithm of `algos` whose selected hp (task policies) has the highest mean auc_score
    over tasks and runs, i.e. selection.csv's criterion (Sec. 4.2's choice of the best settings);
    NaN means are skipped, ties and all-NaN go to the earlier algorithm."""
    means = []
    for algo in algos:
        runs = data.runs[(data.runs["algo"] == algo) & (data.runs["policy"] == "task")]
        means.append(float(runs.loc[runs["hp"] == selected_hp(data, algo, "task"), "auc_score"].mean()))
    finite = [i for i, m in enumerate(means) if np.isfinite(m)]
    return algos[max(finite, key=lambda i: (means[i], -i))] if finite else algos[0]


def random_reference(data: SuiteData) -> float:
    """The uniform random policy's task-averaged score (random.csv); NaN without one."""
    if data.random is None or data.random.empty:
        return math.nan
    return float(data.random["score"].mean())


def vs_random_estimate(data: SuiteData, claim: dict, defaults: dict) -> Estimate:
    """Sanity check "the best algorithm learns": per run of the best algorithm's selected hp, its
    final score averaged over tasks, minus the random policy's task-averaged score (a fixed
    reference: its standard error over episodes, random.csv's score_sem, is not resampled);
    bootstrap over those runs."""
    algo = best_algorithm(data, claim["a"])
    values = run_values(data, {**claim, "statistic": "difference"}, algo, None)
    reference = random_reference(data)
    if not np.isfinite(reference):
        return Estimate(math.nan, math.nan, math.nan, values.size, f"best: {algo}; no random-policy reference")
    point, low, high = bootstrap([values], lambda s, axis=-1: np.mean(s, axis=axis) - reference, defaults)
    return Estimate(point, low, high, values.size,
                    f"best: {algo} ({selected_hp(data, algo, 'task')}); random policy {reference:.3g}")


def vs_start_estimate(data: SuiteData, claim: dict, defaults: dict, fraction: float) -> Estimate:
    """Sanity check "the best algorithm improves on its own start": per run of the best
    algorithm's selected hp, its final score minus its early score (the curve over the first
    `fraction` of the budget), each averaged over tasks; bootstrap of the mean over runs. It
    exists because an untrained network is not a uniform policy: beating random (vs_random)
    can happen with flat curves, improving on its own start cannot."""
    algo = best_algorithm(data, claim["a"])
    as_difference = {**claim, "statistic": "difference"}
    final = task_values(data, as_difference, algo, None)
    early = task_values(data, {**as_difference, "measure": "early_score"}, algo, fraction)
    if not final.index.equals(early.index):  # pair by (hp, seed, task), never by row position
        unpaired = final.index.symmetric_difference(early.index)
        raise ValueError(f"{data.source / 'curves.csv'}: runs.csv and curves.csv disagree on the runs of {algo} "
                         f"(claim {claim['id']}): unpaired (hp, seed, task) {list(unpaired)[:3]}")
    final, early = run_means(final), run_means(early)
    gains = (final - early).to_numpy(dtype=float)  # same sorted (hp, seed) index: aligned
    point, low, high = bootstrap([gains], lambda s, axis=-1: np.mean(s, axis=axis), defaults)
    return Estimate(point, low, high, gains.size,
                    f"best: {algo} ({selected_hp(data, algo, 'task')}); early {early.mean():.3g} "
                    f"-> final {final.mean():.3g} (early: the first {fraction:.3g} of the budget)")


# ---- grid world (Sec. 4.1)


def gridworld_auc_estimate(table: pd.DataFrame, claim: dict, source: Path) -> Estimate:
    """The paired-by-seed AUC difference of fig3_auc.csv (a seeded bootstrap over seeds)."""
    label, metric = f"{claim['a'][0]} - {claim['b'][0]}", f"AUC {claim['measure']}"
    rows = table[(table["comparison"] == label) & (table["metric"] == metric)]
    if rows.empty:
        raise ValueError(f"{source}: no row comparison={label!r}, metric={metric!r} (claim {claim['id']})")
    row, sign = rows.iloc[0], 1.0 if claim["direction"] == "greater" else -1.0
    low, high = sorted((sign * row["ci_low"], sign * row["ci_high"]))
    return Estimate(sign * float(row["mean"]), low, high, int(row["n_seeds"]))


def persistence_values(pi0: pd.DataFrame, layout) -> np.ndarray:
    """Per seed: pi_0's mean probability, over corridor cells and a previous step left or right
    with an ordinary step reward, of repeating the previous action (Fig. 3 right).
    `layout` is the logged map (plots.GridMap), which knows its corridor cells."""
    corridor = set(layout.corridor_cells())
    rows = pi0[(pi0["prev_reward"] == "step") & pi0["prev_action"].isin(["left", "right"])
               & (pi0["action"] == pi0["prev_action"])]
    rows = rows[[(r, c) in corridor for r, c in zip(rows["row"], rows["col"])]]
    if rows.empty:
        raise ValueError("pi0.csv: no corridor rows with previous action left/right")
    return rows.groupby("seed", sort=True)["prob"].mean().to_numpy(dtype=float)


def persistence_estimate(per_seed: np.ndarray, claim: dict, defaults: dict, threshold: float) -> Estimate:
    sign = 1.0 if claim["direction"] == "greater" else -1.0
    point, low, high = bootstrap([per_seed], lambda s, axis=-1: sign * (np.mean(s, axis=axis) - threshold), defaults)
    return Estimate(point, low, high, per_seed.size, f"P(repeat) = {per_seed.mean():.3f}")


# ---- aggregate summary (rliable style) and performance profiles


def aggregate_scores(data: SuiteData, suite: str, defaults: dict) -> pd.DataFrame:
    """Per algorithm and policy, on its selected hp: IQM of the final scores over runs x tasks,
    with a bootstrap interval that resamples runs within each task."""
    rows = []
    for (algo, policy), group in data.runs.groupby(["algo", "policy"], sort=True):
        group = group[group["hp"] == selected_hp(data, algo, policy)]
        strata = [g["final_score"].to_numpy(float) for _, g in group.groupby("task", sort=True)]
        iqm, low, high = bootstrap(strata, interquartile_mean, defaults)
        rows.append({"suite": suite, "algo": algo, "policy": policy, "hp": group["hp"].iloc[0],
                     "runs": group["seed"].nunique(), "tasks": len(strata), "iqm": iqm, "ci_low": low,
                     "ci_high": high, "mean": float(group["final_score"].mean())})
    return pd.DataFrame(rows)


def performance_profile(data: SuiteData, suite: str, points: int = 101) -> pd.DataFrame:
    """Fraction of (run, task) final scores above tau, per algorithm (task policy, selected hp),
    for tau on a grid from 0 to the suite's best score."""
    task = data.runs[data.runs["policy"] == "task"]
    finite = task["final_score"][np.isfinite(task["final_score"])]
    top = max(float(finite.max()) if len(finite) else 0.0, 1e-12)
    taus = np.linspace(0.0, top, points)
    rows = []
    for algo, group in task.groupby("algo", sort=True):
        scores = group[group["hp"] == selected_hp(data, algo, "task")]["final_score"].to_numpy(float)
        fractions = (scores[None, :] > taus[:, None]).mean(axis=1)
        rows += [{"suite": suite, "algo": algo, "tau": t, "fraction_above": f, "n_scores": scores.size}
                 for t, f in zip(taus, fractions)]
    return pd.DataFrame(rows)
