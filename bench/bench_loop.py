"""Throughput of the training loop: whole loop against its bounds (environments alone, network alone).

For each configuration (algorithm x resolution x precision; default: A3C and KL+ent_2col,
42x42 and 84x84, fp32 and bf16), on a suite (default mazes; the toy suite too, whose
environments cost almost nothing, so the loop runs near the network's own speed) with
8 tasks x 16 envs per task, rollouts of 20, one subprocess per configuration, prints env
frames/s (all tasks together, action repeat included) of:
  new     the loop as trained: distral.deep.actors.rollout (env worker threads, halves overlapped,
          one batched network call for all tasks) + Trainer.learn;
  new_1t  the same loop learning on the acting threads only (a run's learner uses all its
          cores): what the learner's extra threads add;
  envs    the environments alone on the same worker threads, random actions, no network;
  net     the network alone at the loop's shapes: batched acting for T steps + learn on
          fixed fake observations, no environment (agent steps x action repeat);
  learn   Trainer.learn alone on those fake rollouts; its FLOPs (torch's counter) per second
          against a large fp32 matrix product's on the same threads (learn/sgemm): how close
          the learner is to the machine's arithmetic ceiling;
  bound   1 / (1/envs + 1/net): what the loop could reach if environments and network
          shared the same cores with no overhead (on a GPU the bound is min(envs, net));
  ratio   new / bound, and new / min(envs, net) (the bound if envs and network had cores of their own);
and peak memory: the largest summed PSS of the configuration's whole process tree (the
Python process and its ViZDoom engine processes), sampled every 2 s.
The four measurements alternate for `--rounds` rounds; the table shows medians.

    .venv/bin/python bench/bench_loop.py                       # the full table (~10 min on 2 cores)
    .venv/bin/python bench/bench_loop.py --quick               # A3C, 42x42, fp32, 2 rounds
    .venv/bin/python bench/bench_loop.py --algos A3C --resolutions 84 --precisions bf16 --rounds 5
    .venv/bin/python bench/bench_loop.py --train-memory        # peak memory of a default-profile-sized run
    .venv/bin/python bench/bench_loop.py --suite toy --tasks 4 --envs 32 --threads 2   # the network-bound case
    .venv/bin/python bench/bench_loop.py --algos A3C_multitask,KL+ent_2col --shared-steps per_task,once \
        --resolutions 42 --precisions fp32 --envs 4 --rounds 3 --updates 1   # the shared parameters' n steps

Options: --shared-steps (optimiser.shared_steps settings side by side, default per_task),
--suite (mazes, or any registered suite, e.g. toy), --tasks (8), --envs (16), --threads (torch threads while acting,
default 1: what a run given 2 cores uses), --learn-threads (torch threads while learning,
default 2x --threads), --workers (env threads, default 4 per thread), --updates (updates per
round, default 2).
The numbers depend on the machine's load: `uptime` is printed first.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- memory of a process tree
def tree_memory(pid: int) -> int:
    """Memory (bytes) of `pid` and all its descendants: the sum of their PSS (Linux /proc).

    PSS (proportional set size) splits each shared page between the processes that map
    it, so the 100+ engine processes' shared binary and libraries count once; a sum of RSS
    counts them once per engine (a default-profile-sized run: 4.52 GiB RSS summed, 2.20 GiB PSS).
    """
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:")) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError, StopIteration):
            continue
    return total


MEMORY_INTERVAL_S = 2.0


def run_with_peak(cmd: list[str], **kw) -> tuple[subprocess.CompletedProcess, int]:
    """Run cmd; returns its result and the peak memory (summed PSS) of its process tree.

    Sampled every MEMORY_INTERVAL_S: one sample of a 128-engine tree reads 129 smaps and
    costs ~0.06 s of CPU (measured), so sampling every 0.2 s took a quarter of one of this
    machine's two cores from the loop being measured (and most from a 2-thread learner).
    """
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    peak = [0]

    def watch():
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_memory(proc.pid))
            time.sleep(MEMORY_INTERVAL_S)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    watcher.join()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), peak[0]


# --------------------------------------------------------------------------- one configuration
@contextmanager
def _learning_on(trainer, threads):
    saved, trainer.learn_threads = trainer.learn_threads, threads
    try:
        yield
    finally:
        trainer.learn_threads = saved


def one(args) -> dict:
    import numpy as np
    import torch

    from distral.config import load_params
    from distral.deep.actors import torch_threads
    from distral.deep.nets import act, acting
    from distral.deep.trainer import Trainer, resolve_run

    torch.set_num_threads(args.threads)
    params = load_params(ROOT / "params.yaml")
    # an endless budget, whatever the suite (the default profile budgets the ViZDoom suites only)
    params["profiles"]["default"]["deep"]["frames_per_task"] = 10**10
    config = resolve_run(params, suite=args.suite, algo=args.algo, hp="ent1e-3_lr4e-4", seed=0, profile="default")
    config["budget"].update(resolution=args.resolution, envs_per_task=args.envs,
                            checkpoint_interval_updates=10**9, precision=args.precision)
    config["deep"]["optimiser"]["shared_steps"] = args.shared_steps
    config["suite_options"].update(resolution=[args.resolution, args.resolution])
    if "tasks" in config["suite_options"]:  # the ViZDoom suites list their tasks
        config["suite_options"]["tasks"] = config["suite_options"]["tasks"][:args.tasks]
    else:  # the toy suite: goal cells, as many as asked
        config["suite_options"]["n_tasks"] = args.tasks
    trainer = Trainer(config, Path("/tmp/bench_loop_unused"), workers=args.workers, learn_threads=args.learn_threads)
    envs, n, T, B, repeat = trainer.envs, trainer.n, trainer.T, trainer.B, trainer.action_repeat
    frames_per_update = n * T * B * repeat
    rng = np.random.default_rng(0)

    def new_loop():
        trainer.learn(trainer.rollout())

    def new_loop_acting_threads():  # this loop with learning on the acting threads: what the extra cores add
        with _learning_on(trainer, None):
            trainer.learn(trainer.rollout())

    def envs_alone():
        for _ in range(T):
            pending = {}
            for g, group in enumerate(envs.groups):
                if g in pending:
                    envs.finish(group, pending.pop(g))
                ks = range(B)[group]
                pending[g] = envs.start(group, rng.integers(0, envs.n_actions, (n, len(ks))))
            for g, futures in pending.items():
                envs.finish(envs.groups[g], futures)

    fake = torch.randint(0, 256, (n, B, args.resolution, args.resolution, 3), dtype=torch.uint8,
                         generator=torch.Generator().manual_seed(0))
    nofirst = torch.zeros(n, B, dtype=torch.bool)

    def network_alone():
        from distral.deep.actors import _slice_state, _stack_states, _write_state, sample

        state = _stack_states(trainer.states)
        with torch.no_grad():
            weights = acting(trainer.net)
            for _ in range(T):
                for group in envs.groups:
                    with trainer._autocast():
                        logits, new = act(trainer.net, weights, fake[:, group], nofirst[:, group],
                                          _slice_state(state, group))
                    _write_state(state, group, new)
                    sample(logits, trainer.sampler)
        trainer.learn(fake_batches())

    def fake_batches():
        obs = fake.numpy()
        return [{"obs": [obs[i]] * (T + 1), "first": [np.zeros(B, dtype=bool)] * (T + 1),
                 "a": [rng.integers(0, envs.n_actions, B) for _ in range(T)],
                 "r": [np.zeros(B, dtype=np.float32)] * T, "done": [np.zeros(B, dtype=bool)] * T,
                 "state": trainer.states[i]} for i in range(n)]

    def learning_alone():
        trainer.learn(fake_batches())

    measures = {"new": new_loop, "new_1t": new_loop_acting_threads, "envs": envs_alone,
                "net": network_alone, "learn": learning_alone}
    for fn in measures.values():  # warm up (first allocation, first rollout)
        fn()
    rates: dict[str, list[float]] = {k: [] for k in measures}
    for _ in range(args.rounds):
        for name, fn in measures.items():
            updates = args.updates
            start = time.perf_counter()
            for _ in range(updates):
                fn()
            rates[name].append(updates * frames_per_update / (time.perf_counter() - start))
    trainer.envs.close()
    med = {k: statistics.median(v) for k, v in rates.items()}
    bound = 1.0 / (1.0 / med["envs"] + 1.0 / med["net"])
    flops = learn_flops(trainer, fake_batches())
    with torch_threads(trainer.learn_threads):
        peak = sgemm_rate()
    learn_s = frames_per_update / med["learn"]
    return {"algo": args.algo, "shared_steps": args.shared_steps, "resolution": args.resolution, "precision": args.precision, "threads": args.threads,
            "workers": trainer.envs.workers, "rounds": rates, **med, "bound": bound, "ratio": med["new"] / bound,
            "learn_s": learn_s, "update_s": frames_per_update / med["new"], "learn_gflop": flops / 1e9, "learn_of_sgemm": flops / learn_s / peak,
            "sgemm_gflops": peak / 1e9}


def learn_flops(trainer, batches) -> float:
    """FLOPs of one Trainer.learn (matrix products and convolutions, forward and backward; torch's counter)."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        trainer.learn(batches)
    return float(counter.get_total_flops())


def sgemm_rate(size: int = 2048, repeats: int = 5) -> float:
    """FLOP/s of a large fp32 matrix product on the current torch threads: the arithmetic ceiling of this machine."""
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times)


