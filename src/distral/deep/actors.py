"""Acting: every task's training environments, stepped by worker threads, and the rollout.

Why threads and not processes. Each ViZDoom environment runs its engine in its own
process; `make_action` only hands the action over and waits for the engine's frame,
without holding the GIL. Measured here (2 cores, mazes at 42x42, 128 environments,
random actions): 13,300 env frames/s from one thread, 21,500 from 2, 26,200 from 8.
A thread per group of environments therefore keeps many engines busy at once, as a
pool of worker processes would, with no shared-memory buffers or pickling, and the
threads die with the trainer (a `kill -9` leaves nothing behind in Python; the engines
are the trainer's children as before and `close()` still ends them).

Overlap. The environments of each task are split into two halves (`groups`); while
one half steps in the threads, the main thread runs the network for the other half,
as Sample Factory's double-buffered sampling does. The network acts for all tasks in
one call per half (`nets.act`).

Determinism. Actions are sampled in the main thread only, with the run's generator, in
a fixed order (step, half, task, env); each environment is stepped by exactly one
thread per step and writes only its own slots of the shared arrays; finished episodes
are logged in a fixed order. The numbers are therefore the same whatever the number of
worker threads (0 = step in the main thread), which tests/deep/test_actors.py checks.
"""

from __future__ import annotations

import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

import numpy as np
import torch

from distral import seeding
from distral.deep.nets import TaskState, act, acting


class Diverged(Exception):
    """A non-finite number appeared; the run stops with its last good numbers."""


def default_workers(cores: int | None = None) -> int:
    """Env worker threads for a run given `cores` (default: torch's thread count).

    Four per core: the threads only wait on engine processes, and more of them keep
    more engines busy (measured in bench/bench_loop.py, docs/deep.md).
    """
    cores = cores or torch.get_num_threads()
    return max(1, 4 * int(cores))


