"""`python -m distral claims --profile P`: a verdict with p-values for each claim of Sec. 4.

Reads results/P/{suite}/{runs,curves,selection,random}.csv (aggregate-deep), the grid world's
results/P/gridworld/evals.csv (the per-seed curves behind fig3_auc.csv) and its distral runs' pi0.csv;
writes paper_tables/P/claims.{md,csv} (verdicts: distral.analysis.verdicts), paper_tables/P/aggregate_scores.{md,csv,tex} and
figures/P/performance_profiles.{png,pdf,csv}. Everything is computed before anything is
written, so an error leaves the old outputs in place.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd

from distral import paths, sweep
from distral.analysis import aggregates, inference, measures, runlogs
from distral.analysis import claims as C
from distral.analysis import gridworld as G
from distral.analysis import protocol as PR
from distral.analysis import verdicts as V
from distral.analysis.fig3 import GridMap
from distral.analysis.profiles import performance_profiles_figure
from distral.analysis.style import save_figure
from distral.analysis.tables import write_table
from distral.commands.common import add_common_arguments, load
from distral.config import ParamsError, profile_budget
from distral.io import as_written, write_csv, write_text

AGG_CAPTION = ("Aggregate final scores (rliable style): interquartile mean over runs x tasks of each "
               "algorithm's selected hp, {conf:.0%} stratified bootstrap interval (runs resampled within "
               "each task). Scores on one scale for every suite: (final return - random policy) / "
               "(best A3C run - random policy) per task, so 0 = random, 1 = the best A3C run; tasks whose "
               "A3C reference is not clearly above random are left out (column left_out, claims.md).")
MARK = {"reproduced": "✅ reproduced", "contradicted": "❌ contradicted", "inconclusive": "❔ inconclusive"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--registry", help="claims registry (default: the packaged claims.yaml)")


def run(args: argparse.Namespace) -> int:
    params, profile = load(args)
    registry = C.load_registry(args.registry)
    check_algorithms(registry, params)
    root = Path(args.root)
    defaults = verdict_settings(params, registry)
    asked = C.asked_claims(registry, params, sweep.deep_suites(params))
    budget = profile_budget(params, "deep", profile)
    # the suites this profile trains; a claim about another one is inconclusive, saying so (evaluate)
    suites = {s: C.read_suite(root, profile, s, sweep.frames_per_task(budget, s, profile))
              for s in sweep.deep_suites(params)}
    grid = GridInputs(params, profile, root, registry)
    evaluated = [evaluate(claim, suites, grid, params, profile, defaults) for claim in asked]
    # rounded as claims.csv holds it, so that claims.md and what is made from the CSV (the README's block) agree
    table = as_written(sanity_checks_first(decide(evaluated, suites, registry, defaults)))
    table1 = {algo: i for i, algo in enumerate(params["deep"]["algorithms"])}  # Table 1's order
    order = {"algo": table1, "policy": {"task": 0, "distilled": 1}}
    by_table1 = lambda col: col.map(order[col.name]) if col.name in order else col  # noqa: E731
    scores = pd.concat([C.aggregate_scores(d, s, defaults) for s, d in suites.items()], ignore_index=True)
    scores = scores.sort_values(["algo", "policy"], key=by_table1, kind="stable").sort_values(
        "suite", key=lambda col: col.map(list(suites).index), kind="stable").reset_index(drop=True)
    profiles = pd.concat([C.performance_profile(d, s) for s, d in suites.items()], ignore_index=True)
    profiles = profiles.sort_values("algo", key=by_table1, kind="stable").sort_values(
        "suite", key=lambda col: col.map(list(suites).index), kind="stable").reset_index(drop=True)
    figure = performance_profiles_figure(profiles, profile, params["deep"]["algorithms"], list(suites))

    tables, figures = root / paths.TABLE_DIR.format(profile=profile), root / paths.FIGURE_DIR.format(profile=profile)
    write_csv(table, tables / "claims.csv")
    flags = [measures.normaliser_flags(d.runs, d.random, s) for s, d in suites.items()]
    state = PR.check(profile, PR.settings(params, profile, registry), PR.load(root / PR.PROTOCOLS_FILE),
                     PR.run_commits(run_metas(params, profile, root)), root,
                     PR.load_withdrawn(root / PR.PROTOCOLS_FILE))
    above = PR.markdown(state, profile) + variant_lines(params, list(suites))
    write_text(claims_markdown(table, profile, defaults, above) + measures.flags_markdown(flags), tables / "claims.md")
    write_table(scores, tables / "aggregate_scores", AGG_CAPTION.format(conf=defaults["confidence"]))
    save_figure(figure, profiles, figures / "performance_profiles")
    counts = table[table["kind"] == "claim"]["verdict"].value_counts()
    checks = table[table["kind"] == "sanity check"]
    print(f"claims ({profile}): " + ", ".join(f"{counts.get(v, 0)} {v}" for v in C.VERDICTS)
          + "; sanity checks: " + (", ".join(f"{r.claim} {r.verdict}" for r in checks.itertuples()) or "none")
          + f" -> {tables}/claims.{{md,csv}}")
    return 0


SANITY = C.SANITY_STATISTICS  # the statistics of the sanity checks: not claims of the paper


def verdict_settings(params: dict, registry: dict) -> dict:
    """The bootstrap settings (aggregate scores), the registry's min_runs, and the tests' alpha,
    correction and power (also read by the power table, commands/power.py)."""
    return {**inference.settings(params), **registry["defaults"], **V.settings(params)}


def mde_level(alpha: float, family_size: int) -> float:
    """The one-sided Bonferroni level alpha / m / 2 of a family of m claims: the level Holm
    guarantees each claim at least, at which its minimum detectable effect is computed."""
    return alpha / family_size / 2


def effect_scale(claim: dict, suites: dict) -> float:
    """The random policy's gap to the best algorithm's final score (claims.random_to_best_gap), the
    scale of a claim's minimum detectable effect where its effect is in score units (difference and
    the sanity checks); NaN otherwise (a good-run fraction, the grid world)."""
    if claim["suite"] not in suites or claim["statistic"] not in ("difference", *SANITY):
        return math.nan
    return C.random_to_best_gap(suites[claim["suite"]], ALL_DEEP(suites[claim["suite"]]))


def sanity_checks_first(table: pd.DataFrame) -> pd.DataFrame:
    """Registry order, except that within each suite the sanity checks come first: a claim about
    how algorithms compare means little on a suite where even the best one does not learn."""
    suite_rank = table["suite"].map({s: i for i, s in enumerate(dict.fromkeys(table["suite"]))})
    keyed = table.assign(_suite=suite_rank, _claim=(table["kind"] != "sanity check").astype(int))
    return keyed.sort_values(["_suite", "_claim"], kind="stable").drop(columns=["_suite", "_claim"]) \
        .reset_index(drop=True)


def check_algorithms(registry: dict, params: dict) -> None:
    """Every algorithm a claim names must be one params.yaml trains."""
    for i, claim in enumerate(registry["claims"]):
        known = params["gridworld"]["algorithms"] if claim["suite"] == "gridworld" else params["deep"]["algorithms"]
        for algo in claim["a"] + claim["b"]:
            if algo not in known:
                raise ParamsError(f"claims.yaml: key 'claims.{i}': unknown algorithm {algo!r} for suite {claim['suite']}")


class GridInputs:
    """The grid world's inputs, read only if a grid-world claim asks for them."""

    def __init__(self, params: dict, profile: str, root: Path, registry: dict) -> None:
        self.params, self.profile, self.root = params, profile, root
        self.budget = params["profiles"][profile].get("gridworld")  # None: the profile has no grid world
        self._evals = None

    def evals(self) -> pd.DataFrame:
        if self._evals is None:
            self._evals = aggregates.read_gridworld_evals(self.root, self.profile)
        return self._evals

    def per_seed(self, claim: dict) -> pd.DataFrame:
        """One value per (algo, seed) of the claim's statistic, from the seeds' curves (mean over tasks
        at each evaluation, gridworld.seed_curves): AUC (fig3_auc.csv's per-seed values), the late
        level, or the instability."""
        curves = G.seed_curves(self.evals())
        if claim["statistic"] == "gridworld_auc":
            return G.seed_aucs(curves)
        if claim["statistic"] == "gridworld_final":
            return G.seed_finals(curves, claim["threshold"])
        return G.seed_instability(curves, claim["threshold"])

    def evals_steps(self) -> int:
        """The env steps per task the grid-world logs reached (results/P/gridworld/evals.csv)."""
        return int(self.evals()["env_steps"].max())

    def layout(self, algo: str) -> GridMap:
        """The map as seed 0's run logged it: the analysis reads logs, not the environment."""
        run = sweep.gridworld_run(algo, 0)
        return GridMap(runlogs.read_gridworld_run(run.dir(self.profile, self.root), "map.csv",
                                                  run.wildcards(self.profile)))

    def pi0(self, algo: str) -> pd.DataFrame:
        """Every seed's checked pi0.csv."""
        return runlogs.read_gridworld_runs(self.params, self.profile, "pi0.csv", self.root, algos=[algo])


