"""Figures 4-7 (Sec. 4.2, App. C), drawn with seaborn from the suite aggregates only.

Every number drawn is computed here from runs.csv / curves.csv / selection.csv and saved
in the CSV beside the figure (style.save_figure: PNG + PDF without creation date + CSV).

- Curve panels (Figure 4 A1, B1, C1, D1): per algorithm, the runs of its selected hp
  setting; the bold line is the mean over runs of the task-averaged score, the band is
  +- the average over tasks of the standard deviation over runs (Figure 4's caption).
- Rank panels (A2, B2, C2, D2): every run of the algorithm (all hp settings and seeds),
  its final score averaged over tasks, sorted best to worst ("the 36 runs").
- B1/B2's A3C line: A3C has no distilled policy; as the caption says it is shown as an
  untrained network: the mean over every run's frame-0 evaluation of its (untrained)
  distilled network, averaged over tasks.
- Figures 5-7: per task, a thin line per run of the selected hp and the bold mean.
- The random policy (random.csv, from the random-policy command): a dotted grey line in
  every panel, at its task-averaged score in Figure 4 and at its score on the task in
  Figures 5-7 (same divisor as the runs' scores), so a curve that does not clear it has
  learned nothing.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from distral import sweep  # noqa: E402
from distral.analysis.deep import per_run_scores, random_score  # noqa: E402
from distral.analysis.style import RANDOM_STYLE, RC, SUITE_TITLE, palette, score_label  # noqa: E402

# Figure 4's panels, as in the paper: (panel, suite, policy, curve or rank).
FIG4_PANELS = [("A1", "mazes", "task", "curve"), ("A2", "mazes", "task", "rank"),
               ("B1", "mazes", "distilled", "curve"), ("B2", "mazes", "distilled", "rank"),
               ("C1", "navigation", "task", "curve"), ("C2", "navigation", "task", "rank"),
               ("D1", "laser-tag", "task", "curve"), ("D2", "laser-tag", "task", "rank")]
UNTRAINED = "A3C (untrained network)"
RANDOM = "random policy"


# --------------------------------------------------------------------------- data
def selected(frame: pd.DataFrame, selection: pd.DataFrame, policy: str) -> pd.DataFrame:
    """The rows of `frame` (runs or curves) of each algorithm's selected hp for `policy`."""
    chosen = selection[selection["policy"] == policy][["algo", "hp"]]
    return frame[frame["policy"] == policy].merge(chosen, on=["algo", "hp"])


def band_curves(curves: pd.DataFrame, selection: pd.DataFrame, policy: str) -> pd.DataFrame:
    """Per (algo, frames): mean over runs of the task-averaged score, and the band half-width =
    mean over tasks of the std over runs (ddof 1; 0 with a single run)."""
    data = selected(curves, selection, policy)
    if data.empty:
        return pd.DataFrame(columns=["algo", "hp", "frames", "mean", "band", "n_runs"])
    per_run = data.groupby(["algo", "hp", "seed", "frames"], sort=False)["score"].mean().reset_index()
    mean = per_run.groupby(["algo", "hp", "frames"], sort=False).agg(mean=("score", "mean"),
                                                                     n_runs=("seed", "nunique"))
    std = data.groupby(["algo", "hp", "frames", "task"], sort=False)["score"].std(ddof=1).fillna(0.0)
    band = std.groupby(["algo", "hp", "frames"], sort=False).mean().rename("band")
    return mean.join(band).reset_index()


def run_status(runs: pd.DataFrame) -> dict[tuple, str]:
    """(algo, hp, seed) -> "completed" | "diverged", from runs.csv."""
    return {(r.algo, r.hp, r.seed): r.status for r in runs.drop_duplicates(["algo", "hp", "seed"]).itertuples()}


def untrained_score(curves: pd.DataFrame) -> float:
    """Mean over tasks of the mean over runs of the frame-0 distilled evaluations."""
    start = curves[(curves["policy"] == "distilled") & (curves["frames"] == 0)]
    if start.empty:
        return math.nan
    return float(start.groupby("task")["score"].mean().mean())


def ranked_finals(runs: pd.DataFrame, policy: str) -> pd.DataFrame:
    """Every run's final score averaged over tasks, ranked best (1) to worst per algorithm."""
    per_run = per_run_scores(runs, policy, "final_score").dropna(subset=["value"])
    per_run = per_run.sort_values(["algo", "value", "hp", "seed"], ascending=[True, False, True, True],
                                  kind="stable")
    return per_run.assign(rank=per_run.groupby("algo").cumcount() + 1)


