# Path patterns and input functions shared by the rules (no rules here).
# Every pattern derives from distral.paths and every deep run from distral.sweep,
# so the CLI, the analysis and the pipeline agree on locations and on the sweep.

import ast
import json
import re
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.io import report as in_report  # `report(` opening a line is a keyword

from distral.analysis.aggregates import AGGREGATES, restored_logs
from distral.analysis.style import suite_figure_spec
from distral.cli import COMMANDS
from distral.config import ParamsError, has_gridworld
from distral.sweep import GRIDWORLD, deep_runs, deep_suites
from distral.sweep import per_suite as sweep_per_suite
from distral.sweep import gridworld_runs as gridworld_sweep

GRIDWORLD_RUN = paths.RUN_DIR.replace("{suite}", GRIDWORLD).replace(
    "{hp}", paths.GRIDWORLD_HP
)
FIG3_PANELS = ["fig3_left", "fig3_centre", "fig3_right"]
FIGURE_EXTS = ["png", "pdf", "csv"]
TABLE_EXTS = ["md", "csv", "tex"]
SUITES = deep_suites(PARAMS)
# A log changed after it was aggregated but dated before the aggregates (restored with `cp -a`)
# is invisible to Snakemake's timestamps: stop before scheduling anything, naming it.
RESTORED = restored_logs(".", PROFILE, [*SUITES, GRIDWORLD])
if RESTORED:
    sys.exit("distral: " + "\n".join(RESTORED))
# Figures 5-7: one figure per 3D suite, per task (App. C; the paper's numbers, style.SUITE_FIGURES);
# a user suite's per-task figure is fig_<suite>.
SUITE_FIGURE = {suite: suite_figure_spec(suite)[0] for suite in SUITES}
FIGURE_SUITE = {figure: suite for suite, figure in SUITE_FIGURE.items()}
# Figure 4 draws the paper's three suites; a profile without all of them has none.
FIG4_SUITES = ["mazes", "navigation", "laser-tag"]
# The suite gallery pictures the ViZDoom suites (a user suite's envs draw themselves).
GALLERY_SUITES = [
    s for s in SUITES if PARAMS["suites"][s].get("backend") != "gymnasium"
]
DEEP_RUN = paths.RUN_DIR
DEEP_RUN_LOGS = ["episodes.csv", "meta.json"]


# ---- the code a command runs: its rule's input, so a code change reruns what it affects


def _module_file(modname):
    """src/distral/a/b.py or src/distral/a/b/__init__.py for `distral.a.b`, else None."""
    base = Path("src", *modname.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(path, modname):
    """The distral modules `path` imports, at top level or inside functions (lazy imports),
    or names as a string for importlib (e.g. the suite registry's modules)."""
    package = modname if path.name == "__init__.py" else modname.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.fullmatch(r"distral(\.\w+)+", node.value):
                found.add(node.value)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m == "distral" or m.startswith("distral.")}


def module_closure(entry):
    """Every source file of the package that module `entry` imports, transitively,
    with the packages' __init__.py files: exactly the code that can change its outputs.
    """
    todo, seen = [entry], {}
    while todo:
        modname = todo.pop()
        parts = modname.split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c runs a, a.b, a.b.c
            name = ".".join(parts[:i])
            path = _module_file(name)
            if path is not None and name not in seen:
                seen[name] = path
                todo.extend(_imported_modules(path, name))
    return sorted(str(p) for p in seen.values())


def command_code(command):
    """The source files behind `python -m distral <command>` (its module's import closure;
    the dispatcher cli.py is left out, so adding a command reruns nothing)."""
    if command not in COMMANDS:
        raise WorkflowError(
            f"distral command {command!r} is not registered in src/distral/cli.py COMMANDS"
        )
    return module_closure(COMMANDS[command][0])


def run_code(command):
    """A training rule's code input: `command_code(command)`, except for a profile whose logs
    are shipped in git (`profiles.<p>.shipped_logs`): there a run whose logs exist is not
    rerun because the code looks newer (a fresh clone's checkout gives every file the time of
    the checkout, in no fixed order), while a missing run is still trained. The runs' own
    meta.json records the commit that made them."""
    files = command_code(command)

    def code(wildcards):
        if PARAMS["profiles"][wildcards.profile].get("shipped_logs", False):
            return [ancient(f) for f in files]
        return files

    return code


