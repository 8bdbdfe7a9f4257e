"""The deep Distral losses as small pure functions (Sec. 2.3, App. B.2).

Conventions (rlax / torchbeast): tensors in, per-step tensor out, time-major
`[T, B, ...]`; the caller reduces. Every stop-gradient is an explicit `.detach()`
with a comment saying why. Names follow the paper and rlax: `logits_t`, `a_t`,
`r_t`, `discount_t`, `v_t`; `h_t` are the distilled column's logits h_theta0,
`f_t` the task column's logits f_thetai.

Notation: alpha = c_KL / (c_KL + c_Ent), beta = 1 / (c_KL + c_Ent) (eq 1), so
1/beta is the "entropy cost" of the hyperparameter grid and alpha/beta the KL cost.
"""

from __future__ import annotations

import torch


def two_column_logits(h_t: torch.Tensor, f_t: torch.Tensor, h_weight: float) -> torch.Tensor:
    """Task-policy logits of the two-column architecture, eq (12): alpha * h_theta0 + f_thetai.

    With beta folded into f (App. B.2), pi_i = softmax(alpha * h + f). `h_weight` is
    alpha for the Distral 2col algorithms; A3C_2col uses 1 (see algorithms.py).
    """
    return h_weight * h_t + f_t


def log_prob(logits_t: torch.Tensor, a_t: torch.Tensor) -> torch.Tensor:
    """log pi(a_t | s_t) for logits [T, B, A] and actions [T, B] -> [T, B]."""
    return torch.log_softmax(logits_t, dim=-1).gather(-1, a_t.long().unsqueeze(-1)).squeeze(-1)


def regularised_reward(
    r_t: torch.Tensor,
    log_pi0_a_t: torch.Tensor,
    log_pi_a_t: torch.Tensor,
    alpha: float,
    beta: float,
) -> torch.Tensor:
    """R_reg = R + (alpha/beta) log pi_0(a|s) - (1/beta) log pi_i(a|s), defined under eq (9).

    The log-probabilities enter as reward values, not as differentiable terms: the
    direct derivative of the entropy part has zero expectation (text under eq 9), and
    the direct derivative of the log pi_0 part is the second term of eq (10), which
    `distillation_loss` implements. Hence both are detached here.
    """
    return r_t + (alpha / beta) * log_pi0_a_t.detach() - (1.0 / beta) * log_pi_a_t.detach()  # rewards are constants


def n_step_returns(r_t: torch.Tensor, discount_t: torch.Tensor, bootstrap_v: torch.Tensor) -> torch.Tensor:
    """G_t = r_t + discount_t * G_{t+1}, G_T = bootstrap_v: the inner sum of eq (9).

    `discount_t` is gamma times (1 - episode ended at t), so returns never cross an
    episode boundary. Shapes: r_t, discount_t [T, B]; bootstrap_v [B] -> [T, B].
    The returns are regression/advantage targets, so they carry no gradient.
    """
    g = bootstrap_v.detach()  # bootstrap value is a target, not trained through the return
    out = []
    for t in range(r_t.shape[0] - 1, -1, -1):
        g = r_t[t] + discount_t[t] * g
        out.append(g)
    return torch.stack(out[::-1]).detach()  # targets only


def policy_gradient_loss(logits_t: torch.Tensor, a_t: torch.Tensor, adv_t: torch.Tensor) -> torch.Tensor:
    """Per-step loss whose gradient is minus the policy gradient of eq (9) (and the first term of eq 10).

    -log pi(a_t|s_t) * (G_t - V(s_t)): the value baseline is subtracted from the
    (regularised) return; the advantage is a constant weight.
    """
    return -log_prob(logits_t, a_t) * adv_t.detach()  # advantage is a weight, not differentiated


def value_loss(v_t: torch.Tensor, g_t: torch.Tensor) -> torch.Tensor:
    """0.5 (G_t - V(s_t))^2: the baseline's regression onto the n-step (regularised) return."""
    return 0.5 * (g_t.detach() - v_t) ** 2  # the target is not moved towards the estimate


def entropy_loss(logits_t: torch.Tensor) -> torch.Tensor:
    """-H(pi(.|s_t)) per step: the A3C entropy bonus (Mnih et al. 2016), cost 1/beta for the baselines."""
    log_pi = torch.log_softmax(logits_t, dim=-1)
    return (log_pi.exp() * log_pi).sum(-1)


def distillation_loss(
    h_t: torch.Tensor,
    pi_i_t: torch.Tensor,
    pi0_t: torch.Tensor,
    alpha: float,
    beta: float,
) -> torch.Tensor:
    """Second term of eq (10): its gradient wrt theta_0 is -(alpha/beta) sum_a (pi_i - pi_0) grad h(a).

    Returns -(alpha/beta) sum_a [pi_i(a|s) - pi_0(a|s)] h(a|s) per step, with the
    probabilities held constant, so only grad h is taken. It is zero in sum over tasks
    when pi_0 is the mean of the task policies (the centroid remark after eq 10).
    pi_i_t and pi0_t are probabilities [T, B, A]; h_t the distilled logits [T, B, A].
    (The gamma^t factor of eq 10 is dropped, as A3C drops it in eq 9.)
    """
    weight = (pi_i_t - pi0_t).detach()  # eq (10) multiplies grad h by the probabilities, not their gradient
    return -(alpha / beta) * (weight * h_t).sum(-1)


def value_l2_loss(v_i_t: torch.Tensor, v0_t: torch.Tensor) -> torch.Tensor:
    """0.5 (V_i(s) - V_0(s))^2: App. B.2's small L2 term on the value estimates (our reading).

    App. B.2: "small regularization terms over the state value estimates V_i for each
    task, in the form of L2 losses with a coefficient 0.005, to encourage a small
    amount of transfer of knowledge in value estimates too". We read it as an L2 pull
    of each task's value estimate towards the value head of the shared/distilled
    column evaluated on the same state; both sides get the gradient, so V_0 becomes
    the centroid of the tasks' value estimates (as pi_0 is of the policies).
    """
    return 0.5 * (v_i_t - v0_t) ** 2
