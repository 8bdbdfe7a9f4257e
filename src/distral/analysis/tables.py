"""Tables 1 and 2 of the paper, and the writer every table goes through (CSV for machines,
Markdown for readers, LaTeX for papers).

Table 1 follows the paper's Table 1 (alpha and the task policies' logits per algorithm)
and adds, per suite, the AUC and final score of each algorithm's selected hp setting
(task policies): the mean over its runs of the task-averaged score, with a seeded
percentile bootstrap interval over runs (distral.analysis.inference.bootstrap_ci), and how
many runs diverged; and a last row, the uniform random policy's task-averaged score (random.csv)
+- its standard error over episodes, with its episode count per task.
Table 2 follows the paper's Table 2 with what this repository builds instead of
DeepMind Lab: tasks, variability, map layout, objectives and backend.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from distral.analysis.deep import per_run_scores, random_score, random_score_sem
from distral.analysis.inference import bootstrap_ci
from distral.io import write_csv, write_text

# The paper's Table 2 "inter-task variability" per suite.
PAPER_VARIABILITY = {"mazes": "low", "navigation": "medium", "laser-tag": "high"}


# --------------------------------------------------------------------------- Table 1


def logits(spec: Mapping[str, Any]) -> str:
    """The task policy's logits of an algorithm (Table 1 column headings; eq 12 for 2col)."""
    columns, alpha = spec["columns"], float(spec["alpha"])
    if columns == "shared":
        return "h_theta0(a|s)"
    if columns == "2col":
        weight = float(spec.get("h_weight", alpha))
        return f"{weight:g} h_theta0(a|s) + f_thetai(a|s)"
    if columns == "1col":
        return "f_thetai(a|s) (pi_0: separate column h_theta0)"
    return "f_thetai(a|s)"


def _interval(values: np.ndarray, settings: Mapping[str, Any]) -> tuple[float, float, float]:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return math.nan, math.nan, math.nan
    low, high = bootstrap_ci(values, settings)
    return float(values.mean()), low, high


def table1(algorithms: Mapping[str, Mapping], suites: dict[str, dict[str, pd.DataFrame]],
           settings: Mapping[str, Any]) -> pd.DataFrame:
    """One row per algorithm; per suite the selected hp, AUC and final score (task policies)
    with bootstrap intervals over runs (`settings`: inference.settings(params)), and n_runs / n_diverged."""
    rows = []
    for algo, spec in algorithms.items():
        row = {"algorithm": algo, "alpha": float(spec["alpha"]), "logits": logits(spec)}
        for suite, tables in suites.items():
            sel = tables["selection"]
            chosen = sel[(sel["algo"] == algo) & (sel["policy"] == "task")]
            hp = chosen["hp"].iloc[0] if len(chosen) else ""
            runs = tables["runs"][(tables["runs"]["algo"] == algo) & (tables["runs"]["hp"] == hp)]
            row[f"{suite}_hp"] = hp
            for column, name in (("auc_score", "auc"), ("final_score", "final")):
                per_run = per_run_scores(runs, "task", column)
                mean, low, high = _interval(per_run["value"].to_numpy(dtype=float), settings)
                row.update({f"{suite}_{name}": mean, f"{suite}_{name}_low": low, f"{suite}_{name}_high": high})
            per_run = per_run_scores(runs, "task", "auc_score")
            row[f"{suite}_n_runs"] = int(len(per_run))
            row[f"{suite}_n_diverged"] = int((per_run["status"] == "diverged").sum())
        rows.append(row)
    rows.append(random_row(suites))
    return pd.DataFrame(rows)


RANDOM_ROW = "random policy"


