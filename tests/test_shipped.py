"""Run logs shipped in git (profiles with `shipped_logs: true`: the pilots, later the reference):
a fresh copy of the repository aggregates them without training a run, even though its checkout
dates the code after the logs, and a shipped log edited by hand stops the aggregation, naming it."""

import os
import time
from pathlib import Path

import pytest

from distral.config import load_params
from distral.sweep import deep_runs, deep_suites
from pipeline_helpers import ROOT, fresh_copy, output, planned_jobs, run, snakemake

PARAMS = load_params(ROOT / "params.yaml")
SHIPPED = [p for p, budget in PARAMS["profiles"].items() if budget.get("shipped_logs")]


def complete(profile: str) -> bool:
    """Every run of the profile's sweep has its logs in the repository."""
    return all((r.dir(profile, ROOT) / "meta.json").is_file() for r in deep_runs(PARAMS, profile))


COMPLETE = [p for p in SHIPPED if complete(p)]


def test_the_pilot_s_logs_are_shipped_complete():
    """The first pilot has finished and its logs are committed (issue 18): the power table and the
    test below rest on them."""
    assert "pilot" in COMPLETE


@pytest.fixture(scope="module", params=COMPLETE)
def shipped(request, tmp_path_factory) -> tuple[str, Path]:
    copy = fresh_copy(tmp_path_factory.mktemp(request.param))
    earlier = time.time() - 3600  # the logs checked out before the code, as a clone may do
    for path in (copy / "results" / request.param).rglob("*"):
        if path.is_file():
            os.utime(path, (earlier, earlier))
    return request.param, copy


def aggregates(profile: str) -> list[str]:
    return [f"results/{profile}/{suite}/runs.csv" for suite in deep_suites(PARAMS, profile)]


def test_a_fresh_copy_aggregates_the_shipped_logs_without_training(shipped):
    profile, copy = shipped
    targets = aggregates(profile)
    jobs = planned_jobs(output(run(snakemake("-n", *targets, "--config", f"profile={profile}"), copy)))
    assert not {"train_deep", "train_gridworld", "random_policy"} & set(jobs), jobs
    run(snakemake("--cores", "1", *targets, "--config", f"profile={profile}"), copy)
    run(["python", "-m", "distral", "manifest", "--profile", profile, "--check"], copy)
    for target in targets:
        assert (copy / target).stat().st_size > 0


def test_a_shipped_log_edited_by_hand_is_named(shipped, tmp_path):
    profile, copy = shipped
    edited = deep_runs(PARAMS, profile)[0].dir(profile, copy) / "episodes.csv"
    original = edited.read_text()
    try:
        lines = original.splitlines(keepends=True)
        edited.write_text("".join(lines[:-1]))  # one episode fewer, the file otherwise intact
        out = run(["python", "-m", "distral", "aggregate-deep", "--profile", profile, "--suite",
                   deep_suites(PARAMS, profile)[0]], copy, ok=False)
        assert out.returncode == 2
        assert f"{edited.relative_to(copy)}: differs from the checksum shipped in" in output(out)
    finally:
        edited.write_text(original)
