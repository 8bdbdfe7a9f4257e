"""Nothing averaged in silently (issue 22): training rows checked like evaluations, values within what
the task can give, aggregates traced to the logs they come from, and a failed aggregation that leaves
the previous outputs whole. One test per fault that once went through without a word."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

import analysis_logs as logs
from distral import io
from distral.analysis import aggregates, runlogs
from distral.cli import main
from distral.sweep import Run

HP = logs.BUDGET["hps"][0]
TASKS = ["t0", "t1"]
# A suite whose episodes last 5 agent steps (20 engine frames at action repeat 4) and pay the
# mazes' rewards: at most 20 x (1 + 10) = 220 per episode.
OPTIONS = {"action_repeat": 4, "episode_frames": 20, "rewards": {"apple": 1.0, "goal": 10.0}}


def a3c_run(root: Path) -> Path:
    """An A3C run (no pi_0, so no evaluation rows to count) of 200 frames per task, 1 env: each
    task's episodes 0..39 end every 5 frames, as the trainer logs them."""
    rows = [(5 * (k + 1), t, "task", 0, k, float(k % 7), 5) for k in range(40) for t in TASKS]
    run_dir = logs.write_run(root, "mazes", "A3C", HP, 0, TASKS, rows)
    meta = json.loads((run_dir / "meta.json").read_text())
    meta["suite_resolved_options"] = OPTIONS
    (run_dir / "meta.json").write_text(json.dumps(meta))
    return run_dir


def read_a3c(root: Path):
    return runlogs.read_deep_runs([Run("mazes", "A3C", HP, 0)], "smoke", root)


def error_of(root: Path) -> str:
    with pytest.raises(runlogs.RunLogError) as info:
        read_a3c(root)
    return str(info.value)


def test_the_good_run_reads(tmp_path):
    episodes, _ = read_a3c(tmp_path) if a3c_run(tmp_path) else None
    assert len(episodes) == 80


def test_log_cut_at_a_line_boundary_is_incomplete(tmp_path):
    """Table row 1: 403 of 577 lines kept went through; training streams must reach the run's end."""
    path = a3c_run(tmp_path) / "episodes.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:57]))  # a clean cut: every line whole
    message = error_of(tmp_path)
    assert message.startswith(f"{path}: incomplete: the training episodes of task=t0, env=0 end at frame 140")
    assert "more than one episode (5) before the 200" in message


def test_last_lines_appended_again_are_named(tmp_path):
    """Table row 2: the last lines written twice (a bad resume)."""
    path = a3c_run(tmp_path) / "episodes.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines + lines[-30:]))
    message = error_of(tmp_path)
    assert message.startswith(f"{path}: line 82: (task, policy, env, episode) = (t0, task, 0, 25) appears twice")


def test_a_log_cut_at_its_head_is_named(tmp_path):
    """The first data lines gone, the header kept: the streams no longer start at episode 0."""
    path = a3c_run(tmp_path) / "episodes.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:1] + lines[3:]))
    assert error_of(tmp_path).startswith(f"{path}: line 2: episode 1 of stream task=t0, env=0, expected 0")


@pytest.mark.parametrize("row, change, fragment", [
    (3, {"episode": 99}, "line 4: episode 99 of stream task=t0, env=0, expected 1"),  # a gap
    (4, {"frames": 1}, "line 5: frames go backwards within the stream of task=t1, env=0"),
])
def test_gaps_and_frames_going_backwards_are_named(tmp_path, row, change, fragment):
    path = a3c_run(tmp_path) / "episodes.csv"
    frame = pd.read_csv(path)
    for column, value in change.items():
        frame.loc[row - 1, column] = value
    frame.to_csv(path, index=False, lineterminator="\n")
    assert error_of(tmp_path).startswith(f"{path}: {fragment}")


def test_a_return_above_what_the_task_can_pay_is_named(tmp_path):
    """Table row 3: one episode_return set to 1e308 (finite, so it went through)."""
    path = a3c_run(tmp_path) / "episodes.csv"
    frame = pd.read_csv(path)
    frame.loc[9, "episode_return"] = 1e308
    frame.to_csv(path, index=False, lineterminator="\n")
    assert error_of(tmp_path) == (f"{path}: line 11: episode_return 1e+308 is a return above the most the task "
                                  "can pay, 220 (meta.json suite_resolved_options)")


def test_a_length_above_the_episode_limit_and_a_negative_return_are_named(tmp_path):
    path = a3c_run(tmp_path) / "episodes.csv"
    frame = pd.read_csv(path)
    frame.loc[2, "episode_length"] = 6
    frame.to_csv(path, index=False, lineterminator="\n")
    assert "line 4: episode_length 6 is a length above the episode limit of 5 steps" in error_of(tmp_path)
    frame.loc[2, "episode_length"], frame.loc[2, "episode_return"] = 5, -1.0
    frame.to_csv(path, index=False, lineterminator="\n")
    assert "line 4: episode_return -1.0 is a return below the least the task can pay, 0" in error_of(tmp_path)


