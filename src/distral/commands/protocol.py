"""`python -m distral protocol --profile P [--register]`: a profile's pre-registered protocol.

Prints the digest of what the protocol of P fixes (distral.analysis.protocol.settings) and whether
protocols.yaml registers it unchanged. `--register` adds P's protocol at the checkout's HEAD (a
clean checkout: commit the settings first), to be committed before P's first verdict run.
`--withdraw WHY` moves P's registered protocol to protocols.yaml's `withdrawn` list (it stays there,
and claims.md names it), so that a changed protocol can be registered; the old one's runs are
discarded and the new one's start again.
"""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path

from distral.analysis import claims as C
from distral.analysis import protocol as PR
from distral.commands.common import add_common_arguments, load
from distral.io import write_text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser, root_help="the repository's root (protocols.yaml, git)")
    parser.add_argument("--registry", help="claims registry (default: the packaged claims.yaml)")
    parser.add_argument("--register", action="store_true",
                        help="register the profile's protocol at HEAD in protocols.yaml")
    parser.add_argument("--withdraw", metavar="WHY",
                        help="withdraw the profile's registered protocol (kept on record with WHY), so that a "
                             "changed one can be registered; its runs start again")


def run(args: argparse.Namespace) -> int:
    params, profile = load(args)
    fixed = PR.settings(params, profile, C.load_registry(args.registry))
    root = Path(args.root)
    path = root / PR.PROTOCOLS_FILE
    if args.withdraw is not None:
        entries, withdrawn = PR.withdraw(path, profile, args.withdraw, datetime.date.today())
        write_text(PR.dump(entries, withdrawn), path)
        print(f"protocol of {profile}: withdrawn -> {path} (commit it; the profile's runs start again)")
        return 0
    if args.register:
        entries = PR.register(path, profile, fixed, root, datetime.date.today())
        write_text(PR.dump(entries, PR.load_withdrawn(path)), path)
        print(f"protocol of {profile}: registered at {entries[profile]['commit'][:12]}, digest "
              f"{entries[profile]['digest'][:12]} -> {path} (commit it before the first verdict run)")
        return 0
    entry = PR.load(path).get(profile)
    now = PR.digest(fixed)
    if entry is None:
        print(f"protocol of {profile}: none registered in {path}; settings digest {now}")
        return 0
    same = "unchanged" if entry["digest"] == now else f"CHANGED (now {now[:12]})"
    print(f"protocol of {profile}: commit {entry['commit'][:12]} of {entry['registered']}, digest "
          f"{entry['digest'][:12]}: settings {same}")
    return 0 if entry["digest"] == now else 1
