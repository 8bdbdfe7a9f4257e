"""A smoke run of each of the seven algorithms on each registered suite (issue 3).

Each run is a real `python -m distral train` process with a tiny budget (a few updates,
2 envs per task, one evaluation episode of pi_0 per task at the start and the end),
written under a temporary directory. Prints one line per run: status, updates, training
and evaluation episodes logged, tasks seen, seconds. Exit status 1 if any run failed.

    .venv/bin/python bench/smoke_deep_suites.py [--suites mazes,navigation,laser-tag] [--processes 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
ALGOS = ["A3C", "A3C_multitask", "A3C_2col", "KL_1col", "KL+ent_1col", "KL_2col", "KL+ent_2col"]
HP = "ent1e-3_lr4e-4"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suites", default="mazes,navigation,laser-tag")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--frames", type=int, default=640, help="env frames per task")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="smoke_deep_"))
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["profiles"]["smoke"]["deep"].update(frames_per_task=args.frames, envs_per_task=2, eval_episodes=1,
                                               eval_interval_frames=args.frames, checkpoint_interval_updates=2)
    (tmp / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))

    def one(job):
        suite, algo = job
        cmd = [sys.executable, "-m", "distral", "train", "--suite", suite, "--algo", algo, "--hp", HP, "--seed", "0",
               "--profile", "smoke", "--params", str(tmp / "params.yaml"), "--root", str(tmp), "--threads", "1"]
        start = time.time()
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        run = tmp / "results" / "smoke" / suite / algo / HP / "0"
        if out.returncode != 0:
            return f"{suite:10} {algo:14} FAILED ({out.returncode}): {out.stderr.strip().splitlines()[-1:]}", False
        meta = json.loads((run / "meta.json").read_text())
        frame = pd.read_csv(run / "episodes.csv")
        counts = frame.policy.value_counts().to_dict()
        return (f"{suite:10} {algo:14} {meta['status']:9} updates {meta['updates']:3} "
                f"task episodes {counts.get('task', 0):4} distilled episodes {counts.get('distilled', 0):3} "
                f"tasks {frame.task.nunique()} {time.time() - start:6.1f}s"), meta["status"] == "completed"

    jobs = [(s, a) for s in args.suites.split(",") for a in ALGOS]
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)
    ok = True
    with ThreadPoolExecutor(args.processes) as pool:
        for line, good in pool.map(one, jobs):
            print(line, flush=True)
            ok &= good
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
