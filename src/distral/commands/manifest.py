"""`python -m distral manifest --profile P`: the checksums of a profile's run logs, for shipping them.

Writes results/P/MANIFEST.sha256 (sha256sum format, paths relative to results/P): every file of
every run directory (results/P/{suite}/{algo}/{hp}/{seed}/: episodes.csv, meta.json, the grid
world's evals.csv, ...) and every suite's random-policy reference. Logs committed for others to
regenerate from carry it; distral.analysis.runlogs then refuses a listed log whose checksum
differs, naming it, before anything is aggregated. `--check` verifies instead of writing
(as `cd results/P && sha256sum -c MANIFEST.sha256` does).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from distral import io, paths
from distral.commands.common import add_common_arguments, load


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser, root_help="directory that holds results/")
    parser.add_argument("--check", action="store_true", help="verify the manifest instead of writing it")


def run_logs(folder: Path) -> list[Path]:
    """The run logs under results/{profile}: the files of run directories ({suite}/{algo}/{hp}/{seed}/)
    and the suites' random-policy references; no checkpoint, temporary file or aggregate."""
    runs = [p for p in folder.glob("*/*/*/*/*") if p.is_file() and not p.name.startswith(".")
            and p.suffix != ".pt"]
    return sorted(runs + [p for p in folder.glob("*/random_policy.*") if p.is_file()])


def run(args: argparse.Namespace) -> int:
    _, profile = load(args)
    manifest = Path(args.root) / paths.LOG_MANIFEST.format(profile=profile)
    folder = manifest.parent
    if args.check:
        if not manifest.is_file():
            raise FileNotFoundError(f"{manifest}: missing (write it with `python -m distral manifest --profile {profile}`)")
        recorded = io.read_sha256sums(manifest)
        for rel, digest in recorded.items():
            path = folder / rel
            if not path.is_file():
                raise ValueError(f"{path}: missing, but {manifest} lists it")
            if io.sha256(path) != digest:
                raise ValueError(f"{path}: differs from the checksum in {manifest}")
        print(f"{manifest}: {len(recorded)} logs, all as shipped")
        return 0
    logs = run_logs(folder)
    if not logs:
        raise FileNotFoundError(f"{folder}: no run logs to list")
    io.write_text(io.sha256sums(folder, logs), manifest)
    print(f"{manifest}: {len(logs)} logs")
    return 0
