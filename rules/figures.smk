# Figure rules: every figure is PNG + PDF + the CSV of the plotted numbers.

FIG3_PANELS = ["fig3_left", "fig3_centre", "fig3_right"]


def gridworld_figure_files(profile):
    return expand(
        "figures/{profile}/{panel}.{ext}", profile=profile, panel=FIG3_PANELS, ext=["png", "pdf", "csv"]
    )


def first_distral_seed(filename):
    return lambda w: GRIDWORLD_RUN.format(profile=w.profile, algo="distral", seed=0) + "/" + filename


rule figure3:
    """Figure 3: learning curves (left), example tasks (centre), distilled policy (right)."""
    input:
        evals="results/{profile}/gridworld/evals.csv",
        pi0=lambda w: gridworld_runs(w.profile, "pi0.csv"),
        tasks=first_distral_seed("tasks.csv"),
    output:
        expand("figures/{{profile}}/{panel}.{ext}", panel=FIG3_PANELS, ext=["png", "pdf", "csv"]),
    log:
        "logs/{profile}/figure3.log",
    shell:
        "{PY} -m distral figure3 --profile {wildcards.profile} > {log} 2>&1"


# 3D task suites (issue 4): a first-person frame and a top-down map of every task,
# the task table, and a frame strip + GIF of the scripted agent (companion to Table 2).
SUITE_GALLERY_FILES = (
    [f"{suite}.{ext}" for suite in ("mazes", "navigation", "laser-tag") for ext in ("png", "pdf")]
    + ["tasks.csv", "agent_strip.png", "agent.gif"]
)


def suite_gallery_files(profile):
    return expand("figures/{profile}/suites/{name}", profile=profile, name=SUITE_GALLERY_FILES)


rule suite_gallery:
    """Pictures of the mazes, navigation and laser-tag suites (ViZDoom backend)."""
    input:
        "params.yaml",
    output:
        expand("figures/{{profile}}/suites/{name}", name=SUITE_GALLERY_FILES),
    log:
        "logs/{profile}/suite_gallery.log",
    shell:
        "{PY} -m distral suite-gallery --profile {wildcards.profile} > {log} 2>&1"
