"""The training run: outputs, determinism, kill -9 and resume, divergence, CLI errors."""

from __future__ import annotations

import functools
import itertools
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml

from deep_helpers import PARAMS, ROOT, short_params_file, toy_config
from distral import cli, paths
from distral.deep import actors
from distral.deep.trainer import CHECKPOINT_FILE, CSV_COLUMNS, Trainer, learning_rate

HP = "ent3e-3_lr8e-4"


def test_learning_rate_anneals_linearly_to_a_sixth():
    assert learning_rate(6e-4, 6, 0, 100) == pytest.approx(6e-4)
    assert learning_rate(6e-4, 6, 50, 100) == pytest.approx(3.5e-4)
    assert learning_rate(6e-4, 6, 100, 100) == pytest.approx(1e-4)


def _run(tmp_path, name, **kw):
    config = toy_config(kw.pop("algo", "KL+ent_2col"), kw.pop("seed", 0), kw.pop("frames", 3200), **kw)
    result = Trainer(config, tmp_path / name).run(log=lambda m: None)
    return result, tmp_path / name


def test_outputs_and_same_seed_same_numbers(tmp_path):
    result, a = _run(tmp_path, "a")
    _, b = _run(tmp_path, "b")
    _, c = _run(tmp_path, "c", seed=1)
    assert result["status"] == "completed"
    text = (a / "episodes.csv").read_text()
    assert text == (b / "episodes.csv").read_text()
    assert text != (c / "episodes.csv").read_text()
    frame = pd.read_csv(a / "episodes.csv")
    assert list(frame.columns) == CSV_COLUMNS
    assert set(frame.task) == {"goal0", "goal1"}
    assert set(frame.policy) == {"task", "distilled"}
    # pi_0 is evaluated on every task at frame 0, at the interval and at the end
    evals = frame[frame.policy == "distilled"]
    assert sorted(evals.frames.unique()) == [0, 960, 1920, 2880, 3200]  # first update boundary at or after each 800-frame interval
    assert (evals.groupby("frames").task.nunique() == 2).all()
    info = json.loads((a / "meta.json").read_text())
    assert info["status"] == "completed" and info["frames_per_task"] == 3200
    assert info["config"]["algorithm"]["alpha"] == 0.5 and "commit" in info["git"]
    assert not (a / CHECKPOINT_FILE).exists()


def test_a3c_has_no_distilled_evaluation(tmp_path):
    _, a = _run(tmp_path, "a3c", algo="A3C", frames=1600)
    assert set(pd.read_csv(a / "episodes.csv").policy) == {"task"}


def test_divergence_is_recorded_with_last_good_numbers(tmp_path):
    config = toy_config("KL_1col", 0, 6400)
    config["hp_values"]["learning_rate"] = 1e30  # blows the weights up within a few updates
    result = Trainer(config, tmp_path / "d").run(log=lambda m: None)
    assert result["status"] == "diverged" and result["updates"] < 20
    info = json.loads((tmp_path / "d" / "meta.json").read_text())
    assert info["status"] == "diverged" and info["diverged_reason"]
    frame = pd.read_csv(tmp_path / "d" / "episodes.csv")
    assert frame.episode_return.notna().all()
    assert not (tmp_path / "d" / CHECKPOINT_FILE).exists()



