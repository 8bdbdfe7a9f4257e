"""Inference shared by the aggregation, the figures, the tables and the claims: seeded percentile
bootstrap intervals (scipy.stats.bootstrap) and the normalised area under a curve.

The bootstrap settings (confidence level, resamples, seed) come from one place, params.yaml
`analysis.bootstrap` (`settings(params)`); seeded, so the same data always give the same bytes.
Two functions, one per question, differing only in what a sample too small to resample gives:

- `bootstrap_ci`: an interval of the mean of one sample, to draw or tabulate (Fig. 3 bands, the
  AUC table, Table 1). Below two values it collapses to the mean: a band of width 0.
- `bootstrap`: a point and an interval of any statistic of several samples resampled
  independently (stratified), to decide a claim. Below two values in a sample the interval is NaN:
  a verdict must not rest on one run.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from scipy import stats


def settings(params: Mapping[str, Any]) -> dict:
    """The bootstrap settings of params.yaml `analysis.bootstrap`: {confidence, resamples, seed}."""
    return dict(params["analysis"]["bootstrap"])


def _resample(samples: Sequence[np.ndarray], statistic: Callable, settings: Mapping[str, Any], **kwargs):
    return stats.bootstrap(samples, statistic, confidence_level=settings["confidence"],
                           n_resamples=settings["resamples"], method="percentile",
                           rng=np.random.default_rng(settings["seed"]), **kwargs).confidence_interval


def bootstrap_ci(samples: np.ndarray, settings: Mapping[str, Any]) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of `samples`.

    With fewer than two samples, or identical samples, the interval collapses to the mean.
    """
    samples = np.asarray(samples, dtype=float)
    mean = float(samples.mean())
    if samples.size < 2 or np.ptp(samples) == 0:
        return mean, mean
    interval = _resample((samples,), np.mean, settings)
    return float(interval.low), float(interval.high)


def bootstrap(samples: Sequence[np.ndarray], statistic: Callable, settings: Mapping[str, Any]
              ) -> tuple[float, float, float]:
    """Point value and percentile interval of `statistic(*samples, axis)`, each sample resampled
    independently (stratified). An empty or non-finite sample gives NaN throughout; a sample of
    fewer than two values gives a NaN interval; samples that are all constant give the point."""
    samples = [np.asarray(s, dtype=float) for s in samples]
    if min(s.size for s in samples) < 1 or not all(np.isfinite(s).all() for s in samples):
        return math.nan, math.nan, math.nan  # a missing or non-finite score decides nothing
    point = float(statistic(*samples, axis=-1))
    if min(s.size for s in samples) < 2:
        return point, math.nan, math.nan
    if all(np.ptp(s) == 0 for s in samples):  # nothing to resample: the interval is the point
        return point, point, point
    interval = _resample(samples, statistic, settings, vectorized=True, axis=-1, paired=False)
    return point, float(interval.low), float(interval.high)


def normalised_auc(x: np.ndarray, y: np.ndarray) -> float:
    """Area under the curve y(x) by the trapezoid rule, divided by the x range:
    the curve's mean height, in the units of y (so runs of any length compare)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 2:
        raise ValueError("normalised_auc needs at least two points")
    return float(np.trapezoid(y, x) / (x[-1] - x[0]))