def split_threads(cores: int) -> tuple[int, int]:
    """(torch threads, env worker threads) for a run given `cores` CPU cores.

    Half the cores (at least one) to torch, the rest left to the ViZDoom engine
    processes. Measured here (2 cores, bench/bench_loop.py): with 2 torch threads the
    network's spinning OpenMP threads fight the engines and, when other jobs share the
    machine, stall (network alone 600-6,000 agent frames/s against 18,000 with 1 thread).
    """
    if cores < 1:
        raise ValueError(f"threads must be >= 1, got {cores}")
    return max(1, cores // 2), default_workers(cores)


@contextmanager
def torch_threads(n: int | None):
    """Run the block with `n` torch threads (None: as they are), then restore the previous number.

    Learning uses every core the run is given: the engines wait for the next rollout's
    actions meanwhile, so the cores that step them while acting are free (docs/deep.md).
    """
    before = torch.get_num_threads()
    if n is not None and n != before:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def sample(logits: torch.Tensor, generator: torch.Generator) -> np.ndarray:
    """One action per row of `logits` [..., A] from softmax(logits), with `generator`."""
    logits = logits.float().cpu()
    if not torch.isfinite(logits).all():
        raise Diverged("non-finite policy logits")
    flat = logits.reshape(-1, logits.shape[-1])
    return torch.multinomial(torch.softmax(flat, -1), 1, generator=generator).reshape(logits.shape[:-1]).numpy()


# --------------------------------------------------------------------------- environments
@dataclass
class Slot:
    """One environment of the training batch and what is needed to rebuild its state."""

    task: int
    index: int
    episode: int = 0
    actions: list[int] = field(default_factory=list)  # actions since the current episode's reset
    ret: float = 0.0
    length: int = 0


class TaskEnvs:
    """`envs_per_task` environments for each task, stepped by `workers` threads, reset on episode end.

    Env k of task i plays the episodes of seed derive_seed(run_seed, "train", i, k) in turn
    (`reset(seed=...)` once, then `reset()`: the engine is kept between episodes). Episode e
    is a function of (that seed, e) alone (the suites' `reset(seed=s, options={"episode": e})`
    contract), so an env's whole state is (e, the actions since): what a checkpoint stores.
    `obs` [n, B, H, W, 3], `first`, `rewards`, `dones` [n, B] hold the latest step.
    """

    def __init__(self, suite, run_seed: int, envs_per_task: int, workers: int = 0):
        if workers < 0:
            raise ValueError(f"workers must be >= 0, got {workers}")
        self.suite, self.run_seed, self.B, self.workers = suite, run_seed, envs_per_task, workers
        self.n = suite.n_tasks
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="env") if workers else None
        self.slots = [[Slot(i, k) for k in range(envs_per_task)] for i in range(self.n)]
        self.envs = [[None] * envs_per_task for _ in range(self.n)]
        pairs = [(i, k) for i in range(self.n) for k in range(envs_per_task)]
        self._map(self._build, pairs)  # engines start in parallel too
        self.n_actions = int(self.envs[0][0].action_space.n)
        self.obs = np.stack([np.stack([self._reset(s) for s in row]) for row in self.slots])
        self.first = np.ones((self.n, envs_per_task), dtype=bool)
        self.rewards = np.zeros((self.n, envs_per_task), dtype=np.float32)
        self.dones = np.zeros((self.n, envs_per_task), dtype=bool)
        self._ended = np.zeros((self.n, envs_per_task, 2))  # return and length of the episode just ended
        half = (envs_per_task + 1) // 2
        self.groups = [slice(0, half), slice(half, envs_per_task)] if envs_per_task > 1 else [slice(0, 1)]

    def _build(self, pair) -> None:
        i, k = pair
        self.envs[i][k] = self.suite.make_env(i, seeding.derive_seed(self.run_seed, "env", i, k))

    def _reset(self, slot: Slot, restart: bool = False) -> np.ndarray:
        """Start the slot's episode `slot.episode`: the next of its env's sequence, or (`restart`,
        the first episode and restores) that episode of the env's seed from scratch."""
        env = self.envs[slot.task][slot.index]
        if restart or slot.episode == 0:
            seed = seeding.derive_seed(self.run_seed, "train", slot.task, slot.index)
            obs, _ = env.reset(seed=seed, options={"episode": slot.episode})
        else:
            obs, _ = env.reset()
        slot.actions, slot.ret, slot.length = [], 0.0, 0
        return obs

    # ---- running work on the threads
    def _chunks(self, items: list) -> list[list]:
        w = min(self.workers, len(items))
        return [items[j::w] for j in range(w)]

    def _submit(self, fn, items: list) -> list[Future]:
        """Run fn on every item: on the threads (returns futures) or here and now (returns [])."""
        if self._pool is None:
            for item in items:
                fn(item)
            return []
        return [self._pool.submit(_each, fn, chunk) for chunk in self._chunks(items)]

    def _map(self, fn, items: list) -> None:
        for future in self._submit(fn, items):
            future.result()

    # ---- stepping
    def _step_one(self, job) -> None:
        i, k, action = job
        slot = self.slots[i][k]
        obs, r, term, trunc, _ = self.envs[i][k].step(action)
        slot.actions.append(action)
        slot.ret += float(r)
        slot.length += 1
        done = bool(term or trunc)
        self.rewards[i, k], self.dones[i, k] = r, done
        if done:
            self._ended[i, k] = slot.ret, slot.length
            slot.episode += 1
            obs = self._reset(slot)
        self.obs[i, k] = obs

    def start(self, group: slice, actions: np.ndarray) -> list[Future]:
        """Begin stepping the envs `group` of every task with actions [n, len(group)]."""
        ks = range(self.B)[group]
        jobs = [(i, k, int(actions[i, j])) for i in range(self.n) for j, k in enumerate(ks)]
        return self._submit(self._step_one, jobs)

    def finish(self, group: slice, pending: list[Future]) -> list[tuple[Slot, float, int]]:
        """Wait for `start`'s step; returns the (slot, return, length) of the episodes that ended, in order."""
        for future in pending:
            future.result()
        self.first[:, group] = self.dones[:, group]
        finished = []
        for i in range(self.n):
            for k in range(self.B)[group]:
                if self.dones[i, k]:
                    ret, length = self._ended[i, k]
                    finished.append((self.slots[i][k], float(ret), int(length)))
        return finished

    def run_each(self, fn, items: list) -> None:
        """fn(item) for every item, on the worker threads when there are some (evaluation's env steps)."""
        self._map(fn, items)

    # ---- checkpoints
    def checksum(self) -> int:
        return zlib.crc32(b"".join(o.tobytes() for o in self.obs))

    def state(self) -> dict:
        return {"slots": [[vars(s).copy() for s in row] for row in self.slots],
                "first": [f.copy() for f in self.first], "checksum": self.checksum()}

    def restore(self, state: dict) -> None:
        """Rebuild every env from its episode seed and replay its actions; verify the observations."""
        def replay(pair):
            i, k = pair
            saved, slot = state["slots"][i][k], self.slots[i][k]
            slot.episode = saved["episode"]
            obs = self._reset(slot, restart=True)
            for a in saved["actions"]:
                obs, *_ = self.envs[i][k].step(a)
            slot.actions, slot.ret, slot.length = list(saved["actions"]), saved["ret"], saved["length"]
            self.obs[i, k] = obs

        self._map(replay, [(i, k) for i in range(self.n) for k in range(self.B)])
        self.first = np.stack([np.asarray(f, dtype=bool) for f in state["first"]])
        if self.checksum() != state["checksum"]:
            raise RuntimeError("the environments did not replay to the checkpointed observations "
                               "(is the suite deterministic given the reset seed?)")

    def close(self) -> None:
        for row in self.envs:
            for env in row:
                if env is not None:
                    env.close()
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def _each(fn, items) -> None:
    for item in items:
        fn(item)