def test_episodes_that_ended_before_non_finite_logits_are_kept(tmp_path, monkeypatch):
    """Non-finite logits part-way through a rollout: the training episodes that ended before
    them are logged, in the order and with the numbers of an uninterrupted run."""
    config = toy_config("A3C", 0, 1280)  # 4 envs per task: two halves, two samplings per step
    Trainer(config, tmp_path / "full", workers=0).run(log=lambda m: None)
    full = pd.read_csv(tmp_path / "full" / "episodes.csv")
    calls, fail_at = itertools.count(), 2 * 2 * 20 + 2 * 15  # update 2, step t = 15, first half
    real = actors.sample

    def failing(logits, generator):
        if next(calls) == fail_at:
            raise actors.Diverged("non-finite policy logits")
        return real(logits, generator)

    monkeypatch.setattr(actors, "sample", failing)
    result = Trainer(config, tmp_path / "cut", workers=0).run(log=lambda m: None)
    assert result["status"] == "diverged" and result["updates"] == 2
    cut = pd.read_csv(tmp_path / "cut" / "episodes.csv")
    # logged: every env's first 14 steps of update 2 (frames 640 + 14 x 16), and the first
    # half's 15th (its step was collected before the failing sampling); not the second half's
    per_step = 4 * 4  # envs x action repeat
    first_half = full.env < 2
    kept = (full.frames <= 640 + 14 * per_step) | (first_half & (full.frames == 640 + 15 * per_step))
    assert (full.frames > 640).any() and len(cut) < len(full)
    pd.testing.assert_frame_equal(cut, full[kept].reset_index(drop=True))

# ---------------------------------------------------------------- kill -9 and resume


def _train_cmd_of(params: Path, root: Path, suite: str = "toy") -> list[str]:
    return [sys.executable, "-m", "distral.commands.train", "--suite", suite, "--algo", "KL+ent_2col", "--hp", HP,
            "--seed", "3", "--profile", "smoke", "--params", str(params), "--threads", "1", "--root", str(root)]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9")
