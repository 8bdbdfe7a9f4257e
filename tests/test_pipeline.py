"""End to end, as a newcomer runs it: the README's smoke command in a fresh copy of the
repository runs the whole sweep (the grid world and the 28 deep runs: 21 on the 3D suites, 7 on
the MiniGrid example suite of the gymnasium backend) and every figure
and table. Then: every run completed, a second run has nothing to do, a code change reruns
what it affects, the report holds every figure and table, one failed run does not stop the
others, DVC shares the results (push, then pull in a fresh clone: nothing left to train,
and every figure and table regenerated there is byte-identical), and a kill -9 of the
README's command in the middle of training, then the same command again, resumes and
finishes with the same figures and tables (bytes) as the uninterrupted run.

One session fixture (`smoke_clone`, tests/conftest.py) runs the sweep once (the CI's most
expensive step, shared with tests/test_slurm.py); the tests that change files work on
copies of it.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from distral.config import load_params
from distral.sweep import deep_runs
from pipeline_helpers import (
    DVC,
    ROOT,
    SMOKE,
    commit_all,
    digests,
    env_for,
    fresh_copy,
    output,
    planned_jobs,
    run,
    snakemake,
)

FIGS = [f"fig3_{p}.{e}" for p in ("left", "centre", "right") for e in ("png", "pdf", "csv")]
SUITE_FIGURES = {"mazes": "fig5", "navigation": "fig6", "laser-tag": "fig7"}
USER_SUITE_FIGURES = {"minigrid": "fig_minigrid"}  # the gymnasium backend's example, trained by smoke only
ANALYSIS_RULES = ["aggregate_gridworld", "figure3", "suite_gallery", "aggregate_deep", "figure4",
                  "figure_suite", "tables", "claims"]


def expected_outputs(profile: str) -> list[str]:
    """Every figure, table and metrics file `figures` must regenerate (written out here,
    independently of the Snakefile, from what the README promises the main job regenerates)."""
    deep = {**SUITE_FIGURES, **USER_SUITE_FIGURES}
    figures = FIGS + [f"{name}.{ext}" for name in ("fig4", *deep.values(), "performance_profiles")
                      for ext in ("png", "pdf", "csv")]
    tables = [f"{name}.{ext}" for name in ("fig3_auc", "table1", "table2", "aggregate_scores")
              for ext in ("md", "csv", "tex")] + ["claims.md", "claims.csv"]
    suites = [f"results/{profile}/{s}/{n}.csv" for s in deep
              for n in ("runs", "curves", "selection", "normaliser")]
    metrics = [f"metrics/{profile}/{s}.json" for s in ("gridworld", *deep)]
    return ([f"figures/{profile}/{f}" for f in figures] + [f"paper_tables/{profile}/{t}" for t in tables]
            + suites + metrics + [f"figures/{profile}/suites/{s}.png" for s in SUITE_FIGURES])


@pytest.fixture(scope="module")
def clone(smoke_clone) -> Path:
    """The project with the README's smoke command run once (tests/conftest.py)."""
    return smoke_clone


def run_dir(root: Path, r) -> Path:
    return root / "results" / "smoke" / r.suite / r.algo / r.hp / str(r.seed)


def test_smoke_pipeline_writes_every_figure_panel_and_table(clone):
    missing = [f for f in expected_outputs("smoke") if not (clone / f).is_file()]
    assert not missing
    empty = [f for f in expected_outputs("smoke") if (clone / f).stat().st_size == 0]
    assert not empty
    gallery = {p.name for p in (clone / "figures" / "smoke" / "suites").iterdir()}
    assert {"tasks.csv", "agent.gif", "agent_strip.png"} <= gallery
    assert not (clone / "results" / "default").exists(), "smoke must not write the default profile's outputs"


def test_every_run_of_the_sweep_completed_on_every_task(clone):
    """Each of the seven algorithms on each 3D suite and on the MiniGrid suite (gymnasium backend):
    every run of the profile's sweep completed, logged training episodes of every task,
    and every algorithm with a distilled or shared policy evaluated it on every task."""
    params = load_params(clone / "params.yaml")
    runs = deep_runs(params, "smoke")
    budget = params["profiles"]["smoke"]["deep"]
    assert len(runs) == 4 * 7 * len(budget["hps"]) * budget["seeds"]
    assert {r.suite for r in runs} == {*SUITE_FIGURES, *USER_SUITE_FIGURES}
    for r in runs:
        folder = run_dir(clone, r)
        meta = json.loads((folder / "meta.json").read_text())
        episodes = pd.read_csv(folder / "episodes.csv")
        assert meta["status"] == "completed" and meta["updates"] > 0, folder
        tasks = set(meta["task_names"])
        assert set(episodes.loc[episodes.policy == "task", "task"]) == tasks, folder
        distilled = set(episodes.loc[episodes.policy == "distilled", "task"])
        assert distilled == (set() if r.algo in ("A3C", "A3C_2col") else tasks), folder


