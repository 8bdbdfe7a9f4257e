"""Train a shipped profile's runs (params.yaml `profiles.<p>.shipped_logs`) over several sessions,
committing each finished run's logs as soon as it finishes.

    .venv/bin/python tools/run_shipped.py --profile reference --until 12:15 [--jobs 2]

Each run is its own Snakemake job (`snakemake --nolock <its meta.json>`, `--jobs` of them side by
side), so a run that finishes is committed at once and no run is started that its estimated
length would carry past `--until` (the end of a working session: a run cut off there loses what
it did since its last checkpoint on a machine that is not kept). The order is seed-major (every
algorithm of seed 0, then seed 1, ...), so the runs done at any time cover the algorithms evenly;
the random policies and the grid world come first (minutes).

To pause a session's runs early (to give the machine to something else), create the stop file
`logs/<profile>/run_shipped/STOP`: the runs under way finish and are committed, no other starts.
Delete it before the next start (a start with it present runs nothing and says so). A start first
commits the runs that finished but were not committed (the scheduler was killed between the two, or
the commit failed); a commit waits for another git process's .git/index.lock.

A run's estimated length: the median of this profile's finished runs of the same suite and
algorithm (their Snakemake benchmarks) times 1.15, else the longest finished run of the suite,
else the profile's `runtime` limit. Run it from a clean checkout of the protocol's commit
(python -m distral protocol): each run's meta.json records the commit it was made at.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from distral import paths, sweep  # noqa: E402
from distral.config import load_params, profile_budget  # noqa: E402

SAFETY = 1.15
LOCK_WAIT_S = 120.0  # how long a commit waits for another git process's index.lock
# the runs import this checkout's package, whatever the environment's editable install points at
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def jobs_of(params, profile):
    """Every job of the profile's sweep as (key, target, files to commit), in the order run."""
    jobs = []
    for suite in sweep.deep_suites(params, profile):
        suite_dir = Path(paths.SUITE_DIR.format(profile=profile, suite=suite))
        jobs.append((("random", suite), suite_dir / "random_policy.json",
                     [suite_dir / "random_policy.csv", suite_dir / "random_policy.json",
                      Path(f"benchmarks/{profile}/{suite}/random_policy.tsv")]))
    for run in sweep.gridworld_runs(params, profile):
        jobs.append(((run.suite, run.algo), run.dir(profile) / "meta.json",
                     [run.dir(profile), Path(f"benchmarks/{profile}/gridworld/{run.algo}/{run.seed}.tsv")]))
    deep = sorted(sweep.deep_runs(params, profile), key=lambda r: r.seed)  # stable: suite, algo order kept
    for run in deep:
        jobs.append(((run.suite, run.algo), run.dir(profile) / "meta.json",
                     [run.dir(profile),
                      Path(f"benchmarks/{profile}/{run.suite}/{run.algo}/{run.hp}/{run.seed}.tsv")]))
    return jobs


def finished_seconds(profile):
    """(suite, algo) -> wall seconds of the profile's finished runs (Snakemake benchmarks)."""
    seconds = {}
    for tsv in (ROOT / "benchmarks" / profile).rglob("*.tsv"):
        parts = tsv.relative_to(ROOT / "benchmarks" / profile).parts
        key = ("random", parts[0]) if parts[-1] == "random_policy.tsv" else (parts[0], parts[1])
        lines = tsv.read_text().splitlines()
        if len(lines) >= 2:
            seconds.setdefault(key, []).append(float(lines[1].split("\t")[0]))
    return seconds


def runtime_limit_s(params, profile, key):
    """The runtime limit of a job, in seconds: the profile's `runtime` of its suite (a number, or per
    suite); a grid-world run's is its rule's hour."""
    suite = key[1] if key[0] == "random" else key[0]
    if suite == sweep.GRIDWORLD:
        return 3600.0
    return 60.0 * sweep.per_suite(profile_budget(params, "deep", profile), "runtime", suite, profile)


def estimate(key, seconds, limit_s):
    if seconds.get(key):
        return SAFETY * statistics.median(seconds[key])
    # a run never made before: the longest of its suite's training runs (a random policy's
    # episodes say nothing of a training run's length), else the runtime limit
    same_suite = [s for (k0, _), values in seconds.items() if k0 == key[0] for s in values]
    return SAFETY * max(same_suite) if same_suite else limit_s


def next_job(pending, seconds, limit, deadline):
    """The first pending job whose estimated end is before the deadline (None: none fits)."""
    for job in pending:
        need = estimate(job[0], seconds, limit(job[0]))
        if deadline is None or dt.datetime.now() + dt.timedelta(seconds=need) <= deadline:
            return job, need
    return None, None


def stop_file(profile):
    return ROOT / "logs" / profile / "run_shipped" / "STOP"


def git(*args, wait_s=LOCK_WAIT_S):
    """Run git in the checkout. While another git process (a `git status` in the user's terminal)
    holds .git/index.lock, wait for it (up to wait_s) rather than lose the run's commit."""
    deadline = time.monotonic() + wait_s
    while True:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        if "index.lock" not in out.stderr or time.monotonic() > deadline:
            return out
        time.sleep(0.5)


