"""The seven deep algorithms of Table 1 as data, and how each combines the losses.

Each algorithm is a row of params.yaml `deep.algorithms`:
  alpha      c_KL / (c_KL + c_Ent): 0 for the A3C baselines, 1 for KL, 0.5 for KL+ent (App. B.2)
  columns    task | shared | 1col | 2col (see nets.py)
  objective  a3c: the original A3C loss (raw reward, entropy bonus of cost 1/beta), as the
             paper reports for its baselines (Sec. 3); distral: policy gradient on the
             regularised reward (eq 9) plus the distillation term (eq 10)
  h_weight   weight of h_theta0 in the 2col task logits; defaults to alpha (eq 12).
             A3C_2col sets 1: with alpha = 0 literally, softmax(0*h + f) ignores the shared
             column and A3C_2col would be A3C (our reading of App. A, "a two-column
             architecture with one column shared across tasks (8)").
  value_l2   the App. B.2 L2 between V_i and the shared column's V_0 (losses.value_l2_loss)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import torch

from distral.config import has_distilled
from distral.deep import losses
from distral.deep.nets import Outputs

COLUMNS = ("task", "shared", "1col", "2col")
OBJECTIVES = ("a3c", "distral")


@dataclass(frozen=True)
class Algorithm:
    name: str
    alpha: float
    columns: str
    objective: str
    h_weight: float
    value_l2: bool

    @property
    def has_distilled(self) -> bool:
        """A policy for all tasks to evaluate: pi_0 (Distral) or the common policy (A3C_multitask);
        the rule is distral.config.has_distilled, which the log checks use too."""
        return has_distilled({"objective": self.objective, "columns": self.columns})


def algorithm(name: str, table: Mapping[str, Mapping[str, Any]]) -> Algorithm:
    """The algorithm `name` from params `deep.algorithms`; a bad name lists the known ones."""
    if name not in table:
        raise ValueError(f"unknown algorithm {name!r} (known: {', '.join(table)})")
    row = table[name]
    columns, objective, alpha = row["columns"], row["objective"], float(row["alpha"])
    if columns not in COLUMNS:
        raise ValueError(f"deep.algorithms.{name}.columns: {columns!r} not one of {COLUMNS}")
    if objective not in OBJECTIVES:
        raise ValueError(f"deep.algorithms.{name}.objective: {objective!r} not one of {OBJECTIVES}")
    if objective == "distral" and columns in ("task", "shared"):
        raise ValueError(f"deep.algorithms.{name}: the distral objective needs a distilled column (1col or 2col)")
    h_weight = float(row.get("h_weight", alpha))
    return Algorithm(name, alpha, columns, objective, h_weight, bool(row.get("value_l2", False)))


@dataclass(frozen=True)
class Coefficients:
    """Loss weights that are not per-algorithm: from params `deep` and the hp setting."""

    inv_beta: float  # 1/beta, the entropy cost of the hp grid
    discount: float
    value_cost: float
    value_l2_cost: float
    env_reduction: str = "mean"  # over a task's envs: "mean" (A2C) or "sum" (B workers' updates add up)


def task_loss(
    algo: Algorithm,
    out: Outputs,
    a_t: torch.Tensor,
    r_t: torch.Tensor,
    discount_t: torch.Tensor,
    bootstrap_v: torch.Tensor,
    coef: Coefficients,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The loss of one task's rollout [T, B] and its parts for logging.

    Per-step losses are summed over the rollout's T steps, as an A3C worker accumulates
    its gradient over its rollout, and summed (or averaged, `coef.env_reduction`) over
    the B environments, which stand in for the paper's asynchronous workers (docs/deep.md,
    Optimiser). `out` is the network's output on the rollout, `bootstrap_v` V_i(s_T).
    """
    beta = 1.0 / coef.inv_beta
    _reduce = _sum_over_envs if coef.env_reduction == "sum" else _mean_over_envs
    parts: dict[str, torch.Tensor] = {}
    if algo.objective == "a3c":
        g_t = losses.n_step_returns(r_t, discount_t, bootstrap_v)
        parts["entropy"] = coef.inv_beta * _reduce(losses.entropy_loss(out.logits))
    else:
        log_pi_a = losses.log_prob(out.logits, a_t)
        log_pi0_a = losses.log_prob(out.h, a_t)
        r_reg = losses.regularised_reward(r_t, log_pi0_a, log_pi_a, algo.alpha, beta)  # under eq (9)
        g_t = losses.n_step_returns(r_reg, discount_t, bootstrap_v)
        pi_i = torch.softmax(out.logits, -1)
        pi_0 = torch.softmax(out.h, -1)
        parts["distill"] = _reduce(losses.distillation_loss(out.h, pi_i, pi_0, algo.alpha, beta))  # eq (10)
    adv_t = g_t - out.value.detach()  # baseline only reduces variance; it is trained by the value loss
    parts["policy"] = _reduce(losses.policy_gradient_loss(out.logits, a_t, adv_t))  # eq (9)
    parts["value"] = coef.value_cost * _reduce(losses.value_loss(out.value, g_t))
    if algo.value_l2:
        parts["value_l2"] = coef.value_l2_cost * _reduce(losses.value_l2_loss(out.value, out.v0))
    total = sum(parts.values())
    return total, parts


def _sum_over_envs(x_t: torch.Tensor) -> torch.Tensor:
    """Sum over time and over the environments: [T, B] -> scalar (B workers' gradients add up)."""
    return x_t.sum()


def _mean_over_envs(x_t: torch.Tensor) -> torch.Tensor:
    """Sum over time, mean over the environments: [T, B] -> scalar."""
    return x_t.sum(0).mean()


def policy_diagnostics(out: Outputs) -> dict[str, torch.Tensor]:
    """Per-state means over a rollout of KL(pi_i || pi_0) and the entropies of pi_i and pi_0.

    Whether pi_0 follows the task policies (KL falls) or stays where it started, as it did
    under the RMSProp epsilon bug that froze pi_0. No gradient flows; these are measurements only.
    """
    with torch.no_grad():
        stats = {"entropy_pi_i": -losses.entropy_loss(out.logits).mean()}
        if out.h is not None:
            stats["entropy_pi_0"] = -losses.entropy_loss(out.h).mean()
            log_pi, log_pi0 = torch.log_softmax(out.logits, -1), torch.log_softmax(out.h, -1)
            stats["kl_pi_i_pi_0"] = (log_pi.exp() * (log_pi - log_pi0)).sum(-1).mean()
    return stats
