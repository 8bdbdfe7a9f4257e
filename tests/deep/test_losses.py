"""The losses against slow NumPy computations written close to the paper's equations."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from distral.deep import losses

T, B, A = 7, 3, 4


def np_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def test_regularised_return_matches_slow_sum():
    """sum_{u>=t} gamma^(u-t) R_reg(u), cut at episode ends, bootstrapped at T (eq 9)."""
    rng = np.random.default_rng(1)
    alpha, beta, gamma = 0.5, 1.0 / 3e-3, 0.99
    r = rng.normal(size=(T, B))
    logp0 = np.log(rng.uniform(0.05, 1, size=(T, B)))
    logpi = np.log(rng.uniform(0.05, 1, size=(T, B)))
    done = rng.uniform(size=(T, B)) < 0.2
    boot = rng.normal(size=B)

    expected = np.zeros((T, B))
    for b in range(B):
        for t in range(T):
            total, scale, u = 0.0, 1.0, t
            while True:
                rreg = r[u, b] + alpha / beta * logp0[u, b] - 1 / beta * logpi[u, b]
                total += scale * rreg
                if done[u, b]:
                    break
                scale *= gamma
                u += 1
                if u == T:
                    total += scale * boot[b]
                    break
            expected[t, b] = total

    rreg = losses.regularised_reward(
        torch.tensor(r), torch.tensor(logp0), torch.tensor(logpi), alpha, beta
    )
    disc = torch.tensor(gamma * (1 - done))
    got = losses.n_step_returns(rreg, disc, torch.tensor(boot))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_regularised_reward_is_a_constant():
    logp = torch.zeros(T, B, requires_grad=True)
    out = losses.regularised_reward(torch.zeros(T, B), logp, logp, 1.0, 2.0)
    assert not out.requires_grad


def test_alpha_zero_regularised_reward_is_entropy_regularised():
    r = torch.tensor(rand(T, B))
    lp0 = torch.tensor(rand(T, B, seed=2))
    lpi = torch.tensor(rand(T, B, seed=3))
    got = losses.regularised_reward(r, lp0, lpi, 0.0, 4.0)
    np.testing.assert_allclose(got.numpy(), (r - lpi / 4.0).numpy())


def _linear_policy_setup(seed=0):
    """Logits linear in parameters: logits[t,b] = W x[t,b], so grad log pi is known in closed form."""
    rng = np.random.default_rng(seed)
    D = 5
    x = rng.normal(size=(T, B, D))
    W = rng.normal(size=(A, D))
    a = rng.integers(0, A, size=(T, B))
    adv = rng.normal(size=(T, B))
    return x, W, a, adv


def test_policy_gradient_wrt_theta_i_eq9():
    """grad_theta_i = sum_t grad log pi_i(a_t|s_t) (G_t - V_t); loss is its negative (mean over T, B)."""
    x, W, a, adv = _linear_policy_setup()
    expected = np.zeros_like(W)
    for t in range(T):
        for b in range(B):
            pi = np_softmax(W @ x[t, b])
            onehot = np.eye(A)[a[t, b]]
            # d log softmax(Wx)[a] / dW = (onehot(a) - pi) x^T
            expected += np.outer(onehot - pi, x[t, b]) * adv[t, b]
    expected = -expected / (T * B)

    Wt = torch.tensor(W, requires_grad=True)
    logits = torch.einsum("ad,tbd->tba", Wt, torch.tensor(x))
    loss = losses.policy_gradient_loss(logits, torch.tensor(a), torch.tensor(adv)).mean()
    loss.backward()
    np.testing.assert_allclose(Wt.grad.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_gradient_wrt_theta0_two_column_eq10():
    """2col: grad_theta0 = sum_t grad log pi_i (G - V) + (alpha/beta) sum_t sum_a (pi_i - pi_0) grad h."""
    x, W0, a, adv = _linear_policy_setup(seed=4)
    rng = np.random.default_rng(5)
    f = rng.normal(size=(T, B, A))
    alpha, beta = 0.5, 1 / 1e-3
    expected = np.zeros_like(W0)
    for t in range(T):
        for b in range(B):
            h = W0 @ x[t, b]
            pi0 = np_softmax(h)
            pii = np_softmax(alpha * h + f[t, b])
            onehot = np.eye(A)[a[t, b]]
            # first term: grad_theta0 log pi_i(a) = alpha (onehot - pi_i) x^T
            expected += alpha * np.outer(onehot - pii, x[t, b]) * adv[t, b]
            # second term: (alpha/beta) sum_a' (pi_i(a') - pi_0(a')) grad h(a') = ... x^T
            expected += alpha / beta * np.outer(pii - pi0, x[t, b])
    expected = -expected / (T * B)

    W = torch.tensor(W0, requires_grad=True)
    h = torch.einsum("ad,tbd->tba", W, torch.tensor(x))
    logits_i = losses.two_column_logits(h, torch.tensor(f), alpha)
    pi_i, pi0 = torch.softmax(logits_i, -1), torch.softmax(h, -1)
    loss = losses.policy_gradient_loss(logits_i, torch.tensor(a), torch.tensor(adv)) + losses.distillation_loss(
        h, pi_i, pi0, alpha, beta
    )
    loss.mean().backward()
    np.testing.assert_allclose(W.grad.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_gradient_wrt_theta0_one_column_only_distillation():
    """1col: pi_i does not depend on theta_0, so only eq (10)'s second term reaches pi_0's net."""
    x, W0, a, adv = _linear_policy_setup(seed=6)
    f = np.random.default_rng(7).normal(size=(T, B, A))
    alpha, beta = 1.0, 1 / 3e-4
    expected = np.zeros_like(W0)
    for t in range(T):
        for b in range(B):
            h = W0 @ x[t, b]
            expected += alpha / beta * np.outer(np_softmax(f[t, b]) - np_softmax(h), x[t, b])
    expected = -expected / (T * B)
    W = torch.tensor(W0, requires_grad=True)
    h = torch.einsum("ad,tbd->tba", W, torch.tensor(x))
    logits_i = torch.tensor(f)
    loss = losses.policy_gradient_loss(logits_i, torch.tensor(a), torch.tensor(adv)) + losses.distillation_loss(
        h, torch.softmax(logits_i, -1), torch.softmax(h, -1), alpha, beta
    )
    loss.mean().backward()
    np.testing.assert_allclose(W.grad.numpy(), expected, rtol=1e-10, atol=1e-14)


def test_distillation_term_vanishes_at_centroid():
    """sum_i sum_a (pi_i - pi_0) grad h = 0 when pi_0 is the mean of the task policies (after eq 10)."""
    n = 5
    rng = np.random.default_rng(8)
    task_logits = rng.normal(size=(n, T, B, A)) * 2
    centroid = np_softmax(task_logits).mean(0)
    h = torch.tensor(np.log(centroid), requires_grad=True)
    pi0 = torch.softmax(h, -1)
    total = sum(
        losses.distillation_loss(h, torch.softmax(torch.tensor(task_logits[i]), -1), pi0, 1.0, 1e3).sum()
        for i in range(n)
    )
    total.backward()
    assert np.abs(h.grad.numpy()).max() < 1e-12
    # ... and does not vanish away from the centroid (the test can fail).
    h2 = torch.tensor(np.log(np_softmax(task_logits[0])), requires_grad=True)
    total2 = sum(
        losses.distillation_loss(h2, torch.softmax(torch.tensor(task_logits[i]), -1), torch.softmax(h2, -1), 1.0, 1e3).sum()
        for i in range(n)
    )
    total2.backward()
    assert np.abs(h2.grad.numpy()).max() > 1e-3


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0])
def test_two_column_logits_eq12_equal_prior_times_soft_advantage(alpha):
    """softmax(alpha h + f) = pi_0^alpha exp(beta A_hat) with beta A_hat from eq (11)."""
    rng = np.random.default_rng(9)
    h, f = rng.normal(size=(T, B, A)), rng.normal(size=(T, B, A))
    expected = np.zeros((T, B, A))
    for t in range(T):
        for b in range(B):
            pi0 = np_softmax(h[t, b])
            log_norm = np.log(sum(pi0[k] ** alpha * np.exp(f[t, b, k]) for k in range(A)))
            beta_adv = f[t, b] - log_norm  # eq (11)
            expected[t, b] = pi0**alpha * np.exp(beta_adv)  # eq (12), left-hand form
    got = torch.softmax(losses.two_column_logits(torch.tensor(h), torch.tensor(f), alpha), -1)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10)
    np.testing.assert_allclose(expected.sum(-1), 1.0, rtol=1e-12)


def test_entropy_and_value_losses():
    rng = np.random.default_rng(10)
    logits = rng.normal(size=(T, B, A))
    v, g = rng.normal(size=(T, B)), rng.normal(size=(T, B))
    ent = np.array([[-sum(-p * np.log(p) for p in np_softmax(logits[t, b])) for b in range(B)] for t in range(T)])
    np.testing.assert_allclose(losses.entropy_loss(torch.tensor(logits)).numpy(), ent, rtol=1e-12)
    vt = torch.tensor(v, requires_grad=True)
    gt = torch.tensor(g, requires_grad=True)
    out = losses.value_loss(vt, gt)
    np.testing.assert_allclose(out.detach().numpy(), 0.5 * (g - v) ** 2)
    out.sum().backward()
    np.testing.assert_allclose(vt.grad.numpy(), v - g)
    assert gt.grad is None  # the return is a target


def test_value_l2_pulls_both_values_together():
    vi = torch.tensor([1.0, 2.0], requires_grad=True)
    v0 = torch.tensor([0.0, 4.0], requires_grad=True)
    losses.value_l2_loss(vi, v0).sum().backward()
    np.testing.assert_allclose(vi.grad.numpy(), [1.0, -2.0])
    np.testing.assert_allclose(v0.grad.numpy(), [-1.0, 2.0])


def test_log_prob_matches_numpy():
    rng = np.random.default_rng(11)
    logits = rng.normal(size=(T, B, A))
    a = rng.integers(0, A, size=(T, B))
    expected = np.log(np_softmax(logits))[np.arange(T)[:, None], np.arange(B)[None, :], a]
    np.testing.assert_allclose(losses.log_prob(torch.tensor(logits), torch.tensor(a)).numpy(), expected, rtol=1e-12)