# --------------------------------------------------------------------------- drawing
def _curve_panel(ax, bands: pd.DataFrame, colors: dict, untrained: float | None) -> None:
    for algo in colors:
        line = bands[bands["algo"] == algo].sort_values("frames")
        if line.empty:
            continue
        sns.lineplot(x=line["frames"], y=line["mean"], ax=ax, color=colors[algo], lw=1.8, label=algo, legend=False,
                     **_lone_point(line))
        ax.fill_between(line["frames"], line["mean"] - line["band"], line["mean"] + line["band"],
                        color=colors[algo], alpha=0.15, lw=0)
    if untrained is not None and np.isfinite(untrained):
        ax.axhline(untrained, color=colors.get("A3C", "grey"), ls="--", lw=1.5, label=UNTRAINED)
    ax.set_xlabel("environment frames per task")


def _lone_point(line) -> dict:
    """A marker for a curve of one point (a budget of one episode per env): a line alone draws nothing."""
    return {"marker": "o", "markersize": 5} if len(line) == 1 else {}


def _rank_panel(ax, ranked: pd.DataFrame, colors: dict, untrained: float | None) -> None:
    for algo in colors:
        runs = ranked[ranked["algo"] == algo]
        if runs.empty:
            continue
        sns.lineplot(x=runs["rank"], y=runs["value"], ax=ax, color=colors[algo], lw=1.5, marker="o",
                     markersize=3, legend=False)
        diverged = runs[runs["status"] == "diverged"]
        ax.scatter(diverged["rank"], diverged["value"], marker="x", s=40, color=colors[algo], zorder=3)
    if untrained is not None and np.isfinite(untrained):
        ax.axhline(untrained, color=colors.get("A3C", "grey"), ls="--", lw=1.5)
    ax.set_xlabel("runs, best to worst")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))


def _random_line(ax, value: float) -> bool:
    """The random policy's score as a dotted grey line; False (nothing drawn) when it is not finite."""
    if not np.isfinite(value):
        return False
    ax.axhline(value, **RANDOM_STYLE, zorder=1)
    return True


def _keep_in_view(ax, value: float) -> None:
    """Widen the y range so a reference line is not drawn on the frame (autoscaling puts the
    lowest data point, here often the line itself, right on the edge)."""
    if np.isfinite(value):
        low, high = ax.get_ylim()
        pad = 0.05 * ((max(high, value) - min(low, value)) or 1.0)
        ax.set_ylim(min(low, value - pad), max(high, value + pad))


def _empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=8, color="0.35", wrap=True)


def figure4(suites: dict[str, dict[str, pd.DataFrame]], algos: list[str], budget_text: str):
    """Figure 4 from {suite: {runs, curves, selection, normaliser}}; returns (figure, data)."""
    colors = palette(algos)
    records = []
    with sns.axes_style("whitegrid"), plt.rc_context(RC):
        fig, axes = plt.subplots(2, 4, figsize=(17, 7.6), layout="constrained")
        for ax, (panel, suite, policy, kind) in zip(axes.flat, FIG4_PANELS):
            tables = suites[suite]
            untrained = untrained_score(tables["curves"]) if policy == "distilled" else None
            if kind == "curve":
                bands = band_curves(tables["curves"], tables["selection"], policy)
                _curve_panel(ax, bands, colors, untrained)
                diverged = selected(tables["runs"], tables["selection"], policy)
                diverged = diverged[diverged["status"] == "diverged"].groupby("algo")["seed"].nunique()
                records += [{"panel": panel, "suite": suite, "policy": policy, "algo": r.algo, "hp": r.hp,
                             "frames": r.frames, "value": r.mean, "band": r.band, "n_runs": r.n_runs,
                             "n_diverged": int(diverged.get(r.algo, 0))}
                            for r in bands.itertuples(index=False)]
                empty = bands.empty
            else:
                ranked = ranked_finals(tables["runs"], policy)
                _rank_panel(ax, ranked, colors, untrained)
                records += [{"panel": panel, "suite": suite, "policy": policy, "algo": r.algo, "hp": r.hp,
                             "seed": r.seed, "rank": r.rank, "value": r.value, "status": r.status}
                            for r in ranked.itertuples(index=False)]
                empty = ranked.empty
            if untrained is not None and np.isfinite(untrained):
                records.append({"panel": panel, "suite": suite, "policy": policy, "algo": UNTRAINED,
                                "value": untrained})
            random = random_score(tables["random"])
            if _random_line(ax, random):
                records.append({"panel": panel, "suite": suite, "policy": policy, "algo": RANDOM, "value": random})
            if empty:
                _empty(ax, "no episode of this policy ended within the budget")
            which = "task policies" if policy == "task" else "distilled policies"
            ax.set_title(f"{panel}  {SUITE_TITLE.get(suite, suite)}: {which}"
                         + (" (selected hp)" if kind == "curve" else " (all runs)"), loc="left")
            ax.set_ylabel(score_label(tables["normaliser"]))
            _keep_in_view(ax, random)
        handles = [plt.Line2D([], [], color=colors[a], lw=2, label=a) for a in algos]
        handles.append(plt.Line2D([], [], color=colors.get("A3C", "grey"), ls="--", lw=1.5, label=UNTRAINED))
        handles.append(plt.Line2D([], [], **RANDOM_STYLE, label=f"{RANDOM} (task-averaged score)"))
        handles.append(plt.Line2D([], [], color="0.3", marker="x", ls="", label="diverged run (last good score)"))
        fig.legend(handles=handles, loc="outside lower center", ncol=5, frameon=False)
        fig.suptitle("Figure 4. Curves (1): bold = mean over the runs of each algorithm's best hp setting "
                     "(by AUC averaged over tasks and runs), band = +- the average over tasks of the std over runs.\n"
                     "Ranks (2): final score (averaged over tasks) of every run, all hp settings and seeds, best to "
                     f"worst. Dotted grey: a uniform random policy (task-averaged score). {budget_text}", fontsize=9)
    return fig, pd.DataFrame(records, columns=["panel", "suite", "policy", "algo", "hp", "seed", "frames", "rank",
                                               "value", "band", "n_runs", "n_diverged", "status"])


