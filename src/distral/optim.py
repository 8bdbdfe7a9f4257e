"""The RMSProp optimiser of App. B.2, with a choice of how its mean square starts.

RMSProp keeps a running mean square ms of each gradient and steps lr * g / (sqrt(ms) + eps).
Implementations differ in where ms starts, which matters a lot at laptop budgets of a few
hundred updates (docs/deep.md, Calibration):

- `zero` (torch's RMSprop): ms_1 = (1 - decay) g^2, so the first step is lr / sqrt(1 - decay)
  = 10 lr per parameter at decay 0.99, and the steps stay above lr for ~100 updates. Measured:
  KL_2col's policies collapsed within ~20 updates on mazes.
- `one` (TensorFlow 1's RMSPropOptimizer): ms_0 = 1, so steps start at lr * g, far below lr
  for gradients << 1, until ms has decayed (~ln(g^2) / ln(decay) updates: ~900 for g = 1e-2).
- `debiased`: ms divided by (1 - decay^t), as Adam does for its second moment; every step is
  lr * g / (sqrt(E[g^2]) + eps) from the first update on. Exactly Adam with beta1 = 0.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import torch

MEAN_SQUARE_STARTS = ("zero", "one", "debiased")


def make_optimiser(parameters: Iterable[torch.nn.Parameter], lr: float,
                   opt: Mapping[str, Any]) -> torch.optim.Optimizer:
    """RMSProp with `opt`'s decay, epsilon (outside the square root) and momentum, its mean
    square started as `opt["mean_square_start"]` (default `zero`, torch's)."""
    parameters = list(parameters)
    start = opt.get("mean_square_start", "zero")
    if start not in MEAN_SQUARE_STARTS:
        raise ValueError(f"deep.optimiser.mean_square_start: {start!r} is not one of {', '.join(MEAN_SQUARE_STARTS)}")
    if start == "debiased":
        if opt["momentum"]:
            raise ValueError("deep.optimiser.mean_square_start 'debiased' needs momentum 0 (it is Adam with beta1 = 0)")
        return torch.optim.Adam(parameters, lr=lr, betas=(0.0, opt["decay"]), eps=opt["epsilon"])
    optimiser = torch.optim.RMSprop(parameters, lr=lr, alpha=opt["decay"], eps=opt["epsilon"],
                                    momentum=opt["momentum"])
    if start == "one":
        # torch creates the state on the first step only when it is empty: fill it as TF does.
        for p in parameters:
            state = {"step": torch.tensor(0.0), "square_avg": torch.ones_like(p, memory_format=torch.preserve_format)}
            if opt["momentum"]:
                state["momentum_buffer"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            optimiser.state[p] = state
    return optimiser
