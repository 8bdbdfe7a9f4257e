"""The paper's claims as tests: an effect size, two one-sided p-values and a verdict each.

A claim (claims.yaml) compares algorithm groups A and B of one suite. Its `effect` is signed
so that a positive value supports the paper; the tests (verdicts.py: Welch / one-sample / paired
t, Fisher's exact test) give p_support (H0: effect <= 0) and p_contra (H0: effect >= 0), and, where
the test has one, a t interval at confidence 1 - alpha. Functions below take `defaults`: the
bootstrap settings (inference.settings, for the aggregate scores' IQM intervals), the registry's
`min_runs` and params.yaml `analysis.verdict` (alpha, correction, power). Verdict rule (`verdict`,
after the family's Holm adjustment in commands/claims.py): reproduced if the adjusted two-sided p
is below alpha on the supporting side, contradicted on the other side, otherwise, or with fewer
than `min_runs` runs in an algorithm, inconclusive at this budget.
A claim over several pairs ("A beat every B") is reproduced when every pair holds (an
intersection-union test) and contradicted when the pooled A-vs-B test is reversed
(selected_pairs_estimate, pairwise_estimate). An hp or a best algorithm chosen on the tested runs
costs a union bound over the choices (pair_test, best_vs_reference).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Callable

import jsonschema
import numpy as np
import pandas as pd
import yaml
from scipy import stats

from distral.analysis import aggregates
from distral.analysis import measures as M
from distral.analysis import verdicts as V
from distral.analysis.inference import bootstrap
from distral.config import ParamsError

REGISTRY = "claims.yaml"
VERDICTS = ("reproduced", "contradicted", "inconclusive")
SANITY_STATISTICS = ("vs_random", "vs_start")  # "the best algorithm learns": not claims of the paper
DEEP_STATISTICS = ("difference", "good_fraction", *SANITY_STATISTICS)
GRIDWORLD_PAIRED = ("gridworld_auc", "gridworld_final", "gridworld_stability")  # paired by seed
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


def asked_claims(registry: dict, params: dict, suites: list[str]) -> list[dict]:
    """The registry's claims, then, for every suite of `suites` that params.yaml declares a scaled-down
    variant of a paper suite (`suites.<s>.variant_of`), that suite's claims asked of the variant:
    id "<s>:<id>", suite <s> (a family of its own for Holm). The paper's claims keep their ids."""
    asked = list(registry["claims"])
    for suite in suites:
        of = ((params.get("suites") or {}).get(suite) or {}).get("variant_of")
        if of:
            asked += [{**c, "id": f"{suite}:{c['id']}", "suite": suite} for c in registry["claims"] if c["suite"] == of]
    return asked


def _check_claim(claim: dict, where: str) -> None:
    """Rules the schema cannot state: what each statistic needs."""
    stat, pairing = claim["statistic"], claim.get("pairing", "all")
    needs_b = stat in ("difference", "good_fraction", *GRIDWORLD_PAIRED)
    if needs_b and not claim["b"]:
        raise ParamsError(f"{where}.b': statistic {stat} compares A with a non-empty group B")
    if pairing == "zip" and len(claim["a"]) != len(claim["b"]):
        raise ParamsError(f"{where}.pairing': zip needs a and b of the same length")
    needs_threshold = (stat in ("good_fraction", "persistence", "vs_start", "gridworld_final", "gridworld_stability")
                       or claim["measure"] == "early_score")
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
    if stat in GRIDWORLD_PAIRED and (len(claim["a"]) != 1 or len(claim["b"]) != 1):
        raise ParamsError(f"{where}.a': {stat} compares one algorithm with one baseline")
    if stat in ("gridworld_final", "gridworld_stability") and not 0 < claim["threshold"] < 1:
        raise ParamsError(f"{where}.threshold': {stat}'s part of training must be a fraction in (0, 1)")
    if "margin" in claim and stat != "difference":
        raise ParamsError(f"{where}.margin': only a difference has a margin (non-superiority)")
    if stat == "persistence" and len(claim["a"]) != 1:
        raise ParamsError(f"{where}.a': persistence reads one algorithm's pi_0")


