"""Write a table as CSV (for machines), Markdown (for readers) and LaTeX (for papers)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from distral.io import write_csv, write_text


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
