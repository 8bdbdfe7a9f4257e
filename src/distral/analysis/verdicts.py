"""The tests behind a claim's verdict, the family-wise correction and the minimum detectable effect.

Every test is one-sided twice over the claim's signed effect (> 0 supports the paper):
p_support (H0: effect <= 0 against effect > 0) and p_contra (H0: effect >= 0 against < 0).
The two-sided p = min(1, 2 min(p_support, p_contra)) is corrected by Holm across a family (the
paper's claims of one suite; each suite's sanity checks are a family of their own); the verdict
reads the adjusted p and the side. The tests are t tests (valid at 4-10 runs per group, unlike a
percentile bootstrap, whose interval is too narrow there: docs/analysis.md) and, for binary
"good run" outcomes, Fisher's exact test. Everything here is vectorised over leading axes so
that the simulations of the rule (tests/analysis/test_verdict_error_rates.py,
bench/verdict_error_rates.py) run the very functions the claims use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats


@dataclass(frozen=True)
class Test:
    """A claim's effect, its one-sided p-values and, where the test has one, its interval
    (two-sided, confidence 1 - alpha). `design` describes the test for the power computation."""

    effect: float
    p_support: float
    p_contra: float
    low: float = math.nan
    high: float = math.nan
    design: tuple = ()


NO_TEST = Test(math.nan, math.nan, math.nan)


def two_sided(p_support, p_contra):
    """The two-sided p of a pair of one-sided p-values (NaN stays NaN)."""
    return np.minimum(1.0, 2.0 * np.minimum(p_support, p_contra))


# ---- the tests (scipy.stats), over the last axis


def welch(a, b, shift: float = 0.0, alpha: float = 0.05):
    """Welch's t test of effect = mean(a) - mean(b) + shift (a, b already signed).
    Returns (effect, p_support, p_contra, low, high), each over the leading axes."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    a = a + shift
    greater = stats.ttest_ind(a, b, equal_var=False, alternative="greater", axis=-1)
    less = stats.ttest_ind(a, b, equal_var=False, alternative="less", axis=-1)
    ci = stats.ttest_ind(a, b, equal_var=False, axis=-1).confidence_interval(1 - alpha)
    effect = a.mean(axis=-1) - b.mean(axis=-1)
    return effect, greater.pvalue, less.pvalue, ci.low, ci.high


def one_sample(x, reference: float = 0.0, alpha: float = 0.05):
    """One-sample t test of effect = mean(x) - reference (x already signed); a paired test is this
    on the per-pair differences. Returns (effect, p_support, p_contra, low, high)."""
    x = np.asarray(x, float) - reference
    greater = stats.ttest_1samp(x, 0.0, alternative="greater", axis=-1)
    less = stats.ttest_1samp(x, 0.0, alternative="less", axis=-1)
    ci = stats.ttest_1samp(x, 0.0, axis=-1).confidence_interval(1 - alpha)
    return x.mean(axis=-1), greater.pvalue, less.pvalue, ci.low, ci.high


def fisher_greater(good_a, n_a, good_b, n_b):
    """One-sided Fisher exact p of "A's good fraction > B's" (H0: equal), vectorised: given the
    total of good runs, A's count is hypergeometric. Equal to stats.fisher_exact(table,
    alternative="greater") (tested); vectorised because the power sums over every table."""
    good_a, good_b = np.asarray(good_a), np.asarray(good_b)
    return stats.hypergeom.sf(good_a - 1, n_a + n_b, good_a + good_b, n_a)


