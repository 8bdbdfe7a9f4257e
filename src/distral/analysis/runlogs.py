"""Read and check run logs before anything is aggregated.

A run log that is truncated, corrupt or incomplete must stop the aggregation with a
message naming its path: averaging it in silently moves the results (a grid-world
evals.csv cut to its first 3,000 bytes once moved Distral's AUC from -1.46 to -1.67
without a word). Every check here is against what the run's own meta.json (and the
profile's budget) says the log must contain:

- the file exists, ends with a newline (the writers always end with one, so a file
  without it was cut mid-line) and parses as CSV;
- its columns are exactly the expected ones, in order; numbers are numbers and finite;
  integers are integral; text is present;
- the evaluation points are exactly those the budget implies, each with the budget's
  number of evaluation episodes on every task;
- the training episodes of every (task, env) stream are numbered consecutively without gap
  or repeat (in file order), their frames never go backwards, and the stream reaches the frames the run
  reached (its last episode ends within one episode of them; a diverged run: of its last
  good update); (task, policy, env, episode) is unique. The same for the grid world's
  episodes (one stream per task) and the random-policy reference;
- returns and lengths lie within what the suite can give (`episode_bounds`: the most steps
  of an episode, and the returns its reward rules allow), else the file, line and bound are named;
- meta.json exists (the trainer writes it last), parses, names this run, and has a
  known status. A "diverged" run is valid: it keeps its rows up to the last good update.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from distral import io, paths, schedule
from distral.config import has_distilled
from distral.sweep import gridworld_runs

STATUSES = ("completed", "diverged")

# Column -> kind: "int", "float", "str" or "bool".
DEEP_EPISODE_COLUMNS = {"frames": "int", "task": "str", "policy": "str", "env": "int", "episode": "int",
                        "episode_return": "float", "episode_length": "int"}
GRIDWORLD_COLUMNS = {
    "evals.csv": {"task": "int", "env_steps": "int", "return": "float", "steps_to_goal": "float",
                  "success_rate": "float", "algo": "str", "seed": "int"},
    "pi0.csv": {"row": "int", "col": "int", "prev_action": "str", "prev_reward": "str", "action": "str",
                "prob": "float", "algo": "str", "seed": "int"},
    "tasks.csv": {"task": "int", "goal_row": "int", "goal_col": "int", "algo": "str", "seed": "int"},
    "map.csv": {"row": "int", "col": "int", "cell": "str"},
    "episodes.csv": {"task": "int", "episode": "int", "env_steps": "int", "return": "float", "length": "int",
                     "reached_goal": "bool", "algo": "str", "seed": "int"},
}
POLICIES = ("task", "distilled")
# The random-policy reference of a suite (distral.deep.random_policy): one row per episode.
RANDOM_POLICY_COLUMNS = {"task": "str", "episode": "int", "episode_return": "float", "episode_length": "int"}


class RunLogError(ValueError):
    """A run log is missing, truncated, corrupt or incomplete; the message starts with its path."""


# --------------------------------------------------------------------------- shipped logs
def shipped_manifest(path: Path) -> Path | None:
    """The profile's log manifest (paths.LOG_MANIFEST) above `path` (results/{profile}/...), if any."""
    for folder in Path(path).parents:
        if folder.parent.name == "results":
            manifest = folder / Path(paths.LOG_MANIFEST).name
            return manifest if manifest.is_file() else None
    return None


_SHIPPED: dict[tuple, dict[str, str]] = {}  # parsed manifests, by (path, mtime, size)


