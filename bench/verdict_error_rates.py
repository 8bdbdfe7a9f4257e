"""How often the claims' verdict rule decides wrongly, and how often it finds a planted effect.

Every statistic of the registry, simulated with the very functions the claims use
(distral.analysis.verdicts), on data sets where the answer is known: no effect (a "reproduced"
or "contradicted" is a false verdict; nominal alpha / 2 per side) and a planted effect of
`EFFECT` run standard deviations (the rate of "reproduced" is the power, next to the theory where
there is one: Welch's power, the noncentral t, the exact binomial sum). Also: hp selection on the
tested runs (9 settings x 4 seeds, two equal algorithms, one twice as noisy): naive, cross-fitted
(rejected: invalid) and the union bound the claims use; and Holm's family-wise error over 10 null
claims. tests/analysis/test_verdict_error_rates.py asserts on these numbers; `python
bench/verdict_error_rates.py [datasets]` prints them all.
"""

from __future__ import annotations

import argparse

import numpy as np

from distral.analysis import verdicts as V

ALPHA = 0.05
SIDE = ALPHA / 2  # each side of a two-sided test at ALPHA
EFFECT = 1.5  # the planted effect, in run standard deviations
RUNS = (4, 5, 8)
N_A, N_B = 4, 3  # Distral's four algorithms against the three A3C baselines


def rates(p_support: np.ndarray, p_contra: np.ndarray) -> tuple[float, float]:
    """Fractions of data sets decided "reproduced" and "contradicted" at level ALPHA (two-sided)."""
    p = V.two_sided(p_support, p_contra)
    return float(np.mean((p < ALPHA) & (p_support <= p_contra))), float(np.mean((p < ALPHA) & (p_contra < p_support)))


def mc_se(rate: float, datasets: int) -> float:
    return float(np.sqrt(rate * (1 - rate) / datasets))


# ---- one function per statistic: (p_support, p_contra) over `datasets` simulated data sets


def difference(rng, n, datasets, effect=0.0):
    a, b = rng.normal(effect, 1, (datasets, n)), rng.normal(0, 1, (datasets, n))
    _, ps, pc, _, _ = V.welch(a, b)
    return ps, pc


def pairwise(rng, n, datasets, effect=0.0, n_a=N_A, n_b=N_B, zip_pairs=False):
    """"Every A beats every B" (or A[i] beats B[i]): intersection-union over the pairs' Welch tests,
    contradicted by the pooled test."""
    a = rng.normal(effect, 1, (n_a, datasets, n))
    b = rng.normal(0, 1, (n_b, datasets, n))
    pairs = [(i, i) for i in range(n_a)] if zip_pairs else [(i, j) for i in range(n_a) for j in range(n_b)]
    pair_support = [V.welch(a[i], b[j])[1] for i, j in pairs]
    pooled_a = np.concatenate(list(a[sorted({i for i, _ in pairs})]), axis=-1)
    pooled_b = np.concatenate(list(b[sorted({j for _, j in pairs})]), axis=-1)
    return V.intersection_union(pair_support, V.welch(pooled_a, pooled_b)[2])


def pooled(rng, n, datasets, effect=0.0):
    a = rng.normal(effect, 1, (datasets, N_A * n))
    b = rng.normal(0, 1, (datasets, N_B * n))
    _, ps, pc, _, _ = V.welch(a, b)
    return ps, pc


def good_fraction(rng, n, datasets, effect=0.0, p_b=0.5):
    """Good (1) or not (0) per run; `effect` raises A's probability of a good run."""
    a = (rng.random((datasets, n)) < p_b + effect).astype(float)
    b = (rng.random((datasets, n)) < p_b).astype(float)
    _, ps, pc = V.exact_fraction(a, b)
    return ps, pc


def pick(x: np.ndarray) -> np.ndarray:
    """The candidate (axis -2) with the highest mean over runs (axis -1): selection.csv's rule, on the
    tested runs."""
    return np.take_along_axis(x, x.mean(-1).argmax(-1)[..., None, None], -2)[..., 0, :]


