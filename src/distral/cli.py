"""Command-line interface: `python -m distral COMMAND ...` (also the `distral` script).

Each command lives in its own module, which provides `add_arguments(parser)` and
`run(args) -> int`; this file only dispatches, importing just the chosen command's
module (so `gridworld` never pays for importing torch). Errors in the user's input
(ParamsError, ValueError, a missing file) print one line and exit 2; a file that cannot be
written (full disk, read-only directory: distral.io.WriteError) prints one line and exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from distral.config import ParamsError
from distral.io import WriteError

# command name -> (module implementing it, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "gridworld": ("distral.commands.gridworld", "train one grid-world run (Sec. 4.1)"),
    "aggregate-gridworld": ("distral.commands.aggregate_gridworld", "aggregate grid-world runs: curves, AUC table"),
    "figure3": ("distral.commands.figure3", "draw Figure 3 from the aggregated grid-world logs"),
    "suite-gallery": ("distral.commands.suite_gallery", "pictures of the 3D task suites: frames, maps, agent GIF"),
    "claims": ("distral.commands.claims", "reproduced vs reported: a verdict with intervals for each claim of Sec. 4"),
    "power": ("distral.commands.power", "the power table: the minimum detectable effect of each 3D claim at n runs "
              "per algorithm, from a pilot profile's runs, and what the runs cost"),
    "protocol": ("distral.commands.protocol", "a profile's pre-registered protocol: its settings' digest, "
                 "checked against (or --register'ed in) protocols.yaml"),
    "train": ("distral.commands.train", "train one deep run (Sec. 4.2): all tasks of a suite, one algorithm of Table 1"),
    "random-policy": ("distral.commands.random_policy",
                      "play a uniform random policy on every task of a 3D suite: the score learning must beat"),
    "aggregate-deep": ("distral.commands.aggregate_deep",
                       "aggregate a 3D suite's runs: curves, A3C normaliser, hp selection, final scores"),
    "figure4": ("distral.commands.figure4", "draw Figure 4 (all three 3D suites) from the aggregates"),
    "figure-suite": ("distral.commands.figure_suite", "draw a suite's per-task Figure 5, 6 or 7"),
    "tables": ("distral.commands.tables", "write Table 1 (algorithms, AUC, final) and Table 2 (suites)"),
    "manifest": ("distral.commands.manifest", "write (or --check) results/P/MANIFEST.sha256: the checksums of "
                 "a profile's run logs, verified before they are read"),
    "readme": ("distral.commands.readme", "show a profile's results in README.md: its Figure 4 (docs/img/) and "
               "verdict table, from the regenerated outputs (or --check them)"),
}


def build_parser(command: str | None) -> argparse.ArgumentParser:
    """The top-level parser; only `command`'s module is imported and given its arguments."""
    parser = argparse.ArgumentParser(prog="python -m distral", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            module = importlib.import_module(module_name)
            module.add_arguments(cmd)
            cmd.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(command if command in COMMANDS else None).parse_args(argv)
    try:
        return int(args._module.run(args) or 0)
    except (ParamsError, ValueError, FileNotFoundError) as exc:
        print(f"distral {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except WriteError as exc:
        print(f"distral {args.command}: error: {exc}", file=sys.stderr)
        return 1
