"""The one figure style: colours, labels and titles, the paper's suite -> figure mapping, and
`save_figure` (PNG + PDF without creation date + the CSV of the plotted numbers), so that an
algorithm has the same colour in every figure and a rerun on the same logs changes no byte."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import matplotlib

matplotlib.use("Agg")

from distral.analysis.deep import NORMALISED_SUITES  # noqa: E402
from distral.io import atomic_path, write_csv  # noqa: E402

if TYPE_CHECKING:
    import matplotlib.pyplot as plt
    import pandas as pd

# ---- the paper's suites: figure numbers and titles
# Figures 5-7 (App. C): suite -> (figure number, policies drawn); laser-tag shows task policies only.
SUITE_FIGURES = {"mazes": (5, ["task", "distilled"]), "navigation": (6, ["task", "distilled"]),
                 "laser-tag": (7, ["task"])}
SUITE_TITLE = {"mazes": "mazes", "navigation": "navigation", "laser-tag": "laser-tag",
               "mazes-mini": "mazes-mini (the mazes scaled down, not the paper's)"}
USER_POLICIES = ["task", "distilled"]  # a user suite's per-task figure draws both policies


def suite_figure_spec(suite: str) -> tuple[str, int | None, list[str]]:
    """(file stem, figure number or None, policies) of a suite's per-task figure: fig5-7 for the
    paper's suites, fig_<suite> for a user suite (docs/gymnasium.md)."""
    if suite in SUITE_FIGURES:
        number, policies = SUITE_FIGURES[suite]
        return f"fig{number}", number, policies
    return f"fig_{suite}", None, USER_POLICIES

# ---- colours
# Indices into seaborn's colour-blind palette, in Table 1's order: the A3C baselines in blue /
# grey / light blue, the Distral algorithms in green, purple, vermillion, orange.
PALETTE_INDEX = (0, 7, 9, 2, 4, 3, 1)
# The grid world's two algorithms (Figure 3): colour and legend label.
GRIDWORLD_STYLE = {"distral": ("tab:blue", "Distral (KL, soft Q + distillation)"),
                   "soft_q": ("tab:red", "single-task soft Q")}
RANDOM_STYLE = {"color": "0.55", "ls": ":", "lw": 1.6}  # the uniform random policy's reference line
RC = {"axes.titlesize": 10, "axes.labelsize": 9, "xtick.labelsize": 8, "ytick.labelsize": 8,
      "legend.fontsize": 8}  # Figures 4-7's font sizes


def palette(algos: list[str]) -> dict[str, tuple]:
    """One fixed, distinguishable colour per algorithm (params order), the same in every figure."""
    import seaborn as sns  # here, not at the top: the Snakefile imports this module for SUITE_FIGURES

    colours = sns.color_palette("colorblind", 10)
    return {algo: colours[PALETTE_INDEX[i % len(PALETTE_INDEX)]] for i, algo in enumerate(algos)}


def line_style(spec: Mapping[str, Any]) -> str:
    """Baselines (the A3C family: no distilled objective) dashed, Distral algorithms solid."""
    return "-" if spec.get("objective") == "distral" else "--"


# ---- labels
METRIC_LABEL = {"return": "average return", "steps_to_goal": "steps to goal"}  # Figure 3's y axes


def score_label(normaliser: pd.DataFrame) -> str:
    """The y label a suite's scores have: raw returns, or returns / best A3C (App. B.2)."""
    scaled = normaliser["method"].str.startswith("score =")
    if scaled.all():
        return "score (return / best A3C)"
    if scaled.any():
        return "score (return / best A3C;\nraw where no A3C reference)"
    return "average return"


def final_score_label(suite: str) -> str:
    """The performance profiles' x label: the suites App. B.2 normalises by the best A3C, or raw."""
    return "final score (A3C-normalised)" if suite in NORMALISED_SUITES else "final return (raw)"


# ---- saving
def save_figure(fig: plt.Figure, data: pd.DataFrame, stem: str | Path) -> None:
    """Write stem.png, stem.pdf (no creation date) and stem.csv, each atomically."""
    import matplotlib.pyplot as plt

    stem = Path(stem)
    with atomic_path(stem.with_suffix(".png")) as tmp:
        fig.savefig(tmp, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
    with atomic_path(stem.with_suffix(".pdf")) as tmp:
        fig.savefig(tmp, format="pdf", bbox_inches="tight", metadata={"CreationDate": None, "Creator": None, "Producer": None})
    write_csv(data, stem.with_suffix(".csv"))
    plt.close(fig)