# --------------------------------------------------------------------------- the rollout
def _stack_states(states: list[TaskState]) -> TaskState:
    def part(j):
        if states[0][j] is None:
            return None
        return tuple(torch.stack([s[j][m] for s in states]).float() for m in range(2))

    return TaskState(part(0), part(1))


def _unstack_states(state: TaskState, n: int) -> list[TaskState]:
    def part(p, i):
        return None if p is None else (p[0][i].clone(), p[1][i].clone())

    return [TaskState(part(state.task, i), part(state.shared, i)) for i in range(n)]


def _slice_state(state: TaskState, group: slice) -> TaskState:
    return TaskState(*(None if p is None else (p[0][:, group], p[1][:, group]) for p in state))


def _write_state(state: TaskState, group: slice, new: TaskState) -> None:
    for p, q in zip(state, new):
        if p is not None:
            p[0][:, group] = q[0]
            p[1][:, group] = q[1]


@dataclass(frozen=True)
class Finished:
    """A training episode that ended during a rollout: task, env, episode number, return,
    length, and `step`, the agent steps into the rollout after which it ended (1..T)."""

    task: int
    env: int
    episode: int
    ret: float
    length: int
    step: int


@dataclass
class Rollout:
    """What `rollout` returns: one batch per task (the layout Trainer.learn expects), the
    LSTM states after the last step, and the episodes that ended, in the order they ended."""

    batches: list[dict]
    states: list[TaskState]
    episodes: list[Finished]


class RolloutDiverged(Diverged):
    """Non-finite policy logits part-way through a rollout. Carries the episodes that ended
    before it: a diverged run keeps them, as the last good numbers it logs."""

    def __init__(self, message: str, episodes: list[Finished]):
        super().__init__(message)
        self.episodes = episodes