# ---- statistics


@dataclass(frozen=True)
class Estimate:
    """An effect (positive supports the claim), its one-sided p-values (verdicts.py), its interval
    where the test has one (two-sided, confidence 1 - alpha; NaN for the exact test) and the runs
    behind it. `design` feeds the minimum detectable effect; `reason` says why there is no test."""

    effect: float
    low: float
    high: float
    n_min: int  # the fewest runs in any compared algorithm
    detail: str = ""
    p_support: float = math.nan
    p_contra: float = math.nan
    design: tuple = ()
    reason: str = ""

    @property
    def p(self) -> float:
        """The two-sided p of the claim (NaN without a test)."""
        return float(V.two_sided(self.p_support, self.p_contra))


def no_test(n_min: int, reason: str, detail: str = "") -> Estimate:
    return Estimate(math.nan, math.nan, math.nan, n_min, detail, reason=reason)


def usable(*samples: np.ndarray) -> str:
    """Why these samples cannot be tested ("" if they can)."""
    if min(s.size for s in samples) < 2:
        return "fewer than 2 runs in a compared group"
    if not all(np.isfinite(s).all() for s in samples):
        return "a non-finite score"
    if all(np.ptp(s) == 0 for s in samples):
        return "no run-to-run spread (every run the same)"
    return ""


def mean_contrast(sign: float) -> Callable:
    """`sign` x (mean(A) - mean(B)), vectorised over the last axis."""

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


def signed(claim: dict) -> float:
    return 1.0 if claim["direction"] == "greater" else -1.0


def two_group_test(a: np.ndarray, b: np.ndarray, claim: dict, alpha: float) -> Estimate:
    """A against B, signed by the claim's direction, plus its margin: Welch's t on the per-run values,
    or for good_fraction (0/1 per run) Fisher's exact test (no interval)."""
    reason = usable(a, b)
    if claim["statistic"] == "good_fraction":
        if min(a.size, b.size) < 1:
            return no_test(min(a.size, b.size), "no runs in a compared group")
        first, second = (a, b) if signed(claim) > 0 else (b, a)
        effect, ps, pc = V.exact_fraction(first, second)
        return Estimate(float(effect), math.nan, math.nan, min(a.size, b.size), p_support=float(ps),
                        p_contra=float(pc), design=("exact", first.size, second.size, float(second.mean())))
    if reason:
        return no_test(min(a.size, b.size), reason)
    sa, sb = signed(claim) * a, signed(claim) * b
    effect, ps, pc, low, high = V.welch(sa, sb, claim.get("margin", 0.0), alpha)
    return Estimate(float(effect), float(low), float(high), min(a.size, b.size), p_support=float(ps),
                    p_contra=float(pc), design=("t2", a.size, float(a.std(ddof=1)), b.size, float(b.std(ddof=1))))


def pairwise_estimate(values: dict, claim: dict, alpha: float) -> Estimate:
    """"Every pair holds": effect = the smallest pairwise difference d_min; p_support = the largest
    pair p_support (an intersection-union test: every pair must clear 0, no correction needed);
    p_contra = the pooled A-vs-B test's (all A runs against all B runs): a claim is contradicted only
    when the groups as a whole are reliably reversed. Interval: [smallest lower bound of the pairs,
    upper bound of the pooled difference] (d_min <= the pooled difference)."""
    comparisons = pairs(claim)
    tests = [two_group_test(values[x], values[y], claim, alpha) for x, y in comparisons]
    a = np.concatenate([values[k] for k in dict.fromkeys(x for x, _ in comparisons)])
    b = np.concatenate([values[k] for k in dict.fromkeys(y for _, y in comparisons)])
    pooled = two_group_test(a, b, claim, alpha)
    n_min = min(v.size for v in values.values())
    failed = next((t.reason for t in tests + [pooled] if t.reason), "")
    if failed:
        return no_test(n_min, failed)
    k = int(np.argmin([t.effect for t in tests]))
    ps, pc = V.intersection_union([t.p_support for t in tests], pooled.p_contra)
    lows = [t.low for t in tests]
    low = math.nan if any(math.isnan(x) for x in lows) else min(lows)  # the exact test has no interval
    return Estimate(tests[k].effect, low, pooled.high, n_min,
                    f"weakest pair: {comparisons[k][0]} vs {comparisons[k][1]}", float(ps), float(pc),
                    ("all", *[t.design for t in tests]))


