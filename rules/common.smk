# Path patterns and input functions shared by the rules (no rules here).
# Every pattern derives from distral.paths, so the CLI and the pipeline agree.

GRIDWORLD_RUN = paths.RUN_DIR.replace("{suite}", "gridworld").replace("{hp}", paths.GRIDWORLD_HP)
GRIDWORLD_CODE = [
    "src/distral/tabular.py",
    "src/distral/envs/gridworld.py",
    "src/distral/gridworld_cli.py",
]
FIG3_PANELS = ["fig3_left", "fig3_centre", "fig3_right"]
FIGURE_EXTS = ["png", "pdf", "csv"]


def gridworld_budget_json(wildcards):
    """The part of params.yaml a grid-world run depends on; a change reruns it."""
    import json

    budget = PARAMS["profiles"][wildcards.profile]["gridworld"]
    return json.dumps({"gridworld": PARAMS["gridworld"], "budget": budget}, sort_keys=True)


def gridworld_runs(profile, filename, algos=None):
    """`filename` of every grid-world run of `profile` (the algorithms x seeds)."""
    seeds = range(PARAMS["profiles"][profile]["gridworld"]["seeds"])
    return expand(
        f"{GRIDWORLD_RUN}/{filename}",
        profile=profile,
        algo=algos or list(PARAMS["gridworld"]["algorithms"]),
        seed=seeds,
    )


def gridworld_figure_files(profile):
    return expand(f"figures/{profile}/{{panel}}.{{ext}}", panel=FIG3_PANELS, ext=FIGURE_EXTS)


# 3D task suites (issue 4): the gallery's files and the code that draws them.
SUITE_GALLERY_FILES = [
    f"{suite}.{ext}" for suite in ("mazes", "navigation", "laser-tag") for ext in ("png", "pdf")
] + ["tasks.csv", "agent_strip.png", "agent.gif"]
SUITES_CODE = [
    "src/distral/suite_gallery.py",
    "src/distral/envs/layout.py",
    "src/distral/envs/wad.py",
    "src/distral/envs/engine.py",
    "src/distral/envs/doom_env.py",
    "src/distral/envs/doom_tasks.py",
    "src/distral/envs/vizdoom_suites.py",
    "src/distral/envs/scripted.py",
]


def suite_gallery_files(profile):
    return expand(f"figures/{profile}/suites/{{name}}", name=SUITE_GALLERY_FILES)


# Deep runs (issue 3): one job per (suite, algorithm of Table 1, hp setting, seed).
DEEP_RUN = paths.RUN_DIR
DEEP_CODE = [
    "src/distral/nets.py",
    "src/distral/losses.py",
    "src/distral/algorithms.py",
    "src/distral/train.py",
    "src/distral/train_cli.py",
    "src/distral/actors.py",
    "src/distral/sweep.py",
]


def deep_params_json(wildcards):
    """The part of params.yaml a deep run depends on; a change reruns it."""
    import json

    budget = PARAMS["profiles"][wildcards.profile]["deep"]
    suite = PARAMS.get("suites", {}).get(wildcards.suite)
    return json.dumps({"deep": PARAMS["deep"], "budget": budget, "suite": suite}, sort_keys=True)