def best_vs_reference(values: np.ndarray):
    """claims.best_vs_reference: the chosen candidate's one-sample p with a union bound over the
    candidates (support); the largest candidate p_contra (contra)."""
    k = values.shape[-2]
    _, ps, _, _, _ = V.one_sample(pick(values))
    _, _, pc, _, _ = V.one_sample(values)
    return V.union_bound(ps, k), pc.max(axis=-1)


def vs_random(rng, n, datasets, effect=0.0, algos=7, hps=3):
    """The best of `algos` algorithms x `hps` settings by mean score (the same score selects and is
    tested: the worst case), against the random policy's score 0."""
    scores = rng.normal(0, 1, (datasets, algos * hps, n))
    scores[:, 0] += effect  # one (algorithm, hp) learns
    return best_vs_reference(scores)


def vs_start(rng, n, datasets, effect=0.0, algos=7, hps=3):
    """The best (algorithm, hp) by its gain final - early; one-sample t of the gains."""
    final = rng.normal(0, 1, (datasets, algos * hps, n))
    early = rng.normal(0, 1, (datasets, algos * hps, n))
    final[:, 0] += effect
    return best_vs_reference(final - early)


def paired(rng, n, datasets, effect=0.0):
    """Grid world: A and B share a per-seed effect (same seed, same tasks); t test of A - B."""
    seed = rng.normal(0, 2, (datasets, n))
    a, b = seed + rng.normal(effect, 1, (datasets, n)), seed + rng.normal(0, 1, (datasets, n))
    _, ps, pc, _, _ = V.one_sample(a - b)
    return ps, pc


def persistence(rng, n, datasets, effect=0.0, threshold=0.4):
    values = threshold + 0.1 * rng.normal(effect, 1, (datasets, n))
    _, ps, pc, _, _ = V.one_sample(values, threshold)
    return ps, pc


STATISTICS = {"difference": difference, "pairwise all (4x3)": pairwise,
              "zip (2 pairs)": lambda rng, n, d, effect=0.0: pairwise(rng, n, d, effect, 2, 2, True),
              "pooled (4 vs 3 algos)": pooled, "good_fraction (Fisher)": good_fraction,
              "vs_random (best of 7x3)": vs_random, "vs_start (best of 7x3)": vs_start,
              "gridworld paired": paired, "persistence": persistence}

PLANTED = {"good_fraction (Fisher)": 0.45}  # a good-run probability 0.5 -> 0.95 (not in SDs)


def theory_power(name: str, n: int) -> float:
    """The power of the planted effect at one-sided SIDE, where the claim is one test: Welch's
    (verdicts.welch_power, over the estimated variances), the noncentral t, or the exact binomial sum."""
    if name == "difference":
        return V.welch_power(EFFECT, n, 1.0, n, 1.0, SIDE)
    if name in ("gridworld paired",):
        return V.t_power(EFFECT, np.sqrt(2 / n), n - 1, SIDE)
    if name == "persistence":
        return V.t_power(EFFECT, 1 / np.sqrt(n), n - 1, SIDE)
    if name == "good_fraction (Fisher)":
        return V.exact_power(0.95, n, 0.5, n, SIDE)
    return float("nan")


# ---- hp selection on the tested runs (issue 17 part 2)


def cross_fit(x: np.ndarray) -> np.ndarray:
    """The design the issue proposed and this bench rejected: choose on one half of the seeds (rank %
    2), take the other half's runs of the choice, swap, pool. x: (..., K, S) -> (..., S)."""
    out = np.empty(x.shape[:-2] + (x.shape[-1],))
    fold = np.arange(x.shape[-1]) % 2
    for f in (0, 1):
        choice = x[..., fold != f].mean(-1).argmax(-1)
        out[..., fold == f] = np.take_along_axis(x[..., fold == f], choice[..., None, None], -2)[..., 0, :]
    return out