def pooled_estimate(samples: list[np.ndarray], claim: dict, alpha: float) -> Estimate:
    """Mean of A's algorithms against mean of B's: one test of all A runs against all B runs pooled.
    With equal runs per algorithm the pooled mean is the mean of the algorithm means; the spread
    between algorithms counts as run-to-run noise, which makes the test conservative."""
    n_a = len(claim["a"])
    est = two_group_test(np.concatenate(samples[:n_a]), np.concatenate(samples[n_a:]), claim, alpha)
    return Estimate(est.effect, est.low, est.high, min(s.size for s in samples), est.detail, est.p_support,
                    est.p_contra, est.design, est.reason)


def interquartile_mean(*samples, axis=-1):
    """IQM of all samples pooled (the per-task strata of one algorithm)."""
    return stats.trim_mean(np.concatenate(samples, axis=axis), IQM_TRIM, axis=axis)


def verdict(est: Estimate, min_runs: int, p_adjusted: float | None = None, alpha: float = 0.05
            ) -> tuple[str, str]:
    """The verdict and, when inconclusive, why: reproduced when the (Holm-adjusted) two-sided p is
    below alpha on the support side, contradicted on the contra side. `p_adjusted` None: the raw p."""
    if est.n_min == 0 and est.reason:  # untestable before any run counts (measures.Undecidable)
        return "inconclusive", est.reason
    if est.n_min < min_runs:
        return "inconclusive", f"fewer than {min_runs} runs ({est.n_min})"
    if math.isnan(est.p):
        return "inconclusive", est.reason or "no test"
    p = est.p if p_adjusted is None else p_adjusted
    if p < alpha:
        return ("reproduced", "") if est.p_support <= est.p_contra else ("contradicted", "")
    return "inconclusive", f"p = {p:.3g} >= {alpha:g}"


# ---- the data of one suite (results/{profile}/{suite}/*.csv, written by aggregate-deep)


