"""The suite registry: one name -> a set of tasks sharing observation and action spaces.

A suite factory returns a `Suite`; `make_suite(name, backend=...)` is what training
code calls. Suites register themselves with `register_suite` when their module is
imported; `_SUITE_MODULES` lists the modules to import lazily, so importing the
registry stays cheap and a missing optional engine only fails for its own suites.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

import gymnasium as gym


@dataclass(frozen=True)
class Suite:
    """The tasks of one suite. `make_env(task_index, seed)` builds one task's env."""

    name: str
    backend: str
    task_names: tuple[str, ...]
    make_env: Callable[[int, int], gym.Env]
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def n_tasks(self) -> int:
        return len(self.task_names)

    def task_index(self, task: str | int) -> int:
        """Index of `task` (a name or an index), with a clear error for a bad one."""
        if isinstance(task, int):
            if not 0 <= task < self.n_tasks:
                raise ValueError(f"suite {self.name!r}: task index {task} out of range 0..{self.n_tasks - 1}")
            return task
        if task not in self.task_names:
            raise ValueError(f"suite {self.name!r}: unknown task {task!r} (known: {', '.join(self.task_names)})")
        return self.task_names.index(task)

    def make_vector_env(
        self, task: str | int, num_envs: int, seed: int, asynchronous: bool = False
    ) -> gym.vector.VectorEnv:
        """`num_envs` copies of one task stepped together; copy k is seeded `seed + k`.

        `asynchronous=True` steps each copy in its own process (gymnasium's
        AsyncVectorEnv), which pays off when copies outnumber the learner's threads.
        """
        index = self.task_index(task)
        fns = [(lambda k=k: self.make_env(index, seed + k)) for k in range(num_envs)]
        if asynchronous:
            return gym.vector.AsyncVectorEnv(fns)
        return gym.vector.SyncVectorEnv(fns)


SuiteFactory = Callable[..., Suite]
_REGISTRY: dict[tuple[str, str], SuiteFactory] = {}
# Backends that build a suite of any name from its options (the tasks are in the options):
# backend -> factory(name, **options). The gymnasium backend is one (distral.envs.gymnasium_backend).
_BACKENDS: dict[str, Callable[..., Suite]] = {}
# Modules that register suites on import (added as suites land).
_SUITE_MODULES: tuple[str, ...] = ("distral.envs.vizdoom.suites", "distral.envs.dmlab", "distral.envs.toy",
                                   "distral.envs.gymnasium_backend")


def register_suite(name: str, backend: str, factory: SuiteFactory) -> None:
    """Register `factory(**options) -> Suite` under (name, backend)."""
    _REGISTRY[(name, backend)] = factory


def register_backend(backend: str, factory: Callable[..., Suite]) -> None:
    """Register `factory(name, **options) -> Suite`: a backend whose suites are defined by their options."""
    _BACKENDS[backend] = factory


def _import_suite_modules() -> None:
    for module in _SUITE_MODULES:
        importlib.import_module(module)


def available_suites() -> list[tuple[str, str]]:
    """All registered (suite name, backend) pairs."""
    _import_suite_modules()
    return sorted(_REGISTRY)


def make_suite(name: str, *, backend: str = "vizdoom", **options: Any) -> Suite:
    """Build the suite `name` on `backend`; a bad name or backend names the choices."""
    _import_suite_modules()
    if backend in _BACKENDS:
        return _BACKENDS[backend](name, **options)
    if (name, backend) not in _REGISTRY:
        names = sorted({n for n, _ in _REGISTRY})
        backends = sorted({b for n, b in _REGISTRY if n == name})
        if name in names:
            raise ValueError(f"suite {name!r} has no backend {backend!r} (available: {', '.join(backends)}; "
                             f"any suite: {', '.join(sorted(_BACKENDS))})")
        raise ValueError(f"unknown suite {name!r} (available: {', '.join(names) or 'none'})")
    return _REGISTRY[(name, backend)](**options)


def only_backend(name: str) -> str:
    """The one backend suite `name` is registered on (params.yaml must choose when there are several)."""
    backends = [b for n, b in available_suites() if n == name]
    if not backends:
        known = sorted({n for n, _ in available_suites()})
        raise ValueError(f"unknown suite {name!r} (available: {', '.join(known)})")
    if len(backends) > 1:
        raise ValueError(f"suite {name!r} has several backends {backends}: set suites.{name}.backend in params.yaml")
    return backends[0]


def run_suite_options(params: dict[str, Any], name: str, budget: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(backend, make_suite options) of suite `name` as every deep run of a profile builds it:
    params.yaml's `suites.<name>` (none for a suite outside it, e.g. toy) with the profile's
    `deep.resolution` in place of the suite's own and, where the profile sets `deep.episode_frames`
    and the suite has episodes of a fixed length, that length instead (the smoke profile's short
    episodes: CI time is per update). Shared by the trainer and the random-policy reference, so
    both play exactly the same tasks."""
    options = dict(params.get("suites", {}).get(name, {}) or {})
    for key in ANALYSIS_OPTIONS:
        options.pop(key, None)
    backend = options.pop("backend", None) or only_backend(name)
    options["resolution"] = [budget["resolution"], budget["resolution"]]  # (height, width), the suites' convention
    if budget.get("episode_frames") is not None and "episode_frames" in options:
        options["episode_frames"] = budget["episode_frames"]
    return backend, options


# Keys of params.yaml's `suites.<name>` that the analysis reads, not the suite (normalise: raw or a3c
# scores; variant_of: the paper suite whose claims a scaled-down variant is asked).
ANALYSIS_OPTIONS = ("normalise", "variant_of")
# Options of params.yaml's `suites.<name>` section that every backend understands;
# the rest (maps, tasks, rewards) describe the ViZDoom tasks only.
_COMMON_OPTIONS = ("resolution", "action_repeat")


def suite_from_params(params: dict[str, Any], name: str, backend: str | None = None) -> Suite:
    """The suite `name` as params.yaml's `suites:` section configures it.

    `backend` overrides the section's `backend` key; the DeepMind Lab backend gets
    only the options it shares with ViZDoom (its levels define tasks and rewards).
    """
    sections = params.get("suites", {})
    if name not in sections:
        raise ValueError(f"params.yaml: key 'suites.{name}' not found (known: {', '.join(sorted(sections))})")
    options = {k: v for k, v in sections[name].items() if k not in ANALYSIS_OPTIONS}
    backend = backend or options.pop("backend")
    options.pop("backend", None)
    _import_suite_modules()  # registers the backends
    if backend in _BACKENDS:  # the section defines the suite (its tasks)
        return make_suite(name, backend=backend, **options)
    if backend != "vizdoom":
        options = {k: options[k] for k in _COMMON_OPTIONS if k in options}
    return make_suite(name, backend=backend, **options)
