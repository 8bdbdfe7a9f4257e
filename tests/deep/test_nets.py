"""Network columns (App. B.2) and the column layouts of Table 1."""

from __future__ import annotations

import pytest
import torch

from distral.deep import nets


def obs(T, B, res, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (T, B, res, res, 3), generator=g, dtype=torch.uint8)


def test_column_layers_are_app_b2():
    col = nets.Column(84, n_actions=5)
    conv1, conv2 = col.torso[0], col.torso[2]
    assert (conv1.in_channels, conv1.out_channels, conv1.kernel_size, conv1.stride) == (3, 16, (8, 8), (4, 4))
    assert (conv2.out_channels, conv2.kernel_size, conv2.stride) == (32, (4, 4), (2, 2))
    fc = col.torso[5]
    assert (fc.in_features, fc.out_features) == (32 * 9 * 9, 256)  # 84 -> 20 -> 9
    assert (col.lstm.input_size, col.lstm.hidden_size) == (256, 256)
    assert col.policy.out_features == 5 and col.value.out_features == 1


@pytest.mark.parametrize("res", [20, 42, 84])
def test_column_shapes(res):
    col = nets.Column(res, n_actions=4)
    logits, v, (h, c) = col(obs(3, 2, res), torch.zeros(3, 2, dtype=torch.bool), col.initial_state(2))
    assert logits.shape == (3, 2, 4) and v.shape == (3, 2) and h.shape == (2, 256)


def test_too_small_resolution_is_a_clear_error():
    with pytest.raises(ValueError, match="resolution 16"):
        nets.Column(16, 4)


def test_lstm_state_is_reset_at_episode_starts():
    """A rollout with an episode start at t=k equals the two episodes run separately from zero state."""
    torch.manual_seed(0)
    col = nets.Column(20, 3)
    x = obs(6, 2, 20, seed=1)
    first = torch.zeros(6, 2, dtype=torch.bool)
    first[3, 0] = True  # env 0 starts a new episode at t=3
    state = (torch.randn(2, 256), torch.randn(2, 256))
    logits, _, _ = col(x, first, state)
    # env 0, slowly: steps 0..2 from `state`, then steps 3..5 from zeros
    a, _, _ = col(x[:3, :1], torch.zeros(3, 1, dtype=torch.bool), (state[0][:1], state[1][:1]))
    b, _, _ = col(x[3:, :1], torch.zeros(3, 1, dtype=torch.bool), col.initial_state(1))
    torch.testing.assert_close(logits[:, 0], torch.cat([a, b])[:, 0])
    # env 1 never resets: same as running it alone
    c, _, _ = col(x[:, 1:], torch.zeros(6, 1, dtype=torch.bool), (state[0][1:], state[1][1:]))
    torch.testing.assert_close(logits[:, 1], c[:, 0])


def test_masked_cell_loop_equals_fused_lstm_without_resets_only():
    """Without resets the LSTMCell loop is the standard LSTM; a fused nn.LSTM cannot honour resets."""
    torch.manual_seed(2)
    col = nets.Column(20, 3)
    fused = torch.nn.LSTM(256, 256)
    with torch.no_grad():
        fused.weight_ih_l0.copy_(col.lstm.weight_ih)
        fused.weight_hh_l0.copy_(col.lstm.weight_hh)
        fused.bias_ih_l0.copy_(col.lstm.bias_ih)
        fused.bias_hh_l0.copy_(col.lstm.bias_hh)
    x = obs(5, 2, 20, seed=3)
    feats = col.torso(x.reshape(10, 20, 20, 3).permute(0, 3, 1, 2).float() / 255).view(5, 2, 256)
    core, _ = fused(feats)
    expected = col.policy(core)
    no_reset = torch.zeros(5, 2, dtype=torch.bool)
    logits, _, _ = col(x, no_reset, col.initial_state(2))
    torch.testing.assert_close(logits, expected, rtol=1e-5, atol=1e-6)
    reset = no_reset.clone()
    reset[2] = True
    logits_reset, _, _ = col(x, reset, col.initial_state(2))
    assert not torch.allclose(logits_reset[2:], expected[2:], atol=1e-4)


