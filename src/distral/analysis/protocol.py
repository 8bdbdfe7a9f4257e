"""Pre-registered protocols (REPRODUCE.md, "Protocol"): what a profile's verdicts were decided on.

A protocol fixes, before its first verdict run: the profile's budget (suites' budgets, runs per
algorithm, seeds, hp settings, evaluation; not the resources, which change the speed, not the
numbers), the algorithms and hp grid (`deep`), the trained suites' definitions, the grid world,
the analysis settings (tests, alpha, correction, power, bootstrap) and the claims registry. Their
digest, with the commit that fixed them and the date, is registered in protocols.yaml (at the
repository's root) by `python -m distral protocol --profile P --register` and committed before
the runs start. The claims command then states, above the verdicts, whether the settings it used
still have the registered digest and whether every run was made after the protocol's commit, with
the protocol's code (src/ unchanged): a verdict on changed settings is not the protocol's.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from distral import sweep
from distral.config import ParamsError

PROTOCOLS_FILE = "protocols.yaml"
# Resources of a run: the speed, not the numbers (as the train rule's params leave them out);
# shipped_logs only says where the logs live.
NOT_PROTOCOL = ("threads", "device", "mem_mb", "runtime", "tensorboard")
# The code a run executes: a run made at a commit whose src/ differs from the protocol's ran other code.
CODE_PATHS = ("src",)
HEADER = """\
# Pre-registered protocols (REPRODUCE.md, "Protocol"), one per profile: the commit that fixed the
# profile's settings (params.yaml's profile, deep, suites, gridworld and analysis sections, the
# claims registry), the date, and their digest. Written by
#   python -m distral protocol --profile P --register
# on a clean checkout of that commit, and committed before the profile's first verdict run. Never
# edited afterwards: a changed protocol is withdrawn first (python -m distral protocol --profile P
# --withdraw WHY moves it to `withdrawn`, where it stays, and claims.md names it), its runs are
# discarded, and the new one is registered; its runs start again.
"""


def settings(params: Mapping[str, Any], profile: str, registry: Mapping[str, Any]) -> dict:
    """Everything the protocol of `profile` fixes, as one JSON-able mapping."""
    chosen = params["profiles"][profile]
    deep = {k: v for k, v in chosen["deep"].items() if k not in NOT_PROTOCOL}
    suites = {s: params["suites"][s] for s in sweep.deep_suites(params, profile)}
    return {"profile": profile, "budget": {"deep": deep, "gridworld": chosen.get("gridworld")},
            "deep": params["deep"], "suites": suites, "gridworld": params["gridworld"],
            "analysis": params["analysis"], "claims_registry": registry}


def digest(fixed: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of `settings(...)`: any change to a fixed setting changes it."""
    return hashlib.sha256(json.dumps(fixed, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# --------------------------------------------------------------------------- the registry file
def load(path: Path) -> dict:
    """protocols.yaml as {profile: {commit, registered, digest}}; absent file: no protocol yet."""
    return _read(path)[0]


def load_withdrawn(path: Path) -> list[dict]:
    """protocols.yaml's withdrawn protocols: [{profile, commit, registered, digest, withdrawn, why}]."""
    return _read(path)[1]


def _read(path: Path) -> tuple[dict, list[dict]]:
    path = Path(path)
    if not path.is_file():
        return {}, []
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML ({exc})") from None
    entries = data.get("protocols") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise ParamsError(f"{path}: key 'protocols': expected a mapping profile -> protocol")
    for profile, entry in entries.items():
        _check_entry(entry, f"{path}: key 'protocols.{profile}", {"commit", "registered", "digest"})
    withdrawn = data.get("withdrawn", [])
    if not isinstance(withdrawn, list):
        raise ParamsError(f"{path}: key 'withdrawn': expected a list of withdrawn protocols")
    for i, entry in enumerate(withdrawn):
        _check_entry(entry, f"{path}: key 'withdrawn[{i}]", WITHDRAWN_KEYS)
        if not isinstance(entry["withdrawn"], datetime.date) or not str(entry["why"]).strip():
            raise ParamsError(f"{path}: key 'withdrawn[{i}]': needs the date it was withdrawn and why")
    return entries, withdrawn


WITHDRAWN_KEYS = {"profile", "commit", "registered", "digest", "withdrawn", "why"}


def _check_entry(entry: Any, where: str, keys: set) -> None:
    if not isinstance(entry, dict) or set(entry) != keys:
        raise ParamsError(f"{where}': expected exactly {', '.join(sorted(keys))}")
    if not re.fullmatch(r"[0-9a-f]{40}", str(entry["commit"])):
        raise ParamsError(f"{where}.commit': {entry['commit']!r} is not a 40-hex commit")
    if not re.fullmatch(r"[0-9a-f]{64}", str(entry["digest"])):
        raise ParamsError(f"{where}.digest': {entry['digest']!r} is not a sha256 digest")
    if not isinstance(entry["registered"], datetime.date):
        raise ParamsError(f"{where}.registered': {entry['registered']!r} is not a date (YYYY-MM-DD)")


def register(path: Path, profile: str, fixed: Mapping[str, Any], root: Path, today: datetime.date) -> dict:
    """Add `profile`'s protocol, at the checkout's HEAD, to protocols.yaml. Refuses a profile that
    has one (a changed protocol is a new profile) and a checkout with uncommitted changes outside
    the run logs (the commit would not be what was fixed)."""
    entries = load(path)
    if profile in entries:
        raise ValueError(f"{path}: profile {profile!r} already has a protocol (commit "
                         f"{entries[profile]['commit'][:12]}): withdraw it first (--withdraw WHY), "
                         "then its runs start again")
    head = git(root, "rev-parse", "HEAD")
    changed = git(root, "status", "--porcelain", "--", ".", ":!results", ":!benchmarks")
    if head is None or changed is None:
        raise ValueError(f"{root}: not a git checkout: a protocol is registered at a commit")
    if changed:
        raise ValueError(f"{root}: uncommitted changes ({changed.splitlines()[0].strip()}, ...): "
                         "commit the protocol's settings first, then register them")
    entries[profile] = {"commit": head, "registered": today, "digest": digest(fixed)}
    return entries


def withdraw(path: Path, profile: str, why: str, today: datetime.date) -> tuple[dict, list[dict]]:
    """Move `profile`'s protocol to the withdrawn list, with the date and the reason: the profile
    may then register a new one (whose runs start again). The withdrawn one stays on record."""
    entries, withdrawn = _read(path)
    if profile not in entries:
        raise ValueError(f"{path}: profile {profile!r} has no protocol to withdraw")
    if not why.strip():
        raise ValueError("--withdraw needs the reason (it stays in protocols.yaml and claims.md)")
    entry = entries.pop(profile)
    return entries, [*withdrawn, {"profile": profile, **entry, "withdrawn": today, "why": why.strip()}]


def dump(entries: Mapping[str, Any], withdrawn: list[dict] | None = None) -> str:
    body = yaml.safe_dump({"protocols": dict(entries)}, sort_keys=True) if entries else "protocols: {}\n"
    if withdrawn:
        body += yaml.safe_dump({"withdrawn": list(withdrawn)}, sort_keys=True, width=100)
    return HEADER + body


# --------------------------------------------------------------------------- the check
def git(root: Path, *args: str) -> str | None:
    """A git command's output in `root`, or None without git or outside a repository. It takes no
    lock (a plain `git status` may write the index), so a shipped profile's commit beside it cannot
    fail on .git/index.lock."""
    try:
        out = subprocess.run(["git", "--no-optional-locks", *args], cwd=root, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def run_commits(metas: Iterable[Mapping[str, Any]]) -> Counter:
    """(commit, dirty) of each run's meta.json, counted."""
    return Counter((str(m.get("git", {}).get("commit", "unknown")), m.get("git", {}).get("dirty"))
                   for m in metas)


def check(profile: str, fixed: Mapping[str, Any], entries: Mapping[str, Any], commits: Counter,
          root: Path, withdrawn: Iterable[Mapping[str, Any]] = ()) -> dict:
    """The protocol's state for claims.md: registered or not, settings unchanged or not, per run
    commit whether it came after the protocol's commit with the protocol's code, and the profile's
    withdrawn protocols."""
    entry = entries.get(profile)
    result = {"registered": entry is not None, "digest": digest(fixed), "commits": commits,
              "withdrawn": [w for w in withdrawn if w["profile"] == profile]}
    if entry is None:
        return result
    result.update(entry=entry, settings_match=entry["digest"] == result["digest"], before=[], other_code=[],
                  unchecked=[])

    def known(commit: str) -> bool:
        return commit != "unknown" and git(root, "cat-file", "-e", f"{commit}^{{commit}}") is not None

    for commit, _ in commits:
        if not (known(commit) and known(entry["commit"])):
            result["unchecked"].append(commit)
        elif git(root, "merge-base", "--is-ancestor", entry["commit"], commit) is None:
            result["before"].append(commit)
        elif git(root, "diff", "--quiet", entry["commit"], commit, "--", *CODE_PATHS) is None:
            result["other_code"].append(commit)
    return result


def markdown(state: Mapping[str, Any], profile: str) -> list[str]:
    """The lines above claims.md's verdicts."""
    commits = state["commits"]
    runs = sum(commits.values())
    ordered = sorted(commits.items(), key=lambda kv: -kv[1])
    made = ", ".join(f"`{c[:10]}`{' (uncommitted changes)' if dirty else ''} ({n})" for (c, dirty), n in ordered[:3])
    if len(ordered) > 3:  # a shipped profile commits each finished run: a commit per run
        made += f" and {len(ordered) - 3} more commits"
    runs_line = f"Runs: {runs}, made at commit {made} (their meta.json)." if runs else "Runs: none read."
    earlier = "".join(f" An earlier protocol (commit `{w['commit'][:10]}`, registered {w['registered']}) was "
                      f"withdrawn on {w['withdrawn']}: {w['why'].rstrip('.')}." for w in state.get("withdrawn", []))
    if not state["registered"]:
        return [f"**Protocol: none registered** for `{profile}` ({PROTOCOLS_FILE}): these verdicts are exploratory, "
                f"not pre-registered (settings digest `{state['digest'][:12]}`).{earlier} {runs_line}", ""]
    entry = state["entry"]
    lines = [f"**Protocol** of `{profile}`: registered at commit `{entry['commit'][:10]}` on {entry['registered']} "
             f"({PROTOCOLS_FILE}). "
             + ("Its settings are the ones used here (digest `" + state["digest"][:12] + "`)."
                if state["settings_match"] else
                f"**Its settings were changed since** (digest registered `{entry['digest'][:12]}`, used here "
                f"`{state['digest'][:12]}`): **these verdicts are not the protocol's**.") + earlier]
    problems = []
    if state["before"]:
        problems.append("not made after the protocol's commit: " + ", ".join(f"`{c[:10]}`" for c in state["before"]))
    if state["other_code"]:
        problems.append("made with code (src/) other than the protocol's: "
                        + ", ".join(f"`{c[:10]}`" for c in state["other_code"]))
    if state["unchecked"]:
        problems.append("not checkable here (commit unknown to this repository, or no git): "
                        + ", ".join(f"`{c[:10]}`" for c in state["unchecked"]))
    dirty = sum(n for (_, d), n in commits.items() if d)
    if dirty:
        problems.append(f"{dirty} made with uncommitted changes")
    lines.append(runs_line + (" **Runs " + "; ".join(problems) + ".**" if problems else
                              " Every one after the protocol's commit, with its code (src/)."))
    return [" ".join(lines), ""]
