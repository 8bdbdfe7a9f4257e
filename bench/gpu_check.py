"""Prove `--device cuda` on a machine with a GPU, in a few minutes (the project's own machines have none).

Three checks, each printed with its numbers; exit status 1 if one fails, 2 without a GPU:
  1. same update on both devices: one rollout of mazes (8 tasks x 4 envs, 42x42) collected on
     CPU, then one `Trainer.learn` on it from the same parameters on CPU and on CUDA: every
     loss part and the gradient norm must be finite and agree (relative 1e-3: the devices'
     kernels round differently), the parameters after the step must agree (1e-4 relative to
     their scale), and every tensor must have the same shape;
  2. a short training run on CUDA (the default profile's shapes, `--updates` updates), stopped
     half-way at a checkpoint and resumed by a new trainer: completes and logs finite returns;
  3. throughput at the paper profile's shapes (8 tasks x 32 envs, 84x84) given `--threads`
     cores (default: all): env frames/s of the whole loop, and per core, for A3C and
     KL+ent_2col, the network on CUDA.

    .venv/bin/python bench/gpu_check.py                  # about 5 minutes on one GPU and 16 cores
    .venv/bin/python bench/gpu_check.py --updates 10 --paper-updates 3
    .venv/bin/python bench/gpu_check.py --device cpu --updates 4 --paper-updates 0   # the script itself, here
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from distral.config import load_params  # noqa: E402
from distral.deep import actors  # noqa: E402
from distral.deep.trainer import Trainer, resolve_run  # noqa: E402


def config_for(algo: str, profile: str, **budget) -> dict:
    params = load_params(ROOT / "params.yaml")
    config = copy.deepcopy(resolve_run(params, suite="mazes", algo=algo, hp="ent1e-3_lr8e-4", seed=0, profile=profile))
    config["budget"].update(budget)
    config["suite_options"]["resolution"] = [config["budget"]["resolution"]] * 2
    return config


def same_update(algo: str, tmp: Path, device: str) -> bool:
    """One learn() on one CPU rollout, on CPU and on CUDA from the same parameters."""
    config = config_for(algo, "default", frames_per_task=10 ** 9, checkpoint_interval_updates=10 ** 9)
    cpu = Trainer(config, tmp / f"{algo}-cpu", workers=8)
    batches = cpu.rollout()
    cpu.envs.close()
    gpu = Trainer(config, tmp / f"{algo}-gpu", device=device, workers=0)
    gpu.envs.close()
    gpu.net.load_state_dict(cpu.net.state_dict())
    on_gpu = gpu.learn(batches)
    on_cpu = cpu.learn(batches)
    ok = True
    for key in sorted(on_cpu):
        a, b = on_cpu[key], on_gpu[key]
        close = np.isfinite(a) and np.isfinite(b) and abs(a - b) <= 1e-3 * max(abs(a), abs(b), 1e-6)
        ok &= bool(close)
        print(f"  {algo:13s} {key:10s} cpu {a: .6g}  {device} {b: .6g}  {'ok' if close else 'DIFFERENT'}")
    worst = 0.0
    for (name, p), q in zip(cpu.net.named_parameters(), gpu.net.parameters()):
        ok &= p.shape == q.shape
        worst = max(worst, float((p.detach() - q.detach().cpu()).abs().max() / (p.detach().abs().max() + 1e-12)))
    ok &= worst < 1e-4
    print(f"  {algo:12s} parameters after the step: largest difference {worst:.2e} of the parameter's scale "
          f"({'ok' if worst < 1e-4 else 'DIFFERENT'})")
    return ok


def short_run(algo: str, updates: int, tmp: Path, device: str) -> bool:
    """A run of `updates` updates on CUDA, stopped after half (a checkpoint) and resumed by a new trainer."""
    frames = updates * 320
    config = config_for(algo, "default", frames_per_task=frames, checkpoint_interval_updates=10 ** 9,
                        eval_interval_frames=frames // 2)
    run_dir = tmp / f"{algo}-run"
    start = time.time()
    first = Trainer(config, run_dir, device=device)
    for _ in range(updates // 2):
        first.train_update()
    first.checkpoint()
    first.envs.close()
    result = Trainer(config, run_dir, device=device).run(log=lambda m: None)
    episodes = pd.read_csv(run_dir / "episodes.csv")
    finite = len(episodes) > 0 and bool(np.isfinite(episodes.episode_return.to_numpy(dtype=float)).all())
    ok = result["status"] == "completed" and result["updates"] == updates and finite
    print(f"  {algo:12s} {result['updates']} updates on {device} (resumed at {updates // 2}) in {time.time() - start:.0f} s: "
          f"{result['status']}, {len(episodes)} episodes logged, returns finite: {finite}")
    return ok


def paper_throughput(algo: str, threads: int, updates: int, tmp: Path, device: str) -> None:
    torch_threads, workers = actors.split_threads(threads)
    torch.set_num_threads(torch_threads)
    config = config_for(algo, "paper", frames_per_task=10 ** 12, checkpoint_interval_updates=10 ** 9, resolution=84)
    t = Trainer(config, tmp / f"{algo}-paper", device=device, workers=workers, learn_threads=threads)
    try:
        t.train_update()  # warm-up: engines, CUDA kernels
        _synchronize(device)
        start = time.perf_counter()
        for _ in range(updates):
            t.train_update()
        _synchronize(device)
        seconds = time.perf_counter() - start
    finally:
        t.envs.close()
    fps = updates * t.frames_per_update * t.n / seconds
    print(f"  {algo:12s} 8 tasks x {t.B} envs, 84x84: {fps:,.0f} env frames/s, {fps / threads:,.0f} per core "
          f"({threads} cores, {seconds / updates:.2f} s per update)")


def _synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=30, help="updates of the short run (at least 23: an episode of each env ends)")
    parser.add_argument("--paper-updates", type=int, default=5, help="timed updates at the paper's shapes")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="cores for the paper-shape loop")
    parser.add_argument("--device", default="cuda", help="the device checked against CPU (cpu: test this script)")
    args = parser.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(f"no CUDA device: nothing to check (torch {torch.__version__})")
        sys.exit(2)
    name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "cpu"
    print(f"device: {name}, torch {torch.__version__}, {os.cpu_count()} cores")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print(f"1. the same update on cpu and {args.device}")
        for algo in ("A3C", "KL+ent_2col", "A3C_multitask"):
            ok &= same_update(algo, tmp, args.device)
        print(f"2. a short training run on {args.device}, stopped and resumed")
        for algo in ("A3C", "KL+ent_2col"):
            ok &= short_run(algo, args.updates, tmp, args.device)
        if args.paper_updates:
            print("3. throughput at the paper's shapes")
            for algo in ("A3C", "KL+ent_2col"):
                paper_throughput(algo, args.threads, args.paper_updates, tmp, args.device)
    print("all checks passed" if ok else "A CHECK FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
