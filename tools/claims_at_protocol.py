"""Recompute a profile's claims with the code of its registered protocol and compare them with the
claims the current code wrote: the verdicts shipped are the pre-registered statistics' (issue 18).

    .venv/bin/python tools/claims_at_protocol.py --profile reference [--root DIR] [--commit C]

Needs the profile's regenerated outputs (`snakemake --cores all figures --config profile=P`).
Checks first that the profile's settings still have the registered digest (`python -m distral
protocol --profile P`); then checks out the protocol's commit (protocols.yaml) in a temporary git
worktree, copies the profile's results, metrics and figures to a temporary root, runs that commit's
`python -m distral claims` on them with today's params.yaml (same digest: the same settings), and
compares its claims.csv with paper_tables/P/claims.csv cell by cell. The verdicts and numbers must
be identical (exit 1 names each differing cell); the prose columns may differ where the wording
changed since (printed, not counted).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from distral import paths  # noqa: E402
from distral.analysis import protocol as PR  # noqa: E402

PROSE = ("reason", "detail", "sentence")  # wording; the verdict and every number are in the others
COPIED = ("results", "metrics", "figures", "paper_tables")  # what `claims` reads (and checks) of a profile


def registered_commit(profile: str) -> str:
    registered = PR.load(ROOT / PR.PROTOCOLS_FILE)
    if profile not in registered:
        sys.exit(f"{PR.PROTOCOLS_FILE}: no protocol registered for profile {profile!r}")
    return registered[profile]["commit"]


def claims_at(commit: str, profile: str, outputs: Path, scratch: Path) -> pd.DataFrame:
    """claims.csv as the code of `commit` writes it from a copy of the outputs of `profile` under `outputs`."""
    code, root = scratch / "code", scratch / "root"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(code), commit], check=True)
    try:
        for top in COPIED:
            if (outputs / top / profile).is_dir():
                shutil.copytree(outputs / top / profile, root / top / profile)
        written = root / paths.TABLE_DIR.format(profile=profile)
        for old in written.glob("claims.*"):  # what the run below must write itself
            old.unlink()
        env = {"PYTHONPATH": str(code / "src"), "PATH": str(Path(sys.executable).parent)}
        used = subprocess.run([sys.executable, "-c", "import distral; print(distral.__file__)"], env=env,
                              cwd=root, check=True, capture_output=True, text=True).stdout.strip()
        if not Path(used).is_relative_to(code):  # an installed package that shadows PYTHONPATH proves nothing
            sys.exit(f"claims_at_protocol: python imports distral from {used}, not from {code / 'src'}")
        subprocess.run([sys.executable, "-m", "distral", "claims", "--profile", profile, "--root", str(root),
                        "--params", str(ROOT / "params.yaml")], check=True, cwd=root, env=env)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(code)], check=True)
    return read(written / "claims.csv")


def read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        sys.exit(f"{path}: missing; run `snakemake --cores all figures --config profile=...` first")
    return pd.read_csv(path, dtype=str, keep_default_na=False).set_index("claim")


def differences(registered: pd.DataFrame, current: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """(claim, column, registered code's value, current code's value) of each cell that differs."""
    if list(registered.columns) != list(current.columns) or list(registered.index) != list(current.index):
        return [("*", "columns or claims", " ".join(registered.columns) + " | " + " ".join(registered.index),
                 " ".join(current.columns) + " | " + " ".join(current.index))]
    unequal = registered.ne(current)
    return [(claim, col, registered.at[claim, col], current.at[claim, col])
            for col in registered.columns for claim in registered.index[unequal[col]]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", required=True)
    parser.add_argument("--root", type=Path, default=ROOT, help="where the profile's outputs are (default: here)")
    parser.add_argument("--commit", help="the code to compare with (default: the profile's registered protocol's "
                        "commit, after checking that its settings still have the registered digest)")
    args = parser.parse_args()
    try:
        return compare(args)
    except subprocess.CalledProcessError as err:
        print(f"claims_at_protocol: {' '.join(map(str, err.cmd))} failed (exit {err.returncode})", file=sys.stderr)
        return 2


def compare(args: argparse.Namespace) -> int:
    if args.commit is None:
        subprocess.run([sys.executable, "-m", "distral", "protocol", "--profile", args.profile], check=True, cwd=ROOT)
    commit = args.commit or registered_commit(args.profile)
    current = read(args.root / paths.TABLE_DIR.format(profile=args.profile) / "claims.csv")
    with tempfile.TemporaryDirectory(prefix="claims_at_protocol_") as scratch:
        found = differences(claims_at(commit, args.profile, args.root.resolve(), Path(scratch)), current)
    numbers = [d for d in found if d[1] not in PROSE]
    for claim, col, then, now in found:
        print(f"{'wording' if col in PROSE else 'DIFFERS'}: {claim} {col}: "
              f"{then!r} (protocol's code) vs {now!r} (current code)")
    print(f"{args.profile}: {len(current)} claims; the protocol's code ({commit[:12]}) and the current code give "
          + ("the same verdicts and numbers" if not numbers else f"{len(numbers)} differing cells")
          + f" ({len(found) - len(numbers)} cells of wording differ)")
    return 1 if numbers else 0


if __name__ == "__main__":
    sys.exit(main())