@dataclass
class SuiteData:
    runs: pd.DataFrame
    curves: pd.DataFrame
    selection: pd.DataFrame
    frames_per_task: int
    source: Path
    random: pd.DataFrame | None = None  # random.csv: the uniform random policy per task
    _normaliser: str | None = field(default=None, init=False, repr=False)  # "" once checked and sound

    def check_normaliser(self) -> None:
        """measures.check_normaliser of these aggregates, computed once: every claim's values ask."""
        if self._normaliser is None:
            try:
                M.check_normaliser(self.runs, self.random)
                self._normaliser = ""
            except M.Undecidable as exc:
                self._normaliser = str(exc)
        if self._normaliser:
            raise M.Undecidable(self._normaliser)


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
    """`claim`'s measure per (hp, seed, task) of `algo`, or per (hp, seed) for the run-level
    measures (measures.RUN_MEASURES): the selected hp only for "difference". Raises
    measures.Undecidable on a normalised suite whose A3C normaliser is flagged."""
    policy, measure = claim.get("policy", "task"), claim["measure"]
    data.check_normaliser()
    runs = data.runs[(data.runs["algo"] == algo) & (data.runs["policy"] == policy)]
    if claim["statistic"] == "difference":
        runs = runs[runs["hp"] == selected_hp(data, algo, policy)]
    if measure == "early_score":
        return early_scores(data, runs, threshold)
    if measure == "degradation":
        return M.degradation(data.curves, runs)
    if measure == "final_spread":
        return M.final_spread(run_means(runs.set_index(["hp", "seed", "task"])["final_score"]))
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
    the budget; measures.Undecidable when a (run, task) has no bin there."""
    keys = runs[["algo", "hp", "seed", "task", "policy"]].drop_duplicates()
    curves = data.curves.merge(keys, on=list(keys.columns))
    M.check_early_window(curves.groupby(["hp", "seed", "task"])["frames"].min(), fraction, data.frames_per_task)
    early = curves[curves["frames"] <= fraction * data.frames_per_task]
    return early.groupby(["hp", "seed", "task"], sort=True)["score"].mean()


def deep_estimate(data: SuiteData, claim: dict, defaults: dict, threshold: float | None) -> Estimate:
    """The test of one 3D claim. "difference" claims test each algorithm's selected hp, selection-aware
    (candidates, pair_test); good_fraction reads every hp setting's runs, as Fig. 4's panels 2 do."""
    alpha = defaults["alpha"]
    if claim["statistic"] == "vs_random":
        return vs_random_estimate(data, claim, defaults)
    if claim["statistic"] == "vs_start":
        return vs_start_estimate(data, claim, defaults, threshold)
    algos = claim["a"] + claim["b"]
    if claim["statistic"] == "difference":
        groups = {algo: candidates(data, claim, algo, threshold) for algo in algos}
        samples = [groups[algo].chosen for algo in algos]
    else:
        samples = [run_values(data, claim, algo, threshold) for algo in algos]
    empty = [algo for algo, s in zip(algos, samples) if s.size == 0]
    if empty:
        raise ValueError(f"{data.source / 'runs.csv'}: no {claim.get('policy', 'task')} runs of "
                         f"{', '.join(empty)} (claim {claim['id']})")
    if claim["statistic"] == "difference":
        return selected_pairs_estimate(groups, claim, alpha)
    if claim.get("pairing", "all") != "pooled":
        return pairwise_estimate(dict(zip(algos, samples)), claim, alpha)
    return pooled_estimate(samples, claim, alpha)


# ---- selection-aware tests (Sec. 4.2 selects each algorithm's hp on the very runs we test)


@dataclass(frozen=True)
class Candidates:
    """One algorithm's per-run values on every hp setting, and the hp selection.csv chose."""

    by_hp: dict  # hp -> np.ndarray of per-run values (mean over tasks), sorted by seed
    hp: str

    @property
    def chosen(self) -> np.ndarray:
        return self.by_hp.get(self.hp, np.array([]))


def candidates(data: SuiteData, claim: dict, algo: str, threshold: float | None) -> Candidates:
    """`algo`'s per-run values of the claim's measure on every hp setting (selected_hp's choice marked)."""
    per_run = run_means(task_values(data, {**claim, "statistic": "every_hp"}, algo, threshold))
    by_hp = {hp: group.to_numpy(float) for hp, group in per_run.groupby(level="hp", sort=True)}
    return Candidates(by_hp, selected_hp(data, algo, claim.get("policy", "task")))


def pair_test(a: Candidates, b: Candidates, claim: dict, alpha: float) -> Estimate:
    """A's selected hp against B's, aware that each was chosen, on these runs, as the best of its
    settings. What is tested: A's best setting against B's best (direction greater: best A > best B).
    Support: A's choice beats *every* setting of B (so B's choice cannot be flattered), with a union
    bound over the settings A chose from; contra: B's choice beats every setting of A, union bound over
    B's. Direction less (best A < best B) swaps the roles. One hp each: plain Welch. Effect and
    interval: the selected pair's (the paper's numbers; the interval is not widened for the choice)."""
    shown = two_group_test(a.chosen, b.chosen, claim, alpha)
    if shown.reason:
        return shown
    a_vs_every_b = [two_group_test(a.chosen, other, claim, alpha) for other in b.by_hp.values()]
    every_a_vs_b = [two_group_test(other, b.chosen, claim, alpha) for other in a.by_hp.values()]
    # a setting without a test (no spread, a non-finite score) counts as p = 1: it cannot be beaten
    # reliably, so it blocks the intersection (conservative)
    if signed(claim) > 0:
        ps = V.union_bound(max(_p(t, "p_support") for t in a_vs_every_b), len(a.by_hp))
        pc = V.union_bound(max(_p(t, "p_contra") for t in every_a_vs_b), len(b.by_hp))
        design = ("choices", len(a.by_hp), ("all", *[t.design for t in a_vs_every_b]))
    else:
        ps = V.union_bound(max(_p(t, "p_support") for t in every_a_vs_b), len(b.by_hp))
        pc = V.union_bound(max(_p(t, "p_contra") for t in a_vs_every_b), len(a.by_hp))
        design = ("choices", len(b.by_hp), ("all", *[t.design for t in every_a_vs_b]))
    return Estimate(shown.effect, shown.low, shown.high, shown.n_min, "", float(ps), float(pc), design)


