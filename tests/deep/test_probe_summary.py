"""bench/probe_summary.py on a hand-made results tree whose quarters, evaluations and KL are known."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from deep_helpers import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import probe_summary  # noqa: E402


def _write_run(run_dir, with_pi0: bool, with_kl: bool) -> None:
    run_dir.mkdir(parents=True)
    rows = []
    for task, offset in (("a", 0.0), ("b", 10.0)):
        for k in range(8):  # returns 0..7 (+10 for task b): quarters [0.5, 2.5, 4.5, 6.5] (+10)
            rows.append({"frames": 100 * k, "task": task, "policy": "task", "env": 0, "episode": k,
                         "episode_return": k + offset, "episode_length": 5})
    if with_pi0:
        for frames, ret in ((0, 1.0), (400, 2.0), (800, 5.0)):
            for task in ("a", "b"):
                rows.append({"frames": frames, "task": task, "policy": "distilled", "env": 0, "episode": 0,
                             "episode_return": ret + (task == "b"), "episode_length": 5})
    pd.DataFrame(rows).to_csv(run_dir / "episodes.csv", index=False)
    diag = []
    for k, frames in enumerate(range(100, 900, 100)):  # 8 points; KL of task a = k, of task b = k + 2
        for task, shift in (("a", 0), ("b", 2)):
            diag.append({"frames": frames, "task": task, "metric": "entropy_pi_i", "value": 1.0})
            if with_kl:
                diag.append({"frames": frames, "task": task, "metric": "kl_pi_i_pi_0", "value": k + shift})
    pd.DataFrame(diag, columns=["frames", "task", "metric", "value"]).to_csv(run_dir / "diagnostics.csv", index=False)


def test_summary_numbers_by_hand(tmp_path):
    _write_run(tmp_path / "mazes" / "KL_2col" / "hp" / "0", with_pi0=True, with_kl=True)
    s = probe_summary.summarise(tmp_path / "mazes" / "KL_2col" / "hp" / "0")
    assert s["episodes"] == 16
    assert s["task_q1"] == pytest.approx((0.5 + 10.5) / 2) and s["task_q4"] == pytest.approx((6.5 + 16.5) / 2)
    assert s["pi0"] == (pytest.approx(1.5), 0, pytest.approx(5.5), 800)
    # per point mean over tasks: k + 1 for k = 0..7; first quarter (k = 0, 1) 1.5, last (k = 6, 7) 7.5
    assert s["kl"] == (pytest.approx(1.5), pytest.approx(7.5))


def test_runs_without_pi0_or_kl_and_the_table(tmp_path):
    _write_run(tmp_path / "mazes" / "A3C" / "hp" / "1", with_pi0=False, with_kl=False)
    _write_run(tmp_path / "mazes" / "KL_2col" / "hp" / "0", with_pi0=True, with_kl=True)
    s = probe_summary.summarise(tmp_path / "mazes" / "A3C" / "hp" / "1")
    assert s["pi0"] is None and s["kl"] is None and s["metrics"] == ["entropy_pi_i"]
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "probe_summary.py"), str(tmp_path)],
                         capture_output=True, text=True, check=True).stdout
    assert "| A3C | hp | 1 | 16 | 5.50 | 11.50 | - | - | - | - |" in out
    assert "| KL_2col | hp | 0 | 16 | 5.50 | 11.50 | 1.50 (0) | 5.50 (800) | 1.50 | 7.50 |" in out
    assert "A3C: no kl_pi_i_pi_0 in diagnostics.csv (logged metrics: entropy_pi_i)" in out


def test_bad_root_or_algo_is_named(tmp_path):
    _write_run(tmp_path / "mazes" / "A3C" / "hp" / "0", with_pi0=False, with_kl=False)
    with pytest.raises(SystemExit, match="no such suite directory"):
        probe_summary.run_dirs(tmp_path, "navigation", None)
    with pytest.raises(SystemExit, match="no runs of KL_2col"):
        probe_summary.run_dirs(tmp_path, "mazes", ["KL_2col"])
