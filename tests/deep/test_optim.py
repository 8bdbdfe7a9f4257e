"""RMSProp's three mean-square starts (distral.deep.optim) against a NumPy loop written from the formulas."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from distral.deep.optim import make_optimiser

DECAY, EPS, LR = 0.99, 1e-5, 1e-3


def reference_steps(grads: np.ndarray, start: str) -> np.ndarray:
    """Parameter after each step: ms_t = decay ms_{t-1} + (1 - decay) g_t^2 (ms_0 = 0, or 1 for
    `one`); `debiased` divides ms_t by (1 - decay^t); theta -= lr g_t / (sqrt(ms_t) + eps)."""
    theta, ms, out = np.zeros_like(grads[0]), np.full_like(grads[0], 1.0 if start == "one" else 0.0), []
    for t, g in enumerate(grads, start=1):
        ms = DECAY * ms + (1 - DECAY) * g * g
        denominator = ms / (1 - DECAY ** t) if start == "debiased" else ms
        theta = theta - LR * g / (np.sqrt(denominator) + EPS)
        out.append(theta.copy())
    return np.array(out)


@pytest.mark.parametrize("start", ["zero", "one", "debiased"])
def test_steps_match_the_formula(start):
    grads = np.random.default_rng(0).normal(scale=1e-3, size=(30, 5))
    p = torch.nn.Parameter(torch.zeros(5, dtype=torch.float64))
    opt = make_optimiser([p], LR, {"decay": DECAY, "epsilon": EPS, "momentum": 0.0, "mean_square_start": start})
    got = []
    for g in grads:
        p.grad = torch.from_numpy(g)
        opt.step()
        got.append(p.detach().numpy().copy())
    np.testing.assert_allclose(np.array(got), reference_steps(grads, start), rtol=1e-9, atol=1e-12)


def test_first_step_sizes_differ_as_documented():
    """One step on a gradient of 1e-3: zero starts at 10 lr, debiased at lr, one at lr * 1e-3."""
    sizes = {}
    for start in ("zero", "one", "debiased"):
        p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
        opt = make_optimiser([p], LR, {"decay": DECAY, "epsilon": 0.0, "momentum": 0.0, "mean_square_start": start})
        p.grad = torch.tensor([1e-3], dtype=torch.float64)
        opt.step()
        sizes[start] = -float(p.detach()) / LR
    assert sizes["zero"] == pytest.approx(10.0)
    assert sizes["debiased"] == pytest.approx(1.0)
    assert sizes["one"] == pytest.approx(1e-3 / np.sqrt(DECAY + 0.01 * 1e-6))


def test_state_survives_a_checkpoint():
    """The started mean square is part of the optimiser's state_dict (resume gives the same steps)."""
    def fresh():
        p = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
        return p, make_optimiser([p], LR, {"decay": DECAY, "epsilon": EPS, "momentum": 0.0, "mean_square_start": "one"})
    p, opt = fresh()
    p.grad = torch.ones(3, dtype=torch.float64)
    opt.step()
    q, again = fresh()
    q.data.copy_(p.data)
    again.load_state_dict(copy.deepcopy(opt.state_dict()))  # as torch.save + torch.load do
    p.grad = q.grad = torch.full((3,), 0.5, dtype=torch.float64)
    opt.step()
    again.step()
    assert torch.equal(p, q)


def test_bad_settings_name_the_key():
    p = torch.nn.Parameter(torch.zeros(1))
    with pytest.raises(ValueError, match="mean_square_start"):
        make_optimiser([p], LR, {"decay": DECAY, "epsilon": EPS, "momentum": 0.0, "mean_square_start": "two"})
    with pytest.raises(ValueError, match="momentum 0"):
        make_optimiser([p], LR, {"decay": DECAY, "epsilon": EPS, "momentum": 0.9, "mean_square_start": "debiased"})


@pytest.mark.parametrize("start,momentum", [("zero", 0.0), ("zero", 0.9), ("debiased", 0.0)])
def test_same_steps_as_torch(start, momentum):
    """`zero` is torch's RMSprop (with or without momentum), `debiased` torch's Adam with beta1 = 0."""
    grads = torch.from_numpy(np.random.default_rng(1).normal(scale=1e-2, size=(20, 4)))
    ours, theirs = (torch.nn.Parameter(torch.zeros(4, dtype=torch.float64)) for _ in range(2))
    opt = make_optimiser([ours], LR, {"decay": DECAY, "epsilon": EPS, "momentum": momentum, "mean_square_start": start})
    if start == "zero":
        ref = torch.optim.RMSprop([theirs], lr=LR, alpha=DECAY, eps=EPS, momentum=momentum)
    else:
        ref = torch.optim.Adam([theirs], lr=LR, betas=(0.0, DECAY), eps=EPS)
    for g in grads:
        ours.grad, theirs.grad = g.clone(), g.clone()
        opt.step()
        ref.step()
    torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-13)


def test_building_the_optimiser_does_not_import_dynamo():
    """torch.optim would (3.4 s per training process here): checked in a fresh interpreter."""
    import subprocess
    import sys

    code = ("import sys, torch; from distral.deep.optim import make_optimiser; "
            "p = torch.nn.Parameter(torch.zeros(2)); p.grad = torch.ones(2); "
            "o = make_optimiser([p], 1e-3, {'decay': 0.99, 'epsilon': 1e-5, 'momentum': 0.0, 'mean_square_start': 'debiased'}); "
            "o.step(); print('torch._dynamo' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