def present(files):
    return [str(f) for f in files if (ROOT / f).exists()]


def checked(out):
    """`out` of a git command; RuntimeError, naming git's complaint, if it failed."""
    if out.returncode:
        raise RuntimeError(f"git {out.args[1]} failed: {out.stderr.strip()}")
    return out


def commit(files, message, wait_s=LOCK_WAIT_S):
    """Commit the files (those that exist); RuntimeError if git cannot."""
    checked(git("add", "--", *present(files), wait_s=wait_s))
    if git("diff", "--cached", "--quiet", wait_s=wait_s).returncode:  # 1: something staged
        checked(git("commit", "-q", "-m", message, wait_s=wait_s))


def uncommitted(files):
    """Whether any of the files is untracked or changed (a run that finished while the scheduler
    was stopped, or whose commit failed)."""
    existing = present(files)
    status = git("--no-optional-locks", "status", "--porcelain", "--untracked-files=all", "--", *existing)
    return bool(existing and status.stdout.strip())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", required=True)
    parser.add_argument("--until", help="HH:MM (today, local time): start no run that would end later")
    parser.add_argument("--jobs", type=int, default=2, help="runs side by side (one core each)")
    args = parser.parse_args(argv)
    params = load_params(ROOT / "params.yaml")
    if not params["profiles"].get(args.profile, {}).get("shipped_logs"):
        sys.exit(f"params.yaml: profiles.{args.profile}.shipped_logs is not true: its logs are not shipped")
    deadline = None
    if args.until:
        hour, minute = map(int, args.until.split(":"))
        deadline = dt.datetime.now().replace(hour=hour, minute=minute, second=0, microsecond=0)
    limit = lambda key: runtime_limit_s(params, args.profile, key)  # noqa: E731
    every = jobs_of(params, args.profile)
    pending = [job for job in every if not (ROOT / job[1]).is_file()]
    total = len(every)
    done = total - len(pending)
    print(f"{dt.datetime.now():%H:%M} {args.profile}: {done} of {total} jobs done, "
          f"{len(pending)} to run", flush=True)
    failed = []
    late = [job for job in every if job not in pending and uncommitted(job[2])]
    if late:  # finished, never committed: commit them now, before anything else is run
        try:
            commit([f for job in late for f in job[2]],
                   f"{args.profile}: {len(late)} runs finished earlier, committed at restart")
            print(f"{dt.datetime.now():%H:%M} committed {len(late)} runs finished earlier", flush=True)
        except RuntimeError as error:
            failed.append(f"uncommitted: {len(late)} finished runs ({error})")
            print(f"{dt.datetime.now():%H:%M} COMMIT FAILED: {failed[-1]}", flush=True)
    running = {}
    seconds = finished_seconds(args.profile)
    while pending or running:
        for proc, job in list(running.items()):
            if proc.poll() is None:
                continue
            del running[proc]
            key, target, files = job
            if proc.returncode == 0:
                done += 1
                name = Path(target).parent.relative_to(Path("results") / args.profile)
                print(f"{dt.datetime.now():%H:%M} done {target} ({done} of {total})", flush=True)
                try:
                    commit(files, f"{args.profile}: {name} finished ({done} of {total})")
                except RuntimeError as error:  # the runs under way go on; a restart commits it
                    failed.append(f"uncommitted: {target} ({error})")
                    print(f"{dt.datetime.now():%H:%M} COMMIT FAILED: {failed[-1]}", flush=True)
                seconds = finished_seconds(args.profile)  # its benchmark: the estimates of the runs left
            else:
                failed.append(target)
                print(f"{dt.datetime.now():%H:%M} FAILED {target} (rc {proc.returncode})", flush=True)
        if pending and stop_file(args.profile).is_file():
            print(f"{dt.datetime.now():%H:%M} {stop_file(args.profile)} present: no run started; "
                  f"{len(pending)} jobs left for a later session (delete it first)", flush=True)
            pending = []
        while pending and len(running) < args.jobs:
            job, need = next_job(pending, seconds, limit, deadline)
            if job is None:  # nothing fits before the deadline: finish what runs, start nothing
                print(f"{dt.datetime.now():%H:%M} {len(pending)} jobs left for a later session", flush=True)
                pending = []
                break
            pending.remove(job)
            key, target, files = job
            print(f"{dt.datetime.now():%H:%M} start {target} (about {need / 60:.0f} min)", flush=True)
            log = ROOT / "logs" / args.profile / "run_shipped" / (str(Path(target).parent).replace("/", "_") + ".log")
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("a") as out:
                running[subprocess.Popen(
                    [sys.executable, "-m", "snakemake", "--cores", "1", "--nolock",
                     "--config", f"profile={args.profile}", "--", str(target)],
                    cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=ENV)] = job
        time.sleep(5)
    print(f"{dt.datetime.now():%H:%M} stopped; failed: {failed or 'none'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
