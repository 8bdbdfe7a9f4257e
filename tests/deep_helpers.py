"""Shared helpers of the deep-algorithm tests: small, fast configurations of the toy suite."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from distral.config import load_params
from distral.deep.algorithms import task_loss
from distral.deep.trainer import Trainer, resolve_run

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params.yaml"


def toy_config(algo: str, seed: int, frames: int, hp: str = "ent3e-3_lr8e-4", envs: int = 4,
               n_tasks: int = 2, grid: int = 4, checkpoint_every: int = 10**6, eval_every: int | None = None,
               learning_rate: float | None = None) -> dict:
    """A toy-suite run: 20x20 pixels, a few tasks, an hp setting of the App. B.2 grid as params.yaml
    states it (`learning_rate` overrides epsilon only for controls that must not learn)."""
    params = load_params(PARAMS)
    config = resolve_run(params, suite="toy", algo=algo, hp=hp, seed=seed, profile="smoke")
    config["budget"].update(frames_per_task=frames, envs_per_task=envs, resolution=20,
                            eval_interval_frames=eval_every or max(frames // 4, 1), eval_episodes=4,
                            checkpoint_interval_updates=checkpoint_every)
    config["suite_options"].update(n_tasks=n_tasks, grid=grid, resolution=20)
    if learning_rate is not None:
        config["hp_values"]["learning_rate"] = learning_rate
    return config


def run_toy(args: tuple) -> tuple[str, str]:
    """Run one toy configuration in this process (1 torch thread); returns the text of its
    episodes.csv and diagnostics.csv. `change` (or None) overrides the learning rate or
    optimiser keys, for controls."""
    import torch

    torch.set_num_threads(1)
    algo, seed, frames, change, out_dir = args
    change = dict(change or {})
    config = toy_config(algo, seed, frames, eval_every=frames // 4, learning_rate=change.pop("learning_rate", None))
    config["budget"]["eval_episodes"] = 16  # a frozen pi_0's evaluation must not look like learning
    config["deep"]["optimiser"].update(change)
    run_dir = Path(out_dir) / f"{algo}_{seed}"
    Trainer(config, run_dir, workers=0).run(log=lambda m: None)
    return (run_dir / "episodes.csv").read_text(), (run_dir / "diagnostics.csv").read_text()


def quarters(csv_text: str, policy: str = "task") -> list[float]:
    """Mean episode return in each quarter of the run's episodes (ordered by frames)."""
    from io import StringIO

    frame = pd.read_csv(StringIO(csv_text))
    frame = frame[frame.policy == policy].sort_values("frames", kind="stable")
    n = len(frame) // 4
    return [float(frame.episode_return.iloc[k * n:(k + 1) * n].mean()) for k in range(4)]


def short_params_file(tmp_path: Path) -> Path:
    """params.yaml with a smoke deep budget of 4,800 frames per task (4 envs, 20x20, checkpoints
    every 2 updates): a real `train` run of a few seconds, for the command and resume tests."""
    import yaml

    params = yaml.safe_load(PARAMS.read_text())
    params["profiles"]["smoke"]["deep"].update(
        frames_per_task=4800, envs_per_task=4, resolution=20, eval_interval_frames=1920,
        eval_episodes=2, checkpoint_interval_updates=2)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


def per_task_loss(trainer: Trainer, i: int, b: dict) -> torch.Tensor:
    """Task i's loss on its rollout batch from the per-task network call `net(i, ...)` (the
    nn.LSTMCell column): the reference the trainer's batched learner is checked against."""
    obs, first = (torch.from_numpy(np.stack(b[k])) for k in ("obs", "first"))
    out, _ = trainer.net(i, obs, first, b["state"])
    a_t, r_t = (torch.from_numpy(np.stack(b[k])) for k in ("a", "r"))
    discount_t = trainer.coef.discount * (1.0 - torch.from_numpy(np.stack(b["done"])).float())
    head = type(out)(*(x[:-1] if x is not None else None for x in out))
    loss, _ = task_loss(trainer.algo, head, a_t, r_t, discount_t, out.value[-1], trainer.coef)
    return loss