# ---- the part of params.yaml a job depends on: a rule's `params`, so a change reruns it


def params_json(profile, sections, budget=None):
    """`sections` of params.yaml, plus `profiles.<profile>.<budget>`, as canonical JSON."""
    chosen = {s: PARAMS.get(s) for s in sections}
    if budget:
        chosen["budget"] = PARAMS["profiles"][profile][budget]
    return json.dumps(chosen, sort_keys=True)


def analysis_params_json(wildcards):
    """Aggregation, figures, tables and claims read everything but the other profiles' budgets."""
    rest = [s for s in PARAMS if s not in ("profile", "profiles")]
    chosen = json.loads(params_json(wildcards.profile, rest))
    chosen["budget"] = PARAMS["profiles"][wildcards.profile]
    return json.dumps(chosen, sort_keys=True)


# ---- grid world (Sec. 4.1, Figure 3)


def gridworld_budget_json(wildcards):
    """The part of params.yaml a grid-world run depends on; a change reruns it."""
    return params_json(wildcards.profile, ["gridworld"], budget="gridworld")


def gridworld_runs(profile, filename, algos=None):
    """`filename` of every grid-world run of `profile` (the algorithms x seeds)."""
    return [
        str(r.dir(profile) / filename) for r in gridworld_sweep(PARAMS, profile, algos)
    ]


def gridworld_figure_files(profile):
    """Figure 3's files; none for a profile without a grid world (profiles.<p>.gridworld absent)."""
    if not has_gridworld(PARAMS, profile):
        return []
    return expand(
        f"figures/{profile}/{{panel}}.{{ext}}", panel=FIG3_PANELS, ext=FIGURE_EXTS
    )


def gridworld_table_files(profile):
    if not has_gridworld(PARAMS, profile):
        return []
    return expand(f"paper_tables/{profile}/fig3_auc.{{ext}}", ext=TABLE_EXTS) + [
        f"results/{profile}/gridworld/evals.csv",
        f"metrics/{profile}/gridworld.json",
    ]


def gridworld_claim_inputs(profile):
    """What the grid-world claims read: the aggregated curves, the distral runs' pi0 and one map."""
    if not has_gridworld(PARAMS, profile):
        return []
    return [
        f"results/{profile}/gridworld/evals.csv",
        f"results/{profile}/gridworld/manifest.json",
        *gridworld_runs(profile, "pi0.csv", algos=["distral"]),
        gridworld_runs(profile, "map.csv", algos=["distral"])[0],
    ]


# ---- 3D task suites (Table 2 companion): the gallery's files


SUITE_GALLERY_FILES = [
    f"{suite}.{ext}" for suite in GALLERY_SUITES for ext in ("png", "pdf")
] + [
    "tasks.csv",
    "agent_strip.png",
    "agent.gif",
]


def suite_gallery_files(profile):
    return expand(f"figures/{profile}/suites/{{name}}", name=SUITE_GALLERY_FILES)


# ---- deep runs (Sec. 4.2, App. B.2): one job per (suite, algorithm, hp setting, seed)


def deep_budget(profile):
    return PARAMS["profiles"][profile]["deep"]


def deep_run_files(profile, suite=None, filenames=DEEP_RUN_LOGS):
    """The logs of every run of the profile's sweep (of one suite if given), from distral.sweep."""
    return [
        str(r.dir(profile) / name)
        for r in deep_runs(PARAMS, profile, suite)
        for name in filenames
    ]


def deep_params_json(wildcards):
    """The part of params.yaml a deep run depends on; a change reruns it. The resources
    (threads, device, memory, runtime) are left out: they change the speed, not the numbers;
    so are random_episodes, which only the random-policy reference reads, the profile's suite
    list (which runs exist, not their numbers) and tensorboard (extra files, same logs).
    """
    budget = {
        k: v
        for k, v in deep_budget(wildcards.profile).items()
        if k
        not in (
            "threads",
            "device",
            "mem_mb",
            "runtime",
            "random_episodes",
            "suites",
            "tensorboard",
        )
    }
    suite = PARAMS.get("suites", {}).get(wildcards.suite)
    return json.dumps(
        {"deep": PARAMS["deep"], "budget": budget, "suite": suite}, sort_keys=True
    )