def suite_figure(tables: dict[str, pd.DataFrame], suite: str, number: int | None, policies: list[str],
                 algos: list[str], budget_text: str):
    """Figure 5/6/7 (a user suite's per-task figure: `number` None): per task (columns, 4 per row)
    and policy (row groups): a thin line per run of the selected hp and the bold mean over runs."""
    colors = palette(algos)
    tasks = list(tables["normaliser"]["task"])
    random = tables["random"].set_index("task")["score"]
    status = run_status(tables["runs"])
    ncols = min(4, len(tasks))
    rows_per_policy = math.ceil(len(tasks) / ncols)
    records = []
    with sns.axes_style("whitegrid"), plt.rc_context(RC):
        fig, axes = plt.subplots(rows_per_policy * len(policies), ncols, squeeze=False, layout="constrained",
                                 figsize=(4.2 * ncols, 2.9 * rows_per_policy * len(policies)))
        for p, policy in enumerate(policies):
            data = selected(tables["curves"], tables["selection"], policy)
            for t, task in enumerate(tasks):
                ax = axes[p * rows_per_policy + t // ncols, t % ncols]
                panel = data[data["task"] == task]
                for algo in colors:
                    runs = panel[panel["algo"] == algo]
                    if runs.empty:
                        continue
                    sns.lineplot(data=runs, x="frames", y="score", units="seed", estimator=None, ax=ax,
                                 color=colors[algo], lw=0.7, alpha=0.45, legend=False)
                    mean = runs.groupby("frames", sort=True)["score"].mean()
                    sns.lineplot(x=mean.index, y=mean.to_numpy(), ax=ax, color=colors[algo], lw=2, legend=False,
                                 **_lone_point(mean))
                    records += [{"policy": policy, "task": task, "algo": algo, "hp": r.hp, "seed": r.seed,
                                 "status": status.get((r.algo, r.hp, r.seed), ""), "frames": r.frames,
                                 "score": r.score} for r in runs.itertuples(index=False)]
                    records += [{"policy": policy, "task": task, "algo": algo, "hp": runs["hp"].iloc[0],
                                 "seed": "mean", "frames": f, "score": s} for f, s in mean.items()]
                if _random_line(ax, float(random.get(task, math.nan))):
                    records.append({"policy": policy, "task": task, "algo": RANDOM, "score": float(random[task])})
                if panel.empty:
                    _empty(ax, "no episode of this policy ended within the budget")
                which = "task policies" if policy == "task" else "distilled policy"
                ax.set_title(f"{task} ({which})", loc="left")
                ax.set_xlabel("environment frames per task")
                ax.set_ylabel(score_label(tables["normaliser"]) if t % ncols == 0 else "")
                _keep_in_view(ax, float(random.get(task, math.nan)))
        handles = [plt.Line2D([], [], color=colors[a], lw=2, label=a) for a in algos]
        handles.append(plt.Line2D([], [], **RANDOM_STYLE, label=RANDOM))
        fig.legend(handles=handles, loc="outside lower center", ncol=8, frameon=False)
        label = "" if number is None else f"Figure {number}. "  # a user suite has no figure number
        fig.suptitle(f"{label}{SUITE_TITLE.get(suite, suite)} per task: thin lines = the runs of each "
                     "algorithm's best hp setting (by AUC averaged over tasks and runs), bold = their mean; dotted grey = "
                     f"a uniform random policy on the task. {budget_text}", fontsize=9)
    return fig, pd.DataFrame(records, columns=["policy", "task", "algo", "hp", "seed", "status", "frames", "score"])


def budget_text(budget: dict, suites_frames: dict[str, int]) -> str:
    frames = ", ".join(f"{s} {f:,}" for s, f in suites_frames.items())
    return (f"Budget: {frames} env frames per task; {len(budget['hps'])} hp setting(s) x "
            f"{sweep.seeds_text(budget, list(suites_frames))}.")

