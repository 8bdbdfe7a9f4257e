"""The deep sweep of a profile: which (suite, algorithm, hp setting, seed) runs it has.

One function shared by the Snakefile (to expand the training jobs), the analysis (to
know which run logs must exist) and the trainer (frames per task of a suite), so
that the three can never disagree. The sweep is the suites of params.yaml `suites`
x every algorithm of Table 1 (`deep.algorithms`) x the profile's hp subset
(`profiles.<p>.deep.hps`) x its seeds 0..seeds-1 (Sec. 4.2: 9 settings x 4 runs).
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from distral.config import ParamsError, profile_budget


class Run(NamedTuple):
    suite: str
    algo: str
    hp: str
    seed: int


def deep_suites(params: Mapping[str, Any]) -> list[str]:
    """The 3D suites of the sweep, in params.yaml order (mazes, navigation, laser-tag)."""
    return list(params.get("suites", {}) or {})


def deep_runs(params: Mapping[str, Any], profile: str, suite: str | None = None) -> list[Run]:
    """Every training run of `profile` (of one `suite` if given), in a fixed order."""
    budget = profile_budget(params, "deep", profile)
    suites = deep_suites(params) if suite is None else [suite]
    return [Run(s, algo, hp, seed)
            for s in suites
            for algo in params["deep"]["algorithms"]
            for hp in budget["hps"]
            for seed in range(budget["seeds"])]


def frames_per_task(budget: Mapping[str, Any], suite: str, profile: str = "?") -> int:
    """Env frames per task of `suite` under a profile's deep budget: a number for every suite,
    or a mapping suite -> number (App. B.2: N = 4e8 for mazes and navigation, 6.6e8 for laser-tag)."""
    frames = budget["frames_per_task"]
    if isinstance(frames, Mapping):
        if suite not in frames:
            raise ParamsError(f"key 'profiles.{profile}.deep.frames_per_task': no budget for suite {suite!r} "
                              f"(it has {', '.join(frames)})")
        return int(frames[suite])
    return int(frames)
