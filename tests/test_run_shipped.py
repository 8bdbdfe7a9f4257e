"""tools/run_shipped.py, which trains a shipped profile (the reference) over several sessions:
its order, its deadline, and end to end in a fresh copy: every job run and committed on its own,
nothing left untracked, and a second start with nothing to do."""

import datetime as dt
import importlib.util
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from distral.config import load_params
from pipeline_helpers import ROOT, commit_all, fresh_copy, output, run

SPEC = importlib.util.spec_from_file_location("run_shipped", ROOT / "tools" / "run_shipped.py")
run_shipped = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(run_shipped)

PARAMS = load_params(ROOT / "params.yaml")


def test_the_reference_s_jobs_come_random_policies_first_then_seed_by_seed():
    jobs = run_shipped.jobs_of(PARAMS, "reference")
    kinds = [key[0] for key, _, _ in jobs]
    suites = run_shipped.sweep.deep_suites(PARAMS, "reference")
    assert kinds[:len(suites)] == ["random"] * len(suites)
    assert "gridworld" not in kinds  # the reference has no grid world
    deep = [str(target) for _, target, _ in jobs[len(suites):]]
    seeds = [int(t.split("/")[-2]) for t in deep]
    assert seeds == sorted(seeds) and len(deep) == 8 * 7 * len(suites)
    # every algorithm of every suite within a seed before the next seed
    assert {t.split("/")[3] for t in deep[:7 * len(suites)]} == set(PARAMS["deep"]["algorithms"])
    assert {t.split("/")[2] for t in deep[:7 * len(suites)]} == set(suites)


def test_no_job_starts_that_would_end_after_the_deadline():
    jobs = [(("mazes", "A3C"), "a", []), (("navigation", "A3C"), "b", [])]
    seconds = {("mazes", "A3C"): [1000.0], ("navigation", "A3C"): [100.0]}
    limit = lambda key: 3600.0  # noqa: E731
    soon = dt.datetime.now() + dt.timedelta(seconds=600)
    assert run_shipped.next_job(jobs, seconds, limit, None)[0] is jobs[0]
    job, need = run_shipped.next_job(jobs, seconds, limit, soon)  # the long one does not fit
    assert job is jobs[1] and need == 100.0 * run_shipped.SAFETY
    assert run_shipped.next_job(jobs, seconds, limit, dt.datetime.now())[0] is None
    # a job never run before: its suite's longest, else the profile's runtime limit
    assert run_shipped.estimate(("mazes", "KL_1col"), seconds, 3600.0) == 1000.0 * run_shipped.SAFETY
    assert run_shipped.estimate(("laser-tag", "A3C"), seconds, 3600.0) == 3600.0
    # a random policy's minute says nothing of a training run's length
    seconds[("random", "laser-tag")] = [60.0]
    assert run_shipped.estimate(("laser-tag", "A3C"), seconds, 3600.0) == 3600.0