def verify_shipped(path: Path, raw: bytes) -> None:
    """A log listed in its profile's MANIFEST.sha256 (logs shipped for others to regenerate from)
    must have the checksum listed there; logs it does not list (runs made since) are not checked."""
    manifest = shipped_manifest(path)
    if manifest is None:
        return
    stat = manifest.stat()
    key = (str(manifest), stat.st_mtime_ns, stat.st_size)
    if key not in _SHIPPED:
        try:
            _SHIPPED[key] = io.read_sha256sums(manifest)
        except (ValueError, UnicodeDecodeError) as exc:
            raise RunLogError(f"{manifest}: corrupt ({exc})") from None
    digest = _SHIPPED[key].get(Path(path).relative_to(manifest.parent).as_posix())
    if digest is not None and hashlib.sha256(raw).hexdigest() != digest:
        raise RunLogError(f"{path}: differs from the checksum shipped in {manifest} (changed since it was "
                          "shipped: restore it, e.g. `git checkout` it, or rewrite the manifest with "
                          "`python -m distral manifest` if the change is meant)")


# --------------------------------------------------------------------------- generic checks
def read_table(path: Path, columns: Mapping[str, str]) -> pd.DataFrame:
    """`path` as a DataFrame with exactly `columns`, every value present, typed and finite."""
    path = Path(path)
    if not path.is_file():
        raise RunLogError(f"{path}: missing run log (the run did not finish, or was never run)")
    raw = path.read_bytes()
    verify_shipped(path, raw)
    if raw and not raw.endswith(b"\n"):
        raise RunLogError(f"{path}: truncated (the last line has no newline: the file was cut mid-line)")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise RunLogError(f"{path}: corrupt CSV ({str(exc).strip().splitlines()[0]})") from None
    if list(frame.columns) != list(columns):
        raise RunLogError(f"{path}: columns {list(frame.columns)}, expected {list(columns)}")
    return frame.assign(**{name: _typed(path, frame, name, kind) for name, kind in columns.items()})


def _typed(path: Path, frame: pd.DataFrame, name: str, kind: str) -> pd.Series:
    text = frame[name]
    if kind == "str":
        bad = text.str.len() == 0
        return _fail_if(path, name, bad, "an empty value") if bad.any() else text
    if kind == "bool":
        bad = ~text.isin(["True", "False"])
        return _fail_if(path, name, bad, "a value that is not True/False") if bad.any() else text == "True"
    values = pd.to_numeric(text, errors="coerce")
    bad = ~np.isfinite(values.to_numpy(dtype=float))
    if bad.any():
        return _fail_if(path, name, pd.Series(bad, index=frame.index), "a missing, non-numeric or non-finite value")
    if kind == "int":
        fractional = values != np.round(values)
        if fractional.any():
            return _fail_if(path, name, fractional, "a non-integer value")
        return values.astype(np.int64)
    return values.astype(float)


def _fail_if(path: Path, name: str, bad: pd.Series, what: str):
    line = int(np.flatnonzero(bad.to_numpy())[0]) + 2  # 1-based, after the header
    raise RunLogError(f"{path}: column {name!r} has {what} on line {line}")