def _p(test: Estimate, side: str) -> float:
    return 1.0 if test.reason else getattr(test, side)


def selected_pairs_estimate(groups: dict, claim: dict, alpha: float) -> Estimate:
    """A "difference" claim over its pairs (pairs()): effect = the weakest pair's; p_support = the
    largest pair p_support (intersection-union: every pair must hold, no correction needed);
    p_contra = the pooled test of all A runs against all B runs (selected hps) with a union bound over
    the hp combinations of the side whose choice flatters the contra side (B for direction greater;
    1 when every algorithm has one hp): contradicted only
    when the groups as a whole are reliably reversed. pairing pooled: the pooled test both ways."""
    comparisons = pairs(claim)
    a = list(dict.fromkeys(x for x, _ in comparisons))
    b = list(dict.fromkeys(y for _, y in comparisons))
    pooled = two_group_test(np.concatenate([groups[k].chosen for k in a]),
                            np.concatenate([groups[k].chosen for k in b]), claim, alpha)
    n_min = min(g.chosen.size for g in groups.values())
    a_choices = int(np.prod([len(groups[k].by_hp) for k in a]))
    b_choices = int(np.prod([len(groups[k].by_hp) for k in b]))
    if signed(claim) < 0:  # "A below B": B's choice flatters the support side, A's the contra side
        a_choices, b_choices = b_choices, a_choices
    if claim.get("pairing", "all") == "pooled":
        if pooled.reason:
            return no_test(n_min, pooled.reason)
        return Estimate(pooled.effect, pooled.low, pooled.high, n_min, "",
                        float(V.union_bound(pooled.p_support, a_choices)),
                        float(V.union_bound(pooled.p_contra, b_choices)), ("choices", a_choices, pooled.design))
    tests = [pair_test(groups[x], groups[y], claim, alpha) for x, y in comparisons]
    failed = next((t.reason for t in tests + [pooled] if t.reason), "")
    if failed:
        return no_test(n_min, failed)
    k = int(np.argmin([t.effect for t in tests]))
    ps, pc = V.intersection_union([t.p_support for t in tests], V.union_bound(pooled.p_contra, b_choices))
    lows = [t.low for t in tests]
    low = math.nan if any(math.isnan(x) for x in lows) else min(lows)
    hps = "" if max(a_choices, b_choices) == 1 else "; hp chosen on these runs: union bound over the settings"
    return Estimate(tests[k].effect, low, pooled.high, n_min,
                    f"weakest pair: {comparisons[k][0]} vs {comparisons[k][1]}{hps}", float(ps), float(pc),
                    ("all", *[t.design for t in tests]))


