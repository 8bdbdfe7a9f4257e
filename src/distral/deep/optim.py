"""The RMSProp optimiser of App. B.2, with a choice of how its mean square starts.

RMSProp keeps a running mean square ms of each gradient and steps lr * g / (sqrt(ms) + eps).
Implementations differ in where ms starts, which matters a lot at laptop budgets of a few
hundred updates (docs/deep.md, Optimiser):

- `zero` (torch's RMSprop): ms_1 = (1 - decay) g^2, so the first step is lr / sqrt(1 - decay)
  = 10 lr per parameter at decay 0.99, and the steps stay above lr for ~100 updates. Measured:
  KL_2col's policies collapsed within ~20 updates on mazes.
- `one` (TensorFlow 1's RMSPropOptimizer): ms_0 = 1, so steps start at lr * g, far below lr
  for gradients << 1, until ms has decayed (~ln(g^2) / ln(decay) updates: ~900 for g = 1e-2).
- `debiased`: ms divided by (1 - decay^t), as Adam does for its second moment; every step is
  lr * g / (sqrt(E[g^2]) + eps) from the first update on. Exactly Adam with beta1 = 0.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

import torch

MEAN_SQUARE_STARTS = ("zero", "one", "debiased")
# How the parameters every task's loss reaches (the shared column, A3C_multitask's network,
# 1col's pi_0) are stepped each update (docs/deep.md, Shared parameters):
#   per_task  one RMSProp step per task's clipped gradient, tasks in index order, as the
#             paper's parameter server applied the gradients of all n tasks' workers (App. B.2):
#             shared parameters take n steps per update, each task's own column one;
#   once      one step on the sum of the tasks' clipped gradients (this code before 2026-12-05).
SHARED_STEPS = ("per_task", "once")


class RMSProp:
    """RMSProp with a chosen mean-square start, written out so that it needs no torch.optim.

    torch.optim imports torch._dynamo the first time an optimiser is built: 3.4 s of every
    training process on this machine (measured), which the smoke and default sweeps pay once
    per run. Only what the trainer uses: `param_groups[0]["lr"]`, `step`, `zero_grad`,
    `state_dict` / `load_state_dict`. Per parameter, with g its gradient and t its step count:
        ms <- decay * ms + (1 - decay) * g^2         (ms starts at 0, or 1 for `one`)
        d  =  sqrt(ms / (1 - decay^t)) + eps        (`debiased`; else sqrt(ms) + eps)
        theta <- theta - lr * g / d                  (momentum m: buf <- m buf + g / d, theta -= lr buf)
    `zero` is torch's RMSprop, `debiased` Adam with beta1 = 0 (tests/deep/test_optim.py checks both
    against torch and all three against a NumPy loop of the formulas).
    """

    def __init__(self, parameters: Iterable[torch.nn.Parameter], lr: float, decay: float, epsilon: float,
                 momentum: float, mean_square_start: str):
        self.params = list(parameters)
        self.param_groups = [{"lr": float(lr)}]
        self.decay, self.epsilon, self.momentum, self.start = float(decay), float(epsilon), float(momentum), mean_square_start
        fill = 1.0 if mean_square_start == "one" else 0.0
        self.square_avg = [torch.full_like(p, fill, memory_format=torch.preserve_format) for p in self.params]
        self.momentum_buffer = [torch.zeros_like(p) for p in self.params] if self.momentum else []
        self.steps = [0] * len(self.params)

    @torch.no_grad()
    def step(self) -> None:
        lr = self.param_groups[0]["lr"]
        for i, (p, ms) in enumerate(zip(self.params, self.square_avg)):
            if p.grad is None:  # as torch: a parameter without a gradient is left alone
                continue
            g = p.grad
            self.steps[i] += 1
            ms.mul_(self.decay).addcmul_(g, g, value=1.0 - self.decay)
            if self.start == "debiased":
                denominator = (ms / (1.0 - self.decay ** self.steps[i])).sqrt_().add_(self.epsilon)
            else:
                denominator = ms.sqrt().add_(self.epsilon)
            if self.momentum:
                buf = self.momentum_buffer[i]
                buf.mul_(self.momentum).addcdiv_(g, denominator)
                p.add_(buf, alpha=-lr)
            else:
                p.addcdiv_(g, denominator, value=-lr)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    def state_dict(self) -> dict[str, Any]:
        return {"lr": self.param_groups[0]["lr"], "steps": list(self.steps), "start": self.start,
                "square_avg": [t.clone() for t in self.square_avg],
                "momentum_buffer": [t.clone() for t in self.momentum_buffer]}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        if state["start"] != self.start or len(state["square_avg"]) != len(self.params):
            raise ValueError("optimiser state from another configuration (mean_square_start or parameters differ)")
        self.param_groups[0]["lr"] = float(state["lr"])
        self.steps = list(state["steps"])
        for dst, src in zip(self.square_avg + self.momentum_buffer, list(state["square_avg"]) + list(state["momentum_buffer"])):
            dst.copy_(src)


def shared_steps(opt: Mapping[str, Any]) -> str:
    """`opt["shared_steps"]` (default `per_task`), validated."""
    mode = opt.get("shared_steps", "per_task")
    if mode not in SHARED_STEPS:
        raise ValueError(f"deep.optimiser.shared_steps: {mode!r} is not one of {', '.join(SHARED_STEPS)}")
    return mode


def step_each(optimiser: RMSProp, steps: Sequence[Sequence[tuple[torch.nn.Parameter, torch.Tensor]]]) -> None:
    """One optimiser step per entry of `steps`, in order: entry k gives some parameters a
    gradient and steps only those (RMSProp.step leaves a parameter without one alone, its
    mean square and step count included). A parameter in several entries takes several
    steps, each with that entry's gradient and the mean square left by the one before."""
    for entry in steps:
        optimiser.zero_grad(set_to_none=True)
        for p, g in entry:
            p.grad = g
        optimiser.step()
    optimiser.zero_grad(set_to_none=True)


def make_optimiser(parameters: Iterable[torch.nn.Parameter], lr: float, opt: Mapping[str, Any]) -> RMSProp:
    """RMSProp with `opt`'s decay, epsilon (outside the square root) and momentum, its mean
    square started as `opt["mean_square_start"]` (default `zero`, torch's)."""
    shared_steps(opt)  # a clear error for a bad value, before any training
    start = opt.get("mean_square_start", "zero")
    if start not in MEAN_SQUARE_STARTS:
        raise ValueError(f"deep.optimiser.mean_square_start: {start!r} is not one of {', '.join(MEAN_SQUARE_STARTS)}")
    if start == "debiased" and opt["momentum"]:
        raise ValueError("deep.optimiser.mean_square_start 'debiased' needs momentum 0 (it is Adam with beta1 = 0)")
    return RMSProp(parameters, lr, opt["decay"], opt["epsilon"], opt["momentum"], start)
