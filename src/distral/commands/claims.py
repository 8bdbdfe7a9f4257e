"""`python -m distral claims --profile P`: a verdict with an interval for each claim of Sec. 4.

Reads results/P/{suite}/{runs,curves,selection,random}.csv (aggregate-deep), the grid world's
results/P/gridworld/evals.csv, its distral runs' pi0.csv and paper_tables/P/fig3_auc.csv;
writes paper_tables/P/claims.{md,csv}, paper_tables/P/aggregate_scores.{md,csv,tex} and
figures/P/performance_profiles.{png,pdf,csv}. Everything is computed before anything is
written, so an error leaves the old outputs in place.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from distral import paths, sweep
from distral.analysis import aggregates, inference, measures, runlogs
from distral.analysis import claims as C
from distral.analysis.fig3 import GridMap
from distral.analysis.profiles import performance_profiles_figure
from distral.analysis.style import save_figure
from distral.analysis.tables import write_table
from distral.commands.common import add_common_arguments, load
from distral.config import ParamsError, profile_budget
from distral.io import write_csv, write_text

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
    defaults = {**inference.settings(params), **registry["defaults"]}  # the bootstrap settings, min_runs
    wanted = {c["suite"] for c in registry["claims"]} - {"gridworld"}
    order = sweep.deep_suites(params) + sorted(wanted - set(sweep.deep_suites(params)))
    budget = profile_budget(params, "deep", profile)
    suites = {s: C.read_suite(root, profile, s, sweep.frames_per_task(budget, s, profile)) for s in order}
    grid = GridInputs(params, profile, root, registry)
    table = sanity_checks_first(pd.DataFrame([evaluate(claim, suites, grid, params, profile, defaults)
                                              for claim in registry["claims"]]))
    table1 = {algo: i for i, algo in enumerate(params["deep"]["algorithms"])}  # Table 1's order
    order = {"algo": table1, "policy": {"task": 0, "distilled": 1}}
    by_table1 = lambda col: col.map(order[col.name]) if col.name in order else col  # noqa: E731
    scores = pd.concat([C.aggregate_scores(d, s, defaults) for s, d in suites.items()], ignore_index=True)
    scores = scores.sort_values(["algo", "policy"], key=by_table1, kind="stable").sort_values(
        "suite", key=lambda col: col.map(list(suites).index), kind="stable").reset_index(drop=True)
    profiles = pd.concat([C.performance_profile(d, s) for s, d in suites.items()], ignore_index=True)
    profiles = profiles.sort_values("algo", key=by_table1, kind="stable").sort_values(
        "suite", key=lambda col: col.map(list(suites).index), kind="stable").reset_index(drop=True)
    figure = performance_profiles_figure(profiles, profile, params["deep"]["algorithms"])

    tables, figures = root / paths.TABLE_DIR.format(profile=profile), root / paths.FIGURE_DIR.format(profile=profile)
    write_csv(table, tables / "claims.csv")
    flags = [measures.normaliser_flags(d.runs, d.random, s) for s, d in suites.items()]
    write_text(claims_markdown(table, profile, defaults) + measures.flags_markdown(flags), tables / "claims.md")
    write_table(scores, tables / "aggregate_scores", AGG_CAPTION.format(conf=defaults["confidence"]))
    save_figure(figure, profiles, figures / "performance_profiles")
    counts = table[table["kind"] == "claim"]["verdict"].value_counts()
    checks = table[table["kind"] == "sanity check"]
    print(f"claims ({profile}): " + ", ".join(f"{counts.get(v, 0)} {v}" for v in C.VERDICTS)
          + "; sanity checks: " + (", ".join(f"{r.claim} {r.verdict}" for r in checks.itertuples()) or "none")
          + f" -> {tables}/claims.{{md,csv}}")
    return 0


SANITY = C.SANITY_STATISTICS  # the statistics of the sanity checks: not claims of the paper


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
        self.budget = params["profiles"][profile]["gridworld"]
        self._auc = None

    def auc_table(self) -> tuple[pd.DataFrame, Path]:
        if self._auc is None:
            self._auc = aggregates.read_fig3_auc(self.root, self.profile)
        return self._auc, aggregates.fig3_auc_file(self.root, self.profile)

    def evals_steps(self) -> int:
        """The env steps per task the grid-world logs reached (results/P/gridworld/evals.csv)."""
        return int(aggregates.read_gridworld_evals(self.root, self.profile)["env_steps"].max())

    def layout(self, algo: str) -> GridMap:
        """The map as seed 0's run logged it: the analysis reads logs, not the environment."""
        run = sweep.gridworld_run(algo, 0)
        return GridMap(runlogs.read_gridworld_run(run.dir(self.profile, self.root), "map.csv",
                                                  run.wildcards(self.profile)))

    def pi0(self, algo: str) -> pd.DataFrame:
        """Every seed's checked pi0.csv."""
        return runlogs.read_gridworld_runs(self.params, self.profile, "pi0.csv", self.root, algos=[algo])


