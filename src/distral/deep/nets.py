"""Network columns (App. B.2) and how the seven algorithms assemble them (Table 1).

A column is Mnih et al. (2016)'s network: conv 16 8x8/4 + ReLU, conv 32 4x4/2 + ReLU,
fully connected 256 + ReLU, LSTM 256, linear policy logits and value. The LSTM is an
LSTMCell stepped over time so that its state is zeroed where an episode starts inside
a rollout (a fused nn.LSTM cannot do that, so it would not be the same network).

`DistralNet` holds the columns one algorithm needs (see algorithms.COLUMNS):
  task    one column per task, no distilled policy (A3C);
  shared  one column for all tasks, which is also the common policy (A3C_multitask);
  1col    one column per task plus a separate distilled network pi_0 (KL_1col, KL+ent_1col);
  2col    one column per task plus a shared column h_theta0; task logits alpha*h + f (eq 12).
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import torch
from torch import nn

from distral.deep.losses import two_column_logits

CONV1 = (16, 8, 4)  # filters, kernel, stride (App. B.2 / Mnih et al. 2016)
CONV2 = (32, 4, 2)
FC = 256
LSTM = 256
MIN_RESOLUTION = 20  # the smallest square input both convolutions accept

LSTMState = tuple[torch.Tensor, torch.Tensor]


def conv_output_size(resolution: int) -> int:
    """Spatial size after the two convolutions; raises a clear error when the input is too small."""
    if resolution < MIN_RESOLUTION:
        raise ValueError(f"resolution {resolution} is too small for the App. B.2 network (minimum {MIN_RESOLUTION})")
    size = (resolution - CONV1[1]) // CONV1[2] + 1
    return (size - CONV2[1]) // CONV2[2] + 1


class Column(nn.Module):
    """One network column: pixels [T, B, H, W, 3] uint8 -> logits [T, B, A], value [T, B]."""

    def __init__(self, resolution: int, n_actions: int):
        super().__init__()
        side = conv_output_size(resolution)
        self.torso = nn.Sequential(
            nn.Conv2d(3, CONV1[0], CONV1[1], CONV1[2]),
            nn.ReLU(),
            nn.Conv2d(CONV1[0], CONV2[0], CONV2[1], CONV2[2]),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(CONV2[0] * side * side, FC),
            nn.ReLU(),
        )
        self.lstm = nn.LSTMCell(FC, LSTM)
        self.policy = nn.Linear(LSTM, n_actions)
        self.value = nn.Linear(LSTM, 1)

    def initial_state(self, batch: int, device: torch.device | str = "cpu") -> LSTMState:
        zeros = torch.zeros(batch, LSTM, device=device)
        return zeros, zeros.clone()

    def forward(
        self, obs_t: torch.Tensor, first_t: torch.Tensor, state: LSTMState
    ) -> tuple[torch.Tensor, torch.Tensor, LSTMState]:
        """`first_t[t, b]` marks obs_t[t, b] as an episode's first frame: the LSTM state is reset before it."""
        T, B = obs_t.shape[:2]
        x = obs_t.reshape(T * B, *obs_t.shape[2:]).permute(0, 3, 1, 2).float().div_(255.0)
        x = self.torso(x).view(T, B, FC)
        keep = (~first_t).to(x.dtype).unsqueeze(-1)  # [T, B, 1]
        h, c = state
        outs = []
        for t in range(T):
            h, c = self.lstm(x[t], (h * keep[t], c * keep[t]))
            outs.append(h)
        core = torch.stack(outs)
        return self.policy(core), self.value(core).squeeze(-1), (h, c)


class Outputs(NamedTuple):
    """What the losses need for one task: the task policy and value, the distilled column's h and V_0."""

    logits: torch.Tensor  # task policy pi_i logits [T, B, A]
    value: torch.Tensor  # V_i [T, B]
    h: Optional[torch.Tensor]  # distilled policy pi_0 logits h_theta0, None without one
    v0: Optional[torch.Tensor]  # the shared/distilled column's value head, None without one


class TaskState(NamedTuple):
    task: Optional[LSTMState]
    shared: Optional[LSTMState]