def exact_fraction(a, b):
    """Fisher's exact test on the 2x2 table of good runs (a, b: 0/1 per run, over the last axis).
    Fisher rather than Boschloo: it is exact (never above nominal), its one-sided p is one
    hypergeometric tail, so the power at every table is cheap; Boschloo is more powerful but
    maximises over a nuisance parameter per table. Returns (effect, p_support, p_contra)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    n_a, n_b = a.shape[-1], b.shape[-1]
    ga, gb = a.sum(axis=-1).astype(int), b.sum(axis=-1).astype(int)
    effect = ga / n_a - gb / n_b
    return effect, fisher_greater(ga, n_a, gb, n_b), fisher_greater(gb, n_b, ga, n_a)


def intersection_union(pair_support, pooled_contra):
    """"Every pair holds": p_support = the largest pair p_support (an intersection-union test:
    valid at level alpha without correction, since every pair must reject); p_contra = the pooled
    comparison's (one test: the claim is contradicted only when the groups as a whole are reliably
    reversed, so many pairs do not multiply false contradictions). pair_support: (pairs, ...)."""
    return np.max(np.asarray(pair_support, float), axis=0), np.asarray(pooled_contra, float)


# ---- the family-wise correction


def holm(p) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm 1979): sort ascending, multiply the i-th smallest
    (0-based) by m - i, carry the running maximum, cap at 1. A NaN p (no test) counts as 1, so a
    claim without a test still counts in its family (conservative)."""
    p = np.where(np.isnan(np.asarray(p, float)), 1.0, np.asarray(p, float))
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((p.size - np.arange(p.size)) * p[order])
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(1.0, stepped)
    return adjusted


# ---- selection on the tested runs: a union bound over the choices


def union_bound(p, choices: int):
    """The p of a test on a candidate chosen (by any rule, on the same runs) among `choices`: the
    chosen test rejects only if some candidate's would, so P <= choices x the level (Bonferroni).
    Cross-fitting over seeds (choose on one half, test on the other, swap, pool) is not valid here:
    when one candidate wins on both halves, both halves' values are maxima and the pooled t test
    sees them as independent (bench/verdict_error_rates.py measured 4-5 % per side at nominal 2.5 %)."""
    return np.minimum(1.0, choices * np.asarray(p, float))


# ---- power and the minimum detectable effect


def t_power(effect: float, se_unit: float, df: float, level: float) -> float:
    """Power of a one-sided t test at `level` when the true effect is `effect` and the standard
    error is `se_unit` (noncentral t with noncentrality effect / se)."""
    return float(stats.nct.sf(stats.t.isf(level, df), df, effect / se_unit))


def welch_df(s_a: float, n_a: int, s_b: float, n_b: int) -> float:
    va, vb = s_a ** 2 / n_a, s_b ** 2 / n_b
    return (va + vb) ** 2 / (va ** 2 / (n_a - 1) + vb ** 2 / (n_b - 1))


WELCH_NODES = 64  # Gauss-Legendre nodes per sample variance in welch_power's quadrature


def welch_rejection(n_a: int, s_a: float, n_b: int, s_b: float, level: float) -> tuple:
    """What welch_power integrates over: the one-sided Welch test rejects when the difference of
    means D exceeds c = t_isf(level, df_hat) x se_hat, both functions of the two sample variances,
    which are independent of D ((n - 1) s^2 / sigma^2 ~ chi-square(n - 1)). Returns (c, weight) on a
    Gauss-Legendre grid in the two chi-squares' quantiles, and the true standard error of D."""
    x, w = np.polynomial.legendre.leggauss(WELCH_NODES)
    u, w = (x + 1) / 2, w / 2

    def sample_var(n, s):  # s^2 / n at every node: sigma^2 / n x chi-square(n - 1) / (n - 1)
        return s ** 2 / n * stats.chi2.ppf(u, n - 1) / (n - 1)

    va, vb = sample_var(n_a, s_a)[:, None], sample_var(n_b, s_b)[None, :]
    df = (va + vb) ** 2 / (va ** 2 / (n_a - 1) + vb ** 2 / (n_b - 1))
    c = stats.t.isf(level, df) * np.sqrt(va + vb)
    return c.ravel(), np.outer(w, w).ravel(), math.sqrt(s_a ** 2 / n_a + s_b ** 2 / n_b)


