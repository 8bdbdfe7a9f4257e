"""Write Table 1 and Table 2 of a profile (paper_tables/{profile}/table{1,2}.{md,csv,tex}).

Table 1 reads the aggregates (aggregate-deep) of every suite of params.yaml `suites`; Table 2 reads params.yaml
`suites` and, for the backend and resolution actually used, the first run's meta.json
of each suite (checked like every run log).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from distral import paths
from distral.analysis import inference, runlogs, tables
from distral.analysis.aggregates import read_suite
from distral.analysis.deep import PAPER_SUITES
from distral.commands import aggregate_deep
from distral.commands.common import add_common_arguments, load
from distral.config import profile_budget
from distral.io import write_csv, write_text
from distral.sweep import deep_runs, deep_suites, frames_per_task, seeds_text

TABLE1_CAPTION = (
    "Table 1. The seven algorithms (alpha; logits of the task policies, eq 12) and, per suite, the AUC "
    "(mean height of the binned learning curve) and final score (mean over the last {final:.0%} of the budget) "
    "of the task policies of each algorithm's best hp setting (by mean AUC score), mean over runs of the "
    "task-averaged score with a {conf:.0%} percentile bootstrap interval over runs; scores are returns for "
    "mazes and returns / best A3C for navigation and laser-tag. Last row: a uniform random policy on the "
    "same tasks (random-policy), its task-averaged score +- its standard error over episodes. "
    "Budget ({profile}): {budget}."
)
TABLE2_CAPTION = ("Table 2. The 3D task suites as built here (ViZDoom stand-ins for the DeepMind Lab levels of "
                  "the paper's Table 2); backend and resolution as logged by the {profile} runs.")

VARIANT_NOTE = (" {suite}: the {of} scaled down (smaller mazes, the same reward rules), not the paper's suite "
                "(a deviation, REPRODUCE.md); the claims of {of} are asked of it separately.")
USER_SUITES_NOTE = (" User suites (gymnasium backend, docs/gymnasium.md): {suites}; their scores are raw returns "
                    "or returns / best A3C as params.yaml's `normalise` says, and the paper's claims are not "
                    "asked of them.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    params, profile = load(args)
    suites, settings = deep_suites(params), inference.settings(params)
    budget = profile_budget(params, "deep", profile)
    out = Path(args.root) / paths.TABLE_DIR.format(profile=profile)
    aggregates = {suite: read_suite(args.root, profile, suite) for suite in suites}
    table = tables.table1(params["deep"]["algorithms"], aggregates, settings)
    frames = ", ".join(f"{s} {frames_per_task(budget, s, profile):,} env frames per task" for s in suites)
    budget_text = f"{frames}; {len(budget['hps'])} hp setting(s) x {seeds_text(budget, suites, profile)}"
    caption = TABLE1_CAPTION.format(conf=settings["confidence"], profile=profile, budget=budget_text,
                                     final=aggregate_deep.final_fraction(params))
    variants = {s: params["suites"][s]["variant_of"] for s in suites if params["suites"][s].get("variant_of")}
    users = [s for s in suites if s not in PAPER_SUITES and s not in variants]
    notes = ((USER_SUITES_NOTE.format(suites=", ".join(users)) if users else "")  # said only when there is one
             + "".join(VARIANT_NOTE.format(suite=s, of=of) for s, of in variants.items()))
    caption += notes
    readable = tables.table1_readable(table, suites)
    write_csv(table, out / "table1.csv")
    write_text(tables.to_markdown(readable, caption), out / "table1.md")
    write_text(tables.to_latex(readable, caption), out / "table1.tex")
    info = {suite: _suite_info(params, profile, suite, args.root) for suite in suites}
    table2 = tables.table2({s: params["suites"][s] for s in suites}, info)
    tables.write_table(table2, out / "table2", TABLE2_CAPTION.format(profile=profile) + notes)
    print(tables.to_markdown(readable, caption))
    print(f"Tables 1 and 2 written to {out}/table{{1,2}}.{{md,csv,tex}}")
    return 0


def _suite_info(params: dict, profile: str, suite: str, root) -> dict:
    """Backend and resolved options of the suite's first run (every run of a suite shares them)."""
    meta = runlogs.read_meta(deep_runs(params, profile, suite)[0].dir(profile, root) / "meta.json")
    return {"backend": meta.get("config", {}).get("backend"), "options": meta.get("suite_resolved_options")}
