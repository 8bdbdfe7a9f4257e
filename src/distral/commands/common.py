"""What every command shares: the --profile / --params / --root options, loading params.yaml
with the profile chosen, and checking a suite name against params.yaml `suites`."""

from __future__ import annotations

import argparse

from distral.config import ParamsError, load_params
from distral.sweep import deep_suites

ROOT_HELP = "directory that holds results/, figures/, paper_tables/"


def add_common_arguments(parser: argparse.ArgumentParser, root_help: str = ROOT_HELP) -> None:
    parser.add_argument("--profile", help="budget profile (default: params.yaml's `profile`)")
    parser.add_argument("--params", default="params.yaml", help="parameters file")
    parser.add_argument("--root", default=".", help=root_help)


def load(args: argparse.Namespace) -> tuple[dict, str]:
    """params.yaml (--params), validated, with --profile as its `profile` when given."""
    params = load_params(args.params, {"profile": args.profile} if args.profile else None)
    return params, params["profile"]


def check_suite(params: dict, suite: str, source: str) -> None:
    if suite not in deep_suites(params):
        where = f"profiles.{params['profile']}.deep.suites" if suite in params.get("suites", {}) else "suites"
        raise ParamsError(f"{source}: key '{where}': no suite {suite!r} (known: {', '.join(deep_suites(params))})")
