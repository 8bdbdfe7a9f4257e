"""Command-line interface: `python -m distral COMMAND ...` (also the `distral` script).

Each command lives in its own module, which provides `add_arguments(parser)` and
`run(args) -> int`; this file only dispatches. Errors in the user's input
(ParamsError, ValueError from argument checks) print one line and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from distral.config import ParamsError

# command name -> module implementing it
COMMANDS: dict[str, str] = {
    "gridworld": "distral.gridworld_cli",
    "train": "distral.train_cli",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m distral", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        command = sub.add_parser(name, help=module.__doc__.splitlines()[0], description=module.__doc__)
        module.add_arguments(command)
        command.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._module.run(args) or 0)
    except (ParamsError, ValueError, FileNotFoundError) as exc:
        print(f"distral {args.command}: error: {exc}", file=sys.stderr)
        return 2