def best_vs_reference(data: SuiteData, claim: dict, values: dict, reference: float, alpha: float,
                      note: str) -> Estimate:
    """A sanity check: the best algorithm (best_algorithm) on its selected hp against `reference`
    (one-sample t; `values`: algo -> {hp: per-run values}). Support: the best's p with a union bound
    over every (algorithm, hp) candidate (the winner's curse of choosing the best of seven algorithms
    on the tested runs); contra: even the best lies below, i.e. *every* candidate does (an
    intersection: the largest candidate p_contra)."""
    algo = best_algorithm(data, claim["a"])
    hp = selected_hp(data, algo, "task")
    choices = sum(len(v) for v in values.values())
    shown = one_sample_estimate(values[algo].get(hp, np.array([])), reference, alpha, "")
    every = [one_sample_estimate(v, reference, alpha, "") for runs in values.values() for v in runs.values()]
    detail = f"best: {algo} ({hp}) of {choices} (algorithm, hp) candidates; {note}"
    if shown.reason:
        return no_test(shown.n_min, shown.reason, detail)
    ps = V.union_bound(shown.p_support, choices)
    pc = max(1.0 if t.reason else t.p_contra for t in every)  # a candidate without a test: p = 1
    return Estimate(shown.effect, shown.low, shown.high, shown.n_min, detail, float(ps), float(pc),
                    ("choices", choices, shown.design))


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


def random_to_best_gap(data: SuiteData, algos: list[str]) -> float:
    """The best algorithm's mean final score (task policies, selected hp) minus the random policy's:
    the scale of the minimum detectable effect. NaN without a random reference."""
    best = best_algorithm(data, algos)
    runs = data.runs[(data.runs["algo"] == best) & (data.runs["policy"] == "task")]
    return float(runs.loc[runs["hp"] == selected_hp(data, best, "task"), "final_score"].mean()) - random_reference(data)


def one_sample_estimate(values: np.ndarray, reference: float, alpha: float, detail: str) -> Estimate:
    """One-sample t of mean(values) - reference (values already signed)."""
    reason = usable(values) if values.size >= 2 else "fewer than 2 runs"
    if reason:
        return no_test(values.size, reason, detail)
    effect, ps, pc, low, high = V.one_sample(values, reference, alpha)
    return Estimate(float(effect), float(low), float(high), values.size, detail, float(ps), float(pc),
                    ("t1", values.size, float(values.std(ddof=1))))


def vs_random_estimate(data: SuiteData, claim: dict, defaults: dict) -> Estimate:
    """Sanity check "the best algorithm learns": per run of the best algorithm's selected hp, its
    final score averaged over tasks, minus the random policy's task-averaged score (a fixed
    reference: its standard error over episodes, random.csv's score_sem, is left out);
    best_vs_reference's selection-aware one-sample t."""
    values = {algo: candidates(data, claim, algo, None).by_hp for algo in claim["a"]}
    reference = random_reference(data)
    if not np.isfinite(reference):
        algo = best_algorithm(data, claim["a"])
        return no_test(values[algo].get(selected_hp(data, algo, "task"), np.array([])).size,
                       "no random-policy reference", f"best: {algo}")
    return best_vs_reference(data, claim, values, reference, defaults["alpha"], f"random policy {reference:.3g}")


def vs_start_estimate(data: SuiteData, claim: dict, defaults: dict, fraction: float) -> Estimate:
    """Sanity check "the best algorithm improves on its own start": per run, its final score minus its
    early score (the curve over the first `fraction` of the budget), each averaged over tasks and
    paired by (hp, seed); best_vs_reference's selection-aware one-sample t of the gains against 0.
    It exists because an untrained network is not a uniform policy: beating random (vs_random) can
    happen with flat curves, improving on its own start cannot."""
    gains = {}
    for algo in claim["a"]:
        final = task_values(data, {**claim, "statistic": "every_hp"}, algo, None)
        early = task_values(data, {**claim, "statistic": "every_hp", "measure": "early_score"}, algo, fraction)
        if not final.index.equals(early.index):  # pair by (hp, seed, task), never by row position
            unpaired = final.index.symmetric_difference(early.index)
            raise ValueError(f"{data.source / 'curves.csv'}: runs.csv and curves.csv disagree on the runs of "
                             f"{algo} (claim {claim['id']}): unpaired (hp, seed, task) {list(unpaired)[:3]}")
        gain = run_means(final) - run_means(early)  # same sorted (hp, seed) index: aligned
        gains[algo] = {hp: g.to_numpy(float) for hp, g in gain.groupby(level="hp", sort=True)}
    return best_vs_reference(data, claim, gains, 0.0, defaults["alpha"],
                             f"gain final - early (early: the first {fraction:.3g} of the budget)")


