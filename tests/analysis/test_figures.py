"""The deep analysis commands end to end on a hand-made sweep: aggregate-deep, figure4,
figure-suite, tables. Figure 4 and the tables are byte-identical when regenerated; a
diverged run is flagged in the figures' CSV and counted in Table 1; bad input exits 2
naming the file."""

from __future__ import annotations

import hashlib
import json
import shutil

import pandas as pd
import pytest
import yaml

import analysis_logs as logs
from distral.cli import main

SUITES = ["mazes", "navigation", "laser-tag"]
HP = logs.BUDGET["hps"][0]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    root = tmp_path_factory.mktemp("sweep")
    params = logs.write_params(root / "params.yaml", hps=[HP], seeds=2)
    logs.synthetic_sweep(root, params, SUITES)
    # KL_2col seed 1 on mazes diverged after 12 updates: rows up to frame 120, evaluations at 0, 100.
    tasks = [t["name"] for t in yaml.safe_load(params.read_text())["suites"]["mazes"]["tasks"]]
    rows = [(f, t, "task", 0, f // 10 - 1, 1.0, 5) for f in range(10, 121, 10) for t in tasks]
    rows += logs.eval_rows(tasks, [0, 100], lambda *a: 0.5)
    logs.write_run(root, "mazes", "KL_2col", HP, 1, tasks, rows, status="diverged", updates=12)
    return root, params


def cli(root, params, *command):
    return main([*command, "--profile", "smoke", "--params", str(params), "--root", str(root)])


def digests(root) -> dict[str, str]:
    files = sorted(p for pattern in ("results/smoke/*/*.csv", "figures/smoke/*", "paper_tables/smoke/*",
                                     "metrics/smoke/*") for p in root.glob(pattern))
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture(scope="module")
def outputs(sweep):
    """Every output generated once: {path: sha256}."""
    root, params = sweep
    for suite in SUITES:
        assert cli(root, params, "aggregate-deep", "--suite", suite) == 0
        assert cli(root, params, "figure-suite", "--suite", suite) == 0
    assert cli(root, params, "figure4") == 0
    assert cli(root, params, "tables") == 0
    return digests(root)


def test_every_output_written_and_figure4_and_tables_byte_identical_on_rerun(sweep, outputs):
    root, params = sweep
    first = outputs
    for stem in ("fig4", "fig5", "fig6", "fig7"):
        for ext in ("png", "pdf", "csv"):
            assert f"figures/smoke/{stem}.{ext}" in first
    for table in ("table1", "table2"):
        for ext in ("md", "csv", "tex"):
            assert f"paper_tables/smoke/{table}.{ext}" in first
    for suite in SUITES:
        for name in ("runs", "curves", "selection", "normaliser"):
            assert f"results/smoke/{suite}/{name}.csv" in first
        assert f"metrics/smoke/{suite}.json" in first
    # Regenerated in the same process, Figure 4 and the tables (the outputs that carry the
    # diverged run) keep their bytes. Every command in fresh processes, on the real smoke
    # sweep: tests/test_pipeline.py (the DVC colleague's forced rerun).
    assert cli(root, params, "figure4") == 0 and cli(root, params, "tables") == 0
    assert digests(root) == first


def test_diverged_run_flagged_in_figure_csv_tables_and_metrics(sweep, outputs):
    root, params = sweep
    fig4 = pd.read_csv(root / "figures/smoke/fig4.csv")
    a2 = fig4[(fig4["panel"] == "A2") & (fig4["algo"] == "KL_2col")]
    assert sorted(a2["status"]) == ["completed", "diverged"]
    a1 = fig4[(fig4["panel"] == "A1") & (fig4["algo"] == "KL_2col")]
    assert (a1["n_diverged"] == 1).all() and (fig4[fig4["panel"] == "A1"]["n_diverged"].sum() == len(a1))
    fig5 = pd.read_csv(root / "figures/smoke/fig5.csv")
    flagged = fig5[fig5["status"] == "diverged"]
    assert set(flagged["algo"]) == {"KL_2col"} and set(flagged["seed"]) == {"1"}
    table1 = pd.read_csv(root / "paper_tables/smoke/table1.csv").set_index("algorithm")
    assert table1.loc["KL_2col", "mazes_n_diverged"] == 1 and table1.loc["KL_2col", "mazes_n_runs"] == 2
    assert table1.loc["A3C", "mazes_n_diverged"] == 0
    assert "2 (1)" in (root / "paper_tables/smoke/table1.md").read_text()
    metrics = json.loads((root / "metrics/smoke/mazes.json").read_text())
    assert metrics["algorithms"]["KL_2col"]["task"]["n_diverged"] == 1


def test_figure4_untrained_line_and_table2_rows(sweep, outputs):
    root, params = sweep
    fig4 = pd.read_csv(root / "figures/smoke/fig4.csv")
    untrained = fig4[(fig4["panel"] == "B1") & (fig4["algo"] == "A3C (untrained network)")]
    # the untrained line is the task average of the mean over runs of the frame-0 evaluations
    curves = pd.read_csv(root / "results/smoke/mazes/curves.csv")
    start = curves[(curves["policy"] == "distilled") & (curves["frames"] == 0)]
    assert untrained["value"].iloc[0] == pytest.approx(start.groupby("task")["score"].mean().mean())
    table2 = pd.read_csv(root / "paper_tables/smoke/table2.csv")
    assert table2["suite"].tolist() == SUITES
    assert table2["map layout"].iloc[0] == "8 tasks: fixed generated layout"
    assert table2["map layout"].iloc[2] == ("2 tasks: fixed WAD map; 2 tasks: fixed generated layout; "
                                            "4 tasks: generated anew every episode")
    assert table2["objectives"].iloc[2].startswith("tag 1-5 scripted bots (easy/medium/hard)")
    assert table2["tasks"].iloc[1].startswith("4: ")


def test_figures_need_the_aggregates(tmp_path, capsys):
    params = logs.write_params(tmp_path / "params.yaml")
    assert cli(tmp_path, params, "figure4") == 2
    assert "runs.csv: missing" in capsys.readouterr().err
    assert cli(tmp_path, params, "figure-suite", "--suite", "toy") == 2
    assert cli(tmp_path, params, "tables") == 2


def test_random_policy_line_in_every_figure_and_its_row_in_table1(sweep, outputs):
    root, params = sweep
    fig4 = pd.read_csv(root / "figures/smoke/fig4.csv")
    random = fig4[fig4["algo"] == "random policy"].set_index("panel")
    assert sorted(random.index) == ["A1", "A2", "B1", "B2", "C1", "C2", "D1", "D2"]
    for suite, panel in (("mazes", "A1"), ("mazes", "B2"), ("navigation", "C1"), ("laser-tag", "D2")):
        table = pd.read_csv(root / f"results/smoke/{suite}/random.csv")
        assert random.loc[panel, "value"] == pytest.approx(table["score"].mean(), rel=1e-5)  # CSVs: 6 digits  # task-averaged score
    fig6 = pd.read_csv(root / "figures/smoke/fig6.csv")
    per_task = fig6[fig6["algo"] == "random policy"]
    table = pd.read_csv(root / "results/smoke/navigation/random.csv").set_index("task")["score"]
    assert len(per_task) == 2 * len(table)  # task and distilled row groups
    assert all(s == pytest.approx(table[t], rel=1e-5) for t, s in zip(per_task["task"], per_task["score"]))
    table1 = pd.read_csv(root / "paper_tables/smoke/table1.csv").set_index("algorithm")
    mazes = pd.read_csv(root / "results/smoke/mazes/random.csv")
    assert table1.loc["random policy", "mazes_final"] == pytest.approx(mazes["score"].mean(), rel=1e-5)
    assert table1.loc["random policy", "mazes_random_episodes"] == 3
    assert "3 episodes per task" in (root / "paper_tables/smoke/table1.md").read_text()


def test_a_curve_of_one_point_is_drawn_with_a_marker():
    """A budget of one episode per env gives one curve point; a line alone would draw nothing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from distral.analysis import figs4_7

    markers = {}
    for n in (1, 3):
        bands = pd.DataFrame({"algo": "A3C", "frames": [7200 * (k + 1) for k in range(n)],
                              "mean": [1.0 + k for k in range(n)], "band": 0.1})
        fig, ax = plt.subplots()
        figs4_7._curve_panel(ax, bands, {"A3C": "tab:blue"}, None)
        markers[n] = ax.lines[0].get_marker()
        plt.close(fig)
    assert markers[1] == "o" and markers[3] in ("None", None, "")


def test_table1_s_caption_states_the_final_window_the_scores_use(sweep, outputs, tmp_path):
    """The final score is the mean over the last analysis.final_fraction of the budget (0.2 since the
    reference's protocol); Table 1's caption said "last 5%" whatever it was."""
    root, params = sweep
    edited = yaml.safe_load(params.read_text())
    edited["analysis"]["final_fraction"] = 0.2
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(edited, sort_keys=False))
    for folder in ("results", "metrics"):
        shutil.copytree(root / folder, tmp_path / folder)
    assert cli(tmp_path, tmp_path / "params.yaml", "tables") == 0
    caption = (tmp_path / "paper_tables/smoke/table1.md").read_text().splitlines()[0]
    assert "final score (mean over the last 20% of the budget)" in caption