def test_kill_9_then_the_same_command_resumes_and_finishes_with_the_same_bytes(clone, tmp_path):
    """A deep run of the finished sweep is removed and the README's command starts
    again; it is killed with kill -9 (itself and its jobs, as a crash does) once the run
    has written a checkpoint, leaving a lock and incomplete jobs behind. The same
    command then resumes (the stale lock removed, the killed run continued from its
    checkpoint) and ends with the uninterrupted run's logs, figures and tables, byte for byte."""
    copy = tmp_path / "clone"
    shutil.copytree(clone, copy, symlinks=True)
    params = load_params(copy / "params.yaml")
    redo = [r for r in deep_runs(params, "smoke") if r.algo == "KL+ent_2col" and r.seed == 0][:1]
    for r in redo:
        shutil.rmtree(run_dir(copy, r))
    command = snakemake("--cores", "2", "figures", *SMOKE)
    proc = subprocess.Popen(command, cwd=copy, env=env_for(copy), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 600
    while proc.poll() is None and time.time() < deadline:
        if any((run_dir(copy, r) / "checkpoint.pt").exists() for r in redo):
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the command ended before a training run wrote a checkpoint"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    killed = [r for r in redo if (run_dir(copy, r) / "checkpoint.pt").exists()]
    assert killed and any((copy / ".snakemake" / "locks").iterdir()), "kill -9 leaves a checkpoint and a lock"

    resumed = run(command, copy)
    assert "distral: removed the lock" in resumed.stderr
    r = killed[0]
    log = copy / "logs" / "smoke" / r.suite / r.algo / r.hp / f"{r.seed}.log"
    assert "resumed at update" in log.read_text()
    for r in redo:
        assert digests(run_dir(copy, r)) == digests(run_dir(clone, r)) or _same_logs(copy, clone, r)
    for top in ("figures", "paper_tables"):
        assert digests(copy / top / "smoke") == digests(clone / top / "smoke"), top


def _same_logs(a: Path, b: Path, r) -> bool:
    """The run's logs are identical; meta.json may differ in its wall-clock fields only."""
    same = all((run_dir(a, r) / n).read_bytes() == (run_dir(b, r) / n).read_bytes()
               for n in ("episodes.csv", "diagnostics.csv") if (run_dir(b, r) / n).exists())
    keep = ("status", "frames_per_task", "updates", "task_names", "budget", "algorithm", "hp_values")
    meta = [json.loads((run_dir(x, r) / "meta.json").read_text()) for x in (a, b)]
    return same and all(meta[0].get(k) == meta[1].get(k) for k in keep)


def test_distral_learns_faster_than_single_task_soft_q(clone):
    metrics = json.loads((clone / "metrics" / "smoke" / "gridworld.json").read_text())
    assert metrics["fig3"]["learns_faster_than_baseline"] == {"distral": True}


def test_user_suite_is_in_the_tables_and_asked_no_claim(clone):
    """The MiniGrid suite (gymnasium backend) is aggregated and tabulated like a 3D suite; the
    paper's claims and sanity checks stay on the paper's suites."""
    tables = clone / "paper_tables" / "smoke"
    claims = pd.read_csv(tables / "claims.csv")
    assert len(claims) and "minigrid" not in set(claims["suite"])
    assert {"minigrid_auc", "minigrid_final"} <= set(pd.read_csv(tables / "table1.csv").columns)
    assert "minigrid" in set(pd.read_csv(tables / "table2.csv")["suite"])
    assert "minigrid" in set(pd.read_csv(tables / "aggregate_scores.csv")["suite"])


def test_default_profile_does_not_train_the_user_suite(tmp_path):
    out = run(snakemake("-n", "figures", "--config", "profile=default"), fresh_copy(tmp_path))
    jobs = planned_jobs(out.stdout)
    runs = deep_runs(load_params(ROOT / "params.yaml"), "default")
    assert {r.suite for r in runs} == {"mazes", "navigation", "laser-tag"}
    assert jobs["train_deep"] == len(runs) == 7 * (5 + 2 + 2) and "minigrid" not in out.stdout


def test_second_run_has_nothing_to_do(clone):
    out = run(snakemake("-n", "figures", *SMOKE), clone)
    assert "Nothing to be done" in out.stdout + out.stderr


def test_a_log_restored_with_an_old_timestamp_stops_snakemake_naming_it(clone, tmp_path):
    """A log changed after it was aggregated but dated before the aggregates (cp -a of an older
    copy): Snakemake's timestamps would keep the aggregates; the Snakefile stops, naming the log."""
    copy = tmp_path / "clone"
    shutil.copytree(clone, copy, symlinks=True)
    log = copy / "results" / "smoke" / "mazes" / "A3C" / load_params(copy / "params.yaml")["profiles"]["smoke"][
        "deep"]["hps"][0] / "0" / "episodes.csv"
    before = log.stat()
    log.write_text(log.read_text() + log.read_text().splitlines(keepends=True)[-1])
    os.utime(log, ns=(before.st_atime_ns, before.st_mtime_ns - 10**12))
    out = run(snakemake("-n", "figures", *SMOKE), copy, ok=False)
    assert out.returncode != 0
    assert f"distral: {Path('results/smoke/mazes/A3C')}" in output(out) and "`touch results/smoke/mazes/A3C" in output(out)


def test_report_holds_every_figure_and_table_with_a_caption(clone):
    run(snakemake("figures", "--report", "report.html", *SMOKE), clone)
    html = (clone / "report.html").read_text()
    for name in ("fig3_left.png", "fig4.png", "fig5.png", "fig6.png", "fig7.png", "performance_profiles.png",
                 "table1.md", "table2.md", "claims.md", "aggregate_scores.md", "fig3_auc.md"):
        assert name in html, name
    for caption in ("Figure 4, the three 3D suites", "Table 1: the seven algorithms", "interquartile mean"):
        assert caption in html, caption
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']https?://""", html), "report must be self-contained"


def test_one_failed_run_does_not_stop_the_others(clone, tmp_path):
    """keep-going (profiles/default): with one run made to fail, the other runs still finish."""
    copy = tmp_path / "clone"
    shutil.copytree(clone, copy, symlinks=True)
    params = load_params(copy / "params.yaml")
    good, bad = (copy / "results" / "smoke" / "gridworld" / algo / "appB1" / "0" for algo in params["gridworld"]["algorithms"])
    shutil.rmtree(good)
    shutil.rmtree(bad)
    # The bad run fails when it runs: its log file's path is a directory, so its shell cannot
    # write the log. (A file where the run's output directory belongs made Snakemake itself
    # crash while preparing that job, which stopped every job not yet started: not a failed run.)
    log = copy / "logs" / "smoke" / "gridworld" / bad.parts[-3] / "0.log"
    log.unlink(missing_ok=True)
    log.mkdir(parents=True)
    (log / "blocker").write_text("a directory where the run's log belongs")
    out = run(snakemake("--cores", "1", "figures", *SMOKE), copy, ok=False)
    assert out.returncode != 0 and "Error in rule train_gridworld" in output(out)
    assert (good / "evals.csv").is_file() and (good / "meta.json").is_file()
    assert not (bad / "meta.json").exists()


def test_a_code_change_reruns_what_it_affects(clone, tmp_path):
    """The code a rule runs is its input: editing the trainer replans every deep run and no
    grid-world run; editing the grid-world learner replans the grid world only."""
    copy = tmp_path / "clone"
    shutil.copytree(clone, copy, symlinks=True)
    train, tabular = (copy / "src" / "distral" / name for name in ("deep/trainer.py", "tabular/soft_q.py"))
    source = train.read_text()
    train.write_text(source + "\n# an edit\n")  # Snakemake compares small inputs by checksum
    jobs = planned_jobs(output(run(snakemake("-n", "figures", *SMOKE), copy)))
    assert jobs["train_deep"] == len(deep_runs(load_params(copy / "params.yaml"), "smoke"))
    assert "train_gridworld" not in jobs
    train.write_text(source)
    tabular.write_text(tabular.read_text() + "\n# an edit\n")
    jobs = planned_jobs(output(run(snakemake("-n", "figures", *SMOKE), copy)))
    assert jobs["train_gridworld"] == 6 and "train_deep" not in jobs


def test_shipped_logs_are_not_retrained_for_newer_code_but_missing_runs_are(clone, tmp_path):
    """A profile whose logs are shipped in git (`shipped_logs`): a fresh clone's checkout dates
    the code after the logs, in no fixed order; the runs whose logs exist must not be retrained
    (test_a_code_change_reruns_what_it_affects: without the flag, the same edit replans them
    all), and a run whose logs are missing still is."""
    copy = tmp_path / "clone"
    shutil.copytree(clone, copy, symlinks=True)
    params_file = copy / "params.yaml"
    params = yaml.safe_load(params_file.read_text())
    params["profiles"]["smoke"]["shipped_logs"] = True
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))
    for name in ("deep/trainer.py", "tabular/soft_q.py", "deep/random_policy.py"):
        code = copy / "src" / "distral" / name
        code.write_text(code.read_text() + "\n# an edit\n")
    jobs = planned_jobs(output(run(snakemake("-n", "figures", *SMOKE), copy)))
    assert not {"train_deep", "train_gridworld", "random_policy"} & set(jobs), jobs
    assert jobs.get("aggregate_deep")  # the analysis of the shipped logs reruns (its params changed)
    missing = run_dir(copy, deep_runs(load_params(params_file), "smoke")[0])
    shutil.rmtree(missing)
    jobs = planned_jobs(output(run(snakemake("-n", "figures", *SMOKE), copy)))
    assert jobs["train_deep"] == 1 and "train_gridworld" not in jobs