def selection(rng, datasets, hps=9, seeds=4, noisy=2.0):
    """Two algorithms with no true difference, B twice as noisy; each picks its hp by mean score over
    its seeds (the score that is then tested). Returns the (p_support, p_contra) of "A > B" three ways
    (naive: Welch on the chosen runs; cross-fitted; claims.pair_test's union bound with A's choice
    against every B setting and every A setting against B's choice) and the naive bias of B - A in run
    SDs of A."""
    a = rng.normal(0, 1, (datasets, hps, seeds))
    b = rng.normal(0, noisy, (datasets, hps, seeds))
    naive_a, naive_b = pick(a), pick(b)
    naive = V.welch(naive_a, naive_b)[1:3]
    fitted = V.welch(cross_fit(a), cross_fit(b))[1:3]
    ps = np.max([V.welch(naive_a, b[:, g])[1] for g in range(hps)], axis=0)
    pc = np.max([V.welch(a[:, h], naive_b)[2] for h in range(hps)], axis=0)
    aware = V.union_bound(ps, hps), V.union_bound(pc, hps)
    bias = float(np.mean(naive_b.mean(-1) - naive_a.mean(-1)))
    return naive, fitted, aware, bias


def naive_best(rng, n, datasets, candidates=21) -> float:
    """The winner's curse: the best candidate's plain one-sample p, no union bound; rate of reproduced."""
    _, ps, pc, _, _ = V.one_sample(pick(rng.normal(0, 1, (datasets, candidates, n))))
    return rates(ps, pc)[0]


def holm_family(rng, datasets, m=10, n=4):
    """m null claims (one-sample t of n runs each): the family-wise rate of any false verdict, with
    Holm and without."""
    _, ps, pc, _, _ = V.one_sample(rng.normal(0, 1, (datasets, m, n)))
    p = V.two_sided(ps, pc)
    adjusted = np.apply_along_axis(V.holm, 1, p)
    return float(np.mean((adjusted < ALPHA).any(axis=1))), float(np.mean((p < ALPHA).any(axis=1)))


def table(datasets: int = 4000, seed: int = 0) -> list[dict]:
    rng, rows = np.random.default_rng(seed), []
    for name, simulate in STATISTICS.items():
        for n in RUNS:
            false_support, false_contra = rates(*simulate(rng, n, datasets))
            power, _ = rates(*simulate(rng, n, datasets, PLANTED.get(name, EFFECT)))
            rows.append({"statistic": name, "runs": n, "false_reproduced": false_support,
                         "false_contradicted": false_contra, "power": power, "theory": theory_power(name, n)})
    return rows


def main(datasets: int = 4000) -> None:
    rows = table(datasets)
    bound = SIDE + 3 * mc_se(SIDE, datasets)
    print(f"{datasets} data sets each; nominal {SIDE} per side, bound nominal + 3 MC SE = {bound:.4f}; "
          f"planted effect {EFFECT} run SDs (good_fraction: 0.5 -> 0.95)")
    print("| statistic | runs/group | false reproduced | false contradicted | power "
          "| theory: Welch's power / noncentral t / exact |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        theory = "" if np.isnan(r["theory"]) else f"{r['theory']:.3f}"
        print(f"| {r['statistic']} | {r['runs']} | {r['false_reproduced']:.4f} | {r['false_contradicted']:.4f} "
              f"| {r['power']:.3f} | {theory} |")
    rng = np.random.default_rng(1)
    naive, fitted, aware, bias = selection(rng, datasets)
    print(f"\nhp selection (9 hps x 4 seeds, equal algorithms, B twice as noisy; the chosen hp's score is "
          f"tested): naive bias of B - A {bias:.2f} run SDs of A. Rates of reproduced / contradicted:")
    for name, (ps, pc) in (("naive (Welch on the chosen runs)", naive), ("cross-fitted (rejected)", fitted),
                           ("union bound (claims.pair_test)", aware)):
        print(f"  {name}: {rates(ps, pc)[0]:.4f} / {rates(ps, pc)[1]:.4f}")
    print(f"  winner's curse, best of 7x3 against the random policy at 4 runs (naive one-sample t on the "
          f"chosen runs): false reproduced {naive_best(rng, 4, datasets):.4f}")
    holm_rate, raw_rate = holm_family(rng, datasets)
    print(f"family of 10 null claims (4 runs each): family-wise false verdicts with Holm {holm_rate:.4f}, "
          f"raw {raw_rate:.4f} (nominal {ALPHA})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="?", type=int, default=4000, help="simulated data sets per cell")
    main(parser.parse_args().datasets)
