"""The power table (issue 18): the smallest effect each 3D claim's verdict test would detect with
n runs per algorithm, given the run-to-run spread a pilot measured.

A claim's test design (verdicts.mde's tuple, built by claims.py from the pilot's runs) records the
test's run counts and spreads. `rescale` puts n runs per algorithm in place of the pilot's, every
spread (a standard deviation, a good-run fraction) and every number of choices (hp settings,
candidates of a union bound) kept, and verdicts.mde gives the minimum detectable effect (MDE) of
the rescaled design at the claim's family level. Only the run counts change: the spreads are the
pilot's estimates, themselves uncertain (`sd_ratio_interval`). The cost side reads Snakemake's
benchmark files (rules/train.smk `benchmark:`), one per run: its `s` column is the run's wall time.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from scipy import stats

from distral.analysis import verdicts as V
from distral.analysis.deep import FINAL_FRACTION, N_BINS, NORMALISED_SUITES, bin_edges, bin_of, final_bins

# rules/train.smk writes one benchmark per training run: benchmarks/{profile}/{suite}/{algo}/{hp}/{seed}.tsv
BENCHMARK_DIR = "benchmarks/{profile}/{suite}"
DEFAULT_RUNS = (4, 5, 8, 10, 16)


# ---- the design at n runs per algorithm


def scaled(count: int, runs: int, pilot_runs: int) -> int:
    """A group's run count at `runs` per algorithm where the pilot had `pilot_runs`: a group pools
    whole algorithms' (or hp settings') runs, so its count is a multiple of the runs per algorithm
    and scales with them; rounded half up when a pilot run is missing, never below 1."""
    return max(1, math.floor(count * runs / pilot_runs + 0.5))


def rescale(design: tuple, runs: int, pilot_runs: int) -> tuple:
    """`design` (verdicts.mde's tuple) with every run count moved from `pilot_runs` to `runs` per
    algorithm; spreads, the exact test's baseline fraction and the number of choices kept."""
    if not design:
        return design
    kind = design[0]
    n = lambda count: scaled(count, runs, pilot_runs)  # noqa: E731
    if kind == "t1":
        return ("t1", n(design[1]), design[2])
    if kind == "t2":
        return ("t2", n(design[1]), design[2], n(design[3]), design[4])
    if kind == "exact":
        return ("exact", n(design[1]), n(design[2]), design[3])
    if kind == "all":
        return ("all", *[rescale(d, runs, pilot_runs) for d in design[1:]])
    if kind == "choices":
        return ("choices", design[1], rescale(design[2], runs, pilot_runs))
    raise ValueError(f"test design {design!r}: unknown kind {kind!r} (verdicts.mde's designs: t1, t2, exact, "
                     "all, choices)")


def leaves(design: tuple) -> list[tuple]:
    """The single tests (t1, t2, exact) inside a design, in order."""
    if not design:
        return []
    if design[0] == "all":
        return [leaf for d in design[1:] for leaf in leaves(d)]
    if design[0] == "choices":
        return leaves(design[2])
    return [design]


def describe(design: tuple) -> str:
    """The test in words: "Welch t", "every one of 6 Welch t", "..., best of 3 (union bound)"."""
    if not design:
        return ""
    if design[0] == "choices":
        chosen = f", chosen among {design[1]} (union bound)" if design[1] > 1 else ""
        return describe(design[2]) + chosen
    names = {"t1": "one-sample t", "t2": "Welch t", "exact": "Fisher exact"}
    tests = leaves(design)
    kinds = sorted({names[t[0]] for t in tests})
    return (f"every one of {len(tests)} {' / '.join(kinds)}" if design[0] == "all" and len(tests) > 1
            else " / ".join(kinds))


def spread(design: tuple) -> str:
    """The pilot's spreads behind the design: run standard deviations (their range over the groups
    when there are several) or, for the exact test, the baseline's good-run fraction."""
    tests = leaves(design)
    sds = sorted({round(s, 12) for t in tests if t[0] != "exact"
                  for s in ((t[2],) if t[0] == "t1" else (t[2], t[4]))})
    fractions = sorted({round(t[3], 12) for t in tests if t[0] == "exact"})
    parts = []
    if sds:
        parts.append(f"sd {sds[0]:.3g}" + (f"-{sds[-1]:.3g}" if len(sds) > 1 else ""))
    if fractions:
        parts.append(f"baseline good fraction {fractions[0]:.3g}"
                     + (f"-{fractions[-1]:.3g}" if len(fractions) > 1 else ""))
    return "; ".join(parts)


def sd_ratio_interval(runs: int, confidence: float = 0.95) -> tuple[float, float]:
    """How far the true standard deviation may lie from one estimated on `runs` normal runs: the
    interval of sigma / s from (runs - 1) s^2 / sigma^2 ~ chi-square(runs - 1)."""
    df, tail = runs - 1, (1 - confidence) / 2
    return math.sqrt(df / stats.chi2.isf(tail, df)), math.sqrt(df / stats.chi2.ppf(tail, df))


# ---- one claim's row


def units(suite: str, claim: dict) -> str:
    """The units of a claim's effect: a difference of good-run fractions, or the suite's score (raw
    return on mazes, return / the best A3C run's on the normalised suites, App. B.2)."""
    if claim["statistic"] == "good_fraction":
        return "fraction of runs"
    score = "return / best A3C" if suite in NORMALISED_SUITES else "return"
    return f"{claim['measure']} ({score})"


def claim_power(design: tuple, pilot_runs: int, runs: list[int], level: float, power: float,
                gap: float) -> dict:
    """The MDE of `design` at the pilot's run counts and at each of `runs` per algorithm (one-sided
    `level`, `power`), and each as a fraction of `gap` (NaN when the gap is not positive)."""
    row = {"mde_pilot": V.mde(design, level, power)}
    for n in runs:
        row[f"mde_n{n}"] = V.mde(rescale(design, n, pilot_runs), level, power)
    for n in runs:
        row[f"mde_gap_n{n}"] = row[f"mde_n{n}"] / gap if gap > 0 else math.nan
    return row


def pilot_runs(runs: pd.DataFrame, policy: str) -> int:
    """The pilot's runs per algorithm (seeds per (algo, hp) of `policy`): the most any setting has,
    so that a missing run lowers, never raises, a rescaled count."""
    rows = runs[runs["policy"] == policy]
    return int(rows.groupby(["algo", "hp"])["seed"].nunique().max()) if len(rows) else 0


# ---- where the spread comes from


def final_sampling(episodes: pd.DataFrame, runs: pd.DataFrame, budget_frames: int,
                   n_bins: int = N_BINS, final_fraction: float = FINAL_FRACTION) -> pd.DataFrame:
    """Per (algo, hp, policy): how much of the run-to-run spread of the final score (the run's mean
    over tasks, runs.csv `final_score`) the sampling of the episodes it averages explains.

    A run's final score of one task is the mean of k episodes: the task policy's in its final bins
    (deep.curve_final), the distilled policy's at its last evaluation. Their sampling variance is
    s^2 / k, with s^2 the variance of the run's episode returns of that task over the last quarter
    of the budget (task policy: more episodes than the final bins hold; a policy still improving
    there inflates s^2, so the share is an upper bound) or at the last evaluation (distilled). Over
    T tasks the score's sampling variance is sum_t (scale_t^2 s_t^2 / k_t) / T^2 (scale_t: the
    task's normaliser, final_score / final). `sd_sampling` is its root mean over the runs, `share`
    = sd_sampling^2 / sd_final^2 (capped at 1): the part more episodes per score could remove;
    `sd_at_4x` the spread left with 4 times the episodes."""
    edges = bin_edges(budget_frames, n_bins)
    data = episodes.assign(bin=bin_of(episodes["frames"].to_numpy(), edges))
    keys = ["algo", "hp", "seed", "task", "policy"]
    rows = []
    for key, group in data.groupby(keys, sort=True):
        policy = key[-1]
        if policy == "distilled":
            window = variance_window = group[group["frames"] == group["frames"].max()]
        else:
            final = group[group["bin"] > n_bins - final_bins(n_bins, final_fraction)]
            # an empty final bin is filled with the last bin that has episodes (run_curves' ffill)
            window = final if len(final) else group[group["bin"] == group["bin"].max()]
            variance_window = group[group["bin"] > 0.75 * n_bins]
        k = len(window)
        var = float(variance_window["episode_return"].var(ddof=1)) if len(variance_window) > 1 else math.nan
        rows.append({**dict(zip(keys, key)), "k": k, "var": var})
    sampled = pd.DataFrame(rows, columns=[*keys, "k", "var"])
    scale = runs.assign(scale=runs["final_score"] / runs["final"])[keys + ["scale"]]
    sampled = sampled.merge(scale, on=keys, how="left")
    sampled["sem2"] = sampled["scale"] ** 2 * sampled["var"] / sampled["k"]
    per_run = sampled.groupby(["algo", "hp", "seed", "policy"]).agg(sem2=("sem2", "sum"), tasks=("task", "size"))
    per_run["sem2"] /= per_run["tasks"] ** 2
    scores = runs.groupby(["algo", "hp", "seed", "policy"])["final_score"].mean().rename("score")
    per_run = per_run.join(scores, how="inner").reset_index()
    episodes_per_task = sampled.groupby(["algo", "hp", "policy"])["k"].mean()
    out = []
    for (algo, hp, policy), g in per_run.groupby(["algo", "hp", "policy"], sort=False):
        sd_final = float(g["score"].std(ddof=1)) if len(g) > 1 else math.nan
        sd_sampling = math.sqrt(float(g["sem2"].mean()))
        share = min(1.0, sd_sampling ** 2 / sd_final ** 2) if sd_final > 0 else math.nan
        between = max(sd_final ** 2 - sd_sampling ** 2, 0.0) if pd.notna(sd_final) else math.nan
        out.append({"algo": algo, "hp": hp, "policy": policy, "runs": len(g),
                    "episodes_per_task": float(episodes_per_task[(algo, hp, policy)]), "sd_final": sd_final, "sd_sampling": sd_sampling, "share": share,
            "sd_at_4x": math.sqrt(between + sd_sampling ** 2 / 4) if pd.notna(between) else math.nan})
    return pd.DataFrame(out)


# ---- what the runs cost


def run_wall_times(root: Path | str, profile: str, suite: str) -> pd.Series:
    """Each run's wall time in seconds (Snakemake benchmark `s`; the mean if the file has repeats),
    by file; empty when there are no benchmark files. A file without an `s` column is an error."""
    folder = Path(root) / BENCHMARK_DIR.format(profile=profile, suite=suite)
    times = {}
    for path in sorted(folder.glob("*/*/*.tsv")):
        table = pd.read_csv(path, sep="\t")
        if "s" not in table.columns or table.empty:
            raise ValueError(f"{path}: not a Snakemake benchmark (no column 's' with a row)")
        times[str(path)] = float(table["s"].mean())
    return pd.Series(times, dtype=float)


def suite_cost(runs: pd.DataFrame, wall: pd.Series, counts: list[int]) -> dict:
    """Run-hours of a suite at each count of runs per algorithm: count x the (algo, hp) settings the
    pilot trained x the median wall time of one run. Blank (NaN) without benchmark files."""
    settings = int(runs[runs["policy"] == "task"].groupby(["algo", "hp"]).ngroups)
    median = float(wall.median()) if len(wall) else math.nan
    row = {"settings": settings, "benchmarked_runs": int(len(wall)), "median_run_s": median}
    for n in counts:
        row[f"run_hours_n{n}"] = n * settings * median / 3600
    return row