class DistralNet(nn.Module):
    """The columns of one algorithm over `n_tasks` tasks (Table 1's architecture column)."""

    def __init__(self, columns: str, n_tasks: int, n_actions: int, resolution: int, h_weight: float = 1.0):
        super().__init__()
        if columns not in ("task", "shared", "1col", "2col"):
            raise ValueError(f"unknown column layout {columns!r} (known: task, shared, 1col, 2col)")
        self.columns, self.n_tasks, self.h_weight = columns, n_tasks, float(h_weight)
        per_task = columns != "shared"
        self.task_columns = nn.ModuleList(
            [Column(resolution, n_actions) for _ in range(n_tasks)] if per_task else []
        )
        self.shared = Column(resolution, n_actions) if columns != "task" else None

    def shared_parameters(self) -> list[nn.Parameter]:
        """The parameters every task's loss reaches: the shared column (2col's h_theta0, 1col's
        pi_0 network, A3C_multitask's whole network); none for A3C."""
        return list(self.shared.parameters()) if self.shared is not None else []

    def task_parameters(self, task: int) -> list[nn.Parameter]:
        """Task `task`'s own column, which no other task's loss reaches; none for A3C_multitask."""
        return list(self.task_columns[task].parameters()) if len(self.task_columns) else []

    def initial_state(self, batch: int, device: torch.device | str = "cpu") -> TaskState:
        task = self.task_columns[0].initial_state(batch, device) if len(self.task_columns) else None
        shared = self.shared.initial_state(batch, device) if self.shared is not None else None
        return TaskState(task, shared)

    def forward(self, task: int, obs_t: torch.Tensor, first_t: torch.Tensor, state: TaskState) -> tuple[Outputs, TaskState]:
        f = v = h = v0 = None
        task_state = shared_state = None
        if self.task_columns:
            f, v, task_state = self.task_columns[task](obs_t, first_t, state.task)
        if self.shared is not None:
            h, v0, shared_state = self.shared(obs_t, first_t, state.shared)
        if self.columns == "task":
            out = Outputs(f, v, None, None)
        elif self.columns == "shared":
            out = Outputs(h, v0, h, v0)
        elif self.columns == "1col":
            out = Outputs(f, v, h, v0)
        else:  # 2col, eq (12)
            out = Outputs(two_column_logits(h, f, self.h_weight), v, h, v0)
        return out, TaskState(task_state, shared_state)

    def distilled(self, obs_t: torch.Tensor, first_t: torch.Tensor, state: LSTMState) -> tuple[torch.Tensor, LSTMState]:
        """pi_0's logits h_theta0 (the common policy for A3C_multitask), for evaluation on any task."""
        if self.shared is None:
            raise ValueError("this algorithm has no distilled policy")
        h, _, state = self.shared(obs_t, first_t, state)
        return h, state


# --------------------------------------------------------------------------- batched acting
class StackedColumns(NamedTuple):
    """The weights of n columns laid side by side, so that one call acts for all n tasks.

    Convolutions become grouped convolutions (group j = column j), the linear layers
    batched matrix products over the task axis. Built once per rollout (the weights do
    not change while acting), used by `stacked_step` only: learning keeps `Column`.
    """

    n: int
    conv1_w: torch.Tensor  # [n*16, 3, 8, 8]
    conv1_b: torch.Tensor
    conv2_w: torch.Tensor  # [n*32, 16, 4, 4]
    conv2_b: torch.Tensor
    fc_w: torch.Tensor  # [n, 256, in] (nn.Linear's [out, in]: stacking copies without transposing)
    fc_b: torch.Tensor  # [n, 1, 256]
    w_ih: torch.Tensor  # [n, 4*256, 256]
    w_hh: torch.Tensor  # [n, 4*256, 256]
    lstm_b: torch.Tensor  # [n, 1, 4*256]: b_ih + b_hh
    pol_w: torch.Tensor  # [n, A, 256]
    pol_b: torch.Tensor  # [n, 1, A]
    val_w: torch.Tensor  # [n, 1, 256]
    val_b: torch.Tensor  # [n, 1, 1]


