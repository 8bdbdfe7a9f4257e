"""The schedule of a deep run (distral.schedule) against a slow, obvious count of frames, and
against what the trainer actually does in short toy runs."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pandas as pd

from deep_helpers import toy_config
from distral import schedule
from distral.analysis import runlogs


def slow_frames_per_update(T: int, B: int, repeat: int) -> int:
    """Count the env frames of one update one by one: T steps of B envs, each `repeat` frames."""
    return sum(1 for _ in range(T) for _ in range(B) for _ in range(repeat))


def slow_n_updates(frames_per_task: int, per_update: int) -> int:
    """Add updates until the budget is spent (the last one may overshoot it)."""
    updates = 0
    while updates * per_update < frames_per_task:
        updates += 1
    return updates


def slow_eval_frames(n_total: int, updates_done: int, per_update: int, interval: int) -> list[int]:
    """Walk the run frame by frame: pi_0 is evaluated at frame 0; between updates once at least
    `interval` frames have passed since the last evaluation; and at the end of the budget, if the
    run got there and has not just evaluated."""
    points = [0]
    for frame in range(1, updates_done * per_update + 1):
        between_updates = frame % per_update == 0
        end_of_budget = frame == n_total * per_update
        if between_updates and (frame - points[-1] >= interval or end_of_budget):
            points.append(frame)
    return points


def test_frames_per_update_and_updates_match_the_slow_count():
    for T, B, repeat in itertools.product([1, 5, 20], [1, 3, 4], [1, 4]):
        per_update = schedule.frames_per_update(T, B, repeat)
        assert per_update == slow_frames_per_update(T, B, repeat)
        for frames in [1, per_update - 1, per_update, per_update + 1, 7 * per_update, 400, 3200, 129600]:
            if frames >= 1:
                assert schedule.n_updates(frames, per_update) == slow_n_updates(frames, per_update)


def test_evaluation_frames_match_the_slow_walk():
    for n_total, per_update, interval in itertools.product([1, 2, 3, 5, 12], [10, 80, 320], [1, 10, 100, 400, 4000]):
        for updates_done in range(n_total + 1):  # a diverged run stops early
            expected = slow_eval_frames(n_total, updates_done, per_update, interval)
            assert schedule.eval_frames(n_total, updates_done, per_update, interval) == expected
            assert runlogs.deep_eval_frames(n_total, updates_done, per_update, interval) == expected


def test_the_profiles_schedules():
    # smoke: 400 frames per task, 1 env, T 20, action repeat 4 on mazes: 5 updates, pi_0 at 0 and 400
    assert schedule.n_updates(400, schedule.frames_per_update(20, 1, 4)) == 5
    assert schedule.eval_frames(5, 5, 80, 400) == [0, 400]
    # default on mazes: 405 updates of 320 frames, pi_0 at 0, each quarter, and the end
    assert schedule.n_updates(129600, 320) == 405
    assert schedule.eval_frames(405, 405, 320, 32400) == [0, 32640, 65280, 97920, 129600]


def _distilled_frames(run_dir) -> list[int]:
    frame = pd.read_csv(run_dir / "episodes.csv")
    return sorted(frame[frame.policy == "distilled"].frames.unique())


def _trainer_run(tmp_path, name, config):
    from distral.deep.trainer import Trainer

    trainer = Trainer(config, tmp_path / name, workers=0)
    result = trainer.run(log=lambda m: None)
    return trainer, result


def test_the_trainer_evaluates_at_the_schedules_frames(tmp_path):
    config = toy_config("KL+ent_2col", 0, frames=1600, eval_every=500)
    trainer, result = _trainer_run(tmp_path, "run", config)
    assert result["status"] == "completed"
    expected = schedule.eval_frames(trainer.total_updates, result["updates"], trainer.frames_per_update, 500)
    assert expected == [0, 640, 1280, 1600]
    assert _distilled_frames(tmp_path / "run") == expected


def test_a_diverged_run_evaluates_at_the_schedules_frames_up_to_its_last_good_update(tmp_path):
    config = toy_config("KL_1col", 0, frames=6400, eval_every=640)
    config["hp_values"]["learning_rate"] = 1e30  # blows the weights up within a few updates
    trainer, result = _trainer_run(tmp_path, "diverged", config)
    assert result["status"] == "diverged" and result["updates"] < trainer.total_updates
    expected = schedule.eval_frames(trainer.total_updates, result["updates"], trainer.frames_per_update, 640)
    assert _distilled_frames(tmp_path / "diverged") == expected


def test_the_schedule_does_not_import_torch():
    code = "import sys, distral.schedule; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
