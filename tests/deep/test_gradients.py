"""Gradients, not only loss values (checked since the RMSProp epsilon bug froze pi_0): each test fails if the bug it names is put back.

- the value baseline is a constant inside the advantage (the `.detach()` in algorithms.task_loss);
- in 2col the task logits alpha*h + f carry the policy gradient into the shared column
  through DistralNet itself (eq 12), while in 1col pi_0 gets only the distillation term (eq 10);
- each task's gradient is clipped on its own, so a huge gradient of one task does not
  shrink another task's update of its own column.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from deep_helpers import PARAMS, toy_config
from distral.config import load_params
from distral.deep import losses
from distral.deep.algorithms import Coefficients, algorithm, task_loss
from distral.deep.nets import DistralNet, Outputs
from distral.deep.trainer import Trainer

T, B, A, RES = 4, 3, 5, 20
COEF = Coefficients(inv_beta=3e-3, discount=0.99, value_cost=0.5, value_l2_cost=0.005)


@pytest.fixture(scope="module")
def table():
    return load_params(PARAMS)["deep"]["algorithms"]


def _batch(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    obs = torch.randint(0, 256, (T, B, RES, RES, 3), generator=g, dtype=torch.uint8)
    first = torch.zeros(T, B, dtype=torch.bool)
    a = torch.randint(0, A, (T, B), generator=g)
    r = torch.randn(T, B, generator=g)
    return obs, first, a, r


def test_value_baseline_is_detached_in_the_advantage(table):
    """dL/dV is exactly the value regression's gradient: the policy term sends none into V."""
    algo = algorithm("A3C", table)
    _, _, a, r = _batch()
    logits = torch.randn(T, B, A, dtype=torch.float64)
    v = torch.randn(T, B, dtype=torch.float64, requires_grad=True)
    boot = torch.randn(B, dtype=torch.float64)
    discount = torch.full((T, B), COEF.discount, dtype=torch.float64)
    loss, _ = task_loss(algo, Outputs(logits, v, None, None), a, r.double(), discount, boot, COEF)
    loss.backward()
    g = losses.n_step_returns(r.double(), discount, boot)
    torch.testing.assert_close(v.grad, -COEF.value_cost * (g - v.detach()) / B)  # mean over the B envs


def _net_and_policy_loss(columns: str, h_weight: float):
    torch.manual_seed(0)
    net = DistralNet(columns, n_tasks=2, n_actions=A, resolution=RES, h_weight=h_weight)
    obs, first, a, _ = _batch(1)
    out, _ = net(1, obs, first, net.initial_state(B))
    adv = torch.randn(T, B)
    return net, out, losses.policy_gradient_loss(out.logits, a, adv).sum()


def _grad_norm(module) -> float:
    return float(sum(p.grad.norm() ** 2 for p in module.parameters() if p.grad is not None) ** 0.5)


def test_two_column_policy_gradient_reaches_the_shared_column_through_the_net(table):
    """eq (12): d(-log pi_i)/dh = alpha * d(-log pi_i)/dlogits; fails if h is detached inside DistralNet."""
    alpha = algorithm("KL+ent_2col", table).h_weight
    net, out, loss = _net_and_policy_loss("2col", alpha)
    out.h.retain_grad()
    out.logits.retain_grad()
    loss.backward()
    assert _grad_norm(net.shared) > 0
    torch.testing.assert_close(out.h.grad, alpha * out.logits.grad)


def test_one_column_task_logits_reach_pi0_only_through_distillation(table):
    """1col: the policy-gradient term leaves pi_0's net untouched; the whole task loss moves it
    exactly as the distillation (eq 10) and value-L2 terms alone do."""
    net, out, loss = _net_and_policy_loss("1col", 1.0)
    assert out.logits.std() > 0  # non-constant task logits
    loss.backward()
    assert _grad_norm(net.shared) == 0.0
    algo = algorithm("KL_1col", table)
    obs, first, a, r = _batch(2)

    def shared_grads(parts_wanted):
        net.zero_grad(set_to_none=True)
        o, _ = net(0, obs, first, net.initial_state(B))
        discount = torch.full((T, B), COEF.discount)
        _, parts = task_loss(algo, o, a, r, discount, o.value[-1].detach(), COEF)
        sum(v for k, v in parts.items() if k in parts_wanted).backward()
        return [p.grad.clone() if p.grad is not None else torch.zeros_like(p) for p in net.shared.parameters()]

    full = shared_grads({"policy", "value", "distill", "value_l2"})
    only = shared_grads({"distill", "value_l2"})
    assert sum(float(g.norm()) for g in only) > 0
    for g_full, g_only in zip(full, only):
        torch.testing.assert_close(g_full, g_only)


def _one_update(trainer: Trainer, batches, task_scale: float) -> dict:
    """Task 0's column after one learn() on `batches` with task 1's rewards scaled; state restored after."""
    saved = copy.deepcopy((trainer.net.state_dict(), trainer.optimiser.state_dict(), trainer.states))
    batches = copy.deepcopy(batches)
    batches[1]["r"] = [r * task_scale for r in batches[1]["r"]]
    trainer.learn(batches)
    after = {k: v.detach().clone() for k, v in trainer.net.task_columns[0].state_dict().items()}
    trainer.net.load_state_dict(saved[0])
    trainer.optimiser.load_state_dict(saved[1])
    trainer.states = saved[2]
    return after


@pytest.mark.parametrize("clip", ["per_task", "global"])
def test_a_huge_gradient_of_one_task_does_not_shrink_another_tasks_update(tmp_path, clip):
    """A3C: task 0's column update is the same whether task 1's rewards are scaled by 1 or 1e6,
    with per-task clipping; one global norm (the control) couples them."""
    config = toy_config("A3C", 0, frames=8000, n_tasks=2)
    config["deep"]["optimiser"]["clip"] = clip
    trainer = Trainer(config, tmp_path / clip)
    batches = trainer.rollout()
    trainer.envs.close()
    normal, huge = _one_update(trainer, batches, 1.0), _one_update(trainer, batches, 1e6)
    same = all(torch.equal(normal[k], huge[k]) for k in normal)
    assert same == (clip == "per_task"), {k: float((normal[k] - huge[k]).abs().max()) for k in normal}
    before = trainer.net.task_columns[0].state_dict()
    assert any(not torch.equal(before[k], normal[k]) for k in normal)  # task 0 did move


def test_diagnostics_log_kl_and_entropies(tmp_path):
    """diagnostics.csv: KL(pi_i||pi_0) >= 0 and entropies within [0, log A], per task."""
    import pandas as pd

    config = toy_config("KL_1col", 0, frames=8000, n_tasks=2)
    config["deep"]["diagnostics_interval_updates"] = 1
    Trainer(config, tmp_path).run(log=lambda m: None)
    diag = pd.read_csv(tmp_path / "diagnostics.csv")
    assert list(diag.columns) == ["frames", "task", "metric", "value"]
    assert set(diag.metric) == {"kl_pi_i_pi_0", "entropy_pi_i", "entropy_pi_0", "grad_norm"}
    assert diag.task.nunique() == 2
    kl = diag[diag.metric == "kl_pi_i_pi_0"].value
    ent = diag[diag.metric.str.startswith("entropy")].value
    assert (kl >= -1e-6).all() and np.isfinite(diag.value).all()
    assert ((ent >= 0) & (ent <= np.log(5) + 1e-5)).all()
