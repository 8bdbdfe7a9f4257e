"""Table 1 as data, and each algorithm's loss against a slow NumPy computation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from deep_helpers import PARAMS
from distral.config import load_params
from distral.deep.algorithms import Coefficients, algorithm, task_loss
from distral.deep.nets import Outputs

# Table 1 and App. A/B.2, read off the paper: alpha, architecture, distilled policy exists.
TABLE1 = {
    "A3C": (0.0, "task", False),
    "A3C_multitask": (0.0, "shared", True),
    "A3C_2col": (0.0, "2col", False),  # a shared column, but no distilled policy (Fig. 4 B panels)
    "KL_1col": (1.0, "1col", True),
    "KL+ent_1col": (0.5, "1col", True),
    "KL_2col": (1.0, "2col", True),
    "KL+ent_2col": (0.5, "2col", True),
}


@pytest.fixture(scope="module")
def table():
    return load_params(PARAMS)["deep"]["algorithms"]


def test_table1_alpha_and_architecture(table):
    assert set(table) == set(TABLE1)
    for name, (alpha, columns, distilled) in TABLE1.items():
        algo = algorithm(name, table)
        assert (algo.alpha, algo.columns, algo.has_distilled) == (alpha, columns, distilled), name
        assert algo.objective == ("a3c" if alpha == 0 else "distral"), name


def test_two_column_weights(table):
    """Distral 2col: task logits alpha*h + f (eq 12); A3C_2col: h + f (our reading, see algorithms.py)."""
    assert algorithm("KL_2col", table).h_weight == 1.0
    assert algorithm("KL+ent_2col", table).h_weight == 0.5
    assert algorithm("A3C_2col", table).h_weight == 1.0


def test_hp_grid_is_app_b2():
    hps = load_params(PARAMS)["deep"]["hps"]
    grid = {(v["inv_beta"], v["learning_rate"]) for v in hps.values()}
    assert grid == {(b, e) for b in (3e-4, 1e-3, 3e-3) for e in (2e-4, 4e-4, 8e-4)}
    assert len(hps) == 9


def test_unknown_algorithm_names_the_choices(table):
    with pytest.raises(ValueError, match="unknown algorithm 'KL_3col'.*KL\\+ent_2col"):
        algorithm("KL_3col", table)


T, B, A = 5, 2, 3
COEF = Coefficients(inv_beta=0.1, discount=0.9, value_cost=0.5, value_l2_cost=0.005)


def _rollout(seed=0):
    rng = np.random.default_rng(seed)
    return dict(
        f=rng.normal(size=(T, B, A)), h=rng.normal(size=(T, B, A)), v=rng.normal(size=(T, B)),
        v0=rng.normal(size=(T, B)), a=rng.integers(0, A, size=(T, B)), r=rng.normal(size=(T, B)),
        done=rng.uniform(size=(T, B)) < 0.3, boot=rng.normal(size=B),
    )


def _log_softmax(z):
    z = z - z.max()
    return z - np.log(np.exp(z).sum())


def slow_loss(name, table, d):
    """The whole per-task loss written as loops over the paper's definitions."""
    algo = algorithm(name, table)
    beta = 1 / COEF.inv_beta
    total = 0.0
    for b in range(B):
        for t in range(T):
            # the task policy's logits (Table 1 header row)
            if algo.columns == "2col":
                logits = algo.h_weight * d["h"][t, b] + d["f"][t, b]
            else:
                logits = d["f"][t, b]
            logpi, logp0 = _log_softmax(logits), _log_softmax(d["h"][t, b])
            # return from t: sum_u gamma^(u-t) r'(u), r' = R (A3C) or R_reg (eq 9), bootstrapped
            g, scale, u = 0.0, 1.0, t
            while True:
                lpi_u, lp0_u = _log_softmax(_logits_at(algo, d, u, b)), _log_softmax(d["h"][u, b])
                a_u = d["a"][u, b]
                r = d["r"][u, b]
                if algo.objective == "distral":
                    r = r + algo.alpha / beta * lp0_u[a_u] - 1 / beta * lpi_u[a_u]
                g += scale * r
                if d["done"][u, b]:
                    break
                scale *= COEF.discount
                u += 1
                if u == T:
                    g += scale * d["boot"][b]
                    break
            a = d["a"][t, b]
            total += -logpi[a] * (g - d["v"][t, b])  # eq (9)
            total += COEF.value_cost * 0.5 * (g - d["v"][t, b]) ** 2
            pi = np.exp(logpi)
            if algo.objective == "a3c":
                total += COEF.inv_beta * (pi * logpi).sum()  # minus entropy
            else:
                total += -algo.alpha / beta * ((pi - np.exp(logp0)) * d["h"][t, b]).sum()  # eq (10)
            if algo.value_l2:
                total += COEF.value_l2_cost * 0.5 * (d["v"][t, b] - d["v0"][t, b]) ** 2
    return total / B if COEF.env_reduction == "mean" else total  # mean over the B envs (docs/deep.md)


def _logits_at(algo, d, u, b):
    return algo.h_weight * d["h"][u, b] + d["f"][u, b] if algo.columns == "2col" else d["f"][u, b]


@pytest.mark.parametrize("name", ["A3C", "A3C_2col", "KL_1col", "KL+ent_1col", "KL_2col", "KL+ent_2col"])
def test_task_loss_matches_slow_computation(table, name):
    d = _rollout(seed=sum(map(ord, name)))
    algo = algorithm(name, table)
    t = {k: torch.tensor(v) for k, v in d.items()}
    logits = t["h"] * algo.h_weight + t["f"] if algo.columns == "2col" else t["f"]
    out = Outputs(logits, t["v"], t["h"], t["v0"])
    loss, parts = task_loss(algo, out, t["a"], t["r"], COEF.discount * (1 - t["done"].double()), t["boot"], COEF)
    np.testing.assert_allclose(float(loss), slow_loss(name, table, d), rtol=1e-10)
    other_coef = dataclasses.replace(COEF, env_reduction="sum")
    sum_loss, _ = task_loss(algo, out, t["a"], t["r"], COEF.discount * (1 - t["done"].double()), t["boot"], other_coef)
    np.testing.assert_allclose(float(sum_loss), slow_loss(name, table, d) * d["a"].shape[1], rtol=1e-10)
    assert ("distill" in parts) == (algo.objective == "distral")
    assert ("entropy" in parts) == (algo.objective == "a3c")


def test_one_column_pi0_net_gets_only_distillation_and_value_l2(table):
    """KL_1col: the gradient on h is exactly eq (10)'s second term; on V_0 only the L2 term."""
    algo = algorithm("KL_1col", table)
    d = _rollout(seed=3)
    t = {k: torch.tensor(v) for k, v in d.items()}
    h = t["h"].clone().requires_grad_(True)
    v0 = t["v0"].clone().requires_grad_(True)
    out = Outputs(t["f"], t["v"], h, v0)
    loss, _ = task_loss(algo, out, t["a"], t["r"], COEF.discount * (1 - t["done"].double()), t["boot"], COEF)
    loss.backward()
    beta = 1 / COEF.inv_beta
    pi = torch.softmax(t["f"], -1)
    p0 = torch.softmax(t["h"], -1)
    torch.testing.assert_close(h.grad, -(algo.alpha / beta) * (pi - p0) / B)
    torch.testing.assert_close(v0.grad, -COEF.value_l2_cost * (t["v"] - t["v0"]) / B)
