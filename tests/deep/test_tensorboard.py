"""TensorBoard event files of a run: read back, they hold the CSV logs' values; the logs keep
their bytes; a crashed and resumed run reads back with no point twice; off unless asked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from deep_helpers import short_params_file, toy_config
from distral import cli, paths
from distral.deep.tensorboard import DIRECTORY
from distral.deep.trainer import Trainer, learning_rate

HP = "ent3e-3_lr8e-4"


def _config():
    config = toy_config("KL+ent_2col", 4, 2400, checkpoint_every=3)
    config["deep"]["diagnostics_interval_updates"] = 2
    return config


def read_events(run_dir) -> dict[str, list[tuple[int, float]]]:
    """Every scalar tag as (step, value) points, sorted, as TensorBoard shows them (purges applied)."""
    acc = EventAccumulator(str(run_dir / DIRECTORY), size_guidance={"scalars": 0})  # 0: keep every point
    acc.Reload()
    return {tag: sorted((e.step, e.value) for e in acc.Scalars(tag)) for tag in acc.Tags()["scalars"]}


def expected_from_logs(run_dir) -> dict[str, list[tuple[int, float]]]:
    """The same points computed from the CSV logs alone (float32, as TensorBoard stores them)."""
    episodes = pd.read_csv(run_dir / "episodes.csv")
    diagnostics = pd.read_csv(run_dir / "diagnostics.csv")
    out: dict[str, list] = {}
    for task, rows in episodes[episodes.policy == "task"].groupby("task"):
        out[f"return/{task}"] = list(zip(rows.frames, rows.episode_return))
    evals = episodes[episodes.policy == "distilled"].groupby(["task", "frames"]).episode_return.mean()
    for (task, frames), value in evals.items():
        out.setdefault(f"pi0_return/{task}", []).append((frames, value))
    for (metric, task), rows in diagnostics.groupby(["metric", "task"]):
        out[f"diagnostics/{metric}/{task}"] = list(zip(rows.frames, rows.value))
    return {tag: sorted((int(s), float(np.float32(v))) for s, v in points) for tag, points in out.items()}


def assert_points_close(got, want):
    assert [s for s, _ in got] == [s for s, _ in want]
    # the CSV logs hold 6 significant digits (io.write_csv), the events float32
    np.testing.assert_allclose([v for _, v in got], [v for _, v in want], rtol=1e-5, atol=1e-7)


def test_events_hold_the_logs_values_and_the_logs_keep_their_bytes(tmp_path):
    config = _config()
    plain = Trainer(config, tmp_path / "plain")
    plain.run(log=lambda m: None)
    board = Trainer(config, tmp_path / "board", tensorboard=True)
    board.run(log=lambda m: None)
    for name in ("episodes.csv", "diagnostics.csv"):
        assert (tmp_path / "board" / name).read_bytes() == (tmp_path / "plain" / name).read_bytes(), name
    assert not (tmp_path / "plain" / DIRECTORY).exists()  # off unless asked

    events = read_events(tmp_path / "board")
    expected = expected_from_logs(tmp_path / "board")
    assert expected.keys() <= events.keys() and any(t.startswith("diagnostics/kl") for t in expected)
    for tag, points in expected.items():
        assert_points_close(events[tag], points)
    # one learning-rate point per update, at the frames where the update starts (the linear anneal)
    per_update, n = board.frames_per_update, board.total_updates
    lr = events["train/lr"]
    assert [s for s, _ in lr] == [u * per_update for u in range(n)]
    np.testing.assert_allclose([v for _, v in lr], [learning_rate(board.lr0, config["deep"]["lr_final_divisor"],
                                                                  u * per_update, board.total_frames)
                                                    for u in range(n)], rtol=1e-6)
    assert len(events["train/loss"]) == len(events["train/grad_norm"]) == n


def test_a_crashed_and_resumed_run_reads_back_as_an_uninterrupted_one(tmp_path):
    config = _config()
    Trainer(config, tmp_path / "straight", tensorboard=True).run(log=lambda m: None)

    class Crash(Exception):
        pass

    trainer = Trainer(config, tmp_path / "resumed", tensorboard=True)
    original = trainer.train_update

    def crash_after_the_checkpoint_and_two_more_updates():
        stats = original()
        if trainer.update == 8:  # checkpoint at 6; updates 7 and 8 and their points are lost
            raise Crash
        return stats

    trainer.train_update = crash_after_the_checkpoint_and_two_more_updates
    with pytest.raises(Crash):
        trainer.run(log=lambda m: None)
    messages = []
    Trainer(config, tmp_path / "resumed", tensorboard=True).run(log=messages.append)
    assert "resumed at update 6" in messages[0]
    assert len(list((tmp_path / "resumed" / DIRECTORY).glob("events.out.tfevents.*"))) == 2
    straight, resumed = read_events(tmp_path / "straight"), read_events(tmp_path / "resumed")
    assert straight.keys() == resumed.keys()
    for tag in straight:
        assert resumed[tag] == straight[tag], tag  # no point twice, none missing


def test_cli_flag_and_params_key(tmp_path):
    params = short_params_file(tmp_path)
    params.write_text(params.read_text().replace("frames_per_task: 4800", "frames_per_task: 640", 1))  # 2 updates
    args = ["train", "--suite", "toy", "--algo", "A3C", "--hp", HP, "--seed", "0", "--profile", "smoke",
            "--params", str(params), "--progress", "off"]
    assert cli.main([*args, "--root", str(tmp_path / "flag"), "--tensorboard"]) == 0
    run = paths.run_dir("smoke", "toy", "A3C", HP, 0)
    assert list((tmp_path / "flag" / run / DIRECTORY).glob("events.out.tfevents.*"))
    text = params.read_text().replace("precision: fp32", "precision: fp32\n      tensorboard: true", 1)
    params.write_text(text)
    assert cli.main([*args, "--root", str(tmp_path / "key")]) == 0
    assert list((tmp_path / "key" / run / DIRECTORY).glob("events.out.tfevents.*"))
    assert cli.main([*args, "--root", str(tmp_path / "off"), "--no-tensorboard"]) == 0
    assert not (tmp_path / "off" / run / DIRECTORY).exists()
