"""Statistics shared by the aggregation and the plots: seeded bootstrap intervals and AUC."""

from __future__ import annotations

import numpy as np
from scipy import stats


def bootstrap_ci(samples: np.ndarray, confidence: float, resamples: int, seed: int) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean; seeded, so the same data give the same bytes.

    With fewer than two samples, or identical samples, the interval collapses to the mean.
    """
    samples = np.asarray(samples, dtype=float)
    mean = float(samples.mean())
    if samples.size < 2 or np.ptp(samples) == 0:
        return mean, mean
    res = stats.bootstrap(
        (samples,), np.mean, confidence_level=confidence, n_resamples=resamples,
        method="percentile", rng=np.random.default_rng(seed),
    )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def normalised_auc(x: np.ndarray, y: np.ndarray) -> float:
    """Area under the curve y(x) by the trapezoid rule, divided by the x range:
    the curve's mean height, in the units of y (so runs of any length compare)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 2:
        raise ValueError("normalised_auc needs at least two points")
    return float(np.trapezoid(y, x) / (x[-1] - x[0]))