def random_params_json(wildcards):
    """What the random-policy reference of a suite depends on: the suite, the resolution and
    episode length the profile's runs use and its episode count."""
    budget = deep_budget(wildcards.profile)
    return json.dumps(
        {
            "suite": PARAMS.get("suites", {}).get(wildcards.suite),
            "resolution": budget["resolution"],
            "episode_frames": budget.get("episode_frames"),
            "random_episodes": budget["random_episodes"],
        },
        sort_keys=True,
    )


def random_policy_files(profile, suite):
    """The random-policy reference's episodes and meta of one suite (rule random_policy)."""
    stem = paths.SUITE_DIR.format(profile=profile, suite=suite)
    return [f"{stem}/random_policy.csv", f"{stem}/random_policy.json"]


def per_suite(profile, key, suite):
    """A deep budget value given once for every suite or per suite (sweep.per_suite)."""
    try:
        return sweep_per_suite(deep_budget(profile), key, suite, profile)
    except ParamsError as exc:
        raise WorkflowError(f"params.yaml: {exc}")


def deep_threads(wildcards):
    return deep_budget(wildcards.profile)["threads"]


def deep_gpus(wildcards):
    """One GPU per run when the profile trains on CUDA, none on CPU."""
    return 1 if deep_budget(wildcards.profile)["device"].startswith("cuda") else 0


def suite_aggregates(profile, suite):
    return expand(
        f"{paths.SUITE_DIR}/{{name}}.csv",
        profile=profile,
        suite=suite,
        name=AGGREGATES,
    )


def all_aggregates(profile):
    return [f for suite in SUITES for f in suite_aggregates(profile, suite)]


def deep_metrics_files(profile):
    return [paths.METRICS_FILE.format(profile=profile, suite=s) for s in SUITES]


def deep_figure_files(profile):
    fig4 = ["fig4"] if all(s in SUITES for s in FIG4_SUITES) else []
    names = fig4 + [SUITE_FIGURE[s] for s in SUITES]
    return expand(f"figures/{profile}/{{name}}.{{ext}}", name=names, ext=FIGURE_EXTS)


def deep_table_files(profile):
    return expand(
        f"paper_tables/{profile}/{{name}}.{{ext}}",
        name=["table1", "table2"],
        ext=TABLE_EXTS,
    )


def claims_files(profile):
    return (
        expand(f"paper_tables/{profile}/claims.{{ext}}", ext=["md", "csv"])
        + expand(f"paper_tables/{profile}/aggregate_scores.{{ext}}", ext=TABLE_EXTS)
        + expand(f"figures/{profile}/performance_profiles.{{ext}}", ext=FIGURE_EXTS)
    )


def everything(profile):
    """Every run's logs and random-policy references (requested too, so a deleted run is trained again even though the
    figures drawn from it exist) and every figure, table and metrics file."""
    return (
        gridworld_runs(profile, "meta.json")
        + deep_run_files(profile)
        + [f for suite in SUITES for f in random_policy_files(profile, suite)]
        + gridworld_figure_files(profile)
        + gridworld_table_files(profile)
        + suite_gallery_files(profile)
        + all_aggregates(profile)
        + deep_metrics_files(profile)
        + deep_figure_files(profile)
        + deep_table_files(profile)
        + claims_files(profile)
    )


def figure_outputs(name, caption, category):
    """figures/{profile}/<name>.{png,pdf,csv}; the PNG and the CSV flagged for the report."""
    stem = f"figures/{{profile}}/{name}"
    flagged = dict(caption=f"../report/{caption}.rst", category=category)
    return [
        in_report(f"{stem}.png", **flagged),
        f"{stem}.pdf",
        in_report(f"{stem}.csv", **flagged),
    ]


def table_outputs(name, caption, category):
    """paper_tables/{profile}/<name>.{md,csv,tex}; the Markdown and the CSV in the report."""
    stem = f"paper_tables/{{profile}}/{name}"
    flagged = dict(caption=f"../report/{caption}.rst", category=category)
    return [
        in_report(f"{stem}.md", **flagged),
        in_report(f"{stem}.csv", **flagged),
        f"{stem}.tex",
    ]