# ---- grid world (Sec. 4.1): paired by seed


def gridworld_estimate(per_seed: pd.DataFrame, claim: dict, alpha: float) -> Estimate:
    """Paired-by-seed t test of A - B (signed) on one value per seed: `per_seed` has columns algo,
    seed and the claim's measure (gridworld.seed_aucs / seed_finals / seed_instability)."""
    metric = claim["measure"]
    a = per_seed[per_seed["algo"] == claim["a"][0]].set_index("seed")[metric]
    b = per_seed[per_seed["algo"] == claim["b"][0]].set_index("seed")[metric]
    both = a.index.intersection(b.index)
    if both.empty:
        raise ValueError(f"grid world: no seed run by both {claim['a'][0]} and {claim['b'][0]} (claim {claim['id']})")
    diff = signed(claim) * (a[both] - b[both]).to_numpy(float)
    return one_sample_estimate(diff, 0.0, alpha, f"{both.size} seeds paired")


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
    """One-sample t of the per-seed P(repeat) minus the threshold (signed)."""
    sign = signed(claim)
    return one_sample_estimate(sign * per_seed, sign * threshold, defaults["alpha"],
                               f"P(repeat) = {per_seed.mean():.3f}")


# ---- aggregate summary (rliable style) and performance profiles


def aggregate_scores(data: SuiteData, suite: str, defaults: dict) -> pd.DataFrame:
    """Per algorithm and policy, on its selected hp: IQM over runs x tasks of the final returns on
    the common scale (measures.common_scale: 0 = random, 1 = best A3C run, flagged tasks left
    out), with a bootstrap interval that resamples runs within each task."""
    scaled, flagged = M.common_scale(data.runs, data.random)
    rows = []
    for (algo, policy), group in data.runs.groupby(["algo", "policy"], sort=True):
        hp = selected_hp(data, algo, policy)
        group = scaled[(scaled["algo"] == algo) & (scaled["policy"] == policy) & (scaled["hp"] == hp)]
        strata = [g["scaled"].to_numpy(float) for _, g in group.groupby("task", sort=True)]
        iqm, low, high = bootstrap(strata, interquartile_mean, defaults) if strata else (math.nan,) * 3
        rows.append({"suite": suite, "algo": algo, "policy": policy, "hp": hp,
                     "runs": group["seed"].nunique(), "tasks": len(strata), "iqm": iqm, "ci_low": low,
                     "ci_high": high, "mean": float(group["scaled"].mean()) if len(group) else math.nan,
                     "left_out": " ".join(flagged)})
    return pd.DataFrame(rows)


def performance_profile(data: SuiteData, suite: str, points: int = 101) -> pd.DataFrame:
    """Fraction of (run, task) final returns on the common scale (measures.common_scale) above
    tau, per algorithm (task policy, selected hp), for tau on a grid from 0 to the suite's best."""
    scaled, _ = M.common_scale(data.runs, data.random)
    task = scaled[scaled["policy"] == "task"].assign(final_score=lambda f: f["scaled"])
    finite = task["final_score"][np.isfinite(task["final_score"])]
    top = max(float(finite.max()) if len(finite) else 0.0, 1e-12)
    taus = np.linspace(0.0, top, points)
    rows = []
    for algo, group in task.groupby("algo", sort=True):
        scores = group[group["hp"] == selected_hp(data, algo, "task")]["final_score"].to_numpy(float)
        fractions = (scores[None, :] > taus[:, None]).mean(axis=1)
        rows += [{"suite": suite, "algo": algo, "tau": t, "fraction_above": f, "n_scores": scores.size}
                 for t, f in zip(taus, fractions)]
    return pd.DataFrame(rows, columns=["suite", "algo", "tau", "fraction_above", "n_scores"])
