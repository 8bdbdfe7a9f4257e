"""The suite pictures command and the benchmark script run end to end on a small scale."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from distral.cli import main as distral_main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def wad_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTRAL_WAD_CACHE", str(tmp_path / "wads"))


def digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha1(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_gallery_writes_frames_maps_table_and_gif_reproducibly(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ["--params", str(ROOT / "params.yaml"), "--profile", "smoke", "--suites", "navigation", "--gif-steps", "8"]
    assert distral_main(["suite-gallery", *argv]) == 0
    out = tmp_path / "figures" / "smoke" / "suites"
    assert {"navigation.png", "navigation.pdf", "tasks.csv", "agent_strip.png", "agent.gif"} <= set(digest(out))
    table = pd.read_csv(out / "tasks.csv")
    assert list(table["task"]) == ["object_rewards", "return_objects", "goal_locations", "obstructed_goals"]
    first = digest(out)
    distral_main(["suite-gallery", *argv])
    assert digest(out) == first  # same seed, same bytes


def test_gallery_rejects_unknown_profile(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert distral_main(["suite-gallery", "--params", str(ROOT / "params.yaml"), "--profile", "huge"]) == 2
    assert "profile 'huge'" in capsys.readouterr().err
    assert not (tmp_path / "figures").exists()


def test_bench_script_prints_rates_and_times(tmp_path, monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location("bench_suites", ROOT / "bench" / "bench_suites.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.chdir(ROOT)
    assert bench.main(["--steps", "30", "--suites", "navigation", "--json", str(tmp_path / "b.json")]) == 0
    text = capsys.readouterr().out
    assert "steps/CPU-s" in text and "load average" in text
    rows = pd.read_json(tmp_path / "b.json")
    assert len(rows) == 4 and (rows["steps_per_s"] > 0).all() and (rows["wad_ms_per_map"] > 0).all()
