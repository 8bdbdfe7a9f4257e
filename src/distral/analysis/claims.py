"""Reproduced vs reported: each claim of Sec. 4 tested on our logs (issue 8).

A claim of the registry (claims.yaml) is a list of parts; a part is one effect (group a
minus group b, or the margin by which a are the top algorithms) with a seeded bootstrap
interval, stratified by algorithm (each algorithm's runs are resampled among themselves,
so every resample keeps every algorithm's number of runs). The verdict reads the interval
against the direction the paper reports: all of it on the paper's side of 0 -> reproduced,
all of it on the other side -> contradicted, otherwise inconclusive at this budget.
Bootstrap intervals come from scipy.stats.bootstrap (percentile method), never by hand.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import yaml
from scipy import stats

from distral.config import ParamsError

REPRODUCED, CONTRADICTED, INCONCLUSIVE, NO_DATA = "reproduced", "contradicted", "inconclusive", "no data"
RUN_KEYS = ["algo", "hp", "seed", "policy"]


# ---------------------------------------------------------------- the registry
@lru_cache(maxsize=1)
def registry_schema() -> dict:
    return yaml.safe_load(resources.files("distral.analysis").joinpath("claims.schema.yaml").read_text())


def load_registry(path: str | Path | None = None) -> dict:
    """Read and validate the claims registry; a bad key raises ParamsError naming it."""
    if path is None:
        text, source = resources.files("distral.analysis").joinpath("claims.yaml").read_text(), "claims.yaml"
    else:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"claims registry {path} not found")
        text, source = path.read_text(), str(path)
    try:
        registry = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ParamsError(f"{source}: not valid YAML: {exc}") from None
    validator = jsonschema.Draft202012Validator(registry_schema())
    errors = sorted(validator.iter_errors(registry), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        e = errors[0]
        key = ".".join(str(p) for p in e.absolute_path) or "<top level>"
        raise ParamsError(f"{source}: key '{key}': {e.message}")
    for i, claim in enumerate(registry["claims"]):
        for j, part in enumerate(claim["parts"]):
            _check_part(part, f"{source}: key 'claims.{i}.parts.{j}'", claim["suite"])
    ids = [c["id"] for c in registry["claims"]]
    if len(set(ids)) != len(ids):
        raise ParamsError(f"{source}: key 'claims': duplicate id {sorted(i for i in ids if ids.count(i) > 1)[0]!r}")
    return registry


def _check_part(part: dict, where: str, suite: str) -> None:
    deep = part["statistic"] in ("difference", "top_group")
    if deep == (suite == "gridworld"):
        raise ParamsError(f"{where}.statistic: {part['statistic']!r} does not apply to suite {suite!r}")
    if deep and ("metric" not in part or not part.get("b")):
        raise ParamsError(f"{where}: a {part['statistic']} part needs 'metric' and a non-empty 'b'")
    if set(part["a"]) & set(part.get("b", [])):
        raise ParamsError(f"{where}: groups 'a' and 'b' overlap")


def check_algorithms(registry: dict, deep_algos: list[str], grid_algos: list[str]) -> None:
    """Every algorithm named in the registry must be one that params.yaml trains."""
    for i, claim in enumerate(registry["claims"]):
        known = grid_algos if claim["suite"] == "gridworld" else deep_algos
        for j, part in enumerate(claim["parts"]):
            for algo in part["a"] + part.get("b", []):
                if algo not in known:
                    raise ParamsError(f"claims.yaml: key 'claims.{i}.parts.{j}': unknown algorithm {algo!r}")


# ---------------------------------------------------------------- per-run values
def run_values(runs: pd.DataFrame, curves: pd.DataFrame, early: float, window: float) -> pd.DataFrame:
    """One row per run (algo, hp, seed, policy): each metric averaged over the run's tasks.

    early_score: mean score of the curve bins ending within the first `early` of the budget.
    late_gain: mean score over the last `window` of the budget minus that over the `window`
    ending at half the budget (about 0 when learning has plateaued by mid-budget).
    """
    per_run = runs.groupby(RUN_KEYS, as_index=False)[["auc_score", "final_score"]].mean()
    keys = RUN_KEYS + ["task"]
    if curves.empty:
        return per_run.assign(early_score=np.nan, late_gain=np.nan)
    budget = curves.groupby("policy")["frames"].transform("max")
    frac = curves["frames"] / budget
    early_s = curves[frac <= early + 1e-12].groupby(keys)["score"].mean()
    last = curves[frac > 1 - window - 1e-12].groupby(keys)["score"].mean()
    mid = curves[(frac > 0.5 - window + 1e-12) & (frac <= 0.5 + 1e-12)].groupby(keys)["score"].mean()
    per_task = pd.DataFrame({"early_score": early_s, "late_gain": last - mid}).reset_index()
    per_task = per_task.groupby(RUN_KEYS, as_index=False)[["early_score", "late_gain"]].mean()
    return per_run.merge(per_task, on=RUN_KEYS, how="left")


def select_best(values: pd.DataFrame, selection: pd.DataFrame) -> pd.DataFrame:
    """Each algorithm's runs at its selected hp (Sec. 4.2); the distilled policy uses its
    own selection row when there is one, else the task policy's hp."""
    chosen = {(r.algo, r.policy): r.hp for r in selection.itertuples()}
    keep = [chosen.get((a, p), chosen.get((a, "task"))) == h
            for a, p, h in zip(values["algo"], values["policy"], values["hp"])]
    return values[keep]


