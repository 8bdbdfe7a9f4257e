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

from distral.losses import two_column_logits

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

    @property
    def has_distilled(self) -> bool:
        """Whether there is a distilled (or common) policy pi_0 to evaluate on every task."""
        return self.shared is not None

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
