"""The shared parameters take one RMSProp step per task's clipped gradient (`optimiser.shared_steps:
per_task`, the paper's n : 1 step ratio, App. B.2); `once` is the single step on the summed
gradients of the code before. Checked against a NumPy RMSProp written from its formulas:

    g_i    = task i's gradient, scaled by min(1, max_grad_norm / (|g_i| + 1e-6))   (clip: per_task)
    ms    <- decay * ms + (1 - decay) * g^2 ;  t <- t + 1
    theta <- theta - lr * g / (sqrt(ms / (1 - decay^t)) + eps)                       (debiased)

per_task: the shared parameters take this step with g_0, then g_1, ..., g_{n-1}; task i's column
once with g_i. once: every parameter once with sum_i g_i.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import yaml

from deep_helpers import PARAMS, per_task_loss, toy_config
from distral.config import ParamsError, load_params, validate_params
from distral.deep.nets import DistralNet
from distral.deep.optim import make_optimiser
from distral.deep.trainer import Trainer

N_TASKS = 3
MAX_NORM = 0.05  # small, so that the clipping binds in these toy updates (checked below)


@pytest.mark.parametrize("columns", ["task", "shared", "1col", "2col"])
def test_shared_and_task_parameters_partition_the_net(columns):
    net = DistralNet(columns, n_tasks=N_TASKS, n_actions=5, resolution=20)
    groups = [net.shared_parameters()] + [net.task_parameters(i) for i in range(N_TASKS)]
    ids = [id(p) for group in groups for p in group]
    assert len(ids) == len(set(ids))  # disjoint
    assert set(ids) == {id(p) for p in net.parameters()}  # and complete
    assert (len(groups[0]) > 0) == (columns != "task")
    assert all((len(g) > 0) == (columns != "shared") for g in groups[1:])


def _trainer(tmp_path, algo: str, shared_steps: str, clip: str = "per_task", **optimiser) -> Trainer:
    config = toy_config(algo, 0, frames=8000, n_tasks=N_TASKS)
    config["deep"]["optimiser"].update(shared_steps=shared_steps, clip=clip, max_grad_norm=MAX_NORM)
    config["deep"]["optimiser"].update(optimiser)
    return Trainer(config, tmp_path / f"{algo}_{shared_steps}_{clip}", workers=0)


def _rollout(trainer: Trainer):
    batches = trainer.rollout()
    trainer.envs.close()
    return batches


def _reference(trainer: Trainer, batches, shared_steps: str, clip: str) -> list[np.ndarray]:
    """The parameters after one update, computed in float64 NumPy from each task's raw gradient."""
    opt = trainer.config["deep"]["optimiser"]
    decay, eps, lr = opt["decay"], opt["epsilon"], trainer.lr0  # the first update's learning rate is lr0
    params = list(trainer.net.parameters())
    theta = [p.detach().double().numpy().copy() for p in params]
    ms = [np.zeros_like(x) for x in theta]
    t = [0] * len(theta)
    task_grads, norms = [], []
    for i, b in enumerate(batches):
        loss = per_task_loss(trainer, i, b)
        gs = torch.autograd.grad(loss, params, allow_unused=True)
        g = [x.double().numpy() if x is not None else None for x in gs]
        norm = np.sqrt(sum(float((x ** 2).sum()) for x in g if x is not None))
        norms.append(norm)
        scale = min(1.0, MAX_NORM / (norm + 1e-6)) if clip == "per_task" else 1.0
        task_grads.append([x * scale if x is not None else None for x in g])
    assert max(norms) > MAX_NORM  # the clipping is exercised
    summed = [sum(tg[k] for tg in task_grads if tg[k] is not None) if any(tg[k] is not None for tg in task_grads)
              else np.zeros_like(theta[k]) for k in range(len(theta))]
    total = np.sqrt(sum(float((x ** 2).sum()) for x in summed))
    factor = min(1.0, MAX_NORM / (total + 1e-6)) if clip == "global" else 1.0

    def rmsprop(k, g):
        ms[k] = decay * ms[k] + (1 - decay) * g ** 2
        t[k] += 1
        theta[k] = theta[k] - lr * g / (np.sqrt(ms[k] / (1 - decay ** t[k])) + eps)

    if shared_steps == "once":
        for k in range(len(theta)):
            rmsprop(k, summed[k] * factor)
        return theta
    shared = {id(p) for p in trainer.net.shared_parameters()}
    for i in range(len(batches)):
        own = shared | {id(p) for p in trainer.net.task_parameters(i)}
        for k, p in enumerate(params):
            if id(p) in own:
                g = task_grads[i][k]
                rmsprop(k, (g if g is not None else np.zeros_like(theta[k])) * factor)
    assert all(t[k] == (N_TASKS if id(p) in shared else 1) for k, p in enumerate(params))
    return theta