def stack_columns(columns) -> StackedColumns:
    """Stack the parameters of `columns` (detached: acting needs no gradient)."""
    def cat(get):
        return torch.cat([get(c).detach() for c in columns])

    def bmat(get):  # nn.Linear's [out, in], as it is stored (a transposed copy costs 6x more)
        return torch.stack([get(c).detach() for c in columns])

    def bvec(get):
        return torch.stack([get(c).detach() for c in columns]).unsqueeze(1)

    return StackedColumns(
        n=len(columns),
        conv1_w=cat(lambda c: c.torso[0].weight), conv1_b=cat(lambda c: c.torso[0].bias),
        conv2_w=cat(lambda c: c.torso[2].weight), conv2_b=cat(lambda c: c.torso[2].bias),
        fc_w=bmat(lambda c: c.torso[5].weight), fc_b=bvec(lambda c: c.torso[5].bias),
        w_ih=bmat(lambda c: c.lstm.weight_ih), w_hh=bmat(lambda c: c.lstm.weight_hh),
        lstm_b=bvec(lambda c: c.lstm.bias_ih + c.lstm.bias_hh),
        pol_w=bmat(lambda c: c.policy.weight), pol_b=bvec(lambda c: c.policy.bias),
        val_w=bmat(lambda c: c.value.weight), val_b=bvec(lambda c: c.value.bias),
    )


def as_leaves(p: StackedColumns) -> StackedColumns:
    """`p`'s tensors as leaves that take gradients: the learner differentiates its loss with respect
    to the stacked weights, whose gradient slice j is then column j's (`column_gradients`)."""
    return StackedColumns(p.n, *(t.requires_grad_() for t in p[1:]))


def column_gradients(grads: StackedColumns, j: int, column: "Column") -> list[torch.Tensor]:
    """Column j's parameter gradients, in `column.parameters()` order, from the gradients of the
    stacked weights (`stack_columns`' layout). Both LSTM biases get the gradient of their sum."""
    c1, c2 = CONV1[0], CONV2[0]
    by_name = {
        "torso.0.weight": grads.conv1_w[j * c1:(j + 1) * c1], "torso.0.bias": grads.conv1_b[j * c1:(j + 1) * c1],
        "torso.2.weight": grads.conv2_w[j * c2:(j + 1) * c2], "torso.2.bias": grads.conv2_b[j * c2:(j + 1) * c2],
        "torso.5.weight": grads.fc_w[j], "torso.5.bias": grads.fc_b[j, 0],
        "lstm.weight_ih": grads.w_ih[j], "lstm.weight_hh": grads.w_hh[j],
        "lstm.bias_ih": grads.lstm_b[j, 0], "lstm.bias_hh": grads.lstm_b[j, 0],
        "policy.weight": grads.pol_w[j], "policy.bias": grads.pol_b[j, 0],
        "value.weight": grads.val_w[j], "value.bias": grads.val_b[j, 0],
    }
    return [by_name[name] for name, _ in column.named_parameters()]


def stacked_forward(p: StackedColumns, obs: torch.Tensor, first: torch.Tensor, state: LSTMState,
                    copies: bool = False):
    """n columns at once over T steps: obs [T, n, B, H, W, 3] uint8, first [T, n, B], state ([n, B, 256],)*2.

    Column j sees only obs[:, j]; the result equals Column.forward of each column on its
    task's data (tests/deep/test_nets.py checks values and gradients against it). Each
    column's convolutions run once on all T*B of its frames; the fc layer, the LSTM's input
    projection and the heads run as one batched matrix product over the columns for all
    steps; only the recurrent product is stepped (`lstm_sequence`). `copies`: the n columns
    are copies of one (the shared column, one copy per task): the recurrent products then
    read one W_hh (`lstm_sequence`'s `shared`).
    Returns logits [n, T, B, A], value [n, T, B] and the state after the last step (fp32).
    """
    T, n, B = obs.shape[:3]
    x = torch.relu(batched_linear(_conv_features(p, obs), p.fc_w, p.fc_b))  # [n, T*B, 256]
    x_gates = batched_linear(x, p.w_ih, p.lstm_b).view(n, T, B, -1).transpose(0, 1)  # [T, n, B, 4*256]
    core, (h, c) = lstm_sequence(x_gates, (~first).unsqueeze(-1), state[0], state[1], p.w_hh, shared=copies)
    core = core.transpose(0, 1).reshape(n, T * B, -1)
    logits = batched_linear(core, p.pol_w, p.pol_b).view(n, T, B, -1)
    value = batched_linear(core, p.val_w, p.val_b).view(n, T, B)
    return logits, value, (h, c)


