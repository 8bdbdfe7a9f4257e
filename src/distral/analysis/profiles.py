"""The performance-profile figure of the claims report (Agarwal et al. 2021 style): for each
suite, the fraction of (run, task) final scores above tau, per algorithm. Saved as PNG + PDF
with no dates and the plotted numbers as CSV, so the same logs give the same bytes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

# Baselines red-ish and dashed, Distral blue/green; 2col solid markers.
STYLE = {"A3C": ("tab:red", "--"), "A3C_multitask": ("tab:orange", "--"), "A3C_2col": ("tab:brown", "--"),
         "KL_1col": ("tab:cyan", "-"), "KL+ent_1col": ("tab:blue", "-"),
         "KL_2col": ("tab:olive", "-"), "KL+ent_2col": ("tab:green", "-")}
SCORE_LABEL = {"mazes": "final return (raw)", "navigation": "final score (A3C-normalised)",
               "laser-tag": "final score (A3C-normalised)"}


def performance_profiles_figure(profiles: pd.DataFrame, profile: str) -> plt.Figure:
    suites = list(dict.fromkeys(profiles["suite"]))
    fig, axes = plt.subplots(1, len(suites), figsize=(4.2 * len(suites), 3.4), squeeze=False)
    for ax, suite in zip(axes[0], suites):
        for algo, group in profiles[profiles["suite"] == suite].groupby("algo", sort=False):
            color, ls = STYLE.get(algo, (None, "-"))
            ax.step(group["tau"], group["fraction_above"], where="post", color=color, ls=ls,
                    label=f"{algo} ({int(group['n_scores'].iloc[0])})")
        ax.set_title(suite, fontsize=10)
        ax.set_xlabel(f"tau: {SCORE_LABEL.get(suite, 'final score')}", fontsize=8)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("fraction of runs x tasks with score > tau")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5),
               title="algorithm (scores)", title_fontsize=7)
    fig.suptitle(f"Performance profiles of the task policies, selected hp, profile {profile}", fontsize=10)
    fig.tight_layout()
    return fig


