"""Aggregate the deep runs of one 3D suite (Sec. 4.2, App. B.2, Figures 4-7).

From the checked episodes of every run (distral.analysis.runlogs) to four tables:

- curves: each run's learning curve per task and policy, binned by env frames per task.
  Bins: N_BINS equal bins over the budget's frames per task, bin k = (e_{k-1}, e_k],
  plus bin 0 = frame 0 (only the distilled policies' untrained evaluation falls there).
  A bin's value is the mean return of the episodes that ended in it (task policy:
  training episodes; distilled: evaluation episodes). A bin without an episode carries
  the run's previous value (n_episodes = 0), so a curve is a step function of what the
  run last showed; bins before its first episode are left out. A diverged run's curve
  therefore holds its last good value to the end of the budget.
- runs: per (algo, hp, seed, task, policy): auc = mean height of the curve over bins
  1..N (the normalised area under it), final = mean of the curve over the last
  FINAL_FRACTION of the budget (task policy) or the mean return of the last evaluation
  (distilled), and the same as scores.
- normaliser: navigation and laser-tag are reported in units of standard A3C (App. B.2,
  last paragraph): per task, the reference is the best `final` over every A3C run of
  the suite (all hp settings and seeds), and score = return / reference. Mazes are raw.
- random: the uniform random policy's reference per task (random_policy.csv): mean return
  and score = mean return / the normaliser's divisor, the same scale as the runs' scores.
- selection: per (algo, policy), the hp setting with the highest mean auc_score over
  tasks and runs (Sec. 4.2: "selecting the best settings ... as measured by the area
  under the learning curves").
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from distral.analysis.aggregates import (  # the schemas of the tables this module makes
    CURVES_COLUMNS,
    NORMALISER_COLUMNS,
    RANDOM_COLUMNS,
    RUNS_COLUMNS,
    SELECTION_COLUMNS,
)

N_BINS = 20                 # equal bins over the budget's frames per task
FINAL_FRACTION = 0.05       # "final" = the last 5 % of the budget (the last bin of 20), unless
                            # params.yaml analysis.final_fraction says otherwise
NORMALISED_SUITES = ("navigation", "laser-tag")  # App. B.2: normalised by the best standard A3C
PAPER_SUITES = ("mazes", "navigation", "laser-tag")  # the paper's 3D suites; any other is a user suite
REFERENCE_ALGO = "A3C"      # "a standard A3C agent" (App. B.2)
POLICY_ORDER = ("task", "distilled")

RUN_KEYS = ["suite", "algo", "hp", "seed"]


def bin_edges(budget_frames: int, n_bins: int = N_BINS) -> np.ndarray:
    """Right edges e_0 = 0 < e_1 < ... < e_N = budget (integers, env frames per task)."""
    return np.round(np.linspace(0, budget_frames, n_bins + 1)).astype(np.int64)


def bin_of(frames: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin k with e_{k-1} < frames <= e_k; frame 0 is bin 0; frames past the budget (the last
    update may overshoot a budget that is not a multiple of it) go to the last bin."""
    return np.minimum(np.searchsorted(edges, np.asarray(frames), side="left"), len(edges) - 1)


def final_bins(n_bins: int = N_BINS, fraction: float = FINAL_FRACTION) -> int:
    """How many of the last bins make up the final `fraction` of the budget (at least one)."""
    return max(1, math.ceil(round(fraction * n_bins, 9)))