def _net(columns, h_weight=1.0, n=3):
    torch.manual_seed(4)
    return nets.DistralNet(columns, n_tasks=n, n_actions=4, resolution=20, h_weight=h_weight)


def test_two_column_logits_are_weighted_sum_of_columns_eq12():
    net = _net("2col", h_weight=0.5)
    x, first = obs(4, 2, 20, seed=5), torch.zeros(4, 2, dtype=torch.bool)
    out, _ = net(1, x, first, net.initial_state(2))
    f, fv, _ = net.task_columns[1](x, first, net.task_columns[1].initial_state(2))
    h, v0, _ = net.shared(x, first, net.shared.initial_state(2))
    torch.testing.assert_close(out.logits, 0.5 * h + f)
    torch.testing.assert_close(out.h, h)
    torch.testing.assert_close(out.value, fv)
    torch.testing.assert_close(out.v0, v0)


def test_column_layouts_of_table1():
    x, first = obs(2, 2, 20), torch.zeros(2, 2, dtype=torch.bool)
    task = _net("task")
    assert len(task.task_columns) == 3 and task.shared is None
    out, _ = task(2, x, first, task.initial_state(2))
    assert out.h is None and out.v0 is None

    shared = _net("shared")
    assert len(shared.task_columns) == 0 and shared.shared is not None
    o0, _ = shared(0, x, first, shared.initial_state(2))
    o2, _ = shared(2, x, first, shared.initial_state(2))
    torch.testing.assert_close(o0.logits, o2.logits)  # one column for every task
    torch.testing.assert_close(o0.logits, o0.h)  # which is also the common policy

    onecol = _net("1col")
    assert len(onecol.task_columns) == 3 and onecol.shared is not None
    out, _ = onecol(1, x, first, onecol.initial_state(2))
    f, _, _ = onecol.task_columns[1](x, first, onecol.task_columns[1].initial_state(2))
    torch.testing.assert_close(out.logits, f)  # the task policy does not use pi_0's net


def test_task_columns_are_independent():
    """A loss on task 0's policy (1col) reaches column 0 only, never another task's column or pi_0."""
    net = _net("1col")
    x, first = obs(3, 2, 20), torch.zeros(3, 2, dtype=torch.bool)
    out, _ = net(0, x, first, net.initial_state(2))
    out.logits.sum().backward()
    assert net.task_columns[0].policy.weight.grad is not None
    assert net.task_columns[1].policy.weight.grad is None
    assert net.shared.policy.weight.grad is None


def test_unknown_layout_error():
    with pytest.raises(ValueError, match="unknown column layout"):
        nets.DistralNet("3col", 2, 4, 20)


# --------------------------------------------------------------------------- the batched learner
def _lstm_cell_loop(x_gates, keep, h0, c0, w_hh):
    """The LSTM written from its equations, one cell and step at a time (nn.LSTMCell's gate
    order i, f, g, o), for checking nets.lstm_sequence: x_gates [T, n, B, 4H], w_hh [n, 4H, H]."""
    T, n = x_gates.shape[:2]
    outs = []
    h, c = h0, c0
    for t in range(T):
        hs, cs = [], []
        for j in range(n):
            hj, cj = h[j] * keep[t, j], c[j] * keep[t, j]
            i, f, g, o = (x_gates[t, j] + hj @ w_hh[j].T).chunk(4, -1)
            cj = torch.sigmoid(f) * cj + torch.sigmoid(i) * torch.tanh(g)
            hs.append(torch.sigmoid(o) * torch.tanh(cj))
            cs.append(cj)
        h, c = torch.stack(hs), torch.stack(cs)
        outs.append(h)
    return torch.stack(outs), h, c