def good_reference(best: pd.DataFrame, policy: str) -> float:
    """The best algorithm's mean final score at its selected hp: what 'good' is relative to."""
    sub = best[best["policy"] == policy]
    return float(sub.groupby("algo")["final_score"].mean().max()) if len(sub) else float("nan")


# ---------------------------------------------------------------- one part
def part_samples(part: dict, values: pd.DataFrame, best: pd.DataFrame, good: float) -> list[np.ndarray]:
    """Per-run values of each algorithm of a then b (indicators for the fraction aggregates)."""
    policy = part.get("policy", "task")
    pool = values if part.get("hps", "best") == "all" else best
    pool = pool[pool["policy"] == policy]
    aggregate = part.get("aggregate", "mean")
    threshold = good * good_reference(best, policy)
    samples = []
    for algo in part["a"] + part["b"]:
        x = pool.loc[pool["algo"] == algo, part["metric"]].dropna().to_numpy(dtype=float)
        if aggregate != "mean":
            if not np.isfinite(threshold) or threshold <= 0:
                x = np.array([])  # 'good' is undefined when the best algorithm scores <= 0
            else:
                is_good = (x >= threshold).astype(float)
                x = is_good if aggregate == "good_fraction" else 1.0 - is_good
        samples.append(x)
    return samples


def make_statistic(kind: str, n_a: int):
    """The effect as a function of the per-algorithm samples (vectorised over resamples)."""
    def statistic(*samples, axis=-1):
        means = [np.mean(s, axis=axis) for s in samples]
        a, b = np.stack(means[:n_a]), np.stack(means[n_a:])
        if kind == "top_group":
            return a.min(axis=0) - b.max(axis=0)
        return a.mean(axis=0) - b.mean(axis=0)
    return statistic


def bootstrap_effect(samples: list[np.ndarray], statistic, conf: float, resamples: int, seed: int):
    """Point effect and percentile interval; stratified: each sample resampled on its own."""
    effect = float(statistic(*samples))
    if all(np.ptp(s) == 0 for s in samples):
        return effect, effect, effect  # no spread anywhere: every resample gives the same effect
    res = stats.bootstrap(tuple(samples), statistic, n_resamples=resamples, confidence_level=conf,
                          method="percentile", vectorized=True, rng=np.random.default_rng(seed))
    return effect, float(res.confidence_interval.low), float(res.confidence_interval.high)


def verdict(low: float, high: float, direction: str) -> str:
    """Interval entirely on the paper's side of 0: reproduced; entirely opposite: contradicted."""
    sign = 1.0 if direction == "greater" else -1.0
    lo, hi = sorted((sign * low, sign * high))
    if lo > 0:
        return REPRODUCED
    if hi < 0:
        return CONTRADICTED
    return INCONCLUSIVE


def combine(verdicts: list[str]) -> str:
    """A claim holds if every part does; one contradicted part contradicts it."""
    if NO_DATA in verdicts:
        return NO_DATA
    if CONTRADICTED in verdicts:
        return CONTRADICTED
    return REPRODUCED if all(v == REPRODUCED for v in verdicts) else INCONCLUSIVE


def evaluate_part(part: dict, samples: list[np.ndarray], reg: dict) -> dict:
    n = [len(s) for s in samples]
    row = {"n_runs": "/".join(map(str, n))}
    if min(n) == 0:
        return {**row, "effect": np.nan, "ci_low": np.nan, "ci_high": np.nan, "verdict": NO_DATA}
    statistic = make_statistic(part["statistic"], len(part["a"]))
    effect, low, high = bootstrap_effect(samples, statistic, reg["confidence"], reg["resamples"], reg["seed"])
    v = verdict(low, high, part["direction"])
    if min(n) < reg["min_runs"]:
        v = INCONCLUSIVE  # too few runs of an algorithm for an interval to mean anything
    return {**row, "effect": effect, "ci_low": low, "ci_high": high, "verdict": v}