def welch_power(effect: float, n_a: int, s_a: float, n_b: int, s_b: float, level: float,
                rejection: tuple | None = None) -> float:
    """Power of Welch's one-sided test at `level` for a true difference `effect` and true run
    standard deviations s_a, s_b: E[Phi((effect - c) / se)] over the sample variances
    (welch_rejection; pass its result to reuse it). Unlike the noncentral t with the true variances'
    df (t_power), it counts the estimated variances and df, which cost power at few runs: 4 vs 4
    runs of equal spread at the noncentral t's 80 % MDE have 66 % (tests/analysis/test_power.py)."""
    c, weight, se = rejection if rejection is not None else welch_rejection(n_a, s_a, n_b, s_b, level)
    return float(np.sum(weight * stats.norm.cdf((effect - c) / se)))


def exact_power(p_a: float, n_a: int, p_b: float, n_b: int, level: float) -> float:
    """Exact power of the one-sided Fisher test at `level`: the binomial probability of every table
    (good_a, good_b) whose p is below the level."""
    ga, gb = np.meshgrid(np.arange(n_a + 1), np.arange(n_b + 1), indexing="ij")
    reject = fisher_greater(ga, n_a, gb, n_b) < level
    prob = stats.binom.pmf(ga, n_a, p_a) * stats.binom.pmf(gb, n_b, p_b)
    return float(prob[reject].sum())


def _root(power, target: float, high: float, grow: bool = True) -> float:
    """The smallest effect in (0, high] with power(effect) = target, the bracket grown tenfold up to
    10^4 times (a t test with 1 df needs effects of hundreds of standard errors); inf if it falls
    short even then (or at `high` when it cannot grow: a fraction's difference is at most 1)."""
    for _ in range(5 if grow else 1):
        if power(high) >= target:
            return float(optimize.brentq(lambda d: power(d) - target, 1e-12 * high, high, xtol=1e-12 * high))
        high *= 10
    return math.inf


def mde(design: tuple, level: float, target: float = 0.8) -> float:
    """The smallest true effect (claim units) the test of `design` detects with probability `target`
    at one-sided `level`. Designs: ("t1", n, sd) one-sample / paired; ("t2", n_a, sd_a, n_b, sd_b)
    Welch; ("exact", n_a, n_b, p_b) Fisher on good fractions (p_b: B's observed fraction; effect =
    p_a - p_b); ("all", design, ...) every pair must be detected: the largest pair MDE; ("choices", k,
    design): a test on a candidate chosen among k (union_bound): `design` at level / k.
    NaN when the design has no spread or too few runs."""
    kind = design[0] if design else ""
    if kind == "choices":
        return mde(design[2], level / design[1], target)
    if kind == "all":
        each = [mde(d, level, target) for d in design[1:]]
        return math.nan if any(math.isnan(e) for e in each) else max(each)
    if kind == "t1":
        _, n, sd = design
        if n < 2 or not sd > 0:
            return math.nan
        return _root(lambda d: t_power(d, sd / math.sqrt(n), n - 1, level), target, 100 * sd)
    if kind == "t2":
        _, n_a, s_a, n_b, s_b = design
        if min(n_a, n_b) < 2 or not (s_a > 0 or s_b > 0):
            return math.nan
        rejection = welch_rejection(n_a, s_a, n_b, s_b, level)  # computed once for the root finder
        return _root(lambda d: welch_power(d, n_a, s_a, n_b, s_b, level, rejection), target, 100 * rejection[2])
    if kind == "exact":
        _, n_a, n_b, p_b = design
        if min(n_a, n_b) < 1 or not 0 <= p_b < 1:
            return math.nan
        return _root(lambda d: exact_power(p_b + d, n_a, p_b, n_b, level), target, 1.0 - p_b, grow=False)
    return math.nan


def settings(params) -> dict:
    """params.yaml `analysis.verdict`: {alpha, correction, power}."""
    return dict(params["analysis"]["verdict"])


def adjust(p, correction: str) -> np.ndarray:
    """The family's adjusted p-values: Holm, or the raw p ('none'; NaN as 1)."""
    p = np.asarray(p, float)
    return holm(p) if correction == "holm" else np.where(np.isnan(p), 1.0, p)