def test_episode_bounds_follow_the_reward_rules():
    """Worked by hand: 3600 frames at repeat 4 = 900 steps; every engine frame may pay each reward once."""
    assert runlogs.episode_bounds({"action_repeat": 4, "episode_frames": 3600, "rewards": {"tag": 1.0, "object": 0.25}}) \
        == {"max_steps": 900, "return_low": 0.0, "return_high": 3600 * 1.25}
    assert runlogs.episode_bounds({"action_repeat": 4, "episode_frames": 30})["max_steps"] == 8  # rounded up
    assert runlogs.episode_bounds({"max_steps": 20, "step_penalty": -0.01}) == \
        {"max_steps": 20, "return_low": None, "return_high": None}
    assert runlogs.gridworld_bounds({"max_episode_steps": 50, "rewards": {"step": -0.1, "wall": -0.5, "goal": 1.0}}) \
        == {"max_steps": 50, "return_low": -25.0, "return_high": 50.0}


def test_random_policy_log_appended_again_or_out_of_bounds(tmp_path):
    out = logs.write_random(tmp_path, "mazes", TASKS)
    meta = json.loads((out / "random_policy.json").read_text())
    (out / "random_policy.json").write_text(json.dumps({**meta, "suite_resolved_options": OPTIONS}))
    path = out / "random_policy.csv"
    good = path.read_text()
    read = lambda: runlogs.read_random_policy(out, {"profile": "smoke", "suite": "mazes"}, TASKS, 3)  # noqa: E731
    with pytest.raises(runlogs.RunLogError, match="episode_length 900 is a length above the episode limit of 5"):
        read()
    path.write_text(good.replace(",900\n", ",5\n"))
    assert len(read()) == 6
    path.write_text(path.read_text().replace("t1,2,1.0,5", "t1,2,1e308,5"))
    with pytest.raises(runlogs.RunLogError, match=r"line 7: episode_return 1e\+308 is a return above"):
        read()


# --------------------------------------------------------------------------- the grid world
@pytest.fixture(scope="module")
def gridworld(tmp_path_factory):
    root = logs.train_small_gridworld(tmp_path_factory.mktemp("gw"))
    assert aggregate_gridworld(root) == 0
    return root


aggregate_gridworld = logs.aggregate_gridworld