def evaluate(claim: dict, suites: dict, grid: GridInputs, params: dict, profile: str, defaults: dict) -> dict:
    """One claim's tests: at its threshold, and at half and double it. The verdicts come later
    (decide), once the family's p-values are known."""
    threshold = claim.get("threshold")
    if claim["suite"] == "gridworld" and grid.budget is None:
        reason = f"the grid world is not part of profile {profile} (profiles.{profile}.gridworld absent)"
        estimate_at = lambda t: C.no_test(0, reason)  # noqa: E731
        budget = {"frames_per_task": 0, "runs_per_algo": 0, "hp_settings": 0}
    elif claim["suite"] == "gridworld":
        estimate_at, budget = grid_estimator(claim, grid, defaults), grid_budget(grid)
    elif claim["suite"] not in suites:
        reason = f"suite {claim['suite']} is not part of profile {profile} (profiles.{profile}.deep.suites)"
        estimate_at = lambda t: C.no_test(0, reason)  # noqa: E731
        budget = {"frames_per_task": 0, "runs_per_algo": 0, "hp_settings": 0}
    else:
        data = suites[claim["suite"]]
        estimate_at = lambda t: C.deep_estimate(data, claim, defaults, t)  # noqa: E731
        budget = deep_budget(data, claim, params, profile)
    estimate_at = undecidable_as_no_test(estimate_at)
    est = estimate_at(threshold)
    variants = {name: estimate_at(threshold * factor) for name, factor in (("verdict_half", 0.5), ("verdict_double", 2.0))
                } if threshold is not None else {}
    return {"claim": claim, "estimate": est, "variants": variants, "budget": budget}


