"""The deep training run: all tasks of one suite, one algorithm, one hp setting, one seed.

Synchronous batched actor-critic (a deviation from the paper's 32 asynchronous workers
per task, see REPRODUCE.md): every update, each task's `envs_per_task` environments
take `rollout_length` steps with the current policies, then each task's clipped gradient of
`algorithms.task_loss` is applied as an RMSProp step of its own to the parameters it reaches:
the shared ones take n steps per update, each task's column one, as the paper's n x 32
workers stepped them (`optimiser.shared_steps`, `Trainer.learn`). The learning rate anneals linearly from
epsilon to epsilon/6 over the run's budget (App. B.2).

Crash safety. Every `checkpoint_interval_updates` updates the whole state is written
atomically: parameters, optimiser, sampling generator, LSTM states, the log rows and,
for each environment, the number of its current episode and the actions taken since;
on restart each environment is rebuilt, reset to that episode of its seed
(`reset(seed=..., options={"episode": e})`) and the actions are replayed (an episode of
the suites is a function of its seed and number; a checksum of the observations
verifies it). A run killed at any moment therefore ends with exactly the numbers of an
uninterrupted run on CPU. A non-finite loss or gradient stops the run
before the bad step: it is recorded as diverged with its last good numbers.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
import torch

from distral import io, meta, schedule, seeding
from distral.config import ParamsError
from distral.deep import actors
from distral.deep.actors import Diverged, Finished, RolloutDiverged, TaskEnvs
from distral.deep.algorithms import Algorithm, Coefficients, algorithm, policy_diagnostics, task_loss
from distral.deep.allocator import keep_freed_memory
from distral.deep.nets import DistralNet, TaskState, learner_pass, task_gradients
from distral.deep.optim import make_optimiser, shared_steps, step_each
from distral.deep.tensorboard import TensorBoard
from distral.envs.registry import make_suite, run_suite_options
from distral.sweep import frames_per_task

EPISODES_FILE = "episodes.csv"
META_FILE = "meta.json"
CHECKPOINT_FILE = "checkpoint.pt"
DIAGNOSTICS_FILE = "diagnostics.csv"
DIAGNOSTICS_COLUMNS = ["frames", "task", "metric", "value"]
CSV_COLUMNS = ["frames", "task", "policy", "env", "episode", "episode_return", "episode_length"]
# Frames x pixels of one learner pass (tasks are batched up to it): measured here (bench/profile_update.py,
# docs/deep.md, The learner), all 8 tasks in one pass halved the learner's time at 8 x 4 envs of 42x42
# (1.2 M pixels) while at the paper's 8 x 32 of 84x84 one task per pass (4.7 M) was fastest, two 10 % slower.
LEARNER_PIXELS_PER_PASS = 2 ** 21


# --------------------------------------------------------------------------- config
def resolve_run(params: Mapping[str, Any], *, suite: str, algo: str, hp: str, seed: int, profile: str) -> dict:
    """Everything one run depends on, from validated params: written to meta.json, stored in checkpoints."""
    if profile not in params["profiles"]:
        raise ParamsError(f"unknown profile {profile!r} (known: {', '.join(params['profiles'])})")
    deep = params["deep"]
    if hp not in deep["hps"]:
        raise ValueError(f"unknown hp {hp!r} (known: {', '.join(deep['hps'])})")
    algorithm(algo, deep["algorithms"])  # clear error for an unknown algorithm
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    # not the run's: which suites the profile trains, and whether TensorBoard files are written
    budget = {k: v for k, v in params["profiles"][profile]["deep"].items() if k not in ("suites", "tensorboard")}
    budget["frames_per_task"] = frames_per_task(budget, suite, profile)  # one number for this suite
    backend, options = run_suite_options(params, suite, budget)
    return {
        "suite": suite, "backend": backend, "suite_options": options, "algo": algo,
        "algorithm": dict(deep["algorithms"][algo]), "hp": hp, "hp_values": dict(deep["hps"][hp]),
        "seed": int(seed), "profile": profile, "budget": budget,
        "deep": {k: v for k, v in deep.items() if k not in ("algorithms", "hps")},
    }


def learning_rate(epsilon: float, divisor: float, frames: int, total_frames: int) -> float:
    """Linear anneal from epsilon at frame 0 to epsilon/divisor at the end of the budget (App. B.2)."""
    frac = min(frames / total_frames, 1.0)
    return epsilon * (1.0 - frac * (1.0 - 1.0 / divisor))


def _action_repeat(env, suite, default: int) -> int:
    """Env frames per agent step: the env's own `action_repeat`, else the suite's option, else params."""
    own = getattr(env.unwrapped, "action_repeat", None)
    if own is None:
        own = suite.options.get("action_repeat", default)
    return int(own)


# --------------------------------------------------------------------------- the run
class Trainer:
    def __init__(self, config: Mapping[str, Any], run_dir: Path, device: str = "cpu", workers: int | None = None,
                 learn_threads: int | None = None, tensorboard: bool = False):
        self.config, self.run_dir, self.device = dict(config), Path(run_dir), torch.device(device)
        keep_freed_memory()  # speed only (distral.deep.allocator)
        self.tensorboard = tensorboard  # TensorBoard event files beside the logs (distral.deep.tensorboard)
        self.learn_threads = learn_threads  # torch threads while learning (None: as while acting)
        budget, deep = config["budget"], config["deep"]
        self.algo: Algorithm = algorithm(config["algo"], {config["algo"]: config["algorithm"]})
        seeding.seed_everything(config["seed"])
        self.suite = make_suite(config["suite"], backend=config["backend"], **config["suite_options"])
        workers = actors.default_workers() if workers is None else workers  # env threads: speed only, not numbers
        self.envs = TaskEnvs(self.suite, config["seed"], budget["envs_per_task"], workers=workers)
        self.action_repeat = _action_repeat(self.envs.envs[0][0], self.suite, deep["action_repeat"])
        self.T, self.B, self.n = deep["rollout_length"], budget["envs_per_task"], self.suite.n_tasks
        self.frames_per_update = schedule.frames_per_update(self.T, self.B, self.action_repeat)
        self.total_updates = schedule.n_updates(budget["frames_per_task"], self.frames_per_update)
        self.total_frames = self.total_updates * self.frames_per_update
        torch.manual_seed(seeding.derive_seed(config["seed"], "init"))
        self.net = DistralNet(self.algo.columns, self.n, self.envs.n_actions, budget["resolution"],
                              self.algo.h_weight).to(self.device)
        opt = deep["optimiser"]
        self.lr0 = config["hp_values"]["learning_rate"]
        self.optimiser = make_optimiser(self.net.parameters(), self.lr0, opt)
        self.coef = Coefficients(config["hp_values"]["inv_beta"], deep["discount"], deep["value_cost"],
                                 deep["value_l2_cost"], deep["env_reduction"])
        self.sampler = torch.Generator().manual_seed(seeding.derive_seed(config["seed"], "actions"))
        self.states = [self.net.initial_state(self.B, self.device) for _ in range(self.n)]
        self.rows: list[dict] = []
        self.diagnostics: list[dict] = []
        self.update = 0
        self.eval_count = 0
        self.last_eval_frames: int | None = None
        self.recent = [deque(maxlen=20) for _ in range(self.n)]
        self.bf16 = budget.get("precision", "fp32") == "bf16"
        self.eval_envs: list[list] | None = None  # pi_0's evaluation envs, built at the first evaluation

    # ---- checkpoints
    def checkpoint(self) -> None:
        state = {
            "config": self.config, "update": self.update, "eval_count": self.eval_count,
            "last_eval_frames": self.last_eval_frames,
            "net": self.net.state_dict(), "optimiser": self.optimiser.state_dict(),
            "sampler": self.sampler.get_state(), "lstm": [tuple(s) for s in self.states],
            "rows": self.rows, "diagnostics": self.diagnostics, "envs": self.envs.state(), "recent": [list(d) for d in self.recent],
        }
        with io.atomic_path(self.run_dir / CHECKPOINT_FILE) as tmp:
            torch.save(state, tmp)

    def try_resume(self) -> bool:
        path = self.run_dir / CHECKPOINT_FILE
        if not path.exists():
            return False
        state = torch.load(path, map_location=self.device, weights_only=False)
        if state["config"] != self.config:
            raise ValueError(f"{path}: checkpoint was written by a different configuration; delete it to restart")
        self.update, self.eval_count = state["update"], state["eval_count"]
        self.last_eval_frames = state["last_eval_frames"]
        self.net.load_state_dict(state["net"])
        self.optimiser.load_state_dict(state["optimiser"])
        self.sampler.set_state(state["sampler"])
        self.states = [type(self.states[0])(*s) for s in state["lstm"]]
        self.rows = state["rows"]
        self.diagnostics = state["diagnostics"]
        self.envs.restore(state["envs"])
        self.recent = [deque(r, maxlen=20) for r in state["recent"]]
        return True

    # ---- acting and learning
    def _autocast(self):
        """bf16 autocast of the network's forward passes when the profile asks for it; losses stay fp32."""
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16)

    def frames(self) -> int:
        return self.update * self.frames_per_update

    def rollout(self) -> list[dict]:
        """T steps of every task's envs with the current policies (distral.deep.actors.rollout);
        logs the training episodes that ended, keeps the LSTM states, returns one batch per task."""
        try:
            out = actors.rollout(self.envs, self.net, self.states, self.T, self.sampler,
                                 device=self.device, autocast=self._autocast)
        except RolloutDiverged as exc:
            self._log_training_episodes(exc.episodes)  # they ended before the non-finite logits
            raise
        self._log_training_episodes(out.episodes)
        self.states = out.states
        return out.batches

    def _log_training_episodes(self, episodes: list[Finished]) -> None:
        """Log each at the frames per task reached when it ended, `step` agent steps into this update."""
        for e in episodes:
            frames = self.frames() + e.step * self.B * self.action_repeat
            self._log_episode(e.task, "task", e.env, e.episode, e.ret, e.length, frames)

    def _log_episode(self, task: int, policy: str, env: int, episode: int, ret: float, length: int, frames: int):
        self.rows.append({"frames": frames, "task": self.suite.task_names[task], "policy": policy, "env": env,
                          "episode": episode, "episode_return": ret, "episode_length": length})
        if policy == "task":
            self.recent[task].append(ret)

    def learn(self, batches: list[dict]) -> dict[str, float]:
        """One update on all tasks' rollouts; each task's gradient is clipped on its own.

        The paper's workers each clipped their own gradient before applying it; one global
        norm over the sum of all tasks' gradients would let a task with a large gradient
        shrink every other task's update (an interference Distral's comparisons must not
        contain; found with the RMSProp epsilon bug that froze pi_0, docs/deep.md). So each
        task's loss is differentiated separately and its gradient clipped to `max_grad_norm`
        (`clip: per_task`). Then (`optimiser.shared_steps`, docs/deep.md, Shared parameters):
        - `per_task`: each task's clipped gradient is one RMSProp step of the parameters it
          reaches, tasks in index order: the shared parameters take n steps per update and
          each task's column one, the n : 1 ratio of the paper's 32 x n workers updating the
          shared parameters and 32 updating each task's own (App. B.2);
        - `once`: one step on the sum of the clipped gradients (1 : 1).
        All gradients are taken at the update's starting parameters, before any step, so a
        non-finite one stops the run before the first step of the update.
        """
        lr = learning_rate(self.lr0, self.config["deep"]["lr_final_divisor"], self.frames(), self.total_frames)
        for group in self.optimiser.param_groups:
            group["lr"] = lr
        with actors.torch_threads(self.learn_threads):
            return self._learn(batches, lr)

    def _learn(self, batches: list[dict], lr: float) -> dict[str, float]:
        opt = self.config["deep"]["optimiser"]
        per_task_steps = shared_steps(opt) == "per_task"
        params = list(self.net.parameters())
        index = {id(p): k for k, p in enumerate(params)}
        grads = [torch.zeros_like(p) for p in params]  # the sum of the clipped gradients
        steps = []  # per_task: for each task, (parameter, its clipped gradient) of the parameters it reaches
        logged: dict[str, float] = {}
        total_loss = 0.0
        for tasks in self._passes(batches):
            lp, losses = self._losses(batches, tasks, logged)
            total_loss += sum(float(x.detach()) for x in losses)
            # One backward of the pass's summed loss: task i's loss reaches only its own slice of
            # the stacked weights (nets.learner_pass), so each task's gradient comes out separately.
            leaf_grads = torch.autograd.grad(sum(losses), lp.leaves(), allow_unused=True)
            for i, task_grads, head in zip(tasks, task_gradients(self.net, lp, list(leaf_grads)), lp.outputs):
                # which parameters a task's loss reaches is the net's structure (its column and the
                # shared one), not which gradients happen to be non-zero
                own = self.net.task_parameters(i) + self.net.shared_parameters()
                norm = _global_norm(task_grads)
                if not torch.isfinite(norm):
                    raise Diverged("non-finite gradient")
                # 1e-6 as in torch.nn.utils.clip_grad_norm_
                scale = min(1.0, opt["max_grad_norm"] / (float(norm) + 1e-6)) if opt["clip"] == "per_task" else 1.0
                for p, g in zip(own, task_grads):
                    grads[index[id(p)]].add_(g, alpha=scale)
                if per_task_steps:  # a parameter the loss does not reach steps too, with gradient 0 (as `once`)
                    steps.append([(p, g * scale) for p, g in zip(own, task_grads)])
                self._log_diagnostics(i, head, float(norm))
        norm = float(_global_norm(grads))
        if per_task_steps:
            if opt["clip"] == "global":  # one factor from the norm of the summed gradient, on every task's step
                factor = min(1.0, opt["max_grad_norm"] / (norm + 1e-6))
                steps = [[(p, g * factor) for p, g in entry] for entry in steps]
            step_each(self.optimiser, steps)
        else:
            for p, g in zip(params, grads):
                p.grad = g
            if opt["clip"] == "global":
                torch.nn.utils.clip_grad_norm_(params, opt["max_grad_norm"])
            self.optimiser.step()
            self.optimiser.zero_grad(set_to_none=True)
        self.states = [type(s)(*(tuple(x.detach().float() for x in part) if part is not None else None for part in s))
                       for s in self.states]
        logged.update(loss=total_loss, grad_norm=norm, lr=lr)
        return logged

    def _passes(self, batches: list[dict]) -> list[range]:
        """The tasks of each learner pass: as many tasks per pass as keep its frames within
        LEARNER_PIXELS_PER_PASS (all 8 tasks at the default profile's shapes, one at the paper's)."""
        obs = batches[0]["obs"]  # T+1 arrays [B, H, W, C]: their shape, not a stacked copy
        T1, (B, H, W) = len(obs), obs[0].shape[:3]
        k = max(1, LEARNER_PIXELS_PER_PASS // (T1 * B * H * W))
        return [range(c, min(c + k, self.n)) for c in range(0, self.n, k)]

    def _losses(self, batches: list[dict], tasks: range, logged: dict[str, float]):
        """The losses of the tasks `tasks` on their rollout batches, from one pass of the network
        over them (nets.learner_pass). Returns the pass, its outputs cut before the last step
        (V(s_T) only bootstraps the returns), and the losses; adds each loss part to `logged`.
        A non-finite loss stops the run."""
        chosen = batches[tasks.start:tasks.stop]

        def stack(key):  # [T(+1), k, B, ...]
            return torch.from_numpy(np.stack([np.stack(b[key]) for b in chosen], 1)).to(self.device)

        state = TaskState(*(None if chosen[0]["state"][j] is None else
                            tuple(torch.stack([b["state"][j][m] for b in chosen]).float().to(self.device) for m in range(2))
                            for j in range(2)))
        with self._autocast():
            lp = learner_pass(self.net, stack("obs"), stack("first"), state, tasks)
        a_t, r_t = stack("a"), stack("r")
        discount_t = self.coef.discount * (1.0 - stack("done").float())
        losses, heads = [], []
        for j, out in enumerate(lp.outputs):
            out = type(out)(*(x.float() if x is not None else None for x in out))
            head = type(out)(*(x[:-1] if x is not None else None for x in out))
            loss, parts = task_loss(self.algo, head, a_t[:, j], r_t[:, j], discount_t[:, j], out.value[-1], self.coef)
            if not torch.isfinite(loss):
                raise Diverged("non-finite loss")
            losses.append(loss)
            heads.append(head)
            for key, v in parts.items():
                logged[key] = logged.get(key, 0.0) + float(v.detach())
        return lp._replace(outputs=heads), losses

    def _log_diagnostics(self, task: int, head, grad_norm: float) -> None:
        """Every `diagnostics_interval` updates (and the first), one row per task and metric."""
        if self.update % self.config["deep"]["diagnostics_interval_updates"]:
            return  # computed only on the updates that log them
        diagnostics = policy_diagnostics(head)
        frames = self.frames() + self.frames_per_update  # frames per task at the end of this update
        name = self.suite.task_names[task]
        for metric, value in sorted({**{k: float(v) for k, v in diagnostics.items()}, "grad_norm": grad_norm}.items()):
            self.diagnostics.append({"frames": frames, "task": name, "metric": metric, "value": value})

    # ---- evaluation of pi_0 (or A3C_multitask's common policy) on every task
    def evaluate(self) -> None:
        budget, seed = self.config["budget"], self.config["seed"]
        m = budget["eval_episodes"]
        # Built once and kept: an engine start costs ~0.3 s and a run evaluates every few dozen
        # updates; the engines are idle in between (closed with the training envs, `close_eval_envs`).
        if self.eval_envs is None:
            self.eval_envs = [[self.suite.make_env(i, seeding.derive_seed(seed, "eval-env", i, k)) for k in range(m)]
                              for i in range(self.n)]
        gen = torch.Generator().manual_seed(seeding.derive_seed(seed, "eval-actions", self.eval_count))
        frames = self.frames()
        episodes = actors.evaluate(self.net, self.eval_envs, seed, self.eval_count, gen, device=self.device,
                                   autocast=self._autocast, run_each=self.envs.run_each)
        for i, k, ret, length in episodes:
            self._log_episode(i, "distilled", k, self.eval_count, ret, length, frames)
        self.eval_count += 1
        self.last_eval_frames = frames

    def close_eval_envs(self) -> None:
        for env in (e for row in self.eval_envs or [] for e in row):
            env.close()
        self.eval_envs = None

    def _eval_due(self) -> bool:
        """At frame 0, every `eval_interval_frames` per task, and at the end of the budget (distral.schedule)."""
        if not self.algo.has_distilled:
            return False
        interval = self.config["budget"]["eval_interval_frames"]
        return schedule.eval_due(self.update, self.total_updates, self.frames_per_update, interval,
                                 self.last_eval_frames)

    # ---- the loop
    def run(self, progress: bool = False, log=print) -> dict:
        """Train to the end of the budget (from the checkpoint, if any): evaluate pi_0 when the
        schedule says so, then an update, until the last update; write the logs at the end."""
        resumed = self.try_resume()
        log(f"run {self.config['suite']}/{self.config['algo']}/{self.config['hp']}/{self.config['seed']}: "
            f"{self.n} tasks x {self.B} envs, {self.total_updates} updates of {self.frames_per_update} frames per task"
            + (f", resumed at update {self.update}" if resumed else ""))
        report = _Report(self, progress, log)
        status, reason, board = "completed", "", None
        try:
            board = TensorBoard(self) if self.tensorboard else None
            while True:
                if self._eval_due():
                    self.evaluate()
                if self.update >= self.total_updates:
                    break
                stats = self.train_update()
                report.update(stats)
                if board is not None:
                    board.record(stats)
        except Diverged as exc:
            status, reason = "diverged", str(exc)
            report.log(f"diverged at update {self.update} ({reason}); keeping the last good numbers")
        finally:
            report.close()
            if board is not None:
                board.close()
            self.envs.close()
            self.close_eval_envs()
        self.finish(status, reason)
        return {"status": status, "frames": self.frames(), "updates": self.update}

    def train_update(self) -> dict[str, float]:
        """One update: a rollout of every task, one learning step on it, then a checkpoint when due
        (not after the last update: the run's logs are written then)."""
        stats = self.learn(self.rollout())
        self.update += 1
        interval = self.config["budget"]["checkpoint_interval_updates"]
        if self.update % interval == 0 and self.update < self.total_updates:
            self.checkpoint()
        return stats

    def finish(self, status: str, reason: str) -> None:
        frame = pd.DataFrame(self.rows, columns=CSV_COLUMNS)
        io.write_csv(frame, self.run_dir / EPISODES_FILE)
        io.write_csv(pd.DataFrame(self.diagnostics, columns=DIAGNOSTICS_COLUMNS), self.run_dir / DIAGNOSTICS_FILE)
        wildcards = {k: self.config[k] for k in ("profile", "suite", "algo", "hp", "seed")}
        info = meta.run_meta(self.config, wildcards)
        info.update(status=status, diverged_reason=reason or None, frames_per_task=self.frames(),
                    updates=self.update, action_repeat=self.action_repeat, device=str(self.device),
                    suite_resolved_options=dict(self.suite.options), task_names=list(self.suite.task_names),
                    torch_threads=torch.get_num_threads(), learn_threads=self.learn_threads or torch.get_num_threads(),
                    env_workers=self.envs.workers)
        io.write_json(info, self.run_dir / META_FILE)
        (self.run_dir / CHECKPOINT_FILE).unlink(missing_ok=True)
        for stale in self.run_dir.glob(f".{CHECKPOINT_FILE}.*.tmp"):  # left by a kill during a checkpoint write
            stale.unlink(missing_ok=True)


def _global_norm(grads) -> torch.Tensor:
    """L2 norm of a list of gradients (None for parameters the loss does not reach)."""
    norms = [g.detach().float().norm() for g in grads if g is not None]
    return torch.linalg.vector_norm(torch.stack(norms)) if norms else torch.zeros(())


class _Report:
    """Progress of a run: a line every 10 s and at the end, and a progress bar when asked for."""

    def __init__(self, trainer: Trainer, progress: bool, log):
        self.trainer, self.log = trainer, log
        self.bar = _progress_bar(trainer.total_frames, trainer.frames()) if progress else None
        if self.bar is not None:  # keep the plain lines readable above the bar
            self.log = lambda message: self.bar.write(message, file=sys.stdout)
        self.start, self.last_log, self.start_frames = time.time(), time.time(), trainer.frames()

    def update(self, stats: dict[str, float]) -> None:
        t = self.trainer
        fps = (t.frames() - self.start_frames) / max(time.time() - self.start, 1e-9)
        recent = " ".join(f"{np.mean(d):.2f}" if d else "nan" for d in t.recent)
        if self.bar is not None:
            self.bar.update(t.frames_per_update)
            self.bar.set_postfix_str(f"{fps:,.0f} frames/s | return per task {recent}")
        if time.time() - self.last_log > 10 or t.update == t.total_updates:
            self.last_log = time.time()
            self.log(f"frames {t.frames()}/{t.total_frames} per task | {fps:,.0f} frames/s per task | "
                     f"return per task {recent} | loss {stats['loss']:.4g} lr {stats['lr']:.3g}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _progress_bar(total: int, initial: int):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="frame", unit_scale=True, file=sys.stderr, dynamic_ncols=True)
