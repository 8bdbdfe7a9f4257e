"""`python -m distral power --profile P [--runs 4 5 8 10 16]`: the power table of the 3D claims.

From a pilot profile's aggregates (results/P/{suite}/{runs,curves,selection,random}.csv, as
`claims` reads them) and its Snakemake benchmarks (benchmarks/P/{suite}/*/*/*.tsv): for every 3D
claim and sanity check, the minimum detectable effect of its verdict test at n runs per algorithm
(analysis/power.py), and what n runs per algorithm cost in run-hours. Writes
paper_tables/P/power.{csv,md}; `--profiles A B` stacks several pilots (budgets) into
paper_tables/power/A+B.{csv,md}. The tests are the claims command's own (commands/claims.py
`evaluate`, `decide`): nothing about a claim is restated here.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

from distral import paths, sweep
from distral.analysis import aggregates, runlogs
from distral.analysis import claims as C
from distral.analysis import power as P
from distral.commands import aggregate_deep
from distral.commands import claims as CC
from distral.commands.common import add_common_arguments
from distral.config import load_params, profile_budget
from distral.io import write_csv, write_text

STACKED = "paper_tables/power/{name}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--profiles", nargs="+", metavar="P",
                        help="several pilot profiles (budgets) in one table, instead of --profile")
    parser.add_argument("--runs", nargs="+", type=int, default=list(P.DEFAULT_RUNS), metavar="N",
                        help="runs per algorithm to tabulate (default: %(default)s)")
    parser.add_argument("--registry", help="claims registry (default: the packaged claims.yaml)")


def run(args: argparse.Namespace) -> int:
    counts = checked_runs(args.runs)
    if args.profiles and args.profile:
        raise ValueError("--profile and --profiles: give one of them")
    registry = C.load_registry(args.registry)
    root = Path(args.root)
    names = args.profiles or [args.profile]
    parts = [profile_table(load_params(args.params, {"profile": p} if p else None), root, registry, counts)
             for p in names]
    table = pd.concat([t for t, _, _, _ in parts], ignore_index=True)
    costs = pd.concat([c for _, c, _, _ in parts], ignore_index=True)
    sampling = [s for _, _, _, part in parts for s in part]
    profiles = list(dict.fromkeys(table["profile"]))
    out = (root / paths.TABLE_DIR.format(profile=profiles[0]) / "power" if len(profiles) == 1
           else root / STACKED.format(name="+".join(profiles)))
    text = power_markdown(table, costs, counts, parts[0][2], sampling)
    write_csv(table, out.with_suffix(".csv"))
    write_text(text, out.with_suffix(".md"))
    print(text)
    print(f"power ({', '.join(profiles)}): {table['mde_pilot'].notna().sum()} of {len(table)} claims with a test "
          f"at the pilot -> {out}.{{md,csv}}")
    return 0


def checked_runs(runs: list[int]) -> list[int]:
    """The runs per algorithm to tabulate: each at least 2 (a t test needs a spread), no repeats."""
    bad = [n for n in runs if n < 2]
    if bad:
        raise ValueError(f"--runs: every count must be at least 2 runs per algorithm (got {bad})")
    return sorted(set(runs))


def present_suites(root: Path, profile: str, deep: list[dict]) -> list[str]:
    """The claims' 3D suites that this profile has aggregated (a pilot may run only some)."""
    wanted = list(dict.fromkeys(c["suite"] for c in deep))
    present = [s for s in wanted if aggregates.aggregate_file(root, profile, s, "runs").is_file()]
    if not present:
        raise FileNotFoundError(f"{root / paths.SUITE_DIR.format(profile=profile, suite='<suite>')}: no aggregates "
                                f"of any of {', '.join(wanted)} (run `python -m distral aggregate-deep --suite S "
                                f"--profile {profile}` first)")
    return present


