"""Train one deep run (Sec. 4.2): all tasks of a suite, one algorithm of Table 1, one hp setting, one seed.

Example: python -m distral train --suite toy --algo KL+ent_2col --hp ent1e-3_lr4e-4 --seed 0 --profile smoke
Writes results/{profile}/{suite}/{algo}/{hp}/{seed}/episodes.csv and meta.json; a killed
run started again resumes from its checkpoint and ends with the same numbers.
"""

from __future__ import annotations

import argparse
import sys

from distral import io
from distral.config import load_params
from distral.sweep import Run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suite", required=True, help="task suite, e.g. toy")
    parser.add_argument("--algo", required=True, help="one of params.yaml deep.algorithms (Table 1)")
    parser.add_argument("--hp", required=True, help="one of params.yaml deep.hps, e.g. ent1e-3_lr4e-4")
    parser.add_argument("--seed", required=True, type=int, help="run seed (>= 0)")
    parser.add_argument("--profile", default=None, help="budget profile: smoke, default or paper (default: params.yaml)")
    parser.add_argument("--params", default="params.yaml", help="parameters file (default: params.yaml)")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:N or auto")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU cores given to the run (Snakemake's threads, SLURM's cpus_per_task): while "
                             "acting, half of them (at least 1) are torch threads and 4 env worker threads per core "
                             "step the environments; while learning, torch uses all of them (default: torch's "
                             "choice of threads)")
    parser.add_argument("--workers", type=int, default=None,
                        help="env worker threads (default: 4 per --threads core; 0 steps the envs in the main "
                             "thread). Changes the speed only, never the numbers")
    parser.add_argument("--root", default=".", help="directory under which results/ is written")
    parser.add_argument("--progress", choices=["auto", "on", "off"], default="auto",
                        help="progress bar: auto shows it on a terminal only")
    parser.add_argument("--tensorboard", action=argparse.BooleanOptionalAction, default=None,
                        help="write TensorBoard event files to <run dir>/tensorboard/ (default: the profile's "
                             "deep.tensorboard, else off); the CSV logs are the same either way")


def resolve_device(name: str) -> str:
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cpu":
        return name
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(f"--device {name}: CUDA is not available on this machine")
        return name
    raise ValueError(f"--device {name!r}: expected cpu, cuda, cuda:N or auto")


def checkpoint_bytes(trainer) -> int:
    """Room a checkpoint needs, beside the previous one until the atomic rename: the larger of the
    last checkpoint's size and 4x the parameters' bytes (parameters, the optimiser's statistics
    and the log rows with margin), twice."""
    from distral.deep.trainer import CHECKPOINT_FILE

    params = sum(p.numel() * p.element_size() for p in trainer.net.parameters())
    last = trainer.run_dir / CHECKPOINT_FILE
    return 2 * max(last.stat().st_size if last.is_file() else 0, 4 * params)


def run(args: argparse.Namespace) -> int:
    import torch

    from distral.deep.trainer import Trainer, resolve_run

    params = load_params(args.params)
    profile = args.profile or params["profile"]
    config = resolve_run(params, suite=args.suite, algo=args.algo, hp=args.hp, seed=args.seed, profile=profile)
    device = resolve_device(args.device)
    from distral.deep.actors import split_threads

    workers = args.workers
    if args.threads is not None:
        if args.threads < 1:
            raise ValueError(f"--threads must be >= 1, got {args.threads}")
        torch_threads, default_workers = split_threads(args.threads)
        torch.set_num_threads(torch_threads)
        workers = default_workers if workers is None else workers
    if workers is not None and workers < 0:
        raise ValueError(f"--workers must be >= 0, got {workers}")
    run_dir = Run(args.suite, args.algo, args.hp, args.seed).dir(profile, args.root)
    io.check_writable(run_dir)  # before the suite is built: a read-only directory fails at once
    progress = sys.stderr.isatty() if args.progress == "auto" else args.progress == "on"
    tensorboard = args.tensorboard
    if tensorboard is None:
        tensorboard = bool(params["profiles"][profile]["deep"].get("tensorboard", False))
    trainer = Trainer(config, run_dir, device=device, workers=workers, learn_threads=args.threads,
                      tensorboard=tensorboard)
    io.check_writable(run_dir, checkpoint_bytes(trainer))
    result = trainer.run(progress=progress, log=lambda m: print(m, flush=True))
    print(f"{result['status']}: {run_dir}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (`python -m distral.commands.train ...`), same errors as `python -m distral train`."""
    from distral.config import ParamsError
    from distral.io import WriteError

    parser = argparse.ArgumentParser(prog="python -m distral train", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except (ParamsError, ValueError, FileNotFoundError) as exc:
        print(f"distral train: error: {exc}", file=sys.stderr)
        return 2
    except WriteError as exc:
        print(f"distral train: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