def random_row(suites: dict[str, dict[str, pd.DataFrame]]) -> dict:
    """The uniform random policy's reference (random.csv): its task-averaged score as the final
    score, +- its standard error over episodes (no runs, no area: it does not learn)."""
    row = {"algorithm": RANDOM_ROW, "alpha": math.nan, "logits": "uniform over the actions"}
    for suite, tables in suites.items():
        score, sem = random_score(tables["random"]), random_score_sem(tables["random"])
        episodes = tables["random"]["n_episodes"]
        row.update({f"{suite}_hp": "", f"{suite}_auc": math.nan, f"{suite}_auc_low": math.nan,
                    f"{suite}_auc_high": math.nan, f"{suite}_final": score, f"{suite}_final_low": score - sem,
                    f"{suite}_final_high": score + sem, f"{suite}_n_runs": 0, f"{suite}_n_diverged": 0,
                    f"{suite}_random_episodes": int(episodes.min()) if len(episodes) else 0})
    return row


def _fmt(mean: float, low: float, high: float) -> str:
    if not np.isfinite(mean):
        return "n/a"
    return f"{mean:.3g} [{low:.3g}, {high:.3g}]"


def table1_readable(table: pd.DataFrame, suites: list[str]) -> pd.DataFrame:
    """The same numbers as text cells for Markdown and LaTeX: 'mean [low, high]'."""
    out = table[["algorithm", "alpha", "logits"]].copy()
    out["alpha"] = [f"{a:g}" if np.isfinite(a) else "–" for a in table["alpha"]]
    random = table["algorithm"] == RANDOM_ROW
    for suite in suites:
        out[f"{suite} AUC"] = [_fmt(*r) for r in table[[f"{suite}_auc", f"{suite}_auc_low",
                                                        f"{suite}_auc_high"]].to_numpy()]
        out[f"{suite} final"] = [_fmt(*r) for r in table[[f"{suite}_final", f"{suite}_final_low",
                                                          f"{suite}_final_high"]].to_numpy()]
        out[f"{suite} runs (diverged)"] = [f"{n} ({d})" for n, d in
                                           table[[f"{suite}_n_runs", f"{suite}_n_diverged"]].to_numpy()]
        if random.any():  # the reference's cells: mean +- standard error, and its episode count
            r = table[random].iloc[0]
            sem = r[f"{suite}_final"] - r[f"{suite}_final_low"]
            out.loc[random, f"{suite} AUC"] = "–"
            out.loc[random, f"{suite} final"] = (f"{r[f'{suite}_final']:.3g} ± {sem:.2g}"
                                                 if np.isfinite(r[f"{suite}_final"]) else "n/a")
            out.loc[random, f"{suite} runs (diverged)"] = f"{int(r[f'{suite}_random_episodes'])} episodes per task"
    return out


# --------------------------------------------------------------------------- Table 2
def map_layout(tasks: list[Mapping[str, Any]]) -> str:
    """How the tasks' maps are made: a WAD map, a fixed generated layout, or new every episode."""
    kinds = {"fixed WAD map": 0, "fixed generated layout": 0, "generated anew every episode": 0}
    for task in tasks:
        if "map" in task:
            kinds["fixed WAD map"] += 1
        elif "layout_seed" in task:
            kinds["fixed generated layout"] += 1
        else:
            kinds["generated anew every episode"] += 1
    return "; ".join(f"{n} task{'s' * (n > 1)}: {kind}" for kind, n in kinds.items() if n)


def bots_objective(tasks: list[Mapping[str, Any]], rewards: Mapping[str, float]) -> str:
    """Laser-tag in one line: how many bots, of which skills, and the two rewards."""
    bots = [int(t["bots"]) for t in tasks]
    skills = "/".join(dict.fromkeys(t.get("bot_skill", "?") for t in tasks))
    return (f"tag {min(bots)}-{max(bots)} scripted bots ({skills}) (+{rewards.get('tag', 0):g} each), "
            f"pick up objects (+{rewards.get('object', 0):g})")


