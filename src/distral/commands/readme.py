"""`python -m distral readme --profile P`: a profile's results as the README shows them (issue 18).

Writes, from what the pipeline regenerated (paper_tables/P/claims.{csv,md}, figures/P/<figure>.png):
a copy of the figure under docs/img/ and, in README.md between two marker lines, the profile's
budget, the protocol paragraph of claims.md and a verdict table of every 3D claim (effect, interval,
Holm-adjusted p, and for an undecided claim the smallest effect its test could have detected).
Neither is edited by hand: `--check` compares both with what the regenerated outputs give and
fails, naming the file, when they differ (the shipped-logs test runs it after regenerating the
reference in a fresh copy). The README must already hold the two markers: where the block goes
is the README's choice, not this command's.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from distral import paths, sweep
from distral.commands.claims import MARK, _num, undecided_note
from distral.commands.common import add_common_arguments, load
from distral.config import profile_budget
from distral.io import atomic_path, write_text

IMAGE_DIR = "docs/img"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--readme", default="README.md", help="the README to update (relative to --root)")
    parser.add_argument("--figure", default="fig4", help="the figure shown (figures/P/<figure>.png)")
    parser.add_argument("--check", action="store_true",
                        help="verify the README's block and the image instead of writing them")


def markers(profile: str) -> tuple[str, str]:
    begin = (f"<!-- results of `{profile}`: written by `python -m distral readme --profile {profile}` "
             "from the regenerated claims and figure; do not edit -->")
    return begin, f"<!-- end of the results of `{profile}` -->"


def budget_line(params: dict, profile: str) -> str:
    """What the verdicts rest on: suites, runs per algorithm, hp settings, frames per task."""
    budget = profile_budget(params, "deep", profile)
    suites = sweep.deep_suites(params, profile)
    seeds = {s: sweep.deep_seeds(budget, s, profile) for s in suites}
    runs = sorted({len(r) for r in seeds.values()})
    per_algo = f"{runs[0]} runs per algorithm" if len(runs) == 1 else \
        "runs per algorithm: " + ", ".join(f"{s} {len(r)}" for s, r in seeds.items())
    first = {r.start for r in seeds.values()}
    span = f" (seeds {min(first)}-{max(r.stop for r in seeds.values()) - 1})" if len(first) == 1 else ""
    frames = ", ".join(f"{s} {sweep.frames_per_task(budget, s, profile):,}" for s in suites)
    return (f"{', '.join(suites)}; the {len(params['deep']['algorithms'])} algorithms of Table 1 at "
            f"{', '.join(budget['hps'])}; {per_algo}{span}; env frames per task: {frames}.")


def origin(params: dict, profile: str) -> str:
    command = f"`snakemake --cores all figures --config profile={profile}`"
    if params["profiles"][profile].get("shipped_logs"):
        return f"Regenerated without training from the run logs shipped in `results/{profile}/`: {command}."
    return f"Made by {command} (its runs are not shipped)."


def protocol_paragraph(claims_md: str, source: Path) -> str:
    """claims.md's protocol paragraph (analysis.protocol.markdown), verbatim."""
    found = [line for line in claims_md.splitlines() if line.startswith("**Protocol")]
    if len(found) != 1:
        raise ValueError(f"{source}: expected one protocol paragraph ('**Protocol...'), found {len(found)}")
    return found[0]


def verdict_rows(claims: pd.DataFrame) -> list[str]:
    """One row per claim of a 3D suite (the grid world's are decided elsewhere when absent here)."""
    rows = ["| claim | panel | verdict | effect [95 % CI] | p (Holm, m) | undecided: smallest detectable effect "
            "| the paper |", "|---|---|---|---|---|---|---|"]
    for r in claims.itertuples(index=False):
        ci = f"{_num(r.effect)} [{_num(r.ci_low)}, {_num(r.ci_high)}]" if pd.notna(r.ci_low) else _num(r.effect)
        ci = ci or "–"  # no effect: the claim could not be measured (the reason says why)
        name = f"**`{r.claim}`**" if r.kind == "sanity check" else f"`{r.claim}`"
        why = "; ".join(x for x in (r.reason if isinstance(r.reason, str) else "", undecided_note(r)) if x)
        sentence = r.sentence if r.kind == "claim" else "(sanity check, not a claim of the paper)"
        rows.append(f"| {name} | {r.panel} | {MARK[r.verdict]} | {ci} | {_num(r.p_adjusted)} ({r.family_size}) "
                    f"| {why or '–'} | {sentence} |")
    return rows


def block(params: dict, profile: str, claims: pd.DataFrame, protocol: str, image: str, figure: str) -> str:
    """The README's block for `profile`, markers included."""
    begin, end = markers(profile)
    deep = claims[claims["suite"] != "gridworld"]
    counted = deep[deep["kind"] == "claim"]["verdict"].value_counts()
    counts = " · ".join(f"**{counted.get(v, 0)}** {MARK[v]}" for v in MARK)
    return "\n".join([
        begin,
        f"Profile `{profile}`: {budget_line(params, profile)} {origin(params, profile)}",
        "",
        protocol,
        "",
        f"3D claims: {counts} (the sanity checks, in bold, are not claims of the paper).",
        "",
        f"![{figure} of profile `{profile}`]({image})",
        "",
        *verdict_rows(deep),
        end,
    ])


def replace_block(readme: str, new: str, profile: str, source: Path) -> str:
    begin, end = markers(profile)
    lines = readme.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.rstrip("\n") == begin]
    ends = [i for i, line in enumerate(lines) if line.rstrip("\n") == end]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ValueError(f"{source}: needs the two marker lines of profile {profile!r}, once each and in order: "
                         f"{begin!r} ... {end!r}")
    return "".join(lines[:starts[0]]) + new + "\n" + "".join(lines[ends[0] + 1:])


def run(args: argparse.Namespace) -> int:
    params, profile = load(args)
    root = Path(args.root)
    tables, figures = root / paths.TABLE_DIR.format(profile=profile), root / paths.FIGURE_DIR.format(profile=profile)
    claims_csv, claims_md, png = tables / "claims.csv", tables / "claims.md", figures / f"{args.figure}.png"
    for needed in (claims_csv, claims_md, png):
        if not needed.is_file():
            raise FileNotFoundError(f"{needed}: missing (regenerate it: snakemake --cores all figures "
                                    f"--config profile={profile})")
    image = f"{IMAGE_DIR}/{profile}_{args.figure}.png"
    new = block(params, profile, pd.read_csv(claims_csv, keep_default_na=False, na_values=[""]),
                protocol_paragraph(claims_md.read_text(), claims_md), image, args.figure)
    readme = root / args.readme
    current = readme.read_text()
    updated = replace_block(current, new, profile, readme)
    if args.check:
        stale = [str(p) for p, same in ((readme, updated == current),
                                        (root / image, (root / image).is_file()
                                         and (root / image).read_bytes() == png.read_bytes())) if not same]
        if stale:
            raise ValueError(f"{', '.join(stale)}: differ from what {tables} and {figures} give "
                             f"(rewrite them: python -m distral readme --profile {profile})")
        print(f"{readme} and {root / image}: as regenerated")
        return 0
    with atomic_path(root / image) as tmp:
        tmp.write_bytes(png.read_bytes())
    write_text(updated, readme)
    print(f"{readme}: results of {profile}; {root / image}")
    return 0