# ---------------------------------------------------------------- grid world (Sec. 4.1)
def gridworld_auc_samples(evals: pd.DataFrame, a: str, b: str) -> list[np.ndarray]:
    """Per seed: AUC (mean height) of a's return curve minus b's, paired by seed (same tasks)."""
    curves = evals.groupby(["algo", "seed", "env_steps"], as_index=False)["return"].mean()
    auc = {}
    for (algo, seed), g in curves.groupby(["algo", "seed"]):
        x, y = g["env_steps"].to_numpy(float), g["return"].to_numpy(float)
        auc[(algo, seed)] = float(np.trapezoid(y, x) / (x[-1] - x[0])) if len(x) > 1 else float(y[0])
    seeds = sorted({s for (al, s) in auc if al == a} & {s for (al, s) in auc if al == b})
    return [np.array([auc[(a, s)] - auc[(b, s)] for s in seeds])]


def corridor_samples(pi0: pd.DataFrame, corridor: set[tuple[int, int]]) -> list[np.ndarray]:
    """Per seed: P(keep the previous direction) - P(reverse it) in the corridor, after an
    ordinary step, averaged over corridor cells and previous action left/right (Fig. 3 right)."""
    opposite = {"left": "right", "right": "left"}
    d = pi0[(pi0["prev_reward"] == "step") & pi0["prev_action"].isin(["left", "right"])]
    d = d[[(r, c) in corridor for r, c in zip(d["row"], d["col"])]]
    keep = d[d["action"] == d["prev_action"]].set_index(["seed", "row", "col", "prev_action"])["prob"]
    rev = d[d["action"] == d["prev_action"].map(opposite)].set_index(["seed", "row", "col", "prev_action"])["prob"]
    margin = (keep - rev).groupby(level="seed").mean()
    return [margin.sort_index().to_numpy(dtype=float)]


def one_sample_statistic(x, axis=-1):
    return np.mean(x, axis=axis)


# ---------------------------------------------------------------- all claims
SCALE = {"half": 0.5, "": 1.0, "double": 2.0}


def suite_budget(runs: pd.DataFrame) -> str:
    """What a verdict rests on: frames per task reached, runs per hp setting, hp settings."""
    task = runs[runs["policy"] == "task"]
    seeds = task.groupby(["algo", "hp"])["seed"].nunique()
    return (f"{task['frames_reached'].max():.3g} frames/task, {seeds.min()}-{seeds.max()} runs x "
            f"{task['hp'].nunique()} hp")


def evaluate_deep_claim(claim: dict, data: dict, reg: dict) -> list[dict]:
    """Each part's effect, interval and verdict, at the threshold and at half and double it."""
    rows = []
    for j, part in enumerate(claim["parts"]):
        part = {"aggregate": "mean", "policy": "task", "hps": "best", **part}
        row = {"part": j, **_describe(part)}
        for tag, scale in SCALE.items():
            th = dict(reg["thresholds"])
            if claim.get("threshold"):
                th[claim["threshold"]] *= scale
            elif tag:
                continue
            values = run_values(data["runs"], data["curves"], th["early"], th["window"])
            best = select_best(values, data["selection"])
            result = evaluate_part(part, part_samples(part, values, best, th["good"]), reg)
            if not tag:
                row.update(result)
            else:
                row[f"verdict_{tag}"] = result["verdict"]
        rows.append(row)
    return rows


def evaluate_grid_claim(claim: dict, data: dict, reg: dict) -> list[dict]:
    rows = []
    for j, part in enumerate(claim["parts"]):
        if part["statistic"] == "gridworld_auc":
            samples = gridworld_auc_samples(data["evals"], part["a"][0], part["b"][0])
        else:
            samples = corridor_samples(data["pi0"], data["corridor"])
        row = {"part": j, **_describe({"metric": "return AUC" if part["statistic"] == "gridworld_auc"
                                       else "P(keep)-P(reverse)", "aggregate": "mean",
                                       "policy": "task" if part["statistic"] == "gridworld_auc" else "distilled",
                                       "hps": "appB1", **part})}
        n = len(samples[0])
        if n == 0:
            row.update({"n_runs": "0", "effect": np.nan, "ci_low": np.nan, "ci_high": np.nan, "verdict": NO_DATA})
        else:
            effect, low, high = bootstrap_effect(samples, one_sample_statistic, reg["confidence"],
                                                 reg["resamples"], reg["seed"])
            v = verdict(low, high, part["direction"]) if n >= reg["min_runs"] else INCONCLUSIVE
            row.update({"n_runs": str(n), "effect": effect, "ci_low": low, "ci_high": high, "verdict": v})
        rows.append(row)
    return rows