def undecidable_as_no_test(estimate_at):
    """`estimate_at`, with a claim that cannot be tested for a stated reason (measures.Undecidable:
    no early data at this budget, an unreliable A3C normaliser) returned as an estimate without a
    test, whose reason becomes the verdict's."""

    def estimate(threshold):
        try:
            return estimate_at(threshold)
        except measures.Undecidable as exc:
            return C.no_test(0, str(exc))

    return estimate


def decide(evaluated: list[dict], suites: dict, registry: dict, defaults: dict) -> pd.DataFrame:
    """claims.csv: every claim's raw and family-adjusted p, its raw and final verdicts, and the
    minimum detectable effect of an undecided one at the Bonferroni level alpha / m of its family
    (the level Holm guarantees each claim at least)."""
    correction = defaults["correction"]
    family = [(e["claim"]["suite"], e["claim"]["statistic"] in SANITY) for e in evaluated]
    raw = np.array([e["estimate"].p for e in evaluated])
    adjusted = np.empty_like(raw)
    sizes = {}
    for key in dict.fromkeys(family):
        members = [i for i, f in enumerate(family) if f == key]
        adjusted[members] = V.adjust(raw[members], correction)
        sizes[key] = len(members)
    rows = []
    for i, e in enumerate(evaluated):
        members = [j for j, f in enumerate(family) if f == family[i]]
        adjusted_at = lambda p: V.adjust(np.where(np.arange(len(raw)) == i, p, raw)[members],  # noqa: E731
                                         correction)[members.index(i)]
        rows.append(claim_row(e, adjusted[i], adjusted_at, sizes[family[i]], suites, defaults))
    return pd.DataFrame(rows)


def claim_row(e: dict, p_adjusted: float, adjusted_at, m: int, suites: dict, defaults: dict) -> dict:
    claim, est, min_runs, alpha = e["claim"], e["estimate"], defaults["min_runs"], defaults["alpha"]
    verdict, reason = C.verdict(est, min_runs, p_adjusted, alpha)
    raw_verdict = C.verdict(est, min_runs, None, alpha)[0]
    threshold = claim.get("threshold")
    kind = "sanity check" if claim["statistic"] in SANITY else "claim"
    level = mde_level(alpha, m)
    mde = V.mde(est.design, level, defaults["power"]) if verdict == "inconclusive" else math.nan
    gap = effect_scale(claim, suites)
    row = {"claim": claim["id"], "kind": kind, "verdict": verdict, "reason": reason, "verdict_raw": raw_verdict,
           "section": claim["section"], "panel": claim["panel"], "suite": claim["suite"],
           "policy": claim.get("policy", "task"), "statistic": claim["statistic"], "measure": claim["measure"],
           "direction": claim["direction"], "a": " ".join(claim["a"]), "b": " ".join(claim["b"]),
           "pairing": claim.get("pairing", ""), "margin": claim.get("margin", ""),
           "effect": est.effect, "ci_low": est.low, "ci_high": est.high,
           "p_support": est.p_support, "p_contra": est.p_contra, "p_raw": est.p, "p_adjusted": p_adjusted,
           "family_size": m, "mde": mde, "mde_gap_fraction": mde / gap if gap > 0 else math.nan,
           "n_min": est.n_min, "threshold": threshold if threshold is not None else "",
           "verdict_half": "", "verdict_double": ""}
    for name, variant in e["variants"].items():  # the variant replaces the claim's p in its family
        row[name] = C.verdict(variant, min_runs, adjusted_at(variant.p), alpha)[0]
    row.update(e["budget"])
    # the fewest runs behind any compared algorithm; a claim without a test (Undecidable: no early
    # data, a flagged normaliser) gives the suite's fewest runs per algorithm, not 0
    row["runs_per_algo"] = est.n_min or row["runs_per_algo"]
    row["detail"] = "; ".join(x for x in (est.detail, est.reason if est.reason != reason else "") if x)
    row["sentence"] = claim["sentence"]
    return row