def evaluate(claim: dict, suites: dict, grid: GridInputs, params: dict, profile: str, defaults: dict) -> dict:
    """One row of claims.csv: the estimate at the threshold, and the verdicts at half and double it."""
    threshold = claim.get("threshold")
    if claim["suite"] == "gridworld":
        estimate_at, budget = grid_estimator(claim, grid, params, defaults), grid_budget(grid)
    else:
        data = suites[claim["suite"]]
        estimate_at = lambda t: C.deep_estimate(data, claim, defaults, t)  # noqa: E731
        budget = deep_budget(data, claim, params, profile)
    try:
        est = estimate_at(threshold)
        verdict, reason = C.verdict(est, defaults["min_runs"])
    except measures.Undecidable as exc:  # inconclusive for a stated reason (measures.py)
        est, verdict, reason = C.Estimate(float("nan"), float("nan"), float("nan"), 0), "inconclusive", str(exc)
    kind = "sanity check" if claim["statistic"] in SANITY else "claim"
    row = {"claim": claim["id"], "kind": kind, "verdict": verdict, "reason": reason, "section": claim["section"],
           "panel": claim["panel"], "suite": claim["suite"], "policy": claim.get("policy", "task"),
           "statistic": claim["statistic"], "measure": claim["measure"], "direction": claim["direction"],
           "a": " ".join(claim["a"]), "b": " ".join(claim["b"]), "pairing": claim.get("pairing", ""),
           "effect": est.effect, "ci_low": est.low, "ci_high": est.high, "n_min": est.n_min,
           "threshold": threshold if threshold is not None else "", "verdict_half": "", "verdict_double": ""}
    if threshold is not None:
        for name, factor in (("verdict_half", 0.5), ("verdict_double", 2.0)):
            try:
                row[name] = C.verdict(estimate_at(threshold * factor), defaults["min_runs"])[0]
            except measures.Undecidable:
                row[name] = "inconclusive"
    row.update(budget)
    row["runs_per_algo"] = est.n_min  # the fewest runs behind any compared algorithm
    row["detail"] = est.detail
    row["sentence"] = claim["sentence"]
    return row


def grid_estimator(claim: dict, grid: GridInputs, params: dict, defaults: dict):
    if claim["statistic"] == "gridworld_auc":
        table, path = grid.auc_table()
        return lambda t: C.gridworld_auc_estimate(table, claim, path)
    per_seed = C.persistence_values(grid.pi0(claim["a"][0]), grid.layout(claim["a"][0]))
    return lambda t: C.persistence_estimate(per_seed, claim, defaults, t)


def grid_budget(grid: GridInputs) -> dict:
    return {"frames_per_task": grid.evals_steps(), "runs_per_algo": grid.budget["seeds"], "hp_settings": 1}