def profile_table(params: dict, root: Path, registry: dict,
                  counts: list[int]) -> tuple[pd.DataFrame, pd.DataFrame, dict, list[tuple]]:
    """One pilot profile's rows (every 3D claim, sanity checks first in each suite), its suites' costs,
    the verdict settings (alpha, power) the MDEs use and, per suite, (profile, suite, the final
    score's sampling share or None)."""
    profile = params["profile"]
    CC.check_algorithms(registry, params)
    defaults = CC.verdict_settings(params, registry)
    budget = profile_budget(params, "deep", profile)
    deep = [c for c in C.asked_claims(registry, params, sweep.deep_suites(params, profile)) if c["suite"] != "gridworld"]
    present = present_suites(root, profile, deep)
    suites = {s: C.read_suite(root, profile, s, sweep.frames_per_task(budget, s, profile)) for s in present}
    tested = [c for c in deep if c["suite"] in suites]
    evaluated = {c["id"]: CC.evaluate(c, suites, None, params, profile, defaults) for c in tested}
    decided = CC.sanity_checks_first(CC.decide(list(evaluated.values()), suites, registry, defaults))
    costs = {s: {"profile": profile, "suite": s, "frames_per_task": suites[s].frames_per_task,
                 **P.suite_cost(suites[s].runs, P.run_wall_times(root, profile, s), counts)} for s in present}
    rows = [claim_row(evaluated[r.claim], r, suites, defaults, counts, costs[r.suite])
            for r in decided.itertuples(index=False)]
    rows += [missing_row(c, profile) for c in deep if c["suite"] not in suites]
    sampling = [(profile, s, suite_sampling(params, root, s, suites[s])) for s in present]
    return pd.DataFrame(rows), pd.DataFrame(list(costs.values())), defaults, sampling


def suite_sampling(params: dict, root: Path, suite: str, data) -> pd.DataFrame | None:
    """The final score's sampling share (power.final_sampling) from the suite's run logs; None
    where the logs are not here (only the aggregates were shipped or pulled)."""
    profile = params["profile"]
    runs = sweep.deep_runs(params, profile, suite)
    if not all((r.dir(profile, root) / "episodes.csv").is_file() for r in runs):
        return None
    episodes, _ = runlogs.read_deep_runs(runs, profile, root)
    table = P.final_sampling(episodes, data.runs, data.frames_per_task,
                             final_fraction=aggregate_deep.final_fraction(params))
    order = {a: i for i, a in enumerate(params["deep"]["algorithms"])}  # Table 1's order, task policy first
    return table.sort_values(["algo", "policy"], key=lambda col: col.map(order) if col.name == "algo"
                             else col.map({"task": 0, "distilled": 1})).reset_index(drop=True)


def claim_row(e: dict, decided, suites: dict, defaults: dict, counts: list[int], cost: dict) -> dict:
    """One claim: its test at the pilot (claims.py's Estimate and design) and the design's MDE at
    each run count, at the family level claims.md uses (commands/claims.py mde_level)."""
    claim, est = e["claim"], e["estimate"]
    data = suites[claim["suite"]]
    pilot = P.pilot_runs(data.runs, claim.get("policy", "task"))
    level = CC.mde_level(defaults["alpha"], decided.family_size)
    gap = CC.effect_scale(claim, suites)
    row = {"profile": cost["profile"], "suite": claim["suite"], "claim": claim["id"], "kind": decided.kind,
           "statistic": claim["statistic"], "units": P.units(claim["suite"], claim), "test": P.describe(est.design),
           "frames_per_task": e["budget"]["frames_per_task"], "pilot_runs": pilot,
           "pilot_spread": P.spread(est.design), "pilot_effect": est.effect, "pilot_verdict": decided.verdict,
           "family_size": decided.family_size, "level": level, "gap": gap}
    tested = bool(est.design) and not est.reason
    power = P.claim_power(est.design, pilot, counts, level, defaults["power"], gap) if tested else \
        dict.fromkeys(["mde_pilot", *[f"mde_n{n}" for n in counts], *[f"mde_gap_n{n}" for n in counts]], math.nan)
    row.update(power)
    row.update({f"run_hours_n{n}": cost[f"run_hours_n{n}"] for n in counts})
    row["reason"] = "" if tested else (est.reason or "no test")
    return row


def missing_row(claim: dict, profile: str) -> dict:
    return {"profile": profile, "suite": claim["suite"], "claim": claim["id"],
            "kind": "sanity check" if claim["statistic"] in CC.SANITY else "claim", "statistic": claim["statistic"],
            "pilot_runs": 0, "mde_pilot": math.nan,
            "reason": f"suite {claim['suite']} not run at profile {profile} (no aggregates)"}


# ---- the reader's view


def _mde(mde: float, fraction: float) -> str:
    if pd.isna(mde):
        return "–"
    if math.isinf(mde):
        return "none"
    return f"{mde:.3g}" + (f" ({fraction:.2g})" if pd.notna(fraction) else "")


def _hours(x: float) -> str:
    return "" if pd.isna(x) else f"{x:.3g}"


