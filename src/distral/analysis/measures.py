"""The per-run measures of the deep claims beyond runs.csv's auc and final score, and the checks
that leave a claim undecided at this budget (issue 17, part 4).

Measures (one value per run, so that claims.py's statistics test them unchanged):

- degradation (Sec. 4.2, "others may learn initially then suffer degradation later ... which does
  not happen for Distral"): the peak of the run's task-averaged score curve minus the curve's end.
  The curve is smoothed first with a trailing mean over PEAK_WINDOW bins, so one lucky bin is not a
  peak; peak = the highest smoothed value, end = the last smoothed value, so degradation >= 0 and
  a curve that never falls scores 0 up to noise (noise adds the same small positive bias to every
  algorithm with the same run-to-run noise).
- final_spread ("generally unstable - some runs did not learn well"): per run, the absolute
  deviation of its task-averaged final score from the median over its algorithm's runs. A mean
  difference of these deviations is the Brown-Forsythe test of equal spread (Levene's test
  centred on the median), one-sided here.

Checks that make a claim inconclusive for a stated reason (raise Undecidable):

- the early window: an early score needs a curve bin ending within the stated fraction of the
  budget; when the first bin with data lies past it, there is no early data at this budget.
- the A3C normaliser (App. B.2: navigation and laser-tag scores are return / the best A3C run's
  final return, deep.normaliser): a task whose reference is not clearly above the random policy
  inflates that task until it dominates the task mean, and a non-positive reference leaves it in
  raw units averaged with normalised ones. "Clearly above": reference - random mean return >
  CLEARLY_ABOVE_Z standard errors of that difference, sqrt(se_ref^2 + se_random^2), where se_random
  is the random policy's standard error over its episodes (random.csv) and se_ref the run-to-run
  standard deviation of the A3C final return at the reference's hp setting (the reference is one
  such run; its own episodes are not in the aggregates; 0 with a single seed there).

The common scale of the aggregate scores and performance profiles (rliable assumes normalised
scores): per task, (final return - random) / (best A3C - random), so 0 is the random policy and 1
the best A3C run on every suite; flagged tasks are left out (their denominator is noise).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from distral.analysis import deep

PEAK_WINDOW = 3         # bins of the trailing mean that smooths a curve before its peak is read
CLEARLY_ABOVE_Z = 2.0   # standard errors by which the A3C reference must exceed the random policy
RUN_MEASURES = ("degradation", "final_spread")  # one value per (hp, seed), not per task


class Undecidable(Exception):
    """A claim these aggregates cannot decide, for the stated reason: it is inconclusive."""


# ---- the per-run measures


def task_mean_curves(curves: pd.DataFrame) -> pd.DataFrame:
    """Per (hp, seed): the score averaged over tasks at each bin where every task of the run has
    data (bins before a task's first episode are absent from curves.csv), sorted by frames."""
    tasks = curves.groupby(["hp", "seed"])["task"].transform("nunique")
    per_bin = curves.assign(n_tasks=tasks).groupby(["hp", "seed", "frames"], sort=True).agg(
        score=("score", "mean"), present=("task", "nunique"), n_tasks=("n_tasks", "first"))
    return per_bin[per_bin["present"] == per_bin["n_tasks"]][["score"]].reset_index()


def peak_minus_end(scores: np.ndarray, window: int = PEAK_WINDOW) -> float:
    """Highest trailing `window`-bin mean of `scores` minus the last one (a curve of fewer bins
    than `window` is one window: 0)."""
    scores = np.asarray(scores, dtype=float)
    if scores.size == 0:
        return math.nan
    w = min(window, scores.size)
    smoothed = np.convolve(scores, np.ones(w) / w, mode="valid")
    return float(smoothed.max() - smoothed[-1])


def degradation(curves: pd.DataFrame, runs: pd.DataFrame, window: int = PEAK_WINDOW) -> pd.Series:
    """Per (hp, seed) of `runs` (one algorithm and policy): peak_minus_end of its task-averaged curve."""
    keys = runs[["algo", "hp", "seed", "task", "policy"]].drop_duplicates()
    mean = task_mean_curves(curves.merge(keys, on=list(keys.columns)))
    values = mean.groupby(["hp", "seed"], sort=True)["score"].apply(lambda s: peak_minus_end(s.to_numpy(), window))
    return values.rename("degradation")


def final_spread(per_run: pd.Series) -> pd.Series:
    """Per run (index (hp, seed)): |value - the median over the runs of its hp setting|
    (Brown-Forsythe's absolute deviations; per setting, so that the hp settings' different levels
    do not count as run-to-run spread when a claim reads every setting's runs)."""
    return (per_run - per_run.groupby(level="hp").transform("median")).abs().rename("final_spread")


# ---- the early window


def check_early_window(first_frames: pd.Series, fraction: float, frames_per_task: int) -> None:
    """Raise Undecidable when a (run, task)'s first curve bin with data ends past the first
    `fraction` of the budget: its early score would silently be a later part of the curve."""
    limit = fraction * frames_per_task
    late = first_frames[first_frames > limit]
    if len(late):
        raise Undecidable(f"no early data at this budget: the first curve bin with data ends at "
                          f"{int(late.max())} frames per task, past the first {fraction:g} of the budget "
                          f"({limit:.0f} of {frames_per_task} frames)")


# ---- the A3C normaliser


def normaliser_flags(runs: pd.DataFrame, random: pd.DataFrame | None, suite: str) -> pd.DataFrame:
    """The tasks whose best-A3C reference (deep.normaliser, recomputed from runs.csv's raw final
    returns) is not clearly above the random policy (random.csv), with the reason:
    columns suite, task, reference, random, reason. Raw returns, every suite (the common scale uses
    them on mazes too). Without random.csv only a missing or non-positive reference is flagged."""
    tasks = list(random["task"]) if random is not None and len(random) else list(dict.fromkeys(runs["task"]))
    norm = deep.normaliser(runs, suite, tasks).set_index("task")
    rand = random.set_index("task") if random is not None and len(random) else None
    a3c = runs[(runs["algo"] == deep.REFERENCE_ALGO) & (runs["policy"] == "task")]
    rows = []
    for task in tasks:
        ref = float(norm.loc[task, "reference"])
        r = float(rand.loc[task, "mean_return"]) if rand is not None and task in rand.index else math.nan
        reason = ""
        if not np.isfinite(ref):
            reason = "no A3C reference"
        elif ref <= 0 and (suite in deep.NORMALISED_SUITES or not np.isfinite(r)):
            reason = "reference not positive: the task stays in raw units, averaged with normalised ones"
        elif np.isfinite(r):
            same_hp = a3c[(a3c["task"] == task) & (a3c["hp"] == norm.loc[task, "best_hp"])]["final"].dropna()
            # one seed at that hp: its spread is unknown and taken as 0 (the check then rests on random's)
            se_ref = float(same_hp.std(ddof=1)) if len(same_hp) >= 2 else 0.0
            n = float(rand.loc[task, "n_episodes"])
            se_random = float(rand.loc[task, "std_return"]) / math.sqrt(n) if n > 0 else math.nan
            se = math.sqrt(se_ref ** 2 + se_random ** 2)
            if not ref - r > CLEARLY_ABOVE_Z * se:
                reason = (f"reference not clearly above random: margin {ref - r:.3g} <= {CLEARLY_ABOVE_Z:g} x "
                          f"SE {se:.3g} (A3C run-to-run {se_ref:.3g}, random {se_random:.3g})")
        if reason:
            rows.append({"suite": suite, "task": task, "reference": ref, "random": r, "reason": reason})
    return pd.DataFrame(rows, columns=["suite", "task", "reference", "random", "reason"])


def flags_markdown(flags: list[pd.DataFrame]) -> str:
    """claims.md's section listing the flagged tasks of every suite (normaliser_flags)."""
    lines = ["", "## Tasks whose A3C reference is not clearly above the random policy", "",
             "Reference: the best A3C run's final return on the task (as in normaliser.csv); clearly above: by "
             f"more than {CLEARLY_ABOVE_Z:g} standard errors of the difference (measures.py). Such a task is left "
             "out of the aggregate scores and performance profiles, and every claim on navigation or laser-tag "
             "(scores divided by this reference) is inconclusive while one of its tasks is flagged.", ""]
    rows = [r for f in flags for r in f.itertuples(index=False)]
    if not rows:
        return "\n".join(lines + ["None.", ""])
    lines += ["| suite | task | reference | random | reason |", "|---|---|---|---|---|"]
    lines += [f"| {r.suite} | {r.task} | {r.reference:.3g} | {r.random:.3g} | {r.reason} |" for r in rows]
    return "\n".join(lines) + "\n"


def suite_name(runs: pd.DataFrame) -> str:
    return str(runs["suite"].iloc[0]) if len(runs) else ""


def check_normaliser(runs: pd.DataFrame, random: pd.DataFrame | None) -> None:
    """Raise Undecidable when a normalised suite (deep.NORMALISED_SUITES) has a flagged task: every
    claim there averages scores over tasks, so the flagged task's inflated score can decide it."""
    suite = suite_name(runs)
    if suite not in deep.NORMALISED_SUITES:
        return  # raw returns: the normaliser does not enter the scores
    flags = normaliser_flags(runs, random, suite)
    if len(flags):
        raise Undecidable(f"A3C normaliser of task(s) {', '.join(flags['task'])} not clearly above the random "
                          "policy (claims.md lists why)")


# ---- the common scale of the aggregate scores and profiles


def common_scale(runs: pd.DataFrame, random: pd.DataFrame | None) -> tuple[pd.DataFrame, list[str]]:
    """`runs` with a column `scaled` = (final - random) / (best A3C - random) per task (raw returns),
    without the flagged tasks (normaliser_flags), and the list of those tasks. Without a random
    policy (random.csv) the random score is taken as 0: scaled = final / best A3C."""
    suite = suite_name(runs)
    tasks = list(dict.fromkeys(runs["task"]))
    flags = normaliser_flags(runs, random, suite)
    flagged = [t for t in tasks if t in set(flags["task"])]
    ref = deep.normaliser(runs, suite, tasks).set_index("task")["reference"]
    rand = (random.set_index("task")["mean_return"] if random is not None and len(random)
            else pd.Series(0.0, index=tasks))
    kept = runs[~runs["task"].isin(flagged)]
    floor = kept["task"].map(rand)
    scaled = (kept["final"] - floor) / (kept["task"].map(ref) - floor)
    return kept.assign(scaled=scaled.astype(float)), flagged  # float even when every task is flagged