def deep_budget(data: C.SuiteData, claim: dict, params: dict, profile: str) -> dict:
    """What the verdict rests on: env frames per task, runs per algorithm, hp settings used."""
    runs = data.runs[data.runs["policy"] == claim.get("policy", "task")]
    hps = 1 if claim["statistic"] in ("difference", *SANITY) else runs["hp"].nunique()
    reached = int(runs["frames_reached"].min()) if len(runs) else 0
    return {"frames_per_task": reached or data.frames_per_task, "runs_per_algo": 0, "hp_settings": hps}


def _num(x) -> str:
    return "" if x == "" or pd.isna(x) else f"{x:.3g}"


def sanity_reference(r) -> str:
    """What a sanity check's final score is compared with."""
    if r.statistic == "vs_start":
        return (f"its own early score (the mean of its curve over the first {_num(r.threshold)} of the budget, "
                "curves.csv) averaged over tasks, paired by run")
    return "the random policy's task-averaged score (random.csv)"


def claims_markdown(table: pd.DataFrame, profile: str, defaults: dict) -> str:
    """The reader's view: verdict first, effect with its interval, budget beside it."""
    claims, sanity = table[table["kind"] == "claim"], table[table["kind"] == "sanity check"]
    counts = claims["verdict"].value_counts()
    lines = [f"# Claims of Teh et al. (2017), Sec. 4, checked on profile `{profile}`", "",
             " · ".join(f"**{counts.get(v, 0)}** {MARK[v]}" for v in C.VERDICTS) + " (claims of the paper)", ""]
    if len(sanity):
        lines += ["**Sanity checks first** (not claims of the paper: does the best algorithm beat a uniform random "
                  "policy on the same tasks (vs_random), and does it improve on its own early score (vs_start)? "
                  "An untrained network is not a uniform policy, so beating random alone does not prove learning): "
                  + " · ".join(f"`{r.claim}` {MARK[r.verdict]}" for r in sanity.itertuples(index=False)), ""]
    lines += [
        f"Effect > 0 supports the paper. {defaults['confidence']:.0%} seeded stratified bootstrap "
        f"interval over runs ({defaults['resamples']} resamples, seed {defaults['seed']}). Reproduced: "
        f"the interval is above 0; contradicted: below 0; otherwise, or with fewer than "
        f"{defaults['min_runs']} runs per algorithm, inconclusive at this budget. "
        "Threshold columns: the verdict with the claim's threshold halved / doubled. Each suite's rows "
        "start with its sanity checks (**bold**).", "",
        "| verdict | claim | panel | effect [CI] | threshold (½ / 2×) | budget: frames/task, runs/algo, hps | note |",
        "|---|---|---|---|---|---|---|"]
    for r in table.itertuples(index=False):
        ci = f"{_num(r.effect)} [{_num(r.ci_low)}, {_num(r.ci_high)}]"
        thr = f"{_num(r.threshold)} ({r.verdict_half} / {r.verdict_double})" if r.threshold != "" else "–"
        budget = f"{r.frames_per_task:.3g}, {r.runs_per_algo}, {r.hp_settings}"
        why = "; ".join(x for x in (r.reason, r.detail if isinstance(r.detail, str) else "") if x)
        name = f"**`{r.claim}`**" if r.kind == "sanity check" else f"`{r.claim}`"
        lines.append(f"| {MARK[r.verdict]} | {name} | {r.panel} | {ci} | {thr} | {budget} | {why} |")
    lines += ["", "## The claims", ""]
    for r in table.itertuples(index=False):
        versus = f" vs {r.b} ({r.pairing or 'one'})" if r.b else ""
        if r.kind == "sanity check":
            lines.append(f"- `{r.claim}` (sanity check, {r.suite}): \"{r.sentence}\" — the best of {r.a} by mean "
                         f"AUC (selection.csv), per run its final score averaged over tasks, minus "
                         f"{sanity_reference(r)}, expected {r.direction}.")
            continue
        lines.append(f"- `{r.claim}` (Sec. {r.section}, {r.panel}, {r.suite}, {r.policy} policy): "
                     f"\"{r.sentence}\" — {r.statistic} of {r.measure}, {r.a}{versus}, expected {r.direction}.")
    return "\n".join(lines) + "\n"
