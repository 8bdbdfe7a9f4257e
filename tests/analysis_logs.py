"""Hand-made run logs for the analysis tests: a deep run is episodes.csv + meta.json in the
trainer's format, with a budget small enough to work every number out by hand.

Default budget: 10 frames per update (rollout 10 x 1 env x action repeat 1), 200 frames
per task = 20 updates, evaluations every 100 frames -> at 0, 100 and 200, 2 episodes each.
With 20 bins the bins are (0,10], (10,20], ..., (190,200], plus bin 0 = frame 0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml

from distral import paths

ALGOS = {
    "A3C": {"alpha": 0.0, "columns": "task", "objective": "a3c", "value_l2": False},
    "A3C_multitask": {"alpha": 0.0, "columns": "shared", "objective": "a3c", "value_l2": False},
    "A3C_2col": {"alpha": 0.0, "columns": "2col", "objective": "a3c", "value_l2": False, "h_weight": 1.0},
    "KL_1col": {"alpha": 1.0, "columns": "1col", "objective": "distral", "value_l2": True},
    "KL+ent_1col": {"alpha": 0.5, "columns": "1col", "objective": "distral", "value_l2": True},
    "KL_2col": {"alpha": 1.0, "columns": "2col", "objective": "distral", "value_l2": True},
    "KL+ent_2col": {"alpha": 0.5, "columns": "2col", "objective": "distral", "value_l2": True},
}
BUDGET = {"frames_per_task": 200, "eval_interval_frames": 100, "eval_episodes": 2, "envs_per_task": 1,
          "checkpoint_interval_updates": 10, "hps": ["ent1e-3_lr4e-4", "ent3e-3_lr4e-4"], "seeds": 2,
          "resolution": 24, "precision": "fp32", "random_episodes": 3}
COLUMNS = ["frames", "task", "policy", "env", "episode", "episode_return", "episode_length"]


def meta(suite, algo, hp, seed, tasks, *, status="completed", updates=20, profile="smoke", budget=None) -> dict:
    budget = dict(budget or BUDGET)
    return {"wildcards": {"profile": profile, "suite": suite, "algo": algo, "hp": hp, "seed": seed},
            "config": {"budget": budget, "deep": {"rollout_length": 10}, "algorithm": ALGOS[algo],
                       "backend": "vizdoom", "suite": suite},
            "status": status, "diverged_reason": "non-finite loss" if status == "diverged" else None,
            "action_repeat": 1, "updates": updates, "frames_per_task": updates * 10, "task_names": list(tasks),
            "suite_resolved_options": {"resolution": [24, 24], "action_repeat": 4, "episode_frames": 3600}}


def eval_rows(tasks, points, value) -> list[tuple]:
    """Two evaluation episodes per task at each point; value(task, frames, k) -> return."""
    return [(f, t, "distilled", k, i, value(t, f, k), 5) for i, f in enumerate(points) for t in tasks
            for k in range(2)]


def write_run(root, suite, algo, hp, seed, tasks, rows, **meta_kw) -> Path:
    run_dir = paths.run_dir("smoke", suite, algo, hp, seed, root)
    run_dir.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame.to_csv(run_dir / "episodes.csv", index=False, lineterminator="\n")
    (run_dir / "meta.json").write_text(json.dumps(meta(suite, algo, hp, seed, tasks, **meta_kw)))
    return run_dir


RANDOM_COLUMNS = ["task", "episode", "episode_return", "episode_length"]


def write_random(root, suite, tasks, value=lambda task, episode: 0.5 * episode, n=None, profile="smoke") -> Path:
    """A suite's random-policy reference (random_policy.csv + .json) in the command's format:
    `n` (default: the budget's random_episodes) episodes per task, value(task, episode) -> return."""
    n = BUDGET["random_episodes"] if n is None else n
    out = Path(root) / paths.SUITE_DIR.format(profile=profile, suite=suite)
    out.mkdir(parents=True, exist_ok=True)
    rows = [(t, e, value(t, e), 900) for t in tasks for e in range(n)]
    pd.DataFrame(rows, columns=RANDOM_COLUMNS).to_csv(out / "random_policy.csv", index=False, lineterminator="\n")
    (out / "random_policy.json").write_text(json.dumps({"wildcards": {"profile": profile, "suite": suite},
                                                        "random_episodes": n, "task_names": list(tasks)}))
    return out


def write_params(path: Path, hps=None, seeds=2) -> Path:
    """The repository's params.yaml with the smoke deep budget of these hand-made logs."""
    params = yaml.safe_load((Path(__file__).parent.parent / "params.yaml").read_text())
    deep = params["profiles"]["smoke"]["deep"]
    deep.update({k: v for k, v in BUDGET.items() if k in deep})
    deep["hps"], deep["seeds"] = list(hps or BUDGET["hps"]), seeds
    deep["suites"] = ["mazes", "navigation", "laser-tag"]  # the paper's suites (not the MiniGrid example)
    # the hand-worked numbers of the tests on these logs take "final" as the last of 20 bins (5 %);
    # the project's 20 % window is tested on its own (tests/analysis/test_deep.py)
    params["analysis"]["final_fraction"] = 0.05
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


def synthetic_sweep(root, params_path, suites) -> None:
    """Every run of the smoke sweep of `params_path`, with returns that depend on algo, hp, seed:
    a task policy episode every 10 frames per task, evaluations at 0, 100, 200."""
    from distral.config import load_params
    from distral.sweep import deep_runs

    params = load_params(params_path, {"profile": "smoke"})
    for suite in suites:
        write_random(root, suite, [t["name"] for t in params["suites"][suite]["tasks"]])
    for run in deep_runs(params, "smoke"):
        if run.suite not in suites:
            continue
        tasks = [t["name"] for t in params["suites"][run.suite]["tasks"]]
        a, h = list(ALGOS).index(run.algo), params["profiles"]["smoke"]["deep"]["hps"].index(run.hp)
        rows = [(f, t, "task", 0, f // 10 - 1, round((1 + a) * f / 200 + h + 0.5 * run.seed + j, 3), 5)
                for f in range(10, 201, 10) for j, t in enumerate(tasks)]
        if ALGOS[run.algo]["objective"] == "distral" or ALGOS[run.algo]["columns"] == "shared":
            rows += eval_rows(tasks, [0, 100, 200], lambda t, f, k: round(a * f / 100 + k + run.seed, 3))
        write_run(root, run.suite, run.algo, run.hp, run.seed, tasks, rows)


def train_small_gridworld(root: Path) -> Path:
    """Two seeds of each grid-world algorithm, 1,000 steps per task, trained with the real
    command into `root` (with its params.yaml): logs for the grid world's checks."""
    from distral.cli import main

    params = yaml.safe_load((Path(__file__).resolve().parents[1] / "params.yaml").read_text())
    params["profiles"]["smoke"]["gridworld"].update(seeds=2, env_steps_per_task=1000, eval_interval=250)
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    for algo in ("distral", "soft_q"):
        for seed in (0, 1):
            assert main(["gridworld", "--algo", algo, "--seed", str(seed), "--profile", "smoke",
                         "--params", str(root / "params.yaml"), "--root", str(root)]) == 0
    return root


def aggregate_gridworld(root: Path) -> int:
    """`python -m distral aggregate-gridworld` on `root`'s smoke logs; its exit code."""
    from distral.cli import main

    return main(["aggregate-gridworld", "--profile", "smoke", "--params", str(root / "params.yaml"),
                 "--root", str(root)])