def ALL_DEEP(data: C.SuiteData) -> list[str]:  # noqa: N802
    """Every algorithm with task-policy runs in the suite, in runs.csv order."""
    return list(dict.fromkeys(data.runs.loc[data.runs["policy"] == "task", "algo"]))


def grid_estimator(claim: dict, grid: GridInputs, defaults: dict):
    if claim["statistic"] in C.GRIDWORLD_PAIRED:
        per_seed = grid.per_seed(claim)
        return lambda t: C.gridworld_estimate(  # noqa: E731
            per_seed if t == claim.get("threshold") else grid.per_seed({**claim, "threshold": t}), claim,
            defaults["alpha"])
    per_seed = C.persistence_values(grid.pi0(claim["a"][0]), grid.layout(claim["a"][0]))
    return lambda t: C.persistence_estimate(per_seed, claim, defaults, t)


def grid_budget(grid: GridInputs) -> dict:
    return {"frames_per_task": grid.evals_steps(), "runs_per_algo": grid.budget["seeds"], "hp_settings": 1}


def deep_budget(data: C.SuiteData, claim: dict, params: dict, profile: str) -> dict:
    """What the verdict rests on: env frames per task, runs per algorithm, hp settings used."""
    runs = data.runs[data.runs["policy"] == claim.get("policy", "task")]
    hps = runs["hp"].nunique()  # every setting: good_fraction pools them, the others choose among them
    reached = int(runs["frames_reached"].min()) if len(runs) else 0
    fewest = int(runs.groupby(["algo", "hp"])["seed"].nunique().min()) if len(runs) else 0
    return {"frames_per_task": reached or data.frames_per_task, "runs_per_algo": fewest, "hp_settings": hps}


def _num(x) -> str:
    return "" if x == "" or pd.isna(x) else f"{x:.3g}"


def sanity_reference(r) -> str:
    """What a sanity check's final score is compared with."""
    if r.statistic == "vs_start":
        return (f"its own early score (the mean of its curve over the first {_num(r.threshold)} of the budget, "
                "curves.csv) averaged over tasks, paired by run")
    return "the random policy's task-averaged score (random.csv)"


def undecided_note(r) -> str:
    """"could not have seen less than X (Y of the random-to-best gap)" for an undecided claim."""
    if r.verdict != "inconclusive" or pd.isna(r.mde):
        return ""
    if math.isinf(r.mde):
        return "no effect of any size detectable at this budget"
    gap = f" ({r.mde_gap_fraction:.2g} of the random-to-best gap)" if pd.notna(r.mde_gap_fraction) else ""
    return f"could not have seen less than {r.mde:.3g}{gap}"


def variant_lines(params: dict, suites: list[str]) -> list[str]:
    """claims.md's note on each scaled-down variant among `suites` (params.yaml `variant_of`)."""
    lines = []
    for suite in suites:
        of = ((params.get("suites") or {}).get(suite) or {}).get("variant_of")
        if of:
            lines += [f"**{suite}** is the {of} scaled down (smaller mazes, the same reward rules: a deviation, "
                      f"REPRODUCE.md): its rows `{suite}:<id>` ask it the claims of {of}, as a family of their "
                      "own; it is not the paper's suite.", ""]
    return lines


def run_metas(params: dict, profile: str, root: Path) -> list[dict]:
    """The meta.json of every deep run of the sweep that has one here (the aggregation checked
    that every run is complete; synthetic aggregates have none): each run's commit."""
    files = [r.dir(profile, root) / "meta.json" for r in sweep.deep_runs(params, profile)]
    return [runlogs.read_meta(f) for f in files if f.is_file()]