def test_every_job_is_committed_as_it_finishes_and_a_restart_has_nothing_to_do(tmp_path):
    copy = fresh_copy(tmp_path / "repo")
    params = yaml.safe_load((copy / "params.yaml").read_text())
    budget = params["profiles"]["smoke"]
    budget["shipped_logs"] = True
    budget["gridworld"]["seeds"] = 1
    budget["deep"]["suites"] = ["navigation"]
    params["profiles"]["pilot_ship"] = budget  # a pilot* name: .gitignore tracks its logs
    (copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    commit_all(copy, "start")
    env_git = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
               "GIT_COMMITTER_EMAIL": "t@t"}
    done = subprocess.run([sys.executable, "tools/run_shipped.py", "--profile", "pilot_ship"], cwd=copy,
                          capture_output=True, text=True, env={**run_shipped.os.environ, **env_git})
    assert done.returncode == 0, output(done)[-3000:]
    jobs = run_shipped.jobs_of(load_params(copy / "params.yaml"), "pilot_ship")
    assert len(jobs) == 1 + 2 + 7
    assert all((copy / target).is_file() for _, target, _ in jobs)
    log = run(["git", "log", "--format=%s"], copy).stdout.splitlines()
    assert len(log) == 1 + len(jobs) and all("finished" in line for line in log[:-1]), log
    assert log[0].endswith(f"({len(jobs)} of {len(jobs)})"), log  # the last to finish: all done
    tracked = run(["git", "ls-files", "results/pilot_ship", "benchmarks/pilot_ship"], copy).stdout.split()
    assert sum(t.endswith("meta.json") for t in tracked) == 2 + 7
    assert sum(t.endswith(".tsv") for t in tracked) == len(jobs)
    assert not run(["git", "status", "--porcelain", "results", "benchmarks"], copy).stdout.strip()
    # the scheduler killed after a run finished and before its commit: a restart commits it first
    run(["git", "reset", "-q", "--soft", "HEAD~1"], copy)
    again = subprocess.run([sys.executable, "tools/run_shipped.py", "--profile", "pilot_ship"], cwd=copy,
                           capture_output=True, text=True, env={**run_shipped.os.environ, **env_git})
    assert again.returncode == 0, output(again)[-3000:]
    assert f"{len(jobs)} of {len(jobs)} jobs done, 0 to run" in again.stdout
    assert "committed 1 runs finished earlier" in again.stdout and " start " not in again.stdout
    assert run(["git", "log", "-1", "--format=%s"], copy).stdout.strip() == \
        "pilot_ship: 1 runs finished earlier, committed at restart"
    assert not run(["git", "status", "--porcelain", "results", "benchmarks"], copy).stdout.strip()


def test_a_commit_waits_for_another_git_process_s_index_lock(tmp_path, monkeypatch):
    """`git status` in another terminal holds .git/index.lock for a moment: the commit of a
    finished run waits for it instead of ending the scheduler (as in the CI of fc8e018). A lock
    that stays is named, and the scheduler's caller decides (the run is committed at restart)."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for key, value in (("user.name", "t"), ("user.email", "t@t")):
        subprocess.run(["git", "-C", str(tmp_path), "config", key, value], check=True)
    monkeypatch.setattr(run_shipped, "ROOT", tmp_path)
    (tmp_path / "run.csv").write_text("1\n")
    lock = tmp_path / ".git" / "index.lock"
    lock.touch()
    with pytest.raises(RuntimeError, match="index.lock"):
        run_shipped.commit([Path("run.csv")], "held", wait_s=1.0)
    threading.Timer(1.5, lock.unlink).start()
    run_shipped.commit([Path("run.csv")], "a run finished", wait_s=30.0)
    log = subprocess.run(["git", "-C", str(tmp_path), "log", "--format=%s"], capture_output=True, text=True)
    assert log.stdout.split("\n")[0] == "a run finished"
    assert not run_shipped.uncommitted([Path("run.csv")])
    (tmp_path / "run.csv").write_text("2\n")
    assert run_shipped.uncommitted([Path("run.csv")]) and not run_shipped.uncommitted([Path("absent.csv")])


def test_the_stop_file_starts_no_run(tmp_path):
    """A session gives the machine to something else by creating the stop file: the scheduler
    starts nothing more (here: nothing at all) and says what is left."""
    copy = fresh_copy(tmp_path / "repo")
    stop = copy / "logs" / "pilot" / "run_shipped" / "STOP"
    stop.parent.mkdir(parents=True)
    stop.touch()
    (copy / "results" / "pilot" / "mazes" / "A3C" / "ent1e-3_lr8e-4" / "100" / "meta.json").unlink()
    out = run([sys.executable, "tools/run_shipped.py", "--profile", "pilot"], copy)
    assert "present: no run started; 1 jobs left for a later session" in out.stdout
    assert " start " not in out.stdout
    assert not list((copy / "logs" / "pilot" / "run_shipped").glob("*.log"))


def test_a_profile_whose_logs_are_not_shipped_is_refused():
    out = run([sys.executable, "tools/run_shipped.py", "--profile", "smoke"], ROOT, ok=False)
    assert out.returncode != 0 and "profiles.smoke.shipped_logs is not true" in output(out)
