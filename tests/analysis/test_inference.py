"""One of each thing: the bootstrap (settings from params.yaml), the palette shared by every
figure, the aggregate reader's schemas, and the run identity."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from distral.analysis import aggregates, deep, inference, style
from distral.config import has_distilled, load_params
from distral.io import write_json
from distral.sweep import Run, gridworld_runs

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def params():
    return load_params(REPO / "params.yaml")


def test_one_bootstrap_setting(params):
    assert inference.settings(params) == {"confidence": 0.95, "resamples": 2000, "seed": 0}


def test_small_samples_collapse_for_bands_and_decide_nothing_for_claims(params):
    settings = inference.settings(params)
    assert inference.bootstrap_ci(np.array([2.0]), settings) == (2.0, 2.0)
    point, low, high = inference.bootstrap([np.array([2.0])], lambda s, axis=-1: np.mean(s, axis=axis), settings)
    assert point == 2.0 and math.isnan(low) and math.isnan(high)


def test_both_bootstraps_agree_on_the_mean_of_one_sample(params):
    settings = inference.settings(params)
    sample = np.random.default_rng(1).normal(size=12)
    _, low, high = inference.bootstrap([sample], lambda s, axis=-1: np.mean(s, axis=axis), settings)
    assert inference.bootstrap_ci(sample, settings) == pytest.approx((low, high))


def test_figure4_and_the_performance_profiles_share_one_palette(params):
    algos = list(params["deep"]["algorithms"])
    colours = style.palette(algos)
    assert len(set(colours.values())) == len(algos)
    assert [style.line_style(params["deep"]["algorithms"][a]) for a in algos] == ["--"] * 3 + ["-"] * 4


def test_the_paper_figures_cover_the_suites(params):
    paper = {s for s, spec in params["suites"].items() if spec["backend"] != "gymnasium" and "variant_of" not in spec}
    assert set(style.SUITE_FIGURES) == paper
    # a scaled-down variant is not the paper's: a figure of its own, named as the variant
    assert style.suite_figure_spec("mazes-mini") == ("fig_mazes-mini", None, ["task", "distilled"])
    assert "scaled down" in style.SUITE_TITLE["mazes-mini"]
    assert {n for n, _ in style.SUITE_FIGURES.values()} == {5, 6, 7}
    # a user suite (the MiniGrid example) gets a per-task figure of its own, with both policies
    assert style.suite_figure_spec("minigrid") == ("fig_minigrid", None, ["task", "distilled"])
    assert style.suite_figure_spec("mazes") == ("fig5", 5, ["task", "distilled"])


def test_one_schema_per_aggregate(tmp_path):
    assert deep.RUNS_COLUMNS is aggregates.RUNS_COLUMNS and deep.RANDOM_COLUMNS is aggregates.RANDOM_COLUMNS
    path = aggregates.aggregate_file(tmp_path, "smoke", "mazes", "selection")
    path.parent.mkdir(parents=True)
    pd.DataFrame({c: ["1"] for c in aggregates.SELECTION_COLUMNS}).to_csv(path, index=False)
    write_json(aggregates.manifest(tmp_path, "test", [], {path: path}),
               aggregates.manifest_file(tmp_path, "smoke", "mazes"))
    table = aggregates.read_suite(tmp_path, "smoke", "mazes", ["selection"])["selection"]
    assert table["hp"].tolist() == ["1"]  # an hp name stays text
    pd.DataFrame({"suite": ["mazes"]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="selection.csv: columns"):
        aggregates.read_suite(tmp_path, "smoke", "mazes", ["selection"])
    with pytest.raises(FileNotFoundError, match="runs.csv: missing"):
        aggregates.read_suite(tmp_path, "smoke", "mazes")


def test_a_run_knows_its_wildcards_and_directory(params):
    run = Run("mazes", "KL_2col", "ent1e-3_lr4e-4", 3)
    assert run.wildcards("smoke") == {"profile": "smoke", "suite": "mazes", "algo": "KL_2col",
                                      "hp": "ent1e-3_lr4e-4", "seed": 3}
    assert run.dir("smoke", "/r") == Path("/r/results/smoke/mazes/KL_2col/ent1e-3_lr4e-4/3")
    grid = gridworld_runs(params, "smoke")
    assert grid[0] == Run("gridworld", "distral", "appB1", 0)
    assert len(grid) == len(params["gridworld"]["algorithms"]) * params["profiles"]["smoke"]["gridworld"]["seeds"]


def test_has_distilled_from_the_params_spec(params):
    algos = params["deep"]["algorithms"]
    assert [a for a in algos if has_distilled(algos[a])] == ["A3C_multitask", "KL_1col", "KL+ent_1col",
                                                             "KL_2col", "KL+ent_2col"]