def train_memory(args) -> None:
    """Peak memory of a real `distral train` run sized as the default profile (8 tasks x 16 envs, 42x42)."""
    import tempfile

    import yaml

    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    deep = params["profiles"]["default"]["deep"]
    frames = 3 * 20 * deep["envs_per_task"] * 4
    with tempfile.TemporaryDirectory() as tmp:
        deep.update(frames_per_task=frames, eval_interval_frames=frames // 2)
        params["profile"] = "default"
        path = Path(tmp) / "params.yaml"
        path.write_text(yaml.safe_dump(params, sort_keys=False))
        cmd = [sys.executable, "-m", "distral.commands.train", "--suite", args.suite, "--algo", "KL+ent_2col",
               "--hp", deep["hps"][0], "--seed", "0", "--profile", "default", "--params", str(path),
               "--threads", str(args.threads), "--root", tmp, "--progress", "off"]
        t = time.time()
        out, peak = run_with_peak(cmd, cwd=ROOT)
        if out.returncode != 0:
            raise SystemExit(out.stderr[-2000:])
        print(f"default-profile-sized run ({args.suite}, KL+ent_2col, {deep['envs_per_task']} envs per task, "
              f"{deep['resolution']}x{deep['resolution']}, eval {deep['eval_episodes']} episodes per task, "
              f"{frames} frames per task, {time.time() - t:.0f} s): peak PSS of the process tree "
              f"{peak / 2**30:.2f} GiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", default="mazes")
    parser.add_argument("--algos", default="A3C,KL+ent_2col")
    parser.add_argument("--resolutions", default="42,84")
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--shared-steps", default="per_task",
                        help="optimiser.shared_steps settings to compare, e.g. per_task,once (default per_task)")
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--envs", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1, what `--threads 2` gives a run)")
    parser.add_argument("--learn-threads", type=int, default=None,
                        help="torch threads while learning (default 2x --threads: all the cores of such a run)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 3; 2 with --quick)")
    parser.add_argument("--updates", type=int, default=None, help="updates per round (default 2; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="A3C, 42x42, fp32, 2 rounds of 1 update")
    parser.add_argument("--train-memory", action="store_true", help="peak memory of a default-profile-sized run")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)  # internal: one configuration as JSON
    args = parser.parse_args()
    if args.one:
        spec = json.loads(args.one)
        print(json.dumps(one(argparse.Namespace(**spec))))
        return
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)
    if args.train_memory:
        train_memory(args)
        return
    if args.quick:
        args.algos, args.resolutions, args.precisions = "A3C", "42", "fp32"
    args.learn_threads = args.learn_threads or 2 * args.threads
    args.rounds = args.rounds or (2 if args.quick else 3)
    args.updates = args.updates or (1 if args.quick else 2)
    print(f"{args.suite}, {args.tasks} tasks x {args.envs} envs, torch threads {args.threads} "
          f"({args.learn_threads} while learning), "
          f"median of {args.rounds} rounds of {args.updates} updates; env frames/s over all tasks", flush=True)
    header = ("| algo | shared steps | res | precision | new loop | loop s/update | learning on acting threads | envs alone "
              "| net alone | bound | new/bound | new/min(envs, net) | learn s/update | learn GFLOP | learn/sgemm "
              "| peak GiB |")
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    configurations = [(a, s, p, r) for a in args.algos.split(",") for s in args.shared_steps.split(",")
                      for p in args.precisions.split(",") for r in map(int, args.resolutions.split(","))]
    for algo, shared_steps, precision, resolution in configurations:
        spec = {"suite": args.suite, "algo": algo, "shared_steps": shared_steps,
                "resolution": resolution, "precision": precision,
                "tasks": args.tasks, "envs": args.envs, "threads": args.threads, "workers": args.workers,
                "learn_threads": args.learn_threads, "rounds": args.rounds, "updates": args.updates}
        out, peak = run_with_peak([sys.executable, __file__, "--one", json.dumps(spec)], cwd=ROOT)
        if out.returncode != 0:
            print(f"| {algo} | {shared_steps} | {resolution} | {precision} | failed: {out.stderr.strip()[-300:]} |", flush=True)
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"| {algo} | {shared_steps} | {resolution} | {precision} | {r['new']:,.0f} | {r['update_s']:.2f} | {r['new_1t']:,.0f} | "
              f"{r['envs']:,.0f} | {r['net']:,.0f} | {r['bound']:,.0f} | "
              f"{r['ratio']:.2f} | {r['new'] / min(r['envs'], r['net']):.2f} | {r['learn_s']:.2f} | "
              f"{r['learn_gflop']:.1f} | {r['learn_of_sgemm']:.0%} of {r['sgemm_gflops']:.0f} | "
              f"{peak / 2**30:.2f} |", flush=True)
        print(f"<!-- rounds {json.dumps({k: [round(x) for x in v] for k, v in r['rounds'].items()})} "
              f"workers {r['workers']} -->", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
