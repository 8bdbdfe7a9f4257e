"""The performance-profile figure of the claims report (rliable style, Agarwal et al. 2021):
per suite, the fraction of (run, task) A3C-normalised final scores above each threshold tau."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from distral.io import atomic_path, write_csv  # noqa: E402

# Distral algorithms solid, A3C baselines dashed; one fixed colour per algorithm.
STYLE = {
    "A3C": ("tab:gray", "--"), "A3C_multitask": ("tab:brown", "--"), "A3C_2col": ("tab:olive", "--"),
    "KL_1col": ("tab:blue", "-"), "KL+ent_1col": ("tab:cyan", "-"),
    "KL_2col": ("tab:red", "-"), "KL+ent_2col": ("tab:orange", "-"),
}


def profiles_figure(profiles: pd.DataFrame) -> plt.Figure:
    """One panel per suite; the A3C reference (tau = 1) is the dotted vertical line."""
    suites = list(dict.fromkeys(profiles["suite"]))
    fig, axes = plt.subplots(1, len(suites), figsize=(4.2 * len(suites), 3.4), layout="constrained", squeeze=False)
    for ax, suite in zip(axes[0], suites):
        for algo, g in profiles[profiles["suite"] == suite].groupby("algo", sort=True):
            colour, line = STYLE.get(algo, ("black", ":"))
            ax.plot(g["tau"], g["fraction"], color=colour, linestyle=line, label=algo, lw=1.5)
        ax.axvline(1.0, color="black", lw=0.8, linestyle=":")
        ax.set_title(suite, fontsize=10)
        ax.set_xlabel(r"A3C-normalised final score $\tau$")
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(r"fraction of runs $\times$ tasks with score $> \tau$")
    axes[0][-1].legend(fontsize=7, loc="upper right")
    return fig


def save_profiles(profiles: pd.DataFrame, stem: str | Path) -> None:
    """stem.png/.pdf/.csv, atomically, with no timestamps (equal data, equal bytes)."""
    stem = Path(stem)
    fig = profiles_figure(profiles)
    with atomic_path(stem.with_suffix(".png")) as tmp:
        fig.savefig(tmp, format="png", dpi=150, metadata={"Software": None})
    with atomic_path(stem.with_suffix(".pdf")) as tmp:
        fig.savefig(tmp, format="pdf", metadata={"CreationDate": None, "Creator": None, "Producer": None})
    plt.close(fig)
    write_csv(profiles, stem.with_suffix(".csv"))