def _describe(part: dict) -> dict:
    return {"statistic": part["statistic"], "metric": part.get("metric", ""), "aggregate": part["aggregate"],
            "policy": part["policy"], "hps": part["hps"], "a": " ".join(part["a"]),
            "b": " ".join(part.get("b", [])), "direction": part["direction"]}


def evaluate_claims(reg: dict, suites: dict[str, dict | None]) -> pd.DataFrame:
    """One row per claim part. `suites[s]` holds suite s's loaded aggregates (None: absent)."""
    rows = []
    for claim in reg["claims"]:
        data = suites.get(claim["suite"])
        if data is None:
            parts = [{"part": j, **_describe({"aggregate": "mean", "policy": "task", "hps": "best", **p}),
                      "n_runs": "0", "effect": np.nan, "ci_low": np.nan, "ci_high": np.nan, "verdict": NO_DATA}
                     for j, p in enumerate(claim["parts"])]
            budget = "not run"
        elif claim["suite"] == "gridworld":
            parts, budget = evaluate_grid_claim(claim, data, reg), data["budget"]
        else:
            parts, budget = evaluate_deep_claim(claim, data, reg), data["budget"]
        th = claim.get("threshold", "")
        overall = {tag: combine([p.get(f"verdict_{tag}" if tag else "verdict", NO_DATA) for p in parts])
                   if (th or not tag) else "" for tag in SCALE}
        for p in parts:
            rows.append({"claim": claim["id"], "suite": claim["suite"], "section": claim["section"],
                         "panel": claim["panel"], "claim_verdict": overall[""],
                         "threshold": f"{th}={reg['thresholds'][th]:g}" if th else "",
                         "claim_verdict_half": overall["half"], "claim_verdict_double": overall["double"],
                         "budget": budget, **{k: v for k, v in p.items() if not k.startswith("verdict_")},
                         "part_verdict": p["verdict"], "quote": claim["quote"]})
    frame = pd.DataFrame(rows).drop(columns=["verdict"])
    return frame


# ---------------------------------------------------------------- aggregate scores (rliable style)
def normalised_final(runs: pd.DataFrame, selection: pd.DataFrame, normaliser: pd.DataFrame) -> pd.DataFrame:
    """Task-policy final returns at each algorithm's selected hp, divided by the task's A3C
    reference (normaliser.csv): one row per (algo, seed, task)."""
    task = runs[runs["policy"] == "task"]
    chosen = {r.algo: r.hp for r in selection[selection["policy"] == "task"].itertuples()}
    task = task[[chosen.get(a) == h for a, h in zip(task["algo"], task["hp"])]]
    ref = normaliser.set_index("task")["reference"]
    if (ref.reindex(task["task"].unique()).abs() <= 0).any() or ref.reindex(task["task"].unique()).isna().any():
        raise ValueError("normaliser.csv: a task's reference is missing or zero")
    return task.assign(normalised=task["final"].to_numpy() / ref.reindex(task["task"]).to_numpy())


def iqm(*samples, axis=-1):
    """Interquartile mean of all samples pooled (scipy.stats.trim_mean, 25% cut each side)."""
    return stats.trim_mean(np.concatenate(samples, axis=axis), 0.25, axis=axis)


def aggregate_scores(scores: pd.DataFrame, reg: dict) -> pd.DataFrame:
    """IQM and mean of the normalised final scores per algorithm with stratified bootstrap
    intervals: runs are resampled within each task (rliable's StratifiedBootstrap)."""
    rows = []
    for algo, g in scores.groupby("algo", sort=True):
        samples = [t["normalised"].to_numpy(float) for _, t in g.groupby("task", sort=True)]
        point, low, high = bootstrap_effect(samples, iqm, reg["confidence"], reg["resamples"], reg["seed"])
        rows.append({"algo": algo, "IQM": point, "IQM_ci_low": low, "IQM_ci_high": high,
                     "mean": float(np.concatenate(samples).mean()), "n_runs": g["seed"].nunique(),
                     "n_tasks": len(samples)})
    return pd.DataFrame(rows)


def performance_profile(scores: pd.DataFrame, taus: np.ndarray) -> pd.DataFrame:
    """Fraction of (run, task) normalised final scores above each tau, per algorithm."""
    rows = []
    for algo, g in scores.groupby("algo", sort=True):
        x = g["normalised"].to_numpy(float)
        rows += [{"algo": algo, "tau": float(t), "fraction": float((x > t).mean())} for t in taus]
    return pd.DataFrame(rows)