def objective(task: Mapping[str, Any], rewards: Mapping[str, float]) -> str:
    """A task's objective from its family and the suite's reward rules (docs/suites.md)."""
    if "bots" in task:
        return f"tag {task['bots']} {task.get('bot_skill', '')} bots (+{rewards.get('tag', 0):g}), " \
               f"objects (+{rewards.get('object', 0):g})"
    family = task.get("family", "goal")
    if family == "return":
        return f"collect objects (+{rewards.get('object', 0):g}), bring them back to the start " \
               f"(+{rewards.get('delivery', 0):g} each)"
    parts = []
    if task.get("apples", 0):
        parts.append(f"apples (+{rewards.get('apple', 0):g})")
    if task.get("goal", True) is not False:
        parts.append(f"reach the goal again and again (+{rewards.get('goal', 0):g})")
    text = ", ".join(parts)
    return text + " behind doors that open and close" if family == "doors" else text


def table2(suites_params: Mapping[str, Mapping], runs_info: dict[str, dict]) -> pd.DataFrame:
    """One row per suite: tasks, variability, map layout, objectives, backend (as logged by the runs)."""
    rows = []
    for suite, spec in suites_params.items():
        tasks = list(spec["tasks"])
        if spec.get("backend") == "gymnasium":
            rows.append(gymnasium_row(suite, spec, runs_info.get(suite, {})))
            continue
        if all("bots" in t for t in tasks):
            objectives = [bots_objective(tasks, spec.get("rewards", {}))]
        else:
            objectives = list(dict.fromkeys(objective(t, spec.get("rewards", {})) for t in tasks))
        info = runs_info.get(suite, {})
        options = info.get("options") or spec
        resolution = options.get("resolution", spec.get("resolution"))
        backend = (f"{info.get('backend') or spec.get('backend', '?')}, "
                   f"{resolution[0]}x{resolution[1]} RGB, action repeat {options.get('action_repeat')}, "
                   f"{options.get('episode_frames')}-frame episodes")
        rows.append({"suite": suite, "tasks": f"{len(tasks)}: " + ", ".join(t["name"] for t in tasks),
                     "variability (paper)": PAPER_VARIABILITY.get(suite, "-"),
                     "map layout": map_layout(tasks), "objectives": "; ".join(objectives), "backend": backend})
    return pd.DataFrame(rows)


def gymnasium_row(suite: str, spec: Mapping[str, Any], info: Mapping[str, Any]) -> dict:
    """Table 2's row of a user suite on the gymnasium backend: its env ids; the envs define maps and rewards."""
    tasks = list(spec["tasks"])
    options = info.get("options") or spec
    resolution = options.get("resolution", spec.get("resolution"))
    return {"suite": suite, "tasks": f"{len(tasks)}: " + ", ".join(t["name"] for t in tasks),
            "variability (paper)": "-", "map layout": "gymnasium ids: " + ", ".join(t["id"] for t in tasks),
            "objectives": "each env's own rewards",
            "backend": (f"{info.get('backend') or 'gymnasium'}, {resolution[0]}x{resolution[1]} RGB, action repeat "
                        f"{options.get('action_repeat', 1)}, episodes end as each env reports")}


# --------------------------------------------------------------------------- writing
def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def to_markdown(frame: pd.DataFrame, caption: str) -> str:
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([f"{caption}", "", header, rule, *body, ""])


def to_latex(frame: pd.DataFrame, caption: str) -> str:
    def esc(text: str) -> str:
        return text.replace("_", r"\_").replace("%", r"\%").replace("&", r"\&")

    lines = [r"\begin{table}[t]", r"\centering", r"\begin{tabular}{" + "l" * len(frame.columns) + "}",
             r"\hline", " & ".join(esc(str(c)) for c in frame.columns) + r" \\", r"\hline"]
    lines += [" & ".join(esc(_cell(v)) for v in row) + r" \\" for row in frame.itertuples(index=False)]
    lines += [r"\hline", r"\end{tabular}", rf"\caption{{{esc(caption)}}}", r"\end{table}", ""]
    return "\n".join(lines)


def write_table(frame: pd.DataFrame, stem: str | Path, caption: str) -> None:
    """Write `stem`.csv, `stem`.md and `stem`.tex, each atomically."""
    stem = Path(stem)
    write_csv(frame, stem.with_suffix(".csv"))
    write_text(to_markdown(frame, caption), stem.with_suffix(".md"))
    write_text(to_latex(frame, caption), stem.with_suffix(".tex"))