def test_paper_profile_lists_756_training_runs_plus_the_grid_world(tmp_path):
    out = run(snakemake("-n", "figures", "--config", "profile=paper"), fresh_copy(tmp_path))
    jobs = planned_jobs(out.stdout)
    params = load_params(ROOT / "params.yaml")
    gridworld = len(params["gridworld"]["algorithms"]) * params["profiles"]["paper"]["gridworld"]["seeds"]
    assert jobs["train_deep"] == 3 * 7 * 9 * 4 == 756
    assert jobs["train_gridworld"] == gridworld


def test_dvc_push_then_pull_in_a_fresh_clone_regenerates_the_same_bytes_without_training(clone, tmp_path):
    """A lab trains and pushes; a colleague clones, pulls and regenerates every figure and
    table from the pulled logs (every analysis job forced to run), without training, byte
    for byte the lab's. DVC also drives the pipeline (`dvc repro`) and shows its metrics
    and plots."""
    lab = tmp_path / "lab"
    shutil.copytree(clone, lab, symlinks=True, ignore=shutil.ignore_patterns(".snakemake", "report.html"))
    params = yaml.safe_load((lab / "params.yaml").read_text())
    params["profile"] = "smoke"  # DVC takes the profile from params.yaml
    (lab / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    commit_all(lab, "lab")
    repro = run(DVC + ["repro", "figures"], lab)  # the reference's stage: tests/test_shipped.py
    assert "train_deep" not in repro.stdout + repro.stderr
    assert "up to date" in run(DVC + ["status", "figures"], lab).stdout
    metrics = run(DVC + ["metrics", "show", "--json"], lab).stdout
    assert all(f"metrics/smoke/{s}.json" in metrics for s in ("gridworld", "mazes", "navigation", "laser-tag"))
    plots = json.loads(run(DVC + ["plots", "show", "--json"], lab).stdout)
    assert any(key.endswith("mazes/curves.csv") for key in plots["data"])
    run(DVC + ["remote", "add", "-d", "shared", str(tmp_path / "remote")], lab)
    commit_all(lab, "results of the smoke sweep")
    run(DVC + ["push", "figures"], lab)

    colleague = tmp_path / "colleague"
    run(["git", "clone", "-q", str(lab), str(colleague)], tmp_path)
    for top in ("results", "figures", "paper_tables"):
        assert (colleague / top / "README.md").is_file() and not (colleague / top / "smoke").exists()
    run(DVC + ["pull", "figures"], colleague)
    jobs = planned_jobs(output(run(snakemake("-n", "figures"), colleague)))
    assert "train_deep" not in jobs and "train_gridworld" not in jobs, jobs
    shutil.rmtree(colleague / "figures" / "smoke")
    regenerated = output(run(snakemake("--cores", "2", "figures", "--forcerun", *ANALYSIS_RULES), colleague))
    assert "train_deep" not in regenerated and "train_gridworld" not in regenerated
    assert digests(colleague / "figures" / "smoke") == digests(lab / "figures" / "smoke")
    assert digests(colleague / "paper_tables" / "smoke") == digests(lab / "paper_tables" / "smoke")