def batched_linear(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """n linear layers at once: x [n, M, in] times w [n, out, in] (nn.Linear's layout) transposed,
    plus b [n, 1, out]. An autograd Function so that w's gradient comes out laid out as w
    (dy^T x): autograd's own backward of the transposed product gave it transposed in memory,
    and copying it into w's layout cost 9 ms per 8 MB here, more than the product."""
    return _BatchedLinear.apply(x, w, b)


class _BatchedLinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        return torch.baddbmm(b, x, w.transpose(1, 2))

    @staticmethod
    def backward(ctx, dy):
        x, w = ctx.saved_tensors
        dx = torch.bmm(dy, w.to(dy.dtype)) if ctx.needs_input_grad[0] else None
        dw = torch.bmm(dy.transpose(1, 2), x.to(dy.dtype)).to(w.dtype) if ctx.needs_input_grad[1] else None
        db = dy.sum(1, keepdim=True).to(w.dtype) if ctx.needs_input_grad[2] else None
        return dx, dw, db


def _conv_features(p: StackedColumns, obs: torch.Tensor) -> torch.Tensor:
    """Each column's two convolutions on its task's frames: obs [T, n, B, H, W, 3] -> [n, T*B, 32*side*side].

    One call per column, not one grouped convolution: measured here, a grouped convolution
    over 8 columns took 15 ms where 8 separate ones took 4.4 (oneDNN, 84 frames of 42x42).
    The frames stay channels-last (as they come from the engines): 20 % faster than NCHW.
    """
    T, n, B = obs.shape[:3]
    frames = obs.transpose(0, 1).reshape(n, T * B, *obs.shape[3:])  # [n, T*B, H, W, 3]
    c1, c2 = CONV1[0], CONV2[0]
    out = []
    for j in range(n):
        x = frames[j].permute(0, 3, 1, 2).float().div_(255.0)  # NCHW shape, channels-last memory
        x = torch.relu(torch.nn.functional.conv2d(x, p.conv1_w[j * c1:(j + 1) * c1], p.conv1_b[j * c1:(j + 1) * c1],
                                                  stride=CONV1[2]))
        x = torch.relu(torch.nn.functional.conv2d(x, p.conv2_w[j * c2:(j + 1) * c2], p.conv2_b[j * c2:(j + 1) * c2],
                                                  stride=CONV2[2]))
        out.append(x.flatten(1))  # (channel, row, column) order, as the column's nn.Flatten
    return torch.stack(out)


def stacked_step(p: StackedColumns, obs: torch.Tensor, first: torch.Tensor, state: LSTMState):
    """One acting step of n columns at once: obs [n, B, H, W, 3] uint8, first [n, B], state ([n, B, 256],)*2.

    Column j sees only obs[j]; the result equals Column.forward on a single time step
    of each task (tests/deep/test_actors.py checks it against the per-task call).
    Acting's batches are a few frames per task, where one grouped convolution over all
    columns is as fast as one call per column and saves the calls (learning's are not:
    `_conv_features`). Returns logits [n, B, A], value [n, B] and the new state (fp32).
    """
    n, B, H, W, C = obs.shape
    x = obs.permute(1, 0, 4, 2, 3).reshape(B, n * C, H, W).float().div_(255.0)
    x = torch.relu(torch.nn.functional.conv2d(x, p.conv1_w, p.conv1_b, stride=CONV1[2], groups=n))
    x = torch.relu(torch.nn.functional.conv2d(x, p.conv2_w, p.conv2_b, stride=CONV2[2], groups=n))
    x = x.reshape(B, n, -1).transpose(0, 1)  # [n, B, 32*side*side], each column's own flatten order
    x = torch.relu(torch.baddbmm(p.fc_b, x, p.fc_w.transpose(1, 2)))
    keep = (~first).to(x.dtype).unsqueeze(-1)
    h, c = state
    gates = torch.baddbmm(p.lstm_b, x, p.w_ih.transpose(1, 2)) + torch.bmm((h * keep).to(x.dtype), p.w_hh.transpose(1, 2))
    i, f, g, o = gates.float().chunk(4, -1)  # nn.LSTMCell's gate order
    c = torch.sigmoid(f) * (c * keep.float()) + torch.sigmoid(i) * torch.tanh(g)
    h = torch.sigmoid(o) * torch.tanh(c)
    logits = torch.baddbmm(p.pol_b, h.to(p.pol_w.dtype), p.pol_w.transpose(1, 2))
    value = torch.baddbmm(p.val_b, h.to(p.val_w.dtype), p.val_w.transpose(1, 2)).squeeze(-1)
    return logits, value, (h, c)


# --------------------------------------------------------------------------- the LSTM over a sequence
def lstm_sequence(x_gates: torch.Tensor, keep: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor,
                  w_hh: torch.Tensor, shared: bool = False) -> tuple[torch.Tensor, LSTMState]:
    """nn.LSTMCell stepped over T steps for n stacked cells, the state zeroed where `keep` is False.

    x_gates [T, n, B, 4H] is x_t W_ih^T + b_ih + b_hh for every step (computed for all steps
    at once by the caller), keep [T, n, B, 1] bool, h0 and c0 [n, B, H], w_hh [n, 4H, H]
    (nn.LSTMCell's weight_hh of each cell). Per step, in nn.LSTMCell's gate order i, f, g, o:
        h' = keep_t h ; c' = keep_t c ; (i, f, g, o) = x_gates_t + h' w_hh
        c_t = sigmoid(f) c' + sigmoid(i) tanh(g) ; h_t = sigmoid(o) tanh(c_t)
    Returns h_t for every step [T, n, B, H] and the last (h, c), fp32.
    Why an autograd Function: a plain loop makes autograd add one W_hh gradient per step
    (T reads and writes of n x 4H x H floats); here the backward collects the gates'
    gradients of all steps and forms W_hh's gradient with one matrix product.
    `shared`: the n cells' W_hh are equal (copies of one column, one per task, so that each
    copy's gradient is one task's): each step multiplies all n*B rows by w_hh[0], reading
    one matrix instead of n; each copy still gets its own gradient.
    """
    out, h, c = _LSTMSequence.apply(x_gates, keep, h0, c0, w_hh, shared)
    return out, (h, c)


class _LSTMSequence(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x_gates, keep, h0, c0, w_hh, shared):
        T, H = x_gates.shape[0], w_hh.shape[2]
        keep = keep.to(torch.float32)
        h, c = h0.float(), c0.float()
        acts = torch.empty(x_gates.shape, dtype=torch.float32, device=x_gates.device)  # sigmoid/tanh of the gates
        h_in, c_in, tanh_c = (torch.empty((T, *h.shape), device=h.device) for _ in range(3))
        outs = torch.empty_like(h_in)
        w_in_out = (w_hh[:1] if shared else w_hh).transpose(1, 2)  # a view: a copy costs more than it saves here
        for t in range(T):
            h_in[t] = h * keep[t]
            c_in[t] = c * keep[t]
            gates = (x_gates[t] + _recurrent(h_in[t], w_in_out, shared)).float()
            torch.sigmoid(gates, out=acts[t])
            acts[t, ..., 2 * H:3 * H] = torch.tanh(gates[..., 2 * H:3 * H])
            i, f, g, o = acts[t].chunk(4, -1)
            c = torch.addcmul(f * c_in[t], i, g)
            torch.tanh(c, out=tanh_c[t])
            h = torch.mul(o, tanh_c[t], out=outs[t])
        ctx.save_for_backward(keep, h_in, c_in, acts, tanh_c, w_hh)
        ctx.x_dtype, ctx.shared = x_gates.dtype, shared
        return outs, h.clone(), c

    @staticmethod
    def backward(ctx, d_out, d_h, d_c):
        keep, h_in, c_in, acts, tanh_c, w_hh = ctx.saved_tensors
        n, H = w_hh.shape[0], w_hh.shape[2]
        w = w_hh.float()
        dh = d_h.float() if d_h is not None else torch.zeros_like(h_in[0])
        dc = d_c.float() if d_c is not None else torch.zeros_like(c_in[0])
        d_gates = torch.empty_like(acts)
        for t in range(acts.shape[0] - 1, -1, -1):
            i, f, g, o = acts[t].chunk(4, -1)
            di, df, dg, do = d_gates[t].chunk(4, -1)
            if d_out is not None:
                dh = dh + d_out[t]
            tc = tanh_c[t]
            torch.mul(dh * tc, o * (1.0 - o), out=do)
            dc = dc + dh * o * (1.0 - tc * tc)
            torch.mul(dc * g, i * (1.0 - i), out=di)
            torch.mul(dc * c_in[t], f * (1.0 - f), out=df)
            torch.mul(dc * i, 1.0 - g * g, out=dg)
            dh = _recurrent(d_gates[t], w, ctx.shared) * keep[t]
            dc = dc * f * keep[t]
        d_w = None
        if ctx.needs_input_grad[4]:  # sum over steps of d_gates_t^T h_in_t, as one product
            d_w = torch.bmm(d_gates.transpose(0, 1).reshape(n, -1, 4 * H).transpose(1, 2),
                            h_in.transpose(0, 1).reshape(n, -1, H)).to(w_hh.dtype)
        return d_gates.to(ctx.x_dtype), None, dh, dc, d_w, None


def _recurrent(x: torch.Tensor, w: torch.Tensor, shared: bool) -> torch.Tensor:
    """x [n, B, k] times w [n, k, m] per cell; `shared`: all n*B rows times w[0] in one product."""
    if shared:
        n, B, k = x.shape
        return torch.mm(x.reshape(n * B, k).to(w.dtype), w[0]).view(n, B, -1)
    return torch.bmm(x.to(w.dtype), w)


class Acting(NamedTuple):
    """What acting needs, built once per rollout by `DistralNet.acting()`."""

    tasks: Optional[StackedColumns]


def act(net: "DistralNet", acting: Acting, obs: torch.Tensor, first: torch.Tensor, state: TaskState):
    """Task policies' logits for all tasks in one call: obs [n, B, H, W, 3], first [n, B].

    `state` holds stacked LSTM states ([n, B, 256] each). The task columns run as one
    stacked call; the shared (distilled) column runs once on all n*B environments.
    Same numbers, up to float rounding, as `net(i, obs[i][None], first[i][None], ...)`
    for each task i. Returns logits [n, B, A] and the new stacked state.
    """
    n, B = obs.shape[:2]
    f = h = None
    task_state = shared_state = None
    if acting.tasks is not None:
        f, _, task_state = stacked_step(acting.tasks, obs, first, state.task)
    if net.shared is not None:
        sh, sc = state.shared
        out, _, (sh, sc) = net.shared(obs.reshape(1, n * B, *obs.shape[2:]), first.reshape(1, n * B),
                                      (sh.reshape(n * B, -1), sc.reshape(n * B, -1)))
        h = out[0].reshape(n, B, -1)
        shared_state = (sh.float().reshape(n, B, -1), sc.float().reshape(n, B, -1))
    if net.columns == "task" or net.columns == "1col":
        logits = f
    elif net.columns == "shared":
        logits = h
    else:  # 2col, eq (12)
        logits = two_column_logits(h, f, net.h_weight)
    return logits, TaskState(task_state, shared_state)


def acting(net: "DistralNet") -> Acting:
    """The stacked task columns of `net` for `act` (rebuild after every update). Their matrices
    are laid out [in, out] in memory (shown as nn.Linear's [out, in]): acting's products have a
    few rows and run 1.6x faster from that layout (measured, 8 tasks x 2 envs)."""
    if not len(net.task_columns):
        return Acting(None)
    p = stack_columns(list(net.task_columns))

    def in_out(w):
        return w.transpose(1, 2).contiguous().transpose(1, 2)

    return Acting(p._replace(fc_w=in_out(p.fc_w), w_ih=in_out(p.w_ih), w_hh=in_out(p.w_hh), pol_w=in_out(p.pol_w),
                             val_w=in_out(p.val_w)))


# --------------------------------------------------------------------------- batched learning
class LearnerPass(NamedTuple):
    """`learner_pass`'s result for the tasks `tasks`: each one's Outputs over the rollout, and the
    stacked weights (leaves) to differentiate: `task` holds their task columns, `shared` one copy
    of the shared column per task, so that copy j's gradient is task j's alone (None where absent)."""

    tasks: range
    outputs: list[Outputs]
    task: Optional[StackedColumns]
    shared: Optional[StackedColumns]

    def leaves(self) -> list[torch.Tensor]:
        return [t for p in (self.task, self.shared) if p is not None for t in p[1:]]


def learner_pass(net: DistralNet, obs: torch.Tensor, first: torch.Tensor, state: TaskState,
                 tasks: range | None = None) -> LearnerPass:
    """The outputs of the tasks `tasks` (default all) over a rollout in one pass: obs [T, k, B, H, W, 3],
    first [T, k, B] and `state` (the LSTM states at the rollout's start, [k, B, 256] each) for those k tasks.

    The same numbers, up to float rounding, as `net(i, obs[:, j], first[:, j], state_j)` for
    each task i = tasks[j] (tests/deep/test_nets.py), in one call per column kind instead of
    one per task: at the laptop's small batches the per-task passes were bound by per-call
    overhead, not arithmetic (docs/deep.md, The learner). Each task's loss reaches only its own
    slice of the stacked weights, so one backward of the summed loss gives every task's
    gradient separately (`task_gradients`), as the per-task clipping and RMSProp steps need.
    """
    tasks = range(net.n_tasks) if tasks is None else tasks
    k = len(tasks)
    task = as_leaves(stack_columns([net.task_columns[i] for i in tasks])) if len(net.task_columns) else None
    shared = as_leaves(stack_columns([net.shared] * k)) if net.shared is not None else None
    f = v = h = v0 = None
    if task is not None:
        f, v, _ = stacked_forward(task, obs, first, state.task)
    if shared is not None:
        h, v0, _ = stacked_forward(shared, obs, first, state.shared, copies=True)
    if net.columns == "task":
        outputs = [Outputs(f[j], v[j], None, None) for j in range(k)]
    elif net.columns == "shared":
        outputs = [Outputs(h[j], v0[j], h[j], v0[j]) for j in range(k)]
    elif net.columns == "1col":
        outputs = [Outputs(f[j], v[j], h[j], v0[j]) for j in range(k)]
    else:  # 2col, eq (12)
        logits = two_column_logits(h, f, net.h_weight)
        outputs = [Outputs(logits[j], v[j], h[j], v0[j]) for j in range(k)]
    return LearnerPass(tasks, outputs, task, shared)


def task_gradients(net: DistralNet, lp: LearnerPass, grads: list[Optional[torch.Tensor]]) -> list[list[torch.Tensor]]:
    """For each task i of the pass, the gradients of `net.task_parameters(i) + net.shared_parameters()`
    (that order) from the gradients of `lp.leaves()` (None, for a weight no loss reaches, becomes zeros)."""
    grads = [g if g is not None else torch.zeros_like(x) for g, x in zip(grads, lp.leaves())]
    stacked, k = [], 0
    for p in (lp.task, lp.shared):
        stacked.append(None if p is None else StackedColumns(p.n, *grads[k:k + len(p) - 1]))
        k += 0 if p is None else len(p) - 1
    task, shared = stacked
    return [(column_gradients(task, j, net.task_columns[i]) if task is not None else [])
            + (column_gradients(shared, j, net.shared) if shared is not None else [])
            for j, i in enumerate(lp.tasks)]
