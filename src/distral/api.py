"""A short Python API for notebooks: build a suite, train one algorithm, read its logs.

    from distral import api

    params = api.load_params("params.yaml")              # validated, as every command loads it
    suite = api.suite("minigrid", params, profile="smoke")    # the tasks as the profile's runs see them
    run = api.train("minigrid", "KL+ent_2col", params, profile="smoke", root="runs", tensorboard=True)
    logs = api.read_logs(run)                             # episodes, diagnostics (DataFrames), meta (dict)
    logs.episodes.groupby(["task", "policy"]).episode_return.mean()

`params` is a path or an already-loaded dict (change a budget in the notebook, e.g.
`params["profiles"]["smoke"]["deep"]["frames_per_task"] = 20000`; it is validated again). `train`
runs exactly what `python -m distral train` runs (same run directory under `root`, same logs,
the same resume from a checkpoint), in this process.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Mapping, NamedTuple

import pandas as pd

from distral import io
from distral.config import load_params, validate_params
from distral.envs.registry import Suite, make_suite, run_suite_options
from distral.sweep import Run

__all__ = ["load_params", "suite", "train", "read_logs", "Logs"]


class Logs(NamedTuple):
    """A run's logs: episodes.csv and diagnostics.csv as DataFrames, meta.json as a dict."""

    episodes: pd.DataFrame
    diagnostics: pd.DataFrame
    meta: dict


def _params(params: str | Path | Mapping[str, Any], profile: str | None) -> tuple[dict, str]:
    loaded = load_params(params) if isinstance(params, (str, Path)) else validate_params(params, "params (dict)")
    profile = profile or loaded["profile"]
    if profile not in loaded["profiles"]:
        raise ValueError(f"unknown profile {profile!r} (known: {', '.join(loaded['profiles'])})")
    return loaded, profile


def suite(name: str, params: str | Path | Mapping[str, Any] = "params.yaml", profile: str | None = None) -> Suite:
    """Suite `name` as `profile`'s training runs build it (its resolution and episode length)."""
    loaded, profile = _params(params, profile)
    backend, options = run_suite_options(loaded, name, loaded["profiles"][profile]["deep"])
    return make_suite(name, backend=backend, **options)


def train(suite: str, algo: str, params: str | Path | Mapping[str, Any] = "params.yaml", *, hp: str | None = None,
          seed: int = 0, profile: str | None = None, root: str | Path = ".", device: str = "cpu",
          tensorboard: bool = False, log: Callable[[str], None] = print) -> Path:
    """Train every task of `suite` with `algo` (Table 1's names) to the profile's budget; returns the
    run directory (results/<profile>/<suite>/<algo>/<hp>/<seed> under `root`). `hp` defaults to the
    profile's first hp setting."""
    from distral.deep.trainer import Trainer, resolve_run  # torch: only when training

    loaded, profile = _params(params, profile)
    hp = hp or loaded["profiles"][profile]["deep"]["hps"][0]
    config = resolve_run(loaded, suite=suite, algo=algo, hp=hp, seed=seed, profile=profile)
    run_dir = Run(suite, algo, hp, seed).dir(profile, root)
    io.check_writable(run_dir)
    Trainer(config, run_dir, device=device, tensorboard=tensorboard).run(log=log)
    return run_dir


def read_logs(run_dir: str | Path) -> Logs:
    """The logs of a finished run (a directory `train` returned, or any run directory of the sweep)."""
    run_dir = Path(run_dir)
    if not (run_dir / "meta.json").is_file():
        raise FileNotFoundError(f"{run_dir}: no meta.json (not a finished run directory)")
    return Logs(pd.read_csv(run_dir / "episodes.csv"), pd.read_csv(run_dir / "diagnostics.csv"),
                json.loads((run_dir / "meta.json").read_text()))