def run_curves(episodes: pd.DataFrame, edges: np.ndarray) -> pd.DataFrame:
    """Binned curve of every (run, task, policy) in `episodes` (columns of runlogs.read_deep_runs)."""
    if episodes.empty:
        return pd.DataFrame(columns=[*RUN_KEYS, "task", "policy", "bin", "frames", "return", "n_episodes"])
    data = episodes.assign(bin=bin_of(episodes["frames"].to_numpy(), edges))
    keys = [*RUN_KEYS, "task", "policy"]
    binned = data.groupby([*keys, "bin"], sort=True)["episode_return"].agg(["mean", "size"]).reset_index()
    out = []
    for key, group in binned.groupby(keys, sort=True):
        first = int(group["bin"].min())
        bins = np.arange(first, len(edges))
        filled = pd.Series(group["mean"].to_numpy(), index=group["bin"].to_numpy()).reindex(bins).ffill()
        counts = pd.Series(group["size"].to_numpy(), index=group["bin"].to_numpy()).reindex(bins).fillna(0)
        out.append(pd.DataFrame({**dict(zip(keys, key)), "bin": bins, "frames": edges[bins],
                                 "return": filled.to_numpy(), "n_episodes": counts.astype(np.int64).to_numpy()}))
    return pd.concat(out, ignore_index=True)


def curve_auc(curve: pd.DataFrame) -> float:
    """Mean height over bins 1..N (bin 0 only starts a distilled curve; it is not an area)."""
    heights = curve.loc[curve["bin"] >= 1, "return"]
    return float(heights.mean()) if len(heights) else math.nan


def curve_final(curve: pd.DataFrame, n_bins: int, fraction: float = FINAL_FRACTION) -> float:
    """Task policy: mean of the curve over its last `fraction` of the budget (final_bins bins)."""
    heights = curve.loc[curve["bin"] > n_bins - final_bins(n_bins, fraction), "return"]
    return float(heights.mean()) if len(heights) else math.nan


def last_evaluation(episodes: pd.DataFrame) -> pd.DataFrame:
    """Distilled policy: mean return of the run's last evaluation, per (run, task)."""
    evals = episodes[episodes["policy"] == "distilled"]
    last = evals[evals["frames"] == evals.groupby(RUN_KEYS)["frames"].transform("max")]
    return last.groupby([*RUN_KEYS, "task"], as_index=False)["episode_return"].mean()


def run_table(curves: pd.DataFrame, episodes: pd.DataFrame, infos: pd.DataFrame, n_bins: int,
              final_fraction: float = FINAL_FRACTION) -> pd.DataFrame:
    """One row per (run, task, policy the algorithm has): status, frames reached, raw auc and final.

    A (run, task) without any episode of a policy (a budget shorter than one episode) gets NaN."""
    rows = []
    for info in infos.itertuples(index=False):
        policies = POLICY_ORDER if info.has_distilled else ("task",)
        for task in info.tasks:
            for policy in policies:
                rows.append({"suite": info.suite, "algo": info.algo, "hp": info.hp, "seed": info.seed,
                             "task": task, "policy": policy, "status": info.status,
                             "frames_reached": info.frames_reached})
    runs = pd.DataFrame(rows)
    keys = [*RUN_KEYS, "task", "policy"]
    stats = [{**dict(zip(keys, key)), "auc": curve_auc(c), "final": curve_final(c, n_bins, final_fraction)}
             for key, c in curves.groupby(keys, sort=True)]
    stats = pd.DataFrame(stats, columns=[*keys, "auc", "final"])
    runs = runs.merge(stats, on=keys, how="left")
    last = last_evaluation(episodes).rename(columns={"episode_return": "last_eval"}).assign(policy="distilled")
    runs = runs.merge(last, on=[*RUN_KEYS, "task", "policy"], how="left")
    is_distilled = runs["policy"] == "distilled"
    runs.loc[is_distilled, "final"] = runs.loc[is_distilled, "last_eval"]
    return runs.drop(columns="last_eval")


def normalises(suite: str, params: dict | None = None) -> bool:
    """Whether a suite's scores are returns / best A3C: the paper's NORMALISED_SUITES, and a user
    suite whose params.yaml section says `normalise: a3c` (docs/gymnasium.md)."""
    section = ((params or {}).get("suites") or {}).get(suite) or {}
    return suite in NORMALISED_SUITES or section.get("normalise") == "a3c"


