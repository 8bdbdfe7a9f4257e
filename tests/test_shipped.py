"""Run logs shipped in git (profiles with `shipped_logs: true`: the pilots and the reference):
a fresh copy of the repository regenerates their figures, tables and verdicts without training a
run, even though its checkout dates the code after the logs; DVC's `reference` stage does the
same; a shipped log edited by hand stops the aggregation, naming it."""

import os
import time
from pathlib import Path

import pytest
import yaml

from distral.analysis.style import SUITE_FIGURES, suite_figure_spec
from distral.commands.readme import markers
from distral.config import load_params
from distral.sweep import deep_runs, deep_suites
from pipeline_helpers import DVC, ROOT, commit_all, fresh_copy, output, planned_jobs, run, share_history, snakemake

PARAMS = load_params(ROOT / "params.yaml")
SHIPPED = [p for p, budget in PARAMS["profiles"].items() if budget.get("shipped_logs")]


def complete(profile: str) -> bool:
    """Every run of the profile's sweep has its logs in the repository."""
    return all((r.dir(profile, ROOT) / "meta.json").is_file() for r in deep_runs(PARAMS, profile))


COMPLETE = [p for p in SHIPPED if complete(p)]
DVC_STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]


def test_the_pilots_and_the_reference_are_shipped_complete():
    """The pilots and the reference have finished and their logs are committed (issue 18): the
    power table, the README's reference results and the tests below rest on them."""
    assert {"pilot", "pilot_half", "reference"} <= set(COMPLETE)


@pytest.fixture(scope="module", params=COMPLETE)
def shipped(request, tmp_path_factory) -> tuple[str, Path, bool]:
    """(profile, a fresh copy that sees this checkout's history as a clone does, whether all of it)."""
    copy = fresh_copy(tmp_path_factory.mktemp(request.param))
    whole_history = share_history(copy)
    earlier = time.time() - 3600  # the logs checked out before the code, as a clone may do
    for path in (copy / "results" / request.param).rglob("*"):
        if path.is_file():
            os.utime(path, (earlier, earlier))
    return request.param, copy, whole_history


def regenerated(profile: str) -> list[str]:
    """What `figures` must regenerate from the shipped logs: each suite's aggregates and per-task figure,
    Figure 4 when the profile has the three suites it draws, Tables 1-2, the claims and aggregate scores."""
    suites = deep_suites(PARAMS, profile)
    figures = [suite_figure_spec(s)[0] for s in suites]
    figures += ["fig4"] if set(SUITE_FIGURES) <= set(suites) else []
    return ([f"results/{profile}/{s}/runs.csv" for s in suites]
            + [f"figures/{profile}/{name}.png" for name in figures]
            + [f"paper_tables/{profile}/{name}.md" for name in ("table1", "table2", "claims", "aggregate_scores")])


def shows_results(profile: str) -> bool:
    """The README shows this profile's results (python -m distral readme)."""
    return markers(profile)[0] in (ROOT / "README.md").read_text()


def regenerate_with_dvc(profile: str, copy: Path) -> None:
    """dvc.yaml's stage of a shipped profile (its outs named file by file: its logs are git's) runs
    the figures job on the shipped logs, trains nothing and is then up to date."""
    commit_all(copy, "fresh")
    repro = run(DVC + ["repro", profile], copy)
    assert "train_deep" not in repro.stdout + repro.stderr
    assert "up to date" in run(DVC + ["status", profile], copy).stdout
    assert f"metrics/{profile}/" in run(DVC + ["metrics", "show", "--json"], copy).stdout


def test_a_fresh_copy_regenerates_the_figures_from_the_shipped_logs_without_training(shipped):
    """Issue 18: `snakemake --cores all figures --config profile=P` in a fresh clone trains nothing,
    regenerates every figure, table and verdict of P (through DVC where dvc.yaml has P's stage:
    the reference), and the README's results block and image (python -m distral readme) are what
    they give."""
    profile, copy, whole_history = shipped
    config = ("--config", f"profile={profile}")
    jobs = planned_jobs(output(run(snakemake("-n", "figures", *config), copy)))
    assert not {"train_deep", "train_gridworld", "random_policy"} & set(jobs), jobs
    if profile in DVC_STAGES:  # the stage's command is the same job: run it through DVC
        regenerate_with_dvc(profile, copy)
    else:
        run(snakemake("--cores", "2", "figures", *config), copy)
    run(["python", "-m", "distral", "manifest", "--profile", profile, "--check"], copy)
    for target in regenerated(profile):
        assert (copy / target).stat().st_size > 0, target
    claims = (copy / f"paper_tables/{profile}/claims.md").read_text()
    assert f"Runs: {len(deep_runs(PARAMS, profile))}, made at commit" in claims
    if shows_results(profile):
        if not whole_history:  # claims.md's protocol paragraph, which the README shows, checks runs' commits
            pytest.skip(f"{profile} regenerated; the README's block not compared: this checkout is shallow, "
                        "so the runs' commits cannot be checked against the protocol's as in a clone")
        run(["python", "-m", "distral", "readme", "--profile", profile, "--check"], copy)


def test_a_shipped_log_edited_by_hand_is_named(shipped, tmp_path):
    profile, copy, _ = shipped
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