def read_meta(path: Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise RunLogError(f"{path}: missing (the trainer writes meta.json last: the run is incomplete)")
    verify_shipped(path, path.read_bytes())
    try:
        meta = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RunLogError(f"{path}: corrupt JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise RunLogError(f"{path}: corrupt (not a JSON object)")
    return meta


def _need(meta: Mapping[str, Any], path: Path, *keys: str) -> Any:
    value: Any = meta
    for depth, key in enumerate(keys):
        if not isinstance(value, Mapping) or key not in value:
            raise RunLogError(f"{path}: key {'.'.join(keys[:depth + 1])!r} missing")
        value = value[key]
    return value


def _check_wildcards(meta: Mapping[str, Any], path: Path, expected: Mapping[str, Any]) -> None:
    logged = _need(meta, path, "wildcards")
    for key, value in expected.items():
        if str(logged.get(key)) != str(value):
            raise RunLogError(f"{path}: wildcards.{key} is {logged.get(key)!r}, but the file is the log of {value!r}")


# --------------------------------------------------------------------------- what a suite can give
def episode_bounds(options: Mapping[str, Any]) -> dict:
    """The most agent steps of an episode and the return interval a suite's rules allow, from its
    resolved options (meta.json `suite_resolved_options`); None where the suite does not say.

    ViZDoom suites (distral.envs.vizdoom.tasks): an episode lasts ceil(episode_frames /
    action_repeat) agent steps (engine.EngineConfig.steps_per_episode); every reward rule pays its value
    once per event, and counts only rise (laser-tag clips its counters at 0). The bound allows
    one event of every kind on every engine frame: far above what an agent collects, but a
    return above it (or below it: all of today's rewards are >= 0) cannot come from the task.
    Toy suite (distral.envs.toy): episodes end after at most `max_steps` steps. DeepMind Lab
    levels define their own rewards and length: no bound beyond finiteness.
    """
    steps = low = high = None
    if "episode_frames" in options and "action_repeat" in options:
        repeat = int(options["action_repeat"])
        steps = -(-int(options["episode_frames"]) // repeat)
        rewards = options.get("rewards")
        if isinstance(rewards, Mapping) and rewards:
            events = steps * repeat  # engine frames of an episode
            low = events * sum(min(float(r), 0.0) for r in rewards.values())
            high = events * sum(max(float(r), 0.0) for r in rewards.values())
    elif "max_steps" in options:
        steps = int(options["max_steps"])
    return {"max_steps": steps, "return_low": low, "return_high": high}


def gridworld_bounds(gw: Mapping[str, Any]) -> dict:
    """The grid world's (params.yaml gridworld, App. B.1): at most `max_episode_steps` steps, each
    paying one of `rewards` (step, wall or goal), so a return lies within steps x [min, max]."""
    steps, values = int(gw["max_episode_steps"]), [float(r) for r in gw["rewards"].values()]
    return {"max_steps": steps, "return_low": steps * min(min(values), 0.0),
            "return_high": steps * max(max(values), 0.0)}


def check_bounds(frame: pd.DataFrame, bounds: Mapping[str, Any], path: Path, source: str,
                 return_col: str = "episode_return", length_col: str | None = "episode_length") -> None:
    """Every return and length within `bounds` (episode_bounds), else the file, line and bound."""
    checks = [] if length_col is None else [(length_col, frame[length_col] < 1, "an episode of no steps (length < 1)")]
    if bounds["max_steps"] is not None and length_col is not None:
        checks.append((length_col, frame[length_col] > bounds["max_steps"],
                       f"a length above the episode limit of {bounds['max_steps']} steps ({source})"))
    if bounds["return_high"] is not None:
        checks.append((return_col, frame[return_col] > bounds["return_high"] + 1e-6,
                       f"a return above the most the task can pay, {bounds['return_high']:g} ({source})"))
    if bounds["return_low"] is not None:
        checks.append((return_col, frame[return_col] < bounds["return_low"] - 1e-6,
                       f"a return below the least the task can pay, {bounds['return_low']:g} ({source})"))
    for column, bad, what in checks:
        if bad.any():
            line = _line(bad)
            value = frame[column].iloc[line - 2]
            raise RunLogError(f"{path}: line {line}: {column} {getattr(value, 'item', lambda: value)()} is {what}")


def _line(bad: pd.Series) -> int:
    """The file line of the first True of `bad` (1-based, after the header; rows in file order)."""
    return int(np.flatnonzero(bad.to_numpy())[0]) + 2


def check_streams(frame: pd.DataFrame, keys: list[str], clock: str, path: Path) -> None:
    """Each stream (rows sharing `keys`, in file order) numbers its episodes 0, 1, 2, ... (as the
    writers count) without gap or repeat, and its `clock` (frames, env steps) never goes
    backwards: a log cut at its head or in the middle, or with lines appended again by a bad
    resume, breaks one."""
    grouped = frame.groupby(keys, sort=False)
    expected = grouped.cumcount()
    wrong = frame["episode"] != expected
    if wrong.any():
        line = _line(wrong)
        row = frame.iloc[line - 2]
        raise RunLogError(f"{path}: line {line}: episode {row['episode']} of stream "
                          f"{', '.join(f'{k}={row[k]}' for k in keys)}, expected {expected.iloc[line - 2]} "
                          "(episode numbers must run on without gap or repeat)")
    backwards = grouped[clock].diff() < 0
    if backwards.any():
        line = _line(backwards)
        raise RunLogError(f"{path}: line {line}: {clock} go backwards within the stream of "
                          f"{', '.join(f'{k}={frame.iloc[line - 2][k]}' for k in keys)}")


def check_stream_ends(frame: pd.DataFrame, keys: list[str], clock: str, reached: int, one_episode: int,
                      expected: pd.MultiIndex, path: Path, what: str) -> None:
    """Every stream of `expected` ends within `one_episode` of `reached` (its clock at the end of
    the run): fewer episodes mean the log was cut (a run's last episode is still running then)."""
    last = frame.groupby(keys)[clock].max().reindex(expected, fill_value=0)
    short = last[reached - last > one_episode]
    if len(short):
        stream, at = short.index[0], int(short.iloc[0])
        stream = stream if isinstance(stream, tuple) else (stream,)
        raise RunLogError(f"{path}: incomplete: the training episodes of {', '.join(f'{k}={v}' for k, v in zip(keys, stream))} "
                          f"end at {what} {at}, more than one episode ({one_episode}) before the {reached} "
                          f"the run reached ({len(short)} of {len(expected)} streams short: the log was cut)")


# --------------------------------------------------------------------------- deep runs
def deep_eval_frames(total_updates: int, updates_done: int, frames_per_update: int, interval: int) -> list[int]:
    """Frames per task of the distilled-policy evaluations the trainer makes, from the schedule
    it follows (distral.schedule): a diverged run has none beyond its last good update."""
    return schedule.eval_frames(total_updates, updates_done, frames_per_update, interval)


def deep_run_shape(meta: Mapping[str, Any], path: Path) -> dict:
    """What a deep run's log must contain, from its meta.json: tasks, frames, evaluation points."""
    status = _need(meta, path, "status")
    if status not in STATUSES:
        raise RunLogError(f"{path}: status {status!r} is not one of {', '.join(STATUSES)}")
    budget = _need(meta, path, "config", "budget")
    for key in ("frames_per_task", "eval_interval_frames", "eval_episodes", "envs_per_task"):
        _need(meta, path, "config", "budget", key)
    rollout = _need(meta, path, "config", "deep", "rollout_length")
    repeat, updates = _need(meta, path, "action_repeat"), _need(meta, path, "updates")
    reached, tasks = _need(meta, path, "frames_per_task"), _need(meta, path, "task_names")
    per_update = schedule.frames_per_update(rollout, budget["envs_per_task"], repeat)
    total_updates = schedule.n_updates(budget["frames_per_task"], per_update)
    if reached != updates * per_update:
        raise RunLogError(f"{path}: frames_per_task {reached} is not updates x frames per update "
                          f"({updates} x {per_update})")
    if status == "completed" and updates != total_updates:
        raise RunLogError(f"{path}: status completed after {updates} of {total_updates} updates (incomplete run)")
    if status == "diverged" and updates > total_updates:
        raise RunLogError(f"{path}: {updates} updates exceed the budget's {total_updates}")
    distilled = has_distilled(_need(meta, path, "config", "algorithm"))
    evals = deep_eval_frames(total_updates, updates, per_update, int(budget["eval_interval_frames"])) \
        if distilled else []
    return {"status": status, "tasks": list(tasks), "frames_reached": int(reached),
            "budget_frames": int(budget["frames_per_task"]), "total_frames": total_updates * per_update,
            "eval_frames": evals, "eval_episodes": int(budget["eval_episodes"]),
            "envs_per_task": int(budget["envs_per_task"]), "has_distilled": distilled,
            "diverged_reason": meta.get("diverged_reason"),
            "frames_per_step": schedule.frames_per_update(1, budget["envs_per_task"], repeat),
            "bounds": episode_bounds(meta.get("suite_resolved_options") or {})}


def check_deep_episodes(episodes: pd.DataFrame, shape: Mapping[str, Any], path: Path) -> None:
    """The rows agree with the run's meta.json: known tasks and policies, frames within what the
    run reached, exactly the evaluation points and episodes its budget implies."""
    unknown = sorted(set(episodes["task"]) - set(shape["tasks"]))
    if unknown:
        raise RunLogError(f"{path}: tasks {unknown} are not in meta.json task_names")
    policies = sorted(set(episodes["policy"]) - set(POLICIES))
    if policies:
        raise RunLogError(f"{path}: unknown policy {policies[0]!r} (expected task or distilled)")
    frames = episodes["frames"]
    if ((frames < 0) | (frames > shape["frames_reached"])).any():
        raise RunLogError(f"{path}: frames outside 0..{shape['frames_reached']} (the frames meta.json says it reached)")
    task_rows = episodes[episodes["policy"] == "task"]
    if (task_rows["frames"] <= 0).any() or (episodes["episode_length"] <= 0).any():
        raise RunLogError(f"{path}: a training episode that ended at frame 0 or has no steps")
    check_bounds(episodes, shape["bounds"], path, "meta.json suite_resolved_options")
    _check_evaluations(episodes, shape, path)
    _check_training_rows(episodes, shape, path)


def _check_evaluations(episodes: pd.DataFrame, shape: Mapping[str, Any], path: Path) -> None:
    """pi_0's rows: exactly the budget's evaluation points and episodes (none without pi_0)."""
    evals = episodes[episodes["policy"] == "distilled"]
    if not shape["has_distilled"]:
        if len(evals):
            raise RunLogError(f"{path}: distilled-policy rows, but the algorithm has no distilled policy")
        return
    counts = evals.groupby(["frames", "task"]).size()
    expected = pd.MultiIndex.from_product([shape["eval_frames"], shape["tasks"]], names=["frames", "task"])
    missing = expected.difference(counts.index)
    if len(missing):
        frames_missing, task = missing[0]
        raise RunLogError(f"{path}: incomplete: no distilled-policy evaluation of task {task!r} at frame "
                          f"{frames_missing} (expected evaluations at {shape['eval_frames']})")
    extra = counts.index.difference(expected)
    if len(extra):
        raise RunLogError(f"{path}: distilled-policy evaluation at frame {extra[0][0]}, not one of the "
                          f"budget's evaluation points {shape['eval_frames']}")
    wrong = counts[counts != shape["eval_episodes"]]
    if len(wrong):
        (at, task), n = wrong.index[0], int(wrong.iloc[0])
        raise RunLogError(f"{path}: {n} evaluation episodes of task {task!r} at frame {at}, "
                          f"expected {shape['eval_episodes']} (budget eval_episodes)")


def _check_training_rows(episodes: pd.DataFrame, shape: Mapping[str, Any], path: Path) -> None:
    """The training rows (policy task) of every (task, env) stream: numbered without gap or repeat,
    frames never backwards, reaching the run's last frames; and no (task, policy, env, episode) twice."""
    dup = episodes.duplicated(["task", "policy", "env", "episode"])
    if dup.any():
        line = _line(dup)
        row = episodes.iloc[line - 2]
        raise RunLogError(f"{path}: line {line}: (task, policy, env, episode) = ({row['task']}, {row['policy']}, "
                          f"{row['env']}, {row['episode']}) appears twice (lines appended again?)")
    rows = episodes[episodes["policy"] == "task"]
    check_streams(rows, ["task", "env"], "frames", path)
    # One episode in frames per task: the suite's episode limit, or where the suite has none the
    # longest episode logged (its last episode is shorter than an episode still running).
    steps = shape["bounds"]["max_steps"] or int(rows["episode_length"].max() if len(rows) else 0)
    envs = sorted(set(range(shape["envs_per_task"])) | set(rows["env"]))
    expected = pd.MultiIndex.from_product([shape["tasks"], envs], names=["task", "env"])
    check_stream_ends(rows, ["task", "env"], "frames", shape["frames_reached"], steps * shape["frames_per_step"],
                      expected, path, "frame")


def read_deep_run(run_dir: Path, wildcards: Mapping[str, Any]) -> tuple[pd.DataFrame, dict]:
    """One deep run's checked episodes.csv and its shape (status, tasks, evaluation points)."""
    run_dir = Path(run_dir)
    meta_path = run_dir / "meta.json"
    meta = read_meta(meta_path)
    _check_wildcards(meta, meta_path, wildcards)
    shape = deep_run_shape(meta, meta_path)
    episodes_path = run_dir / "episodes.csv"
    episodes = read_table(episodes_path, DEEP_EPISODE_COLUMNS)
    check_deep_episodes(episodes, shape, episodes_path)
    shape["meta"] = meta
    return episodes, shape


def read_deep_runs(runs: Iterable, profile: str, root: Path | str = ".") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every run of `runs` (distral.sweep.Run), checked: (episodes with run columns, one row per run).

    Stops at the first bad log, naming it; nothing is read past it."""
    frames, infos = [], []
    for run in runs:
        episodes, shape = read_deep_run(run.dir(profile, root), run.wildcards(profile))
        tag = {"suite": run.suite, "algo": run.algo, "hp": run.hp, "seed": run.seed}
        frames.append(episodes.assign(**tag))
        infos.append({**tag, **{k: v for k, v in shape.items() if k != "meta"},
                      "backend": shape["meta"].get("config", {}).get("backend"),
                      "resolved_options": shape["meta"].get("suite_resolved_options", {})})
    columns = ["suite", "algo", "hp", "seed", *DEEP_EPISODE_COLUMNS]
    episodes = pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    return episodes, pd.DataFrame(infos)


# --------------------------------------------------------------------------- random policy
def read_random_policy(suite_dir: Path, wildcards: Mapping[str, Any], tasks: list[str],
                       n_episodes: int) -> pd.DataFrame:
    """A suite's checked random_policy.csv: exactly episodes 0..n_episodes-1 (the profile's
    `random_episodes`) of every task of `tasks` (the runs' task_names), no other task, every
    episode with steps. Its random_policy.json (written last) must name this profile and suite."""
    suite_dir = Path(suite_dir)
    meta_path = suite_dir / "random_policy.json"
    meta = read_meta(meta_path)
    _check_wildcards(meta, meta_path, wildcards)
    path = suite_dir / "random_policy.csv"
    frame = read_table(path, RANDOM_POLICY_COLUMNS)
    unknown = sorted(set(frame["task"]) - set(tasks))
    if unknown:
        raise RunLogError(f"{path}: tasks {unknown} are not tasks of the suite's runs ({', '.join(tasks)})")
    missing = [t for t in tasks if t not in set(frame["task"])]
    if missing:
        raise RunLogError(f"{path}: incomplete: no episode of task {missing[0]!r}")
    expected = list(range(n_episodes))
    for task in tasks:
        episodes = sorted(frame.loc[frame["task"] == task, "episode"])
        if episodes != expected:
            raise RunLogError(f"{path}: {len(episodes)} episodes of task {task!r} (numbers {episodes[:5]}...), "
                              f"expected episodes 0..{n_episodes - 1} (budget random_episodes = {n_episodes})")
    if (frame["episode_length"] <= 0).any():
        raise RunLogError(f"{path}: an episode with no steps")
    check_streams(frame, ["task"], "episode", path)  # in order too: lines appended again repeat numbers
    check_bounds(frame, episode_bounds(meta.get("suite_resolved_options") or {}), path,
                 "random_policy.json suite_resolved_options")
    return frame


# --------------------------------------------------------------------------- grid world
def gridworld_eval_steps(total: int, interval: int, rollout: int) -> list[int]:
    """Env steps per task of the grid world's evaluations: the trainer advances in rollouts of
    `rollout` steps (the last one shortened to end on `total`) and evaluates whenever it has
    reached the next multiple of `interval` (tabular.run_gridworld; none at `total` otherwise)."""
    points, steps, next_eval = [], 0, 0
    while True:
        if steps >= next_eval:
            points.append(steps)
            next_eval += interval
        if steps >= total:
            return points
        steps += min(rollout, total - steps)


def read_gridworld_run(run_dir: Path, filename: str, wildcards: Mapping[str, Any]) -> pd.DataFrame:
    """One grid-world run's checked `filename`; evals.csv is also checked against the budget."""
    run_dir = Path(run_dir)
    meta_path = run_dir / "meta.json"
    meta = read_meta(meta_path)
    _check_wildcards(meta, meta_path, wildcards)
    status = meta.get("status", "completed")  # the tabular learner cannot diverge; older logs lack it
    if status not in STATUSES:
        raise RunLogError(f"{meta_path}: status {status!r} is not one of {', '.join(STATUSES)}")
    path = run_dir / filename
    frame = read_table(path, GRIDWORLD_COLUMNS[filename])
    if "algo" in frame.columns:
        for key in ("algo", "seed"):
            if (frame[key].astype(str) != str(wildcards[key])).any():
                raise RunLogError(f"{path}: column {key!r} is not {wildcards[key]!r} on every line")
    if filename == "evals.csv":
        _check_gridworld_evals(frame, meta, meta_path, path)
        check_bounds(frame, gridworld_bounds(_need(meta, meta_path, "config", "gridworld")), path,
                     "meta.json config.gridworld", return_col="return", length_col=None)
    if filename == "episodes.csv":
        _check_gridworld_episodes(frame, meta, meta_path, path)
    return frame


def _check_gridworld_episodes(episodes: pd.DataFrame, meta: Mapping[str, Any], meta_path: Path, path: Path) -> None:
    """One stream of training episodes per task: numbered without gap or repeat, env steps never
    backwards, reaching the budget's env steps within one episode; returns and lengths in bounds."""
    budget = _need(meta, meta_path, "config", "budget")
    gw = _need(meta, meta_path, "config", "gridworld")
    bounds = gridworld_bounds(gw)
    check_bounds(episodes, bounds, path, "meta.json config.gridworld", return_col="return", length_col="length")
    check_streams(episodes, ["task"], "env_steps", path)
    expected = pd.Index(range(int(gw["n_tasks"])), name="task")
    check_stream_ends(episodes, ["task"], "env_steps", int(budget["env_steps_per_task"]), bounds["max_steps"],
                      expected, path, "env step")


def _check_gridworld_evals(evals: pd.DataFrame, meta: Mapping[str, Any], meta_path: Path, path: Path) -> None:
    budget = _need(meta, meta_path, "config", "budget")
    gw = _need(meta, meta_path, "config", "gridworld")
    points = gridworld_eval_steps(int(budget["env_steps_per_task"]), int(budget["eval_interval"]),
                                  int(gw["soft_q"]["rollout_length"]))
    expected = pd.MultiIndex.from_product([range(int(gw["n_tasks"])), points], names=["task", "env_steps"])
    counts = evals.groupby(["task", "env_steps"]).size()
    missing = expected.difference(counts.index)
    if len(missing):
        task, steps = missing[0]
        raise RunLogError(f"{path}: incomplete: no evaluation of task {task} at env step {steps} "
                          f"({len(missing)} of {len(expected)} evaluations missing)")
    extra = counts.index.difference(expected)
    if len(extra) or (counts > 1).any():
        raise RunLogError(f"{path}: evaluations not in the budget's schedule (task, env step) {list(expected[:2])}...")


def read_gridworld_runs(params: Mapping[str, Any], profile: str, filename: str, root: Path | str = ".",
                        algos: list[str] | None = None) -> pd.DataFrame:
    """`filename` of every grid-world run of `profile` (`algos`, default all, x seeds), checked."""
    frames = [read_gridworld_run(run.dir(profile, root), filename, run.wildcards(profile))
              for run in gridworld_runs(params, profile, algos)]
    return pd.concat(frames, ignore_index=True)
