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
