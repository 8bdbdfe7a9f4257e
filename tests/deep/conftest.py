"""tests/deep/test_random_policy.py checks the `vs_random` and `vs_start` claims with the
aggregate builders of tests/analysis/test_claims.py: put that folder on the path, so the deep
tests also run on their own (`pytest tests/deep`), not only after tests/analysis was collected."""

import sys
from pathlib import Path

ANALYSIS_TESTS = str(Path(__file__).resolve().parents[1] / "analysis")
if ANALYSIS_TESTS not in sys.path:
    sys.path.append(ANALYSIS_TESTS)
