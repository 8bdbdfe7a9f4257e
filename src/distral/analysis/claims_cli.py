"""`python -m distral claims`: reproduced vs reported for each claim of Sec. 4 (issue 8).

Reads, per 3D suite, results/{profile}/{suite}/{runs,curves,selection,normaliser}.csv
(aggregate-deep) and, for the grid world, results/{profile}/gridworld/evals.csv and the
distral runs' pi0.csv. Writes paper_tables/{profile}/claims.{md,csv},
paper_tables/{profile}/aggregate_scores.{md,csv,tex} and
figures/{profile}/performance_profiles.{png,pdf,csv}. A suite without aggregates gives its
claims the verdict "no data" (and no aggregate rows); nothing is half-written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from distral import paths
from distral.analysis import claims as C
from distral.analysis.claims_figures import save_profiles
from distral.config import load_params
from distral.envs.gridworld import Layout
from distral.io import write_csv, write_text

try:  # the analysis helper moves tables.py into this subpackage
    from distral.analysis.tables import write_table
except ImportError:  # pragma: no cover - before that move
    from distral.tables import write_table

DEEP_FILES = ("runs", "curves", "selection", "normaliser")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="budget profile (default: params.yaml's `profile`)")
    parser.add_argument("--params", default="params.yaml", help="parameters file")
    parser.add_argument("--registry", help="claims registry (default: the packaged claims.yaml)")
    parser.add_argument("--root", default=".", help="directory that holds results/, figures/, paper_tables/")


def load_deep_suite(root: Path, profile: str, suite: str) -> dict | None:
    """The four aggregate CSVs of a suite, or None when aggregate-deep has not run for it."""
    folder = root / paths.SUITE_DIR.format(profile=profile, suite=suite)
    files = {name: folder / f"{name}.csv" for name in DEEP_FILES}
    if not files["runs"].is_file():
        return None
    missing = [str(f) for f in files.values() if not f.is_file()]
    if missing:
        raise FileNotFoundError(f"{missing[0]} missing (runs.csv is there: rerun aggregate-deep --suite {suite})")
    data = {name: pd.read_csv(f) for name, f in files.items()}
    need = {"runs": {"algo", "hp", "seed", "task", "policy", "frames_reached", "final", "auc_score", "final_score"},
            "curves": {"algo", "hp", "seed", "task", "policy", "frames", "score"},
            "selection": {"algo", "policy", "hp"}, "normaliser": {"task", "reference"}}
    for name, cols in need.items():
        lacking = sorted(cols - set(data[name].columns))
        if lacking:
            raise ValueError(f"{files[name]}: missing column(s) {', '.join(lacking)}")
    data["budget"] = C.suite_budget(data["runs"])
    return data


def load_gridworld(root: Path, params: dict, profile: str) -> dict | None:
    evals_file = root / paths.SUITE_DIR.format(profile=profile, suite="gridworld") / "evals.csv"
    if not evals_file.is_file():
        return None
    evals = pd.read_csv(evals_file)
    seeds = range(params["profiles"][profile]["gridworld"]["seeds"])
    pi0_files = [paths.run_dir(profile, "gridworld", "distral", paths.GRIDWORLD_HP, s, root) / "pi0.csv" for s in seeds]
    pi0 = pd.concat([pd.read_csv(f) for f in pi0_files if f.is_file()] or [pd.DataFrame(
        columns=["row", "col", "prev_action", "prev_reward", "action", "prob", "seed"])], ignore_index=True)
    corridor = set(Layout.from_rows(params["gridworld"]["layout"]).corridor_cells())
    budget = f"{evals['env_steps'].max():.3g} env steps/task, {evals['seed'].nunique()} seeds"
    return {"evals": evals, "pi0": pi0, "corridor": corridor, "budget": budget}


def claims_markdown(table: pd.DataFrame, reg: dict, profile: str) -> str:
    """One line per claim: verdict first, then the effects and intervals it rests on."""
    claims = table.drop_duplicates("claim")
    counts = claims["claim_verdict"].value_counts()
    summary = ", ".join(f"{counts.get(v, 0)} {v}" for v in (C.REPRODUCED, C.CONTRADICTED, C.INCONCLUSIVE, C.NO_DATA))
    lines = [f"# Claims of Sec. 4: reproduced here? (profile `{profile}`)", "",
             f"{len(claims)} claims: {summary}.", "",
             f"Verdict of a part: the {reg['confidence']:.0%} stratified bootstrap interval of its effect "
             f"({reg['resamples']} resamples, seed {reg['seed']}) lies on the paper's side of 0: reproduced; "
             "on the other side: contradicted; across 0, or an algorithm has fewer than "
             f"{reg['min_runs']} runs: inconclusive at this budget. A claim is reproduced when all its parts "
             "are, contradicted when one is. Thresholds: good run = final score >= "
             f"{reg['thresholds']['good']:g} x the best algorithm's mean; early = first "
             f"{reg['thresholds']['early']:g} of the budget; plateau window = {reg['thresholds']['window']:g}. "
             "Columns 'x0.5' and 'x2': the verdict with the claim's threshold halved and doubled.", "",
             "| claim | panel | verdict | x0.5 | x2 | effect [CI] per part (sign: paper's direction) | runs | budget |",
             "|---|---|---|---|---|---|---|---|"]
    for cid, g in table.groupby("claim", sort=False):
        first = g.iloc[0]
        effects = "; ".join(_effect_cell(p) for p in g.itertuples())
        lines.append(f"| {cid} | {first['panel']} | **{first['claim_verdict']}** | "
                     f"{first['claim_verdict_half'] or '-'} | {first['claim_verdict_double'] or '-'} | "
                     f"{effects} | {' ; '.join(g['n_runs'].astype(str))} | {first['budget']} |")
    lines += ["", "## The sentences tested", ""]
    lines += [f"- **{r['claim']}** (Sec. {r['section']}, {r['panel']}): \"{r['quote']}\"" for _, r in claims.iterrows()]
    return "\n".join(lines) + "\n"


def _effect_cell(p) -> str:
    sign = ">" if p.direction == "greater" else "<"
    what = f"{p.aggregate}({p.metric})" if p.aggregate != "mean" else p.metric
    groups = f"[{p.a}] {sign} [{p.b}]" if p.b else f"{p.a} {sign} 0"
    if not np.isfinite(p.effect):
        return f"{what} {groups}: no data"
    return f"{what} {groups}: {p.effect:.3g} [{p.ci_low:.3g}, {p.ci_high:.3g}] {p.part_verdict}"


def run(args: argparse.Namespace) -> int:
    params = load_params(args.params, {"profile": args.profile} if args.profile else None)
    profile, root = params["profile"], Path(args.root)
    reg = C.load_registry(args.registry)
    C.check_algorithms(reg, list(params["deep"]["algorithms"]), list(params["gridworld"]["algorithms"]))
    suites = {"gridworld": load_gridworld(root, params, profile)}
    suites.update({s: load_deep_suite(root, profile, s) for s in params["suites"]})
    table = C.evaluate_claims(reg, suites)

    scores, profiles = [], []
    for suite in params["suites"]:
        data = suites[suite]
        if data is None:
            continue
        norm = C.normalised_final(data["runs"], data["selection"], data["normaliser"])
        scores.append(C.aggregate_scores(norm, reg).assign(suite=suite))
        taus = np.linspace(0.0, max(2.0, float(np.ceil(norm["normalised"].max() * 4) / 4)), 81)
        profiles.append(C.performance_profile(norm, taus).assign(suite=suite))

    tables = root / paths.TABLE_DIR.format(profile=profile)
    figures = root / paths.FIGURE_DIR.format(profile=profile)
    write_csv(table, tables / "claims.csv")
    write_text(claims_markdown(table, reg, profile), tables / "claims.md")
    if scores:
        agg = pd.concat(scores, ignore_index=True)
        agg = agg[["suite"] + [c for c in agg.columns if c != "suite"]]
        write_table(agg, tables / "aggregate_scores",
                    f"Interquartile mean of the A3C-normalised final scores (task policy, selected hp), "
                    f"{reg['confidence']:.0%} stratified bootstrap intervals (profile {profile})")
        prof = pd.concat(profiles, ignore_index=True)
        save_profiles(prof[["suite", "algo", "tau", "fraction"]], figures / "performance_profiles")
    print(f"claims written to {tables}/claims.{{md,csv}} ({len(table['claim'].unique())} claims)")
    return 0