def power_markdown(table: pd.DataFrame, costs: pd.DataFrame, counts: list[int], settings: dict,
                   sampling: list[tuple] = ()) -> str:
    profiles = ", ".join(f"`{p}`" for p in dict.fromkeys(table["profile"]))
    pilots = sorted({int(n) for n in table["pilot_runs"].dropna() if n >= 2})
    uncertainty = "; ".join(f"from {n} runs x{lo:.2g} to x{hi:.3g}" for n in pilots
                            for lo, hi in [P.sd_ratio_interval(n)])
    lines = [f"# Power of the 3D claims' verdict tests, from the pilot runs of {profiles}", "",
             "Each row: the test `python -m distral claims` applies to the claim (built from the pilot's runs), "
             f"with the pilot's run-to-run spread kept and n runs per algorithm in place of the pilot's. MDE = "
             f"the smallest true effect that test detects with {100 * settings['power']:g} % probability at the "
             f"claim's family level (one-sided alpha/m/2, alpha {settings['alpha']:g}, m the claims of its suite or "
             "its sanity checks: the level claims.md's MDE uses), in the claim's units; in brackets, as a fraction of "
             "the random policy's gap to the best algorithm's final score (score-unit claims only). \"none\": no "
             "effect of any size is detectable (an exact test on too few runs); \"–\": no MDE defined (an exact test "
             "whose baseline has every run good: no room above it). Every spread is the pilot's "
             f"estimate, and every MDE scales with it: the true sd lies, at 95 %, {uncertainty} of the estimate "
             "(chi-square). Sanity checks in **bold**.", "",
             "| profile | claim | units | test | pilot runs | pilot spread | MDE at pilot | "
             + " | ".join(f"MDE at {n}" for n in counts) + " |",
             "|---" * (7 + len(counts)) + "|"]
    for r in table[table["reason"] == ""].itertuples(index=False):
        name = f"**`{r.claim}`**" if r.kind == "sanity check" else f"`{r.claim}`"
        cells = [_mde(getattr(r, f"mde_n{n}"), getattr(r, f"mde_gap_n{n}")) for n in counts]
        lines.append(f"| {r.profile} | {name} | {r.units} | {r.test} | {r.pilot_runs} | {r.pilot_spread} | "
                     f"{_mde(r.mde_pilot, math.nan)} | " + " | ".join(cells) + " |")
    lines += ["", "## What the runs cost", "",
              "Run-hours = runs per algorithm x the (algo, hp) settings the pilot trained x the median wall time of "
              "one pilot run (Snakemake benchmark `s`, benchmarks/P/suite/algo/hp/seed.tsv). The `figures` job's "
              "wall time is about the run-hours divided by the runs it trains at once, at the load the benchmarks "
              "were measured under; blank: no benchmark files for the suite.", "",
              "| profile | suite | frames/task | (algo, hp) settings | benchmarked runs | median run (s) | "
              + " | ".join(f"run-hours at {n}" for n in counts) + " |",
              "|---" * (6 + len(counts)) + "|"]
    for c in costs.itertuples(index=False):
        lines.append(f"| {c.profile} | {c.suite} | {c.frames_per_task} | {c.settings} | {c.benchmarked_runs} | "
                     f"{_hours(c.median_run_s)} | " + " | ".join(_hours(getattr(c, f"run_hours_n{n}")) for n in counts)
                     + " |")
    lines += ["", "## Where the spread of the final score comes from", "",
              "Per algorithm and policy: the sd over runs of the final score (mean over tasks), the part of it the "
              "sampling of the episodes behind each score explains (the task policy's final bins, the distilled "
              "policy's last evaluation; the episodes' variance from the last quarter of the budget, an upper bound "
              "if the policy still improves there), its share of the variance, and the sd left with 4 times the "
              "episodes per score. The rest is run-to-run: only more runs cut it.", ""]
    for profile, suite, share in sampling:
        if share is None:
            lines.append(f"- {profile} / {suite}: the run logs are not here (aggregates only)")
            continue
        lines += [f"{profile} / {suite}:", "",
                  "| algo | hp | policy | runs | episodes per task | sd of final score | sampling sd | sampling share "
                  "| sd with 4x episodes |", "|---" * 9 + "|"]
        lines += [f"| {r.algo} | {r.hp} | {r.policy} | {r.runs} | {r.episodes_per_task:.3g} | {r.sd_final:.3g} | "
                  f"{r.sd_sampling:.3g} | {r.share:.2g} | {r.sd_at_4x:.3g} |" for r in share.itertuples(index=False)]
        lines.append("")
    untested = table[table["reason"] != ""]
    if len(untested):
        lines += ["", "## Without a test at the pilot", ""]
        lines += [f"- {r.profile}: `{r.claim}` ({r.suite}): {r.reason}" for r in untested.itertuples(index=False)]
    return "\n".join(lines) + "\n"
