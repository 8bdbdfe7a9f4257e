"""Benchmark the 3D suites: agent steps/s per core, reset and map-generation times, returns.

Usage:  .venv/bin/python bench/bench_suites.py [--steps 4000] [--suites mazes navigation laser-tag]
                                                [--returns --episodes 1] [--json out.json]

One process, one thread, uniformly random actions, the suite's settings from
params.yaml (action repeat 4, 84x84, full-length episodes: resets are included
in the throughput). "Per core" is agent steps per CPU second of this process and
its ViZDoom engine process (they take turns, so together they use one core);
wall-clock steps/s is printed too, with the load average, since other jobs on
the machine lower it. Targets the suites were built to (fast enough for laptop budgets):
>= 4,000 steps/s on mazes and navigation, >= 1,500 on laser-tag.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from distral.config import load_params
from distral.envs.registry import suite_from_params
from distral.envs.vizdoom import wad
from distral.envs.vizdoom.scripted import RandomAgent, run_episode, scripted_agent


def load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def cpu_seconds() -> float:
    """CPU time of this process plus its live children (ViZDoom runs its engine as a child process)."""
    total = time.process_time()
    tick = os.sysconf("SC_CLK_TCK")
    for children in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        for pid in children.read_text().split():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def throughput(env, steps: int, seed: int) -> dict:
    """Random play over `steps` agent steps: steps per wall second and per CPU second, reset times.

    Python and the engine process take turns, so one env keeps about one core busy;
    steps per CPU second is the per-core rate and does not drop when other jobs
    share the machine (wall-clock steps/s does).
    """
    actions = np.random.default_rng(seed).integers(env.action_space.n, size=steps)
    t0 = time.perf_counter()
    env.reset(seed=seed)
    first_reset = time.perf_counter() - t0
    resets = []
    t0, c0 = time.perf_counter(), cpu_seconds()
    for a in actions:
        _, _, terminated, truncated, _ = env.step(int(a))
        if terminated or truncated:
            r0 = time.perf_counter()
            env.reset()
            resets.append(time.perf_counter() - r0)
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    return {"steps_per_s": steps / elapsed, "steps_per_cpu_s": steps / max(cpu, 1e-9), "first_reset_s": first_reset,
            "reset_ms": 1000 * statistics.median(resets) if resets else float("nan")}


def map_generation(env, episodes: int = 8) -> dict:
    """Cold generation (layouts + WAD) per map, into an empty directory."""
    if not hasattr(env, "episode_layouts") or getattr(env, "fixed_wad", None):
        return {"layout_ms": float("nan"), "wad_ms_per_map": float("nan")}
    t0 = time.perf_counter()
    layouts = tuple(layout for e in range(episodes) for layout in env.episode_layouts(e))
    layout_ms = 1000 * (time.perf_counter() - t0) / len(layouts)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        wad.write_pool(layouts, Path(tmp))
        wad_ms = 1000 * (time.perf_counter() - t0) / len(layouts)
    return {"layout_ms": layout_ms, "wad_ms_per_map": wad_ms}


def returns(env, episodes: int) -> dict:
    rand = [run_episode(env, RandomAgent(k), seed=1000 + k)[0] for k in range(episodes)]
    scripted = [run_episode(env, scripted_agent(env, k), seed=1000 + k)[0] for k in range(episodes)]
    return {"random_return": float(np.mean(rand)), "scripted_return": float(np.mean(scripted))}


def bench_suite(params: dict, name: str, args) -> list[dict]:
    suite = suite_from_params(params, name)
    rows = []
    for index, task in enumerate(suite.task_names):
        env = suite.make_env(index, seed=index)
        row = {"suite": name, "task": task, **throughput(env, args.steps, seed=index), **map_generation(env)}
        if args.returns:
            row.update(returns(env, args.episodes))
        env.close()
        rows.append(row)
        print(_format(row), flush=True)
    return rows


def _format(row: dict) -> str:
    text = (f"{row['suite']:10s} {row['task']:22s} {row['steps_per_cpu_s']:6.0f} steps/CPU-s "
            f"({row['steps_per_s']:5.0f}/wall-s)  "
            f"reset {row['reset_ms']:5.1f} ms  first reset (pool gen + engine init) {row['first_reset_s']:5.2f} s  "
            f"map gen {row['layout_ms']:5.2f} + {row['wad_ms_per_map']:5.2f} ms/map")
    if "random_return" in row:
        text += f"  return random {row['random_return']:6.1f} scripted {row['scripted_return']:6.1f}"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4000, help="agent steps per task (default 4000)")
    parser.add_argument("--suites", nargs="+", default=["mazes", "navigation", "laser-tag"])
    parser.add_argument("--returns", action="store_true", help="also play random and scripted episodes")
    parser.add_argument("--episodes", type=int, default=1, help="episodes per agent for --returns")
    parser.add_argument("--json", type=Path, help="write the rows as JSON here")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.episodes < 1:
        parser.error("--steps and --episodes must be >= 1")
    params = load_params()
    print(f"# start: {load()}; {os.cpu_count()} cores; one process, one thread", flush=True)
    rows = []
    for name in args.suites:
        rows += bench_suite(params, name, args)
    print(f"# end: {load()}")
    print("# per suite (mean over tasks): steps/s per core (per CPU second) | wall steps/s | median reset ms"
          " | map gen ms/map (layout + WAD)"
          + (" | random vs scripted return" if args.returns else ""))
    for name in args.suites:
        mine = [r for r in rows if r["suite"] == name]
        gen = [r["layout_ms"] + r["wad_ms_per_map"] for r in mine if not np.isnan(r["layout_ms"])]
        resets = [r["reset_ms"] for r in mine if not np.isnan(r["reset_ms"])]  # none if no episode ended
        line = (f"{name:10s} {np.mean([r['steps_per_cpu_s'] for r in mine]):7.0f} | "
                f"{np.mean([r['steps_per_s'] for r in mine]):7.0f} | "
                f"{np.median(resets) if resets else float('nan'):5.1f} | {np.mean(gen) if gen else float('nan'):5.2f}")
        if args.returns:
            line += (f" | {np.mean([r['random_return'] for r in mine]):6.1f} vs "
                     f"{np.mean([r['scripted_return'] for r in mine]):6.1f}")
        print(line)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
