"""Acting (distral.deep.actors, nets.act): batched acting equals the per-task network call, and the
number of env worker threads changes the speed only, never the numbers (toy and mazes)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from deep_helpers import PARAMS, toy_config
from distral.config import load_params
from distral.deep.nets import DistralNet, TaskState, act, acting
from distral.deep.trainer import Trainer, resolve_run


@pytest.mark.parametrize("columns", ["task", "shared", "1col", "2col"])
@pytest.mark.parametrize("resolution", [20, 42])
def test_batched_acting_equals_the_per_task_call(columns, resolution):
    torch.manual_seed(0)
    n, B, A = 3, 5, 6
    net = DistralNet(columns, n, A, resolution, h_weight=0.5)
    for p in net.parameters():  # non-default biases too, so a wrong bias sum shows
        p.data.add_(0.05 * torch.randn_like(p))
    obs = torch.randint(0, 256, (n, B, resolution, resolution, 3), dtype=torch.uint8)
    first = torch.rand(n, B) < 0.4
    states = [TaskState(*(None if s is None else (torch.randn(B, 256), torch.randn(B, 256))
                          for s in net.initial_state(B))) for _ in range(n)]
    stacked = TaskState(*(None if states[0][j] is None else
                          tuple(torch.stack([s[j][m] for s in states]) for m in range(2)) for j in range(2)))
    with torch.no_grad():
        logits, new = act(net, acting(net), obs, first, stacked)
        for i in range(n):
            out, expect = net(i, obs[i][None], first[i][None], states[i])
            torch.testing.assert_close(logits[i], out.logits[0], rtol=1e-5, atol=1e-5)
            for j in range(2):
                if expect[j] is not None:
                    torch.testing.assert_close(new[j][0][i], expect[j][0], rtol=1e-5, atol=1e-5)
                    torch.testing.assert_close(new[j][1][i], expect[j][1], rtol=1e-5, atol=1e-5)


def _episodes(config, path, workers):
    trainer = Trainer(config, path, workers=workers)
    assert trainer.envs.workers == workers
    assert trainer.run(log=lambda m: None)["status"] == "completed"
    return (path / "episodes.csv").read_text()


@pytest.mark.parametrize("algo", ["A3C", "KL+ent_2col"])
def test_toy_numbers_do_not_depend_on_the_workers(tmp_path, algo):
    config = toy_config(algo, 2, 1600, envs=5)  # odd: halves of 3 and 2 envs
    texts = {w: _episodes(config, tmp_path / str(w), w) for w in (0, 2, 3)}
    assert texts[0] == texts[2] == texts[3]
    assert texts[0].count("\n") > 10


def test_mazes_numbers_do_not_depend_on_the_workers(tmp_path, fresh_wad_cache):
    params = load_params(PARAMS)
    config = resolve_run(params, suite="mazes", algo="KL+ent_1col", hp="ent3e-3_lr8e-4", seed=4, profile="smoke")
    config["budget"].update(frames_per_task=1280, envs_per_task=4, resolution=42, eval_interval_frames=640,
                            eval_episodes=1, checkpoint_interval_updates=10**6)
    config["suite_options"].update(resolution=[42, 42], episode_frames=160, tasks=config["suite_options"]["tasks"][:2])
    texts = {w: _episodes(config, tmp_path / str(w), w) for w in (0, 2)}
    assert texts[0] == texts[2]
    assert "distilled" in texts[0] and texts[0].count("\n") > 8


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs Linux /proc")
def test_engines_end_with_a_killed_trainer(fresh_wad_cache):
    """kill -9 of the process that steps ViZDoom envs on worker threads leaves no engine behind."""
    code = ("from distral.deep.actors import TaskEnvs\nfrom distral.envs.registry import make_suite\n"
            "import time\nenvs = TaskEnvs(make_suite('mazes', resolution=[42, 42]), 0, 2, workers=2)\n"
            "print('ready', flush=True)\ntime.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    children = {int(c) for t in Path(f"/proc/{proc.pid}/task").iterdir() for c in (t / "children").read_text().split()}
    assert len(children) >= 16  # 8 tasks x 2 envs, and the watchdog
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while any(map(_alive, children)) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(map(_alive, children)), "ViZDoom engines outlived their trainer"


def test_cli_rejects_negative_workers(tmp_path, capsys):
    from distral import cli

    code = cli.main(["train", "--suite", "toy", "--algo", "A3C", "--hp", "ent3e-3_lr8e-4", "--seed", "0",
                     "--profile", "smoke", "--params", str(PARAMS), "--root", str(tmp_path), "--workers", "-1"])
    assert code == 2 and "--workers must be >= 0" in capsys.readouterr().err


def test_torch_threads_are_restored_after_the_block_even_on_error():
    from distral.deep.actors import torch_threads

    before = torch.get_num_threads()
    with torch_threads(before + 1):
        assert torch.get_num_threads() == before + 1
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError), torch_threads(before + 1):
        raise RuntimeError("inside")
    assert torch.get_num_threads() == before
    with torch_threads(None):
        assert torch.get_num_threads() == before


def test_learning_on_two_threads_repeats_exactly_and_acting_keeps_its_threads(tmp_path, monkeypatch):
    """learn_threads=2 (a run given 2 cores): the same numbers twice; acting stays on its own threads."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    seen = []
    original = Trainer._learn

    def spy(self, batches, lr):
        seen.append(torch.get_num_threads())
        return original(self, batches, lr)

    monkeypatch.setattr(Trainer, "_learn", spy)
    config = toy_config("KL+ent_2col", 0, 1600)
    texts = []
    try:
        for name in ("a", "b"):
            trainer = Trainer(config, tmp_path / name, workers=2, learn_threads=2)
            assert trainer.run(log=lambda m: None)["status"] == "completed"
            texts.append((tmp_path / name / "episodes.csv").read_text())
            assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(previous)
    assert texts[0] == texts[1] and texts[0].count("\n") > 5
    assert set(seen) == {2}
    assert json.loads((tmp_path / "a" / "meta.json").read_text())["learn_threads"] == 2
