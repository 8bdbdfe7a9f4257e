"""The sweeps of a profile: which (suite, algorithm, hp setting, seed) runs it has.

Shared by the Snakefile (to expand the training jobs), the commands and the analysis (to
know which run logs must exist and where) and the trainer (frames per task of a suite), so
that they can never disagree. The deep sweep is the suites of params.yaml `suites`
x every algorithm of Table 1 (`deep.algorithms`) x the profile's hp subset
(`profiles.<p>.deep.hps`) x its seeds (first_seed, default 0, and on; Sec. 4.2: 9 settings x 4 runs). The grid
world's (Sec. 4.1) is suite "gridworld" x `gridworld.algorithms` x its one hp setting
(paths.GRIDWORLD_HP) x the profile's seeds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, NamedTuple

from distral import paths
from distral.config import ParamsError, has_gridworld, profile_budget

GRIDWORLD = "gridworld"  # the grid world's runs' suite wildcard


class Run(NamedTuple):
    """One training run: its identity is its wildcards, and its directory follows from them."""

    suite: str
    algo: str
    hp: str
    seed: int

    def wildcards(self, profile: str) -> dict[str, Any]:
        """The run's wildcards, as its meta.json records them."""
        return {"profile": profile, "suite": self.suite, "algo": self.algo, "hp": self.hp, "seed": self.seed}

    def dir(self, profile: str, root: Path | str = ".") -> Path:
        """results/{profile}/{suite}/{algo}/{hp}/{seed} under `root` (paths.run_dir)."""
        return paths.run_dir(profile, self.suite, self.algo, self.hp, self.seed, root)


def gridworld_run(algo: str, seed: int) -> Run:
    return Run(GRIDWORLD, algo, paths.GRIDWORLD_HP, seed)


def gridworld_runs(params: Mapping[str, Any], profile: str, algos: list[str] | None = None) -> list[Run]:
    """Every grid-world run of `profile` (of `algos`, default all), algorithm by algorithm; none
    for a profile without a grid world."""
    if not has_gridworld(params, profile):
        return []
    seeds = profile_budget(params, "gridworld", profile)["seeds"]
    return [gridworld_run(algo, seed) for algo in algos or list(params["gridworld"]["algorithms"])
            for seed in range(seeds)]


def deep_suites(params: Mapping[str, Any], profile: str | None = None) -> list[str]:
    """The suites `profile` (default: params.yaml's chosen one) trains, in params.yaml order:
    its `deep.suites` list, or every suite of params.yaml `suites` when it has none (the
    default and paper profiles list the paper's three, so a user suite such as the MiniGrid
    example costs their sweeps nothing until it is added)."""
    defined = list(params.get("suites", {}) or {})
    chosen = profile_budget(params, "deep", profile).get("suites") if params.get("profiles") else None
    return defined if chosen is None else [s for s in defined if s in chosen]


def deep_runs(params: Mapping[str, Any], profile: str, suite: str | None = None) -> list[Run]:
    """Every training run of `profile` (of one `suite` if given), in a fixed order."""
    budget = profile_budget(params, "deep", profile)
    suites = deep_suites(params, profile) if suite is None else [suite]
    return [Run(s, algo, hp, seed)
            for s in suites
            for algo in params["deep"]["algorithms"]
            for hp in budget["hps"]
            for seed in deep_seeds(budget, s, profile)]


def deep_seeds(budget: Mapping[str, Any], suite: str, profile: str = "?") -> range:
    """The seeds of a suite under a deep budget: `seeds` (a number for every suite, or per suite)
    consecutive ones from `first_seed` (default 0). Pilots start at 100 so that no verdict ever
    uses a seed a pilot has seen (REPRODUCE.md, the protocol)."""
    first = int(budget.get("first_seed", 0))
    return range(first, first + per_suite(budget, "seeds", suite, profile))


def seeds_text(budget: Mapping[str, Any], suites: list[str], profile: str = "?") -> str:
    """"4 seeds", or "seeds: mazes 5, navigation 2" when the suites' counts differ (captions)."""
    counts = {s: per_suite(budget, "seeds", s, profile) for s in suites}
    if len(set(counts.values())) == 1:
        return f"{next(iter(counts.values()))} seeds"
    return "seeds: " + ", ".join(f"{s} {n}" for s, n in counts.items())


def per_suite(budget: Mapping[str, Any], key: str, suite: str, profile: str = "?") -> int:
    """A deep budget's `key` for `suite`: one number for every suite, or a mapping suite -> number."""
    value = budget[key]
    if isinstance(value, Mapping):
        if suite not in value:
            raise ParamsError(f"key 'profiles.{profile}.deep.{key}': no value for suite {suite!r} "
                              f"(it has {', '.join(value)})")
        return int(value[suite])
    return int(value)


def frames_per_task(budget: Mapping[str, Any], suite: str, profile: str = "?") -> int:
    """Env frames per task of `suite` under a profile's deep budget: a number for every suite,
    or a mapping suite -> number (App. B.2: N = 4e8 for mazes and navigation, 6.6e8 for laser-tag)."""
    return per_suite(budget, "frames_per_task", suite, profile)