@pytest.mark.parametrize("damage, fragment", [
    (lambda lines: lines[: len(lines) // 2], "incomplete: the training episodes of task="),
    (lambda lines: lines + lines[-100:], "episode numbers must run on without gap or repeat"),
    (lambda lines: [lines[0], lines[1].replace(",", ",", 3)] + lines[2:], None),  # unchanged: still good
])
def test_gridworld_episodes_are_checked(gridworld, capsys, damage, fragment):
    path = gridworld / "results/smoke/gridworld/distral/appB1/1/episodes.csv"
    good = path.read_text()
    try:
        path.write_text("".join(damage(good.splitlines(keepends=True))))
        code = aggregate_gridworld(gridworld)
        err = capsys.readouterr().err
        if fragment is None:
            assert code == 0
        else:
            assert code == 2 and err.startswith(f"distral aggregate-gridworld: error: {path}: ") and fragment in err
    finally:
        path.write_text(good)


def test_gridworld_return_bound_is_named(gridworld, capsys):
    path = gridworld / "results/smoke/gridworld/soft_q/appB1/0/episodes.csv"
    good = path.read_text()
    frame = pd.read_csv(path)
    frame.loc[4, "return"] = 1e308
    try:
        frame.to_csv(path, index=False, lineterminator="\n")
        assert aggregate_gridworld(gridworld) == 2
        assert f"{path}: line 6: return 1e+308 is a return above the most the task can pay, 50" \
            in capsys.readouterr().err
    finally:
        path.write_text(good)


# --------------------------------------------------------------------------- aggregates traced to their logs
@pytest.fixture
def sweep(tmp_path):
    params = logs.write_params(tmp_path / "params.yaml", hps=[HP], seeds=1)
    logs.synthetic_sweep(tmp_path, params, ["mazes"])
    assert main(["aggregate-deep", "--suite", "mazes", "--profile", "smoke", "--params", str(params),
                 "--root", str(tmp_path)]) == 0
    return tmp_path, params


def figure_suite(root, params) -> int:
    return main(["figure-suite", "--suite", "mazes", "--profile", "smoke", "--params", str(params), "--root", str(root)])


def test_the_manifest_lists_the_logs_and_the_aggregates(sweep):
    root, _ = sweep
    recorded = json.loads(aggregates.manifest_file(root, "smoke", "mazes").read_text())
    assert recorded["command"] == "aggregate-deep"
    assert set(recorded["outputs"]) == {f"results/smoke/mazes/{n}.csv" for n in aggregates.AGGREGATES} | \
        {"metrics/smoke/mazes.json"}
    assert "results/smoke/mazes/KL_2col/ent1e-3_lr4e-4/0/episodes.csv" in recorded["inputs"]
    assert "results/smoke/mazes/random_policy.csv" in recorded["inputs"]
    for rel, digest in recorded["outputs"].items():
        assert io.sha256(root / rel) == digest
    assert len(aggregates.read_suite(root, "smoke", "mazes")["runs"]) > 0


def test_an_aggregate_edited_by_hand_stops_everything_downstream(sweep, capsys):
    """Table row 4: runs.csv edited by hand (one final_score -> 99) was drawn from without a word."""
    root, params = sweep
    path = aggregates.aggregate_file(root, "smoke", "mazes", "runs")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[0, "final_score"] = "99"
    frame.to_csv(path, index=False, lineterminator="\n")
    with pytest.raises(aggregates.StaleAggregate, match=f"^{path}: edited since the aggregation wrote it"):
        aggregates.read_suite(root, "smoke", "mazes")
    assert figure_suite(root, params) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"distral figure-suite: error: {path}: edited since") and err.count("\n") == 1
    assert not (root / "figures").exists()


def test_a_log_restored_with_an_old_timestamp_is_named(sweep):
    """Table row 5: a log changed after the aggregation but dated before it (cp -a): Snakemake's
    timestamps see nothing; the checksum does."""
    root, _ = sweep
    log = root / "results/smoke/mazes/KL_1col" / HP / "0/episodes.csv"
    before = log.stat()
    log.write_text(log.read_text().replace(",5\n", ",4\n", 1))
    os.utime(log, ns=(before.st_atime_ns, before.st_mtime_ns - 10**12))
    with pytest.raises(aggregates.StaleAggregate,
                       match=f"^{log}: changed since the aggregates were computed from it .*--forcerun aggregate_deep"):
        aggregates.read_suite(root, "smoke", "mazes", ["selection"])
    # the Snakefile stops on it before scheduling anything (rules/common.smk), naming the log
    assert aggregates.restored_logs(root, "smoke", ["mazes", "navigation", "gridworld"]) == [
        f"{log}: changed since the aggregates of {root / 'results/smoke/mazes'} were computed from it, but dated "
        f"before them, so Snakemake would keep them; `touch {log}` to recompute them"]
    os.utime(log)  # dated now: Snakemake reruns the aggregation itself, nothing to report
    assert aggregates.restored_logs(root, "smoke", ["mazes"]) == []


def test_a_failed_aggregation_keeps_the_previous_outputs(sweep, monkeypatch, capsys):
    """All or nothing: a failure while writing (here the metrics file) leaves every previous output
    byte for byte, with its manifest, and no temporary file."""
    root, params = sweep
    folder = root / "results/smoke/mazes"
    before = {p: p.read_bytes() for p in [*folder.glob("*.csv"), *folder.glob("*.json"), *(root / "metrics").rglob("*.json")]}
    log = root / "results/smoke/mazes/A3C" / HP / "0/episodes.csv"
    log.write_text(log.read_text().replace(",5\n", ",4\n", 1))  # the new aggregates would differ
    real = io.write_json

    def fail_on_metrics(obj, path):
        if "metrics" in str(path):
            raise io.WriteError(f"{path}: cannot write: No space left on device")
        return real(obj, path)

    monkeypatch.setattr("distral.commands.aggregate_deep.write_json", fail_on_metrics)
    assert main(["aggregate-deep", "--suite", "mazes", "--profile", "smoke", "--params", str(params),
                 "--root", str(root)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in before} == before
    assert not [p for p in root.rglob("*.tmp")]


# --------------------------------------------------------------------------- shipped logs
def test_shipped_logs_carry_a_manifest_that_is_verified_before_they_are_read(sweep, capsys):
    root, params = sweep
    assert main(["manifest", "--profile", "smoke", "--params", str(params), "--root", str(root)]) == 0
    manifest = root / "results/smoke/MANIFEST.sha256"
    listed = io.read_sha256sums(manifest)
    assert "mazes/KL_1col/ent1e-3_lr4e-4/0/episodes.csv" in listed and "mazes/random_policy.csv" in listed
    assert not [n for n in listed if n.startswith("mazes/") and n.count("/") == 1 and "random_policy" not in n]
    assert main(["manifest", "--profile", "smoke", "--check", "--params", str(params), "--root", str(root)]) == 0
    log = root / "results/smoke/mazes/KL_1col" / HP / "0/episodes.csv"
    log.write_text(log.read_text().replace(",5\n", ",4\n", 1))  # a shipped log changed after shipping
    capsys.readouterr()
    assert main(["aggregate-deep", "--suite", "mazes", "--profile", "smoke", "--params", str(params),
                 "--root", str(root)]) == 2
    assert capsys.readouterr().err.startswith(f"distral aggregate-deep: error: {log}: differs from the checksum "
                                              f"shipped in {manifest}")
    assert main(["manifest", "--profile", "smoke", "--check", "--params", str(params), "--root", str(root)]) == 2
    assert f"{log}: differs from the checksum in {manifest}" in capsys.readouterr().err
