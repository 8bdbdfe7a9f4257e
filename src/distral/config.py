"""Load and validate params.yaml, the single source of truth for every experiment.

Both the Snakefile and the Python entry points call `load_params`, so a misspelt
key or an out-of-range value stops every consumer with the same message naming the
key, before anything is written.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import jsonschema
import yaml

PARAMS_FILE = Path("params.yaml")


class ParamsError(ValueError):
    """params.yaml (or an override of it) is invalid; the message names the key."""


@lru_cache(maxsize=1)
def schema() -> dict:
    """The JSON Schema that params.yaml must satisfy."""
    text = resources.files("distral").joinpath("params.schema.yaml").read_text()
    return yaml.safe_load(text)


def _key_path(error: jsonschema.ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "<top level>"


def _leaf(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """The error at the deepest key: a value that fits no branch of a oneOf/anyOf (e.g. a
    per-suite budget with one negative number) is reported at the bad leaf, not at its parent."""
    while error.context:
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        if len(deepest.absolute_path) <= len(error.absolute_path):
            break
        error = deepest
    return error


def validate_params(params: Mapping[str, Any], source: str = "params.yaml") -> dict:
    """Check `params` against the schema and the cross-field rules; return a copy.

    Raises ParamsError whose message starts with the file and the dotted key path of the first
    error (its first line is enough to fix it); further errors follow, one per line.
    """
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted((_leaf(e) for e in validator.iter_errors(params)), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        lines = [f"{source}: key '{_key_path(e)}': {e.message}" for e in errors]
        raise ParamsError("\n  ".join(lines))
    params = copy.deepcopy(dict(params))
    _check_cross_fields(params, source)
    return params


def _check_cross_fields(params: dict, source: str) -> None:
    """Rules a JSON Schema cannot state: the chosen profile must exist, the map must be sound."""
    profile = params["profile"]
    if profile not in params["profiles"]:
        known = ", ".join(sorted(params["profiles"]))
        raise ParamsError(f"{source}: key 'profile': unknown profile {profile!r} (known: {known})")
    layout = params["gridworld"]["layout"]
    if len({len(row) for row in layout}) != 1:
        raise ParamsError(f"{source}: key 'gridworld.layout': rows must all have the same length")
    free = sum(row.count(".") for row in layout)
    if free < params["gridworld"]["n_tasks"]:
        raise ParamsError(
            f"{source}: key 'gridworld.n_tasks': {params['gridworld']['n_tasks']} tasks "
            f"need as many free cells, the layout has {free}"
        )
    baseline = params["gridworld"]["analysis"]["baseline"]
    if baseline not in params["gridworld"]["algorithms"]:
        raise ParamsError(
            f"{source}: key 'gridworld.analysis.baseline': {baseline!r} is not one of gridworld.algorithms"
        )
    for name, budget in params["profiles"].items():
        _check_deep_budget(params, name, budget["deep"], source)
        gw = budget.get("gridworld")  # absent: the profile runs no grid world
        if gw and gw["eval_interval"] > gw["env_steps_per_task"]:
            raise ParamsError(
                f"{source}: key 'profiles.{name}.gridworld.eval_interval': larger than "
                f"env_steps_per_task ({gw['env_steps_per_task']})"
            )


def _check_deep_budget(params: dict, name: str, deep: dict, source: str) -> None:
    """A profile's hp subset must name settings of deep.hps, its suite list suites of `suites`; a
    per-suite frame budget must cover every suite the profile trains."""
    for hp in deep["hps"]:
        if hp not in params["deep"]["hps"]:
            raise ParamsError(f"{source}: key 'profiles.{name}.deep.hps': {hp!r} is not one of deep.hps "
                              f"({', '.join(params['deep']['hps'])})")
    defined = list(params.get("suites", {}) or {})
    for suite in deep.get("suites") or []:
        if suite not in defined:
            raise ParamsError(f"{source}: key 'profiles.{name}.deep.suites': {suite!r} is not one of suites "
                              f"({', '.join(defined)})")
    frames = deep["frames_per_task"]
    if isinstance(frames, dict):
        missing = [s for s in deep.get("suites") or defined if s not in frames]
        if missing:
            raise ParamsError(f"{source}: key 'profiles.{name}.deep.frames_per_task': no budget for suite(s) "
                              f"{', '.join(missing)}")


def load_params(
    path: str | Path = PARAMS_FILE, overrides: Mapping[str, Any] | None = None
) -> dict:
    """Read params.yaml, apply top-level `overrides` (e.g. {"profile": "smoke"}), validate."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: parameters file not found")
    try:
        params = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(params, dict):
        raise ParamsError(f"{path}: expected a mapping at the top level")
    params.update(overrides or {})
    return validate_params(params, source=str(path))


def profile_budget(params: Mapping[str, Any], section: str, profile: str | None = None) -> dict:
    """The budget of `section` (e.g. 'gridworld') under `profile` (default: the chosen one)."""
    profile = profile or params["profile"]
    if profile not in params["profiles"]:
        raise ParamsError(f"unknown profile {profile!r} (known: {', '.join(params['profiles'])})")
    if section not in params["profiles"][profile]:
        raise ParamsError(f"key 'profiles.{profile}.{section}': absent, so profile {profile!r} runs no {section}")
    return params["profiles"][profile][section]


def has_gridworld(params: Mapping[str, Any], profile: str | None = None) -> bool:
    """Whether `profile` trains the grid world (a profile may leave it out: the reference, whose
    logs are shipped, is the 3D suites only)."""
    return "gridworld" in params["profiles"][profile or params["profile"]]


def has_distilled(algorithm: Mapping[str, Any]) -> bool:
    """Whether an algorithm (its spec in params.yaml `deep.algorithms`, or as a run's meta.json
    logs it) has a policy for all tasks that is evaluated: pi_0 (objective distral) or
    A3C_multitask's common policy (columns shared). A3C_2col's shared column is not trained
    as a policy of its own, so it has none. No torch here: the analysis uses it too."""
    return algorithm.get("objective") == "distral" or algorithm.get("columns") == "shared"