@pytest.mark.parametrize("suite", ["toy", "minigrid"])  # minigrid: the gymnasium backend's episode seeding
def test_kill_and_resume_gives_identical_numbers(tmp_path, suite):
    params = short_params_file(tmp_path)
    if suite == "minigrid":  # 3 tasks of up to 250 steps, each step one frame: a shorter run, few evaluations
        short = yaml.safe_load(params.read_text())
        short["profiles"]["smoke"]["deep"].update(frames_per_task=1200, envs_per_task=2, eval_interval_frames=1200,
                                                  eval_episodes=1)
        params.write_text(yaml.safe_dump(short, sort_keys=False))
    _train_cmd = functools.partial(_train_cmd_of, suite=suite)
    subprocess.run(_train_cmd(params, tmp_path / "straight"), check=True, capture_output=True)
    rel = Path(paths.run_dir("smoke", suite, "KL+ent_2col", HP, 3))
    expected = (tmp_path / "straight" / rel / "episodes.csv").read_text()
    expected_diagnostics = (tmp_path / "straight" / rel / "diagnostics.csv").read_text()

    root = tmp_path / "killed"
    run = root / rel
    kills = 0
    # kill -9 right after the first checkpoint appears, then part-way through the resumed run
    for delay in (0.0, 0.7):
        proc = subprocess.Popen(_train_cmd(params, root), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while not (run / CHECKPOINT_FILE).exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.01)
        time.sleep(delay)
        if proc.poll() is not None:
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        assert not (run / "episodes.csv").exists()  # a killed run writes nothing final
    assert kills >= 1, "the run finished before it could be killed; make it longer"
    done = subprocess.run(_train_cmd(params, root), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (run / "episodes.csv").read_text() == expected
    assert (run / "diagnostics.csv").read_text() == expected_diagnostics
    assert json.loads((run / "meta.json").read_text())["status"] == "completed"
    assert not (run / CHECKPOINT_FILE).exists()


def test_resume_from_checkpoint_in_process(tmp_path):
    """Resuming from a checkpoint written mid-run (no subprocess): same rows as straight through."""
    config = toy_config("KL_1col", 5, 4800, checkpoint_every=3)
    config["deep"]["diagnostics_interval_updates"] = 2
    straight = Trainer(config, tmp_path / "s").run(log=lambda m: None)
    assert straight["status"] == "completed"

    class Stop(Exception):
        pass

    trainer = Trainer(config, tmp_path / "r")
    original = trainer.checkpoint

    def checkpoint_then_crash():
        original()
        if trainer.update == 6:
            raise Stop

    trainer.checkpoint = checkpoint_then_crash
    with pytest.raises(Stop):
        trainer.run(log=lambda m: None)
    messages = []
    Trainer(config, tmp_path / "r").run(log=messages.append)
    assert "resumed at update 6" in messages[0]
    for name in ("episodes.csv", "diagnostics.csv"):
        assert (tmp_path / "r" / name).read_text() == (tmp_path / "s" / name).read_text(), name
    assert len(pd.read_csv(tmp_path / "r" / "diagnostics.csv")) > 8  # rows before and after the crash


def test_checkpoint_of_other_config_is_refused(tmp_path):
    config = toy_config("A3C", 0, 1600, checkpoint_every=1)
    trainer = Trainer(config, tmp_path / "x")
    trainer.checkpoint()
    other = toy_config("A3C", 0, 3200, checkpoint_every=1)
    with pytest.raises(ValueError, match="different configuration"):
        Trainer(other, tmp_path / "x").run(log=lambda m: None)


# ---------------------------------------------------------------- CLI
@pytest.mark.parametrize(
    "change, message",
    [
        ({"--algo": "KL_3col"}, "unknown algorithm 'KL_3col'"),
        ({"--hp": "lr1"}, "unknown hp 'lr1'"),
        ({"--suite": "nope"}, "unknown suite 'nope'"),
        ({"--profile": "huge"}, "unknown profile 'huge'"),
        ({"--seed": "-1"}, "seed must be >= 0"),
        ({"--device": "tpu"}, "--device 'tpu'"),
    ],
)
def test_cli_bad_arguments(tmp_path, capsys, change, message):
    args = {"--suite": "toy", "--algo": "A3C", "--hp": HP, "--seed": "0", "--profile": "smoke",
            "--params": str(PARAMS), "--root": str(tmp_path)}
    args.update(change)
    code = cli.main(["train", *[x for kv in args.items() for x in kv]])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("distral train: error:")
    assert not (tmp_path / "results").exists()


def test_cli_runs_and_logs_plain_lines(tmp_path, capsys):
    params = short_params_file(tmp_path)
    code = cli.main(["train", "--suite", "toy", "--algo", "A3C_multitask", "--hp", HP, "--seed", "0",
                     "--profile", "smoke", "--params", str(params), "--root", str(tmp_path), "--progress", "off"])
    assert code == 0
    out = capsys.readouterr().out
    assert "frames 4800/4800 per task" in out and "completed:" in out
    run = tmp_path / paths.run_dir("smoke", "toy", "A3C_multitask", HP, 0)
    assert (run / "episodes.csv").exists() and (run / "meta.json").exists()


def test_snakemake_train_rule_dry_run():
    """The train_deep rule builds a deep run's files from its wildcards and calls the train CLI."""
    target = "results/smoke/mazes/KL+ent_2col/ent3e-3_lr8e-4/0/episodes.csv"  # a suite of the sweep
    out = subprocess.run([sys.executable, "-m", "snakemake", "-n", "-p", "--cores", "1", target],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr + out.stdout
    text = out.stdout + out.stderr
    assert "rule train_deep" in text
    assert "-m distral train --suite mazes --algo KL+ent_2col --hp ent3e-3_lr8e-4 --seed 0 --profile smoke" in text


def test_bf16_precision_runs_and_is_deterministic(tmp_path):
    """precision: bf16 autocasts the forward passes; a run completes and repeats exactly on CPU."""
    config = toy_config("KL_2col", 0, 1600)
    config["budget"]["precision"] = "bf16"
    texts, trainers = [], []
    for name in ("a", "b"):
        trainer = Trainer(config, tmp_path / name)
        assert trainer.run(log=lambda m: None)["status"] == "completed"
        texts.append((tmp_path / name / "episodes.csv").read_text())
        trainers.append(trainer)
    assert texts[0] == texts[1]
    fp32 = Trainer(toy_config("KL_2col", 0, 1600), tmp_path / "fp32")
    fp32.run(log=lambda m: None)
    w = "shared.policy.weight"
    assert torch.equal(trainers[0].net.state_dict()[w], trainers[1].net.state_dict()[w])
    assert not torch.equal(trainers[0].net.state_dict()[w], fp32.net.state_dict()[w])  # bf16 is in effect
