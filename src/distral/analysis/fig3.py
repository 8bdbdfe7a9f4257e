"""Figure 3 (the grid world, Sec. 4.1), drawn only from logs: learning curves (left), example
tasks (centre) and the distilled policy in the corridor (right). Saved by style.save_figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.patches import Circle, FancyArrow, Rectangle  # noqa: E402

from distral.analysis.style import GRIDWORLD_STYLE, METRIC_LABEL  # noqa: E402

# Arrow direction (d_row, d_col) of each action name logged in pi0.csv; "stay" is a circle.
ARROWS = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}


class GridMap:
    """The grid-world map as the run logged it (map.csv: row, col, cell = wall | free)."""

    def __init__(self, cells: pd.DataFrame):
        self.shape = (int(cells["row"].max()) + 1, int(cells["col"].max()) + 1)
        self.walls = np.ones(self.shape, dtype=bool)
        free = cells[cells["cell"] == "free"]
        self.walls[free["row"].to_numpy(), free["col"].to_numpy()] = False
        self.free_cells = [(int(r), int(c)) for r, c in zip(free["row"], free["col"])]

    def is_free(self, r: int, c: int) -> bool:
        return 0 <= r < self.shape[0] and 0 <= c < self.shape[1] and not self.walls[r, c]

    def corridor_cells(self) -> list[tuple[int, int]]:
        """Free cells with walls directly above and below: the corridor of Fig. 3 (right)."""
        return [(r, c) for r, c in self.free_cells if not self.is_free(r - 1, c) and not self.is_free(r + 1, c)]


def learning_curves(summary: pd.DataFrame, conf: float) -> plt.Figure:
    """Fig. 3 left: mean over seeds of the task-averaged evaluation, with a bootstrap band."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for ax, metric in zip(axes, ("return", "steps_to_goal")):
        for algo, group in summary[summary["metric"] == metric].groupby("algo", sort=True):
            color, label = GRIDWORLD_STYLE.get(algo, (None, algo))
            n = int(group["n_seeds"].iloc[0])
            ax.plot(group["env_steps"], group["mean"], color=color, label=f"{label} ({n} seeds)")
            ax.fill_between(group["env_steps"], group["ci_low"], group["ci_high"], color=color, alpha=0.25, lw=0)
        ax.set_xlabel("environment steps per task")
        ax.set_ylabel(METRIC_LABEL[metric])
        ax.grid(alpha=0.3)
    axes[0].legend(loc="lower right", fontsize=8)
    fig.suptitle(f"Two-room grid world: mean over tasks and seeds, {conf:.0%} bootstrap band", fontsize=10)
    return fig


def _draw_map(ax: plt.Axes, layout: GridMap) -> None:
    rows, cols = layout.shape
    ax.imshow(layout.walls.astype(float), cmap="Greys", vmin=0, vmax=1.4)
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_xticks([])
    ax.set_yticks([])


def example_tasks(layout: GridMap, goals: list[tuple[int, int]], n_show: int = 4) -> tuple[plt.Figure, pd.DataFrame]:
    """Fig. 3 centre: the map, each task's goal (green) and the uniform start distribution."""
    n_show = min(n_show, len(goals))
    fig, axes = plt.subplots(1, n_show, figsize=(2.6 * n_show, 1.6), squeeze=False)
    rows = []
    for task, ax in enumerate(axes[0]):
        _draw_map(ax, layout)
        starts = [cell for cell in layout.free_cells if cell != goals[task]]
        for r, c in starts:
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, color="tab:blue", alpha=0.12, lw=0))
            rows.append({"task": task, "row": r, "col": c, "kind": "start", "start_prob": 1 / len(starts)})
        gr, gc = goals[task]
        ax.add_patch(Rectangle((gc - 0.5, gr - 0.5), 1, 1, color="tab:green"))
        rows.append({"task": task, "row": gr, "col": gc, "kind": "goal", "start_prob": 0.0})
        ax.set_title(f"task {task}", fontsize=9)
    fig.suptitle("Example tasks: goal (green), start uniform over the shaded cells", fontsize=9)
    return fig, pd.DataFrame(rows)


def corridor_policy(layout: GridMap, pi0: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """Fig. 3 right: pi_0 in the corridor given previous action left / right and an
    ordinary step as previous reward; arrows (and the circle for 'stay') sized by probability."""
    corridor = set(layout.corridor_cells())
    data = pi0[(pi0["prev_reward"] == "step") & pi0["prev_action"].isin(["left", "right"])]
    data = data[[(r, c) in corridor for r, c in zip(data["row"], data["col"])]]
    data = data.groupby(["prev_action", "row", "col", "action"], as_index=False)["prob"].agg(["mean", "std", "count"])
    data = data.rename(columns={"mean": "prob", "std": "prob_std_over_seeds", "count": "n_seeds"})
    rows_r = sorted({r for r, _ in corridor})
    cols = sorted({c for _, c in corridor})
    fig, axes = plt.subplots(2, 1, figsize=(1.2 * (len(cols) + 2), 4.0), layout="constrained")
    for ax, prev in zip(axes, ["left", "right"]):
        _draw_map(ax, layout)
        ax.set_xlim(cols[0] - 1.5, cols[-1] + 1.5)
        ax.set_ylim(rows_r[-1] + 1.5, rows_r[0] - 1.5)
        panel = data[data["prev_action"] == prev]
        for rec in panel.itertuples():
            _draw_action(ax, rec.row, rec.col, rec.action, rec.prob)
        for (row, col), cell in panel.groupby(["row", "col"]):
            best = cell.loc[cell["prob"].idxmax()]
            ax.text(col, row + 0.75, f"{best['prob']:.2f}", ha="center", va="center", fontsize=7, color="white")
        ax.set_title(f"previous action: {prev}", fontsize=9)
    n = int(data["n_seeds"].max()) if len(data) else 0
    fig.suptitle(f"Distilled policy $\\pi_0$ in the corridor (mean over {n} seeds);\n"
                 "numbers: probability of the most likely action", fontsize=9)
    return fig, data


def _draw_action(ax: plt.Axes, row: int, col: int, action: str, prob: float) -> None:
    # 'stay' is a circle under the arrows; arrow length is proportional to probability.
    if action == "stay":
        ax.add_patch(Circle((col, row), 0.3 * np.sqrt(prob), color="tab:orange", alpha=0.6, zorder=2))
        return
    dr, dc = ARROWS[action]
    length = 0.9 * prob
    if length > 0.02:
        ax.add_patch(FancyArrow(col, row, dc * length, dr * length, width=0.08, head_width=0.22,
                                head_length=min(0.2, length), length_includes_head=True,
                                color="tab:blue", zorder=3))
