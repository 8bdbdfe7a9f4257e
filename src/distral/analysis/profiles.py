"""The performance-profile figure of the claims report (Agarwal et al. 2021 style): for each
suite, the fraction of (run, task) final scores above tau, per algorithm, in Figure 4's colours
(style.palette), baselines dashed. Scores on the common scale of measures.common_scale:
(final return - random policy) / (best A3C run - random policy) per task. Saved by
style.save_figure, so the same logs give the same bytes."""

from __future__ import annotations

from typing import Any, Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from distral.analysis.style import line_style, palette  # noqa: E402

TAU_LABEL = "tau: (final - random) / (best A3C - random)"


MISSING_NOTE = ("not drawn: {suites} (no task whose best A3C run is clearly above the random policy, so no "
                "common scale; claims.md lists the tasks)")


def performance_profiles_figure(profiles: pd.DataFrame, profile: str,
                                algorithms: Mapping[str, Mapping[str, Any]], trained: list[str] = ()) -> plt.Figure:
    """`algorithms`: params.yaml deep.algorithms (their order sets the colours, as in Figure 4);
    `trained`: the profile's suites, so that a suite without a panel is named with the reason."""
    colors = palette(list(algorithms))
    suites = list(dict.fromkeys(profiles["suite"]))
    missing = [s for s in trained if s not in suites]
    if not suites:  # every task of every suite flagged (measures.normaliser_flags): nothing on the scale
        fig, ax = plt.subplots(figsize=(4.2, 3.4))
        ax.text(0.5, 0.5, "no task whose best A3C run is clearly above random", ha="center", fontsize=8)
        ax.set_axis_off()
        fig.suptitle(f"Performance profiles, profile {profile}", fontsize=10)
        return fig
    fig, axes = plt.subplots(1, len(suites), figsize=(4.2 * len(suites), 3.4), squeeze=False)
    for ax, suite in zip(axes[0], suites):
        for algo, group in profiles[profiles["suite"] == suite].groupby("algo", sort=False):
            ax.step(group["tau"], group["fraction_above"], where="post", color=colors.get(algo),
                    ls=line_style(algorithms.get(algo, {})), label=f"{algo} ({int(group['n_scores'].iloc[0])})")
        ax.set_title(suite, fontsize=10)
        ax.set_xlabel(TAU_LABEL, fontsize=8)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    # two lines at 8 pt: on one line at 10 pt the label is taller than the 3.4-inch axes and runs into the title
    axes[0][0].set_ylabel("fraction of runs x tasks\nwith score > tau", fontsize=8)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5),
               title="algorithm (scores)", title_fontsize=7)
    fig.suptitle(f"Performance profiles of the task policies, selected hp, profile {profile}", fontsize=10)
    fig.tight_layout()
    if missing:
        fig.subplots_adjust(bottom=0.25)
        fig.text(0.01, 0.01, MISSING_NOTE.format(suites=", ".join(missing)), fontsize=7, ha="left", va="bottom")
    return fig