def normaliser(runs: pd.DataFrame, suite: str, tasks: list[str], normalise: bool | None = None,
               final_fraction: float = FINAL_FRACTION) -> pd.DataFrame:
    """Per task: the best A3C run's task-policy `final` (over all hp settings and seeds).

    Mazes (and any suite not in NORMALISED_SUITES, unless `normalise` says so: a user suite's
    `normalise: a3c`, see `normalises`) keep raw returns (divisor 1). A reference
    that is missing or not positive cannot scale returns; the task then stays raw and the
    `method` column says so (it happens at smoke budgets, where A3C may score nothing)."""
    a3c = runs[(runs["algo"] == REFERENCE_ALGO) & (runs["policy"] == "task")]
    rows = []
    for task in tasks:
        finals = a3c[(a3c["task"] == task) & a3c["final"].notna()]
        best = finals.loc[finals["final"].idxmax()] if len(finals) else None
        reference = float(best["final"]) if best is not None else math.nan
        row = {"suite": suite, "task": task, "reference": reference,
               "statistic": f"max over {REFERENCE_ALGO} runs (all hp settings and seeds) of the task policy's "
                            f"mean return over the last {final_fraction:.0%} of the budget",
               "best_hp": best["hp"] if best is not None else "", "best_seed": int(best["seed"]) if best is not None
               else -1, "n_runs": len(finals)}
        if not (suite in NORMALISED_SUITES if normalise is None else normalise):
            row.update(divisor=1.0, method="raw returns (the paper does not normalise this suite)"
                       if suite in PAPER_SUITES else "raw returns (params.yaml: normalise: raw)")
        elif not (reference > 0):
            row.update(divisor=1.0, method="raw returns: no positive A3C reference on this task")
        else:
            row.update(divisor=reference, method="score = return / reference")
        rows.append(row)
    return pd.DataFrame(rows, columns=NORMALISER_COLUMNS)