def rollout(envs: TaskEnvs, net, states: list[TaskState], T: int, generator: torch.Generator, *,
            device: torch.device, autocast=nullcontext) -> Rollout:
    """T steps of every task's `envs` with the policies of `net`, starting from LSTM `states`.

    Actions are sampled with `generator`; `autocast()` wraps the network's forward passes
    (bf16 when the profile asks for it). The batches hold, per task, lists over time of
    obs [B, H, W, 3] (T+1), first (T+1), a, r, done (T), and the LSTM state at the start.
    Nothing outside the arguments is read or written: the caller logs the episodes and
    keeps the new states.
    """
    n, B = envs.n, envs.B
    rec_obs = np.empty((T + 1, *envs.obs.shape), dtype=envs.obs.dtype)
    rec_first = np.empty((T + 1, n, B), dtype=bool)
    rec_a = np.empty((T, n, B), dtype=np.int64)
    rec_r = np.empty((T, n, B), dtype=np.float32)
    rec_done = np.empty((T, n, B), dtype=bool)
    rec_obs[0], rec_first[0] = envs.obs, envs.first
    state = _stack_states(states)
    pending: dict[int, tuple[int, list]] = {}
    episodes: list[Finished] = []

    def collect(g: int) -> None:
        t, futures = pending.pop(g)
        group = envs.groups[g]
        for slot, ret, length in envs.finish(group, futures):
            episodes.append(Finished(slot.task, slot.index, slot.episode - 1, ret, length, t + 1))
        rec_obs[t + 1][:, group], rec_first[t + 1][:, group] = envs.obs[:, group], envs.first[:, group]
        rec_r[t][:, group], rec_done[t][:, group] = envs.rewards[:, group], envs.dones[:, group]

    try:
        with torch.no_grad():
            weights = acting(net)
            for t in range(T):
                for g, group in enumerate(envs.groups):
                    if g in pending:
                        collect(g)
                    obs = torch.from_numpy(envs.obs[:, group]).to(device)
                    first = torch.from_numpy(envs.first[:, group]).to(device)
                    with autocast():
                        logits, new = act(net, weights, obs, first, _slice_state(state, group))
                    _write_state(state, group, new)
                    a = sample(logits, generator)
                    rec_a[t][:, group] = a
                    pending[g] = (t, envs.start(group, a))
            for g in sorted(pending):
                collect(g)
    except Diverged as exc:
        raise RolloutDiverged(str(exc), episodes) from exc
    finally:
        for g in list(pending):  # an error part-way: let the threads finish before anything else
            for future in pending.pop(g)[1]:
                future.exception()
    batches = [{"obs": list(rec_obs[:, i]), "first": list(rec_first[:, i]), "a": list(rec_a[:, i]),
                "r": list(rec_r[:, i]), "done": list(rec_done[:, i]), "state": states[i]} for i in range(n)]
    return Rollout(batches, _unstack_states(state, n), episodes)


# --------------------------------------------------------------------------- evaluation
def evaluate(net, eval_envs: list[list], run_seed: int, episode: int, generator: torch.Generator, *,
             device: torch.device, autocast=nullcontext, run_each=_each) -> list[tuple[int, int, float, int]]:
    """One episode of pi_0 (`net.distilled`) per evaluation env of every task, all tasks acting in one call.

    Env k of task i plays episode `episode` (the run's evaluation count) of seed
    derive_seed(run_seed, "eval", i, k), so the envs can be kept between evaluations (no
    engine restart) and a resumed run plays the same episodes. `run_each(fn, items)` steps
    the envs (the training envs' worker threads; default: here, in order). Returns
    (task, env, return, length) in task, env order.
    """
    n, m = len(eval_envs), len(eval_envs[0])
    flat = [(i, k) for i in range(n) for k in range(m)]
    first_obs = [None] * len(flat)

    def reset(j):
        i, k = flat[j]
        seed = seeding.derive_seed(run_seed, "eval", i, k)
        first_obs[j] = eval_envs[i][k].reset(seed=seed, options={"episode": episode})[0]

    run_each(reset, list(range(len(flat))))
    obs = np.stack(first_obs)
    first = np.ones(len(flat), dtype=bool)
    state = net.shared.initial_state(len(flat), device)
    ret, length, active = np.zeros(len(flat)), np.zeros(len(flat), dtype=int), np.ones(len(flat), dtype=bool)

    def step(job):
        j, action = job
        i, k = flat[j]
        o, r, term, trunc, _ = eval_envs[i][k].step(action)
        obs[j] = o
        ret[j] += r
        length[j] += 1
        if term or trunc:
            active[j] = False

    with torch.no_grad():
        while active.any():
            with autocast():
                h, state = net.distilled(torch.from_numpy(obs).to(device)[None],
                                         torch.from_numpy(first).to(device)[None], state)
            a = sample(h[0], generator)
            run_each(step, [(j, int(a[j])) for j in np.flatnonzero(active)])
            first[:] = False
    return [(i, k, float(ret[j]), int(length[j])) for j, (i, k) in enumerate(flat)]