@pytest.mark.parametrize("shared", [False, True])
def test_lstm_sequence_values_and_gradients_equal_the_cell_loop(shared):
    g = torch.Generator().manual_seed(1)
    T, n, B, H = 5, 3, 2, 4
    x = torch.randn(T, n, B, 4 * H, generator=g, dtype=torch.float64, requires_grad=True)
    keep = torch.rand(T, n, B, 1, generator=g) > 0.3
    h0, c0 = (torch.randn(n, B, H, generator=g, dtype=torch.float64, requires_grad=True) for _ in range(2))
    w = torch.randn(1 if shared else n, 4 * H, H, generator=g, dtype=torch.float64)
    w = w.expand(n, 4 * H, H).clone().requires_grad_() if shared else w.requires_grad_()
    weights = [torch.randn(T, n, B, H, generator=g, dtype=torch.float64)] + \
              [torch.randn(n, B, H, generator=g, dtype=torch.float64) for _ in range(2)]

    def loss(outs):
        return sum((o * wt).sum() for o, wt in zip(outs, weights))

    out, (h, c) = nets.lstm_sequence(x, keep, h0, c0, w, shared=shared)
    ref = _lstm_cell_loop(x, keep.double(), h0, c0, w)
    for a, b in zip((out, h, c), ref):
        torch.testing.assert_close(a.double(), b)
    got = torch.autograd.grad(loss((out, h, c)), (x, h0, c0, w))
    want = torch.autograd.grad(loss(ref), (x, h0, c0, w))
    for a, b in zip(got, want):  # in float64 each copy's W_hh gradient is its own cells' alone
        torch.testing.assert_close(a.double(), b, rtol=1e-5, atol=1e-6)
    assert not torch.equal(got[3][0], got[3][1])  # copies of one W_hh get different gradients


def test_batched_linear_gradients_equal_autograd():
    g = torch.Generator().manual_seed(2)
    x = torch.randn(3, 5, 4, generator=g, dtype=torch.float64, requires_grad=True)
    w = torch.randn(3, 6, 4, generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.randn(3, 1, 6, generator=g, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(nets.batched_linear, (x, w, b))
    dw = torch.autograd.grad(nets.batched_linear(x, w, b).sum(), w)[0]
    assert dw.is_contiguous()  # laid out as w: no strided optimiser steps


def _stacked_state(net, states):
    return nets.TaskState(*(None if states[0][j] is None else
                            tuple(torch.stack([s[j][m] for s in states]) for m in range(2)) for j in range(2)))


@pytest.mark.parametrize("columns", ["task", "shared", "1col", "2col"])
def test_learner_pass_equals_the_per_task_call_in_values_and_per_task_gradients(columns):
    torch.manual_seed(3)
    n, T, B, A, res = 3, 6, 2, 5, 20
    net = nets.DistralNet(columns, n, A, res, h_weight=0.5)
    for p in net.parameters():  # non-default biases, so that a wrong bias sum shows
        p.data.add_(0.05 * torch.randn_like(p))
    frames = torch.stack([obs(T, B, res, seed=i) for i in range(n)], 1)
    first = torch.rand(T, n, B) < 0.3
    states = [nets.TaskState(*(None if s is None else (torch.randn(B, 256), torch.randn(B, 256))
                               for s in net.initial_state(B))) for _ in range(n)]
    lp = nets.learner_pass(net, frames, first, _stacked_state(net, states))
    weights = [[torch.randn(T, B, A), torch.randn(T, B), torch.randn(T, B, A), torch.randn(T, B)] for _ in range(n)]

    def loss(out, i):  # a different linear function of every output of every task
        return sum((x * w).sum() for x, w in zip(out, weights[i]) if x is not None)

    per_task = nets.task_gradients(net, lp, list(torch.autograd.grad(
        sum(loss(o, i) for i, o in enumerate(lp.outputs)), lp.leaves(), allow_unused=True)))
    for i in range(n):
        out, _ = net(i, frames[:, i], first[:, i], states[i])
        for a, b in zip(lp.outputs[i], out):
            if b is not None:
                torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
        own = net.task_parameters(i) + net.shared_parameters()
        want = torch.autograd.grad(loss(out, i), own, allow_unused=True)
        assert len(per_task[i]) == len(own)
        for got, w, p in zip(per_task[i], want, own):
            assert got.shape == p.shape
            torch.testing.assert_close(got, w if w is not None else torch.zeros_like(p), rtol=1e-4, atol=1e-6)