def apply_scores(runs: pd.DataFrame, curves: pd.DataFrame, norm: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    divisor = norm.set_index("task")["divisor"]
    runs = runs.assign(auc_score=runs["auc"] / runs["task"].map(divisor),
                       final_score=runs["final"] / runs["task"].map(divisor))
    curves = curves.assign(score=curves["return"] / curves["task"].map(divisor))
    return runs, curves


def random_table(episodes: pd.DataFrame, norm: pd.DataFrame) -> pd.DataFrame:
    """The random policy's reference per task (normaliser order): its mean episode return, the
    standard deviation over episodes (ddof 1), and its score = mean return / the task's divisor
    (the divisor every run's scores use) with the score's standard error std / divisor / sqrt(n)."""
    stats = episodes.groupby("task")["episode_return"].agg(["mean", "std", "size"])
    table = norm[["suite", "task", "divisor"]].assign(
        n_episodes=norm["task"].map(stats["size"]).astype(np.int64), mean_return=norm["task"].map(stats["mean"]),
        std_return=norm["task"].map(stats["std"]))
    table = table.assign(score=table["mean_return"] / table["divisor"],
                         score_sem=table["std_return"] / table["divisor"] / np.sqrt(table["n_episodes"]))
    return table[RANDOM_COLUMNS].reset_index(drop=True)


def random_score_sem(random: pd.DataFrame) -> float:
    """Standard error of the task-averaged random score (tasks independent): sqrt(sum sem^2) / n."""
    return float(np.sqrt((random["score_sem"] ** 2).sum()) / len(random)) if len(random) else math.nan


def random_score(random: pd.DataFrame) -> float:
    """The random policy's task-averaged score (every figure's and the learning check's line)."""
    return float(random["score"].mean()) if len(random) else math.nan


def select_hps(runs: pd.DataFrame, hp_order: list[str]) -> pd.DataFrame:
    """Per (algo, policy): the hp with the highest mean auc_score over tasks and runs; ties and
    all-NaN go to the earlier hp in params.yaml order. criterion = that mean."""
    rows = []
    for (suite, algo, policy), group in runs.groupby(["suite", "algo", "policy"], sort=False):
        means = group.groupby("hp")["auc_score"].mean()
        ordered = [hp for hp in hp_order if hp in means.index]
        valid = [hp for hp in ordered if np.isfinite(means[hp])]
        best = max(valid, key=lambda hp: (means[hp], -ordered.index(hp))) if valid else ordered[0]
        n_runs = group[group["hp"] == best]["seed"].nunique()
        rows.append({"suite": suite, "algo": algo, "policy": policy, "hp": best,
                     "criterion": float(means[best]), "n_runs": int(n_runs)})
    return pd.DataFrame(rows, columns=SELECTION_COLUMNS)


def aggregate_suite(episodes: pd.DataFrame, infos: pd.DataFrame, suite: str, budget_frames: int,
                    hp_order: list[str], n_bins: int = N_BINS, normalise: bool | None = None,
                    final_fraction: float = FINAL_FRACTION) -> dict[str, pd.DataFrame]:
    """The four aggregates of one suite, sorted for stable bytes (`normalise`: see `normaliser`)."""
    edges = bin_edges(budget_frames, n_bins)
    curves = run_curves(episodes, edges)
    runs = run_table(curves, episodes, infos, n_bins, final_fraction)
    tasks = list(infos["tasks"].iloc[0]) if len(infos) else []
    norm = normaliser(runs, suite, tasks, normalise, final_fraction)
    runs, curves = apply_scores(runs, curves, norm)
    algo_order = list(dict.fromkeys(infos["algo"]))
    runs = _order(runs, algo_order, hp_order, tasks)
    curves = _order(curves, algo_order, hp_order, tasks, extra=["frames"])
    selection = select_hps(runs, hp_order)
    return {"runs": runs[RUNS_COLUMNS], "curves": curves[CURVES_COLUMNS], "selection": selection,
            "normaliser": norm}


def _order(frame: pd.DataFrame, algos: list[str], hps: list[str], tasks: list[str],
           extra: list[str] | None = None) -> pd.DataFrame:
    key = {"algo": {a: i for i, a in enumerate(algos)}, "hp": {h: i for i, h in enumerate(hps)},
           "task": {t: i for i, t in enumerate(tasks)}, "policy": {p: i for i, p in enumerate(POLICY_ORDER)}}
    by = ["algo", "hp", "seed", "policy", "task", *(extra or [])]
    return frame.sort_values(by, key=lambda col: col.map(key[col.name]) if col.name in key else col,
                             kind="stable").reset_index(drop=True)


def suite_metrics(runs: pd.DataFrame, selection: pd.DataFrame) -> dict:
    """metrics/{profile}/{suite}.json: per algorithm and policy, the selected hp and its mean
    auc_score / final_score over tasks and runs, n_runs and n_diverged (DVC metrics)."""
    out: dict = {}
    for row in selection.itertuples(index=False):
        chosen = runs[(runs["algo"] == row.algo) & (runs["policy"] == row.policy) & (runs["hp"] == row.hp)]
        per_run = chosen.drop_duplicates(RUN_KEYS)
        entry = {"best_hp": row.hp, "auc_score": finite_or_none(chosen["auc_score"].mean()),
                 "final_score": finite_or_none(chosen["final_score"].mean()), "n_runs": int(len(per_run)),
                 "n_diverged": int((per_run["status"] == "diverged").sum())}
        out.setdefault(row.algo, {})[row.policy] = entry
    return out


def finite_or_none(value: float):
    return float(value) if np.isfinite(value) else None


def per_run_scores(runs: pd.DataFrame, policy: str, column: str) -> pd.DataFrame:
    """Per run (algo, hp, seed): the mean over tasks of `column`, with the run's status."""
    chosen = runs[runs["policy"] == policy]
    return (chosen.groupby(RUN_KEYS, sort=False)
            .agg(value=(column, "mean"), status=("status", "first")).reset_index())
