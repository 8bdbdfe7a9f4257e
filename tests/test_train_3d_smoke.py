"""A smoke run of each of the seven algorithms on each 3D suite (issue 3): a real
`python -m distral train` process per pair with a tiny budget, via
bench/smoke_deep_suites.py. Every run must complete, and every algorithm with a
distilled or shared policy must have evaluated it on every task of the suite."""

import re
import subprocess
import sys
from pathlib import Path

from distral.envs.registry import make_suite

ROOT = Path(__file__).resolve().parents[1]
SUITES = ("mazes", "navigation", "laser-tag")
ALGOS = ("A3C", "A3C_multitask", "A3C_2col", "KL_1col", "KL+ent_1col", "KL_2col", "KL+ent_2col")
WITH_DISTILLED = {"A3C_multitask", "KL_1col", "KL+ent_1col", "KL_2col", "KL+ent_2col"}
LINE = re.compile(r"^(\S+)\s+(\S+)\s+(\S+)\s+updates\s+(\d+).*distilled episodes\s+(\d+)\s+tasks\s+(\d+)")


def test_each_algorithm_runs_on_each_3d_suite():
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "smoke_deep_suites.py"), "--processes", "2"],
                         cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    runs = {(m[1], m[2]): m for m in map(LINE.match, out.stdout.splitlines()) if m}
    assert set(runs) == {(s, a) for s in SUITES for a in ALGOS}
    for (suite, algo), m in runs.items():
        assert m[3] == "completed" and int(m[4]) > 0, m[0]
        if algo in WITH_DISTILLED:
            assert int(m[6]) == make_suite(suite).n_tasks, m[0]