@pytest.mark.parametrize("algo,shared_steps,clip", [
    ("KL+ent_2col", "per_task", "per_task"),
    ("KL_1col", "per_task", "per_task"),
    ("A3C_multitask", "per_task", "per_task"),
    ("KL+ent_2col", "once", "per_task"),
    ("KL+ent_2col", "per_task", "global"),
    ("KL+ent_2col", "once", "global"),
])
def test_one_update_matches_rmsprop_written_out(tmp_path, algo, shared_steps, clip):
    trainer = _trainer(tmp_path, algo, shared_steps, clip)
    batches = _rollout(trainer)
    expected = _reference(trainer, batches, shared_steps, clip)
    before = [p.detach().clone() for p in trainer.net.parameters()]
    trainer.learn(batches)
    moved = 0
    for p, p0, want in zip(trainer.net.parameters(), before, expected):
        np.testing.assert_allclose(p.detach().double().numpy(), want, rtol=1e-5, atol=1e-7)
        moved += not torch.equal(p.detach(), p0)
    assert moved > 0
    steps = trainer.optimiser.steps
    n_shared = len(trainer.net.shared_parameters())
    expected_steps = N_TASKS if shared_steps == "per_task" else 1
    assert steps[len(steps) - n_shared:] == [expected_steps] * n_shared  # shared ones are registered last


def test_learner_passes_of_one_task_give_the_same_update(tmp_path, monkeypatch):
    """The learner batches tasks up to a size (trainer.LEARNER_PIXELS_PER_PASS): one task per pass,
    as at the paper's shapes, must take the same step as all tasks in one pass."""
    trainer = _trainer(tmp_path, "KL+ent_2col", "per_task")
    batches = _rollout(trainer)
    assert len(trainer._passes(batches)) == 1  # the toy suite's tasks fit one pass
    monkeypatch.setattr("distral.deep.trainer.LEARNER_PIXELS_PER_PASS", 1)
    assert [list(r) for r in trainer._passes(batches)] == [[i] for i in range(N_TASKS)]
    expected = _reference(trainer, batches, "per_task", "per_task")
    trainer.learn(batches)
    for p, want in zip(trainer.net.parameters(), expected):
        np.testing.assert_allclose(p.detach().double().numpy(), want, rtol=1e-5, atol=1e-7)


def test_agreeing_tasks_move_the_shared_parameters_n_times_as_far(tmp_path):
    """The point of the change, worked by hand: when every task's gradient is the same g (A3C_multitask,
    one rollout given to all tasks), `once` steps lr * n g / |n g| = lr per element (debiased, eps
    aside) and `per_task` takes n such steps of lr: n times as far. Tasks whose gradients disagree
    move the shared parameters less than n times as far (between sqrt(n) and n when they are unrelated)."""
    moved = {}
    for mode in ("per_task", "once"):
        trainer = _trainer(tmp_path, "A3C_multitask", mode, epsilon=1e-12)  # eps far below every |g|
        batches = [_rollout(trainer)[0]] * N_TASKS
        before = [p.detach().clone() for p in trainer.net.shared_parameters()]
        trainer.learn(batches)
        moved[mode] = torch.cat([(p.detach() - q).flatten() for p, q in zip(trainer.net.shared_parameters(), before)])
    # elements whose |g| is far above eps (a once step lr * n|g| / (n|g| + eps) above 0.9999 lr):
    # there a per_task step lr * |g| / (|g| + eps) is lr within 0.04 %
    big = moved["once"].abs() > 0.9999 * trainer.lr0
    assert float(big.float().mean()) > 0.5
    ratio = moved["per_task"][big] / moved["once"][big]
    torch.testing.assert_close(ratio, torch.full_like(ratio, float(N_TASKS)), rtol=1e-3, atol=0)


def test_a3c_without_shared_parameters_is_the_same_in_both_modes(tmp_path):
    """A3C has no shared parameters: per_task and once are the same steps, bit for bit."""
    after = {}
    for mode in ("per_task", "once"):
        trainer = _trainer(tmp_path, "A3C", mode)
        trainer.learn(_rollout(trainer))
        after[mode] = copy.deepcopy(trainer.net.state_dict())
    assert all(torch.equal(after["per_task"][k], after["once"][k]) for k in after["once"])


def test_per_task_and_once_runs_differ_and_repeat(tmp_path):
    """Same seed, same setting: the same logs; the two settings: different logs (the key is used)."""
    def run(mode, name):
        config = toy_config("KL+ent_2col", 0, frames=1600, n_tasks=2)
        config["deep"]["optimiser"]["shared_steps"] = mode
        Trainer(config, tmp_path / name, workers=0).run(log=lambda m: None)
        return (tmp_path / name / "episodes.csv").read_text() + (tmp_path / name / "diagnostics.csv").read_text()

    first = run("per_task", "a")
    assert first == run("per_task", "b")
    assert first != run("once", "c")


def test_bad_shared_steps_is_refused_naming_the_key():
    params = yaml.safe_load(PARAMS.read_text())
    params["deep"]["optimiser"]["shared_steps"] = "twice"
    with pytest.raises(ParamsError, match=r"deep\.optimiser\.shared_steps"):
        validate_params(params)
    opt = dict(load_params(PARAMS)["deep"]["optimiser"], shared_steps="twice")
    with pytest.raises(ValueError, match=r"deep\.optimiser\.shared_steps: 'twice'"):
        make_optimiser([torch.nn.Parameter(torch.zeros(2))], 1e-3, opt)


def test_default_is_per_task():
    assert load_params(PARAMS)["deep"]["optimiser"]["shared_steps"] == "per_task"
