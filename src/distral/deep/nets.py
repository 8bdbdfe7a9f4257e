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
    fc_w: torch.Tensor  # [n, in, 256] (transposed for bmm)
    fc_b: torch.Tensor  # [n, 1, 256]
    w_ih: torch.Tensor  # [n, 256, 4*256]
    w_hh: torch.Tensor  # [n, 256, 4*256]
    lstm_b: torch.Tensor  # [n, 1, 4*256]: b_ih + b_hh
    pol_w: torch.Tensor  # [n, 256, A]
    pol_b: torch.Tensor  # [n, 1, A]
    val_w: torch.Tensor  # [n, 256, 1]
    val_b: torch.Tensor  # [n, 1, 1]


def stack_columns(columns) -> StackedColumns:
    """Stack the parameters of `columns` (detached: acting needs no gradient)."""
    def cat(get):
        return torch.cat([get(c).detach() for c in columns])

    def bmat(get):  # nn.Linear stores [out, in]; bmm wants [n, in, out]
        return torch.stack([get(c).detach().t() for c in columns])

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


def stacked_step(p: StackedColumns, obs: torch.Tensor, first: torch.Tensor, state: LSTMState):
    """One acting step of n columns at once: obs [n, B, H, W, 3] uint8, first [n, B], state ([n, B, 256],)*2.

    Column j sees only obs[j]; the result equals Column.forward on a single time step
    of each task (tests/deep/test_actors.py checks it against the per-task call).
    Returns logits [n, B, A], value [n, B] and the new state (fp32).
    """
    n, B, H, W, C = obs.shape
    x = obs.permute(1, 0, 4, 2, 3).reshape(B, n * C, H, W).float().div_(255.0)
    x = torch.relu(torch.nn.functional.conv2d(x, p.conv1_w, p.conv1_b, stride=CONV1[2], groups=n))
    x = torch.relu(torch.nn.functional.conv2d(x, p.conv2_w, p.conv2_b, stride=CONV2[2], groups=n))
    x = x.reshape(B, n, -1).transpose(0, 1)  # [n, B, 32*side*side], each column's own flatten order
    x = torch.relu(torch.baddbmm(p.fc_b, x, p.fc_w))
    keep = (~first).to(x.dtype).unsqueeze(-1)
    h, c = state
    gates = torch.baddbmm(p.lstm_b, x, p.w_ih) + torch.bmm((h * keep).to(x.dtype), p.w_hh)
    i, f, g, o = gates.float().chunk(4, -1)  # nn.LSTMCell's gate order
    c = torch.sigmoid(f) * (c * keep.float()) + torch.sigmoid(i) * torch.tanh(g)
    h = torch.sigmoid(o) * torch.tanh(c)
    logits = torch.baddbmm(p.pol_b, h.to(p.pol_w.dtype), p.pol_w)
    value = torch.baddbmm(p.val_b, h.to(p.val_w.dtype), p.val_w).squeeze(-1)
    return logits, value, (h, c)


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
    """The stacked task columns of `net` for `act` (rebuild after every update)."""
    return Acting(stack_columns(list(net.task_columns)) if len(net.task_columns) else None)
