"""Run-log validation: a truncated, corrupt or incomplete log stops the aggregation with a
message naming its path, exit 2, and nothing written (grid world included)."""

from __future__ import annotations

import json

import pytest

import analysis_logs as logs
from distral.analysis import runlogs
from distral.cli import main
from distral.sweep import Run

HP = logs.BUDGET["hps"][0]
TASKS = ["t0", "t1"]
RUN = Run("mazes", "KL_1col", HP, 0)


def good_rows():
    return [(f, t, "task", 0, f // 10 - 1, 1.5, 9) for f in range(10, 201, 10) for t in TASKS] + \
        logs.eval_rows(TASKS, [0, 100, 200], lambda *a: 2.0)


@pytest.fixture
def run_dir(tmp_path):
    return logs.write_run(tmp_path, "mazes", "KL_1col", HP, 0, TASKS, good_rows())


def read(run_dir):
    return runlogs.read_deep_runs([RUN], "smoke", run_dir.parents[5])


def expect_error(run_dir, *fragments):
    with pytest.raises(runlogs.RunLogError) as info:
        read(run_dir)
    message = str(info.value)
    path, _, reason = message.partition(": ")  # the reason alone: tmp_path repeats the test's name
    for fragment in fragments:
        assert fragment in (message if fragment.startswith("/") else reason), message
    return message


def test_good_log_reads(run_dir):
    episodes, infos = read(run_dir)
    assert len(episodes) == 40 + 12 and infos["eval_frames"].iloc[0] == [0, 100, 200]


def test_truncated_episodes_named(run_dir):
    path = run_dir / "episodes.csv"
    path.write_bytes(path.read_bytes()[:300])
    expect_error(run_dir, str(path), "truncated")


def test_truncated_at_a_line_end_is_incomplete(run_dir):
    path = run_dir / "episodes.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-3]))  # the last evaluation rows are gone
    expect_error(run_dir, str(path), "incomplete", "frame 200")


def test_wrong_columns_named(run_dir):
    path = run_dir / "episodes.csv"
    text = path.read_text().replace("episode_return", "return", 1)
    path.write_text(text)
    expect_error(run_dir, str(path), "columns")


def test_nan_and_non_numbers_named(run_dir):
    path = run_dir / "episodes.csv"
    lines = path.read_text().splitlines(keepends=True)
    lines[5] = lines[5].replace(",1.5,", ",nan,")
    path.write_text("".join(lines))
    expect_error(run_dir, str(path), "'episode_return'", "line 6")
    lines[5] = lines[5].replace(",nan,", ",1.5x,")
    path.write_text("".join(lines))
    expect_error(run_dir, str(path), "non-numeric")


def test_missing_meta_is_an_incomplete_run(run_dir):
    (run_dir / "meta.json").unlink()
    expect_error(run_dir, str(run_dir / "meta.json"), "incomplete")


def test_meta_status_and_budget_checked(run_dir):
    path = run_dir / "meta.json"
    meta = json.loads(path.read_text())
    path.write_text(json.dumps({**meta, "status": "running"}))
    expect_error(run_dir, str(path), "status 'running'")
    path.write_text(json.dumps({**meta, "updates": 12, "frames_per_task": 120}))
    expect_error(run_dir, str(path), "completed after 12 of 20 updates")
    path.write_text(json.dumps(meta)[:50])
    expect_error(run_dir, str(path), "corrupt JSON")
    path.write_text(json.dumps({**meta, "wildcards": {**meta["wildcards"], "seed": 3}}))
    expect_error(run_dir, str(path), "wildcards.seed")


def test_missing_or_extra_evaluations_named(run_dir):
    path = run_dir / "episodes.csv"
    rows = [r for r in good_rows() if not (r[2] == "distilled" and r[0] == 100 and r[1] == "t1" and r[3] == 1)]
    logs.write_run(run_dir.parents[5], "mazes", "KL_1col", HP, 0, TASKS, rows)
    expect_error(run_dir, str(path), "1 evaluation episodes of task 't1' at frame 100")
    rows = good_rows() + logs.eval_rows(TASKS, [150], lambda *a: 2.0)
    logs.write_run(run_dir.parents[5], "mazes", "KL_1col", HP, 0, TASKS, rows)
    expect_error(run_dir, str(path), "frame 150")


def test_frames_beyond_what_the_run_reached(run_dir):
    rows = good_rows() + [(210, "t0", "task", 0, 99, 1.0, 9)]
    logs.write_run(run_dir.parents[5], "mazes", "KL_1col", HP, 0, TASKS, rows)
    expect_error(run_dir, "frames outside 0..200")


def test_distilled_rows_for_an_algorithm_without_distilled_policy(tmp_path):
    logs.write_run(tmp_path, "mazes", "A3C", HP, 0, TASKS, good_rows())
    with pytest.raises(runlogs.RunLogError, match="no distilled policy"):
        runlogs.read_deep_runs([Run("mazes", "A3C", HP, 0)], "smoke", tmp_path)


# --------------------------------------------------------------------------- the CLI
@pytest.fixture
def sweep(tmp_path):
    params = logs.write_params(tmp_path / "params.yaml", hps=[HP], seeds=1)
    logs.synthetic_sweep(tmp_path, params, ["mazes"])
    return tmp_path, params


def aggregate_deep(root, params):
    return main(["aggregate-deep", "--suite", "mazes", "--profile", "smoke", "--params", str(params),
                 "--root", str(root)])


def test_cli_stops_on_a_bad_log_and_writes_nothing(sweep, capsys):
    root, params = sweep
    bad = root / "results/smoke/mazes/KL_2col" / HP / "0/episodes.csv"
    bad.write_bytes(bad.read_bytes()[:3000])
    assert aggregate_deep(root, params) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "truncated" in err.split(str(bad))[1] and len(err.strip().splitlines()) == 1
    assert not (root / "results/smoke/mazes/runs.csv").exists() and not (root / "metrics").exists()


def test_cli_missing_run_named(sweep, capsys):
    root, params = sweep
    (root / "results/smoke/mazes/A3C_2col" / HP / "0/meta.json").unlink()
    assert aggregate_deep(root, params) == 2
    assert "A3C_2col" in capsys.readouterr().err


def test_cli_unknown_suite_exits_2(sweep, capsys):
    root, params = sweep
    assert main(["aggregate-deep", "--suite", "maze", "--profile", "smoke", "--params", str(params),
                 "--root", str(root)]) == 2
    assert "'suites'" in capsys.readouterr().err


# --------------------------------------------------------------------------- grid world
@pytest.fixture(scope="module")
def gridworld(tmp_path_factory):
    root = logs.train_small_gridworld(tmp_path_factory.mktemp("gw"))
    return root


aggregate_gridworld = logs.aggregate_gridworld


def cut_mid_line(text: str) -> str:
    """The file cut inside a line two thirds in (as a disk-full or killed copy leaves it)."""
    return text[:text.index("\n", 2 * len(text) // 3) + 3]


def nan_return(text: str) -> str:
    lines = text.split("\n")
    fields = lines[3].split(",")
    fields[2] = "nan"
    lines[3] = ",".join(fields)
    return "\n".join(lines)


@pytest.mark.parametrize("damage, fragment", [
    (cut_mid_line, "truncated"),
    (lambda text: text.replace("steps_to_goal", "steps", 1), "columns"),
    (nan_return, "non-finite value on line 4"),
    (lambda text: "\n".join(text.split("\n")[:-6]) + "\n", "incomplete"),
])
def test_gridworld_aggregation_refuses_a_bad_evals_csv(gridworld, capsys, damage, fragment):
    path = gridworld / "results/smoke/gridworld/soft_q/appB1/1/evals.csv"
    good = path.read_text()
    out = gridworld / "paper_tables/smoke/fig3_auc.csv"
    out.unlink(missing_ok=True)
    try:
        path.write_text(damage(good))
        assert aggregate_gridworld(gridworld) == 2
        err = capsys.readouterr().err
        assert str(path) in err and fragment in err.split(str(path))[1], err
        assert not out.exists()
    finally:
        path.write_text(good)
    assert aggregate_gridworld(gridworld) == 0 and out.exists()


def test_gridworld_eval_schedule_matches_the_learner():
    assert runlogs.gridworld_eval_steps(1000, 250, 10) == [0, 250, 500, 750, 1000]
    assert runlogs.gridworld_eval_steps(25, 10, 10) == [0, 10, 20]  # 25 < 30: no evaluation at the end
    assert runlogs.gridworld_eval_steps(30, 15, 10) == [0, 20, 30]


def test_gridworld_map_is_logged_and_figure3_draws_from_logs(gridworld):
    cells = runlogs.read_gridworld_run(gridworld / "results/smoke/gridworld/distral/appB1/0", "map.csv",
                                       {"algo": "distral", "seed": 0})
    assert len(cells) == 7 * 17 and (cells["cell"] == "free").sum() == 4 * 10 + 15
    assert aggregate_gridworld(gridworld) == 0
    assert main(["figure3", "--profile", "smoke", "--params", str(gridworld / "params.yaml"),
                 "--root", str(gridworld)]) == 0
    assert (gridworld / "figures/smoke/fig3_right.png").stat().st_size > 0
