"""The pieces of the verdict rule against hand-worked examples and slow computations written close
to the maths: Holm's adjusted p, the one-sided tests, Fisher's exact p and power, the minimum
detectable effect and the union bound."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import integrate, stats

from distral.analysis import verdicts as V


def test_holm_textbook_example():
    """Four p-values, sorted 0.005, 0.01, 0.03, 0.04: times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04;
    the running maximum makes the last 0.06 (Holm 1979's step-down)."""
    adjusted = V.holm([0.01, 0.04, 0.03, 0.005])
    assert adjusted.tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert V.holm([0.5, np.nan]).tolist() == pytest.approx([1.0, 1.0])  # no test counts as p = 1
    assert V.adjust([0.01, np.nan], "none").tolist() == [0.01, 1.0]


def test_holm_by_its_definition():
    """Holm rejects H_(i) iff p_(j) <= alpha / (m - j + 1) for every j <= i: the adjusted p is below
    alpha exactly then, for random p-vectors and several alphas."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        p = rng.random(6) ** 3
        for alpha in (0.01, 0.05, 0.2):
            order = np.argsort(p)
            reject = np.zeros(6, bool)
            for i, k in enumerate(order):
                if p[k] > alpha / (6 - i):
                    break
                reject[k] = True
            assert ((V.holm(p) <= alpha) == reject).all()


def test_welch_and_one_sample_by_hand():
    a, b = np.array([3.0, 5.0, 4.0, 6.0]), np.array([1.0, 2.0, 2.5, 0.5])
    va, vb = a.var(ddof=1) / 4, b.var(ddof=1) / 4
    t = (a.mean() - b.mean()) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / 3 + vb ** 2 / 3)
    effect, ps, pc, low, high = V.welch(a, b)
    assert effect == pytest.approx(3.0) and ps == pytest.approx(stats.t.sf(t, df)) and pc == pytest.approx(stats.t.cdf(t, df))
    half = stats.t.isf(0.025, df) * math.sqrt(va + vb)
    assert (low, high) == pytest.approx((3.0 - half, 3.0 + half))
    # a margin shifts A: the test of mean(a) + 1 - mean(b) > 0
    assert V.welch(a, b, 1.0)[1] == pytest.approx(stats.t.sf(t + 1 / math.sqrt(va + vb), df))
    x = np.array([0.2, 0.5, 0.1, 0.4])
    t1 = (x.mean() - 0.1) / (x.std(ddof=1) / 2)
    effect, ps, pc, low, high = V.one_sample(x, 0.1)
    assert effect == pytest.approx(0.2) and ps == pytest.approx(stats.t.sf(t1, 3)) and ps + pc == pytest.approx(1)


def test_fisher_matches_scipy_on_every_table():
    for n_a, n_b in ((4, 4), (5, 3), (8, 12)):
        for ga, gb in itertools.product(range(n_a + 1), range(n_b + 1)):
            table = [[ga, n_a - ga], [gb, n_b - gb]]
            assert V.fisher_greater(ga, n_a, gb, n_b) == pytest.approx(
                stats.fisher_exact(table, alternative="greater").pvalue), table
    effect, ps, pc = V.exact_fraction(np.array([1, 1, 1, 1.0]), np.array([0, 0, 1, 0.0]))
    assert effect == pytest.approx(0.75) and ps == pytest.approx(stats.fisher_exact([[4, 0], [1, 3]], "greater").pvalue)
    assert pc == pytest.approx(stats.fisher_exact([[4, 0], [1, 3]], "less").pvalue)


def test_exact_power_is_the_binomial_sum():
    """Slow: loop over every table, scipy's fisher_exact, binomial probabilities."""
    n_a, n_b, p_a, p_b, level = 6, 5, 0.9, 0.3, 0.025
    slow = sum(stats.binom.pmf(ga, n_a, p_a) * stats.binom.pmf(gb, n_b, p_b)
               for ga in range(n_a + 1) for gb in range(n_b + 1)
               if stats.fisher_exact([[ga, n_a - ga], [gb, n_b - gb]], alternative="greater").pvalue < level)
    assert V.exact_power(p_a, n_a, p_b, n_b, level) == pytest.approx(slow)


def test_t_power_by_simulation():
    rng = np.random.default_rng(1)
    x = rng.normal(1.0, 1.0, (20000, 6))
    simulated = np.mean(stats.ttest_1samp(x, 0, alternative="greater", axis=-1).pvalue < 0.025)
    assert V.t_power(1.0, 1 / math.sqrt(6), 5, 0.025) == pytest.approx(simulated, abs=0.01)


def test_welch_power_is_the_double_integral_and_the_simulated_rate():
    """Slow: scipy's dblquad over the two sample variances' chi-square densities of
    Phi((effect - t_isf(level, df_hat) se_hat) / se); and Welch's test on 100,000 simulated data sets."""
    n_a, s_a, n_b, s_b, effect, level = 4, 1.0, 5, 2.0, 3.0, 0.01
    se = math.sqrt(s_a ** 2 / n_a + s_b ** 2 / n_b)

    def integrand(qb, qa):
        va, vb = s_a ** 2 / n_a * qa / (n_a - 1), s_b ** 2 / n_b * qb / (n_b - 1)
        df = (va + vb) ** 2 / (va ** 2 / (n_a - 1) + vb ** 2 / (n_b - 1))
        return (stats.norm.cdf((effect - stats.t.isf(level, df) * math.sqrt(va + vb)) / se)
                * stats.chi2.pdf(qa, n_a - 1) * stats.chi2.pdf(qb, n_b - 1))

    slow = integrate.dblquad(integrand, 0, np.inf, 0, np.inf, epsabs=1e-7)[0]
    assert V.welch_power(effect, n_a, s_a, n_b, s_b, level) == pytest.approx(slow, abs=1e-5)
    rng = np.random.default_rng(3)
    p = V.welch(rng.normal(effect, s_a, (100_000, n_a)), rng.normal(0.0, s_b, (100_000, n_b)))[1]
    assert V.welch_power(effect, n_a, s_a, n_b, s_b, level) == pytest.approx(np.mean(p < level), abs=0.005)
    # the noncentral t with the true variances' df overstates it (the estimated df and se cost power)
    assert V.t_power(effect, se, V.welch_df(s_a, n_a, s_b, n_b), level) > slow + 0.02


@pytest.mark.parametrize("design", [("t1", 4, 1.0), ("t2", 4, 1.0, 5, 2.0), ("exact", 12, 12, 0.25)])
def test_mde_has_the_target_power(design):
    level, d = 0.025 / 3, V.mde(design, 0.025 / 3)
    assert 0 < d < math.inf
    if design[0] == "t1":
        power = V.t_power(d, 1.0 / 2, 3, level)
    elif design[0] == "t2":
        power = V.welch_power(d, 4, 1.0, 5, 2.0, level)
    else:
        power = V.exact_power(0.25 + d, 12, 0.25, 12, level)
    assert power == pytest.approx(0.8, abs=1e-6)
    assert V.mde(design, level / 10) > d  # a stricter level needs a larger effect


def test_mde_of_composite_designs_and_edges():
    one = V.mde(("t1", 4, 1.0), 0.01)
    assert V.mde(("all", ("t1", 4, 1.0), ("t1", 4, 2.0)), 0.01) == pytest.approx(2 * one)
    assert V.mde(("choices", 5, ("t1", 4, 1.0)), 0.05) == pytest.approx(one)
    assert math.isinf(V.mde(("exact", 2, 2, 0.5), 0.001))  # no table reaches the level
    assert math.isnan(V.mde(("t1", 4, 0.0), 0.01)) and math.isnan(V.mde((), 0.01))


def test_union_bound_and_intersection_union():
    assert V.union_bound(np.array([0.01, 0.3]), 5).tolist() == pytest.approx([0.05, 1.0])
    ps, pc = V.intersection_union([[0.01, 0.2], [0.03, 0.001]], [0.5, 0.04])
    assert ps.tolist() == [0.03, 0.2] and pc.tolist() == [0.5, 0.04]
    assert V.two_sided(0.01, 0.99) == pytest.approx(0.02)