def claims_markdown(table: pd.DataFrame, profile: str, defaults: dict, protocol: list[str] = ()) -> str:
    """The reader's view: verdict first, effect with its interval and p-values, budget beside it;
    above them, the protocol they were decided on (analysis.protocol)."""
    claims, sanity = table[table["kind"] == "claim"], table[table["kind"] == "sanity check"]
    counts = claims["verdict"].value_counts()
    alpha, correction = defaults["alpha"], defaults["correction"]
    lines = [f"# Claims of Teh et al. (2017), Sec. 4, checked on profile `{profile}`", "",
             " · ".join(f"**{counts.get(v, 0)}** {MARK[v]}" for v in C.VERDICTS) + " (claims of the paper)", "",
             *protocol]
    if len(sanity):
        lines += ["**Sanity checks first** (not claims of the paper: does the best algorithm beat a uniform random "
                  "policy on the same tasks (vs_random), and does it improve on its own early score (vs_start)? "
                  "An untrained network is not a uniform policy, so beating random alone does not prove learning): "
                  + " · ".join(f"`{r.claim}` {MARK[r.verdict]}" for r in sanity.itertuples(index=False)), ""]
    lines += [
        f"Effect > 0 supports the paper. Each claim is tested one-sided both ways (Welch / one-sample / "
        f"paired t, Fisher's exact test for good-run fractions; \"every pair\" claims: an intersection-union "
        f"test); p = the two-sided p, adjusted by {'Holm' if correction == 'holm' else 'nothing'} within "
        f"the family (a suite's claims; its sanity checks are their own family, of size m). Reproduced: "
        f"adjusted p < {alpha:g} on the supporting side; contradicted: on the other side; otherwise, or with "
        f"fewer than {defaults['min_runs']} runs per algorithm, inconclusive at this budget. The interval is "
        f"the test's {1 - alpha:.0%} t interval (none for the exact test). Values that depend on choosing an "
        "hp or the best algorithm, chosen on the tested runs, carry a union bound over the choices. "
        f"An undecided claim gives its minimum detectable effect: {defaults['power']:.0%} power at the "
        f"family's Bonferroni level {alpha:g}/m, in the claim's units (and as a fraction of the random "
        "policy's gap to the best algorithm's final score). Threshold columns: the final verdict with the "
        "threshold halved / doubled. Each suite's rows start with its sanity checks (**bold**).", "",
        "| verdict (raw) | claim | panel | effect [CI] | p raw → adjusted (m) | threshold (½ / 2×) "
        "| budget: frames/task, runs/algo, hps | note |",
        "|---|---|---|---|---|---|---|---|"]
    for r in table.itertuples(index=False):
        ci = f"{_num(r.effect)} [{_num(r.ci_low)}, {_num(r.ci_high)}]" if pd.notna(r.ci_low) else _num(r.effect)
        p = f"{_num(r.p_raw) or '–'} → {_num(r.p_adjusted)} ({r.family_size})"
        thr = f"{_num(r.threshold)} ({r.verdict_half} / {r.verdict_double})" if r.threshold != "" else "–"
        budget = f"{r.frames_per_task:.3g}, {r.runs_per_algo}, {r.hp_settings}"
        why = "; ".join(x for x in (r.reason, undecided_note(r), r.detail if isinstance(r.detail, str) else "") if x)
        name = f"**`{r.claim}`**" if r.kind == "sanity check" else f"`{r.claim}`"
        verdict = MARK[r.verdict] + ("" if r.verdict_raw == r.verdict else f" ({r.verdict_raw})")
        lines.append(f"| {verdict} | {name} | {r.panel} | {ci} | {p} | {thr} | {budget} | {why} |")
    lines += ["", "## The claims", ""]
    for r in table.itertuples(index=False):
        versus = f" vs {r.b} ({r.pairing or 'one'})" if r.b else ""
        margin = f", margin {r.margin:g}" if r.margin != "" and pd.notna(r.margin) else ""
        if r.kind == "sanity check":
            lines.append(f"- `{r.claim}` (sanity check, {r.suite}): \"{r.sentence}\" — the best of {r.a} by mean "
                         f"AUC (selection.csv's criterion; union bound over the choices), per run its final score "
                         f"averaged over tasks, minus {sanity_reference(r)}, expected {r.direction}.")
            continue
        lines.append(f"- `{r.claim}` (Sec. {r.section}, {r.panel}, {r.suite}, {r.policy} policy): "
                     f"\"{r.sentence}\" — {r.statistic} of {r.measure}, {r.a}{versus}, expected {r.direction}"
                     f"{margin}.")
    return "\n".join(lines) + "\n"
