# Figure rules: every figure is PNG + PDF + the CSV of the plotted numbers. The PNG and
# the CSV go into `snakemake figures --report report.html` with a caption from report/.


rule figure3:
    """Figure 3: learning curves (left), example tasks (centre), distilled policy (right)."""
    input:
        evals="results/{profile}/gridworld/evals.csv",
        pi0=lambda w: gridworld_runs(w.profile, "pi0.csv", algos=["distral"]),
        tasks=lambda w: gridworld_runs(w.profile, "tasks.csv", algos=["distral"])[0],
        map=lambda w: gridworld_runs(w.profile, "map.csv", algos=["distral"])[0],
        code=lambda w: command_code("figure3"),
    output:
        figure_outputs("fig3_left", "fig3_left", "Figure 3"),
        figure_outputs("fig3_centre", "fig3_centre", "Figure 3"),
        figure_outputs("fig3_right", "fig3_right", "Figure 3"),
    log:
        "logs/{profile}/figure3.log",
    conda:
        "../envs/distral.yaml"
    params:
        resolved=analysis_params_json,
    shell:
        "$DISTRAL_PYTHON -m distral figure3 --profile {wildcards.profile} > {log} 2>&1"


rule figure4:
    """Figure 4: every suite's learning curves (task and distilled policies) of the seven
    algorithms at their best hp setting, and the final scores of every run, sorted."""
    input:
        aggregates=lambda w: all_aggregates(w.profile),
        code=lambda w: command_code("figure4"),
    output:
        figure_outputs("fig4", "fig4", "Figure 4"),
    log:
        "logs/{profile}/figure4.log",
    conda:
        "../envs/distral.yaml"
    params:
        resolved=analysis_params_json,
    shell:
        "$DISTRAL_PYTHON -m distral figure4 --profile {wildcards.profile} > {log} 2>&1"


rule figure_suite:
    """Figures 5-7: one suite's learning curves per task (mazes: fig5, navigation: fig6,
    laser-tag: fig7)."""
    input:
        aggregates=lambda w: suite_aggregates(w.profile, FIGURE_SUITE[w.figure]),
        code=lambda w: command_code("figure-suite"),
    output:
        report(
            "figures/{profile}/{figure}.png",
            caption="../report/suite_figure.rst",
            category="Figures 5-7",
        ),
        "figures/{profile}/{figure}.pdf",
        report(
            "figures/{profile}/{figure}.csv",
            caption="../report/suite_figure.rst",
            category="Figures 5-7",
        ),
    log:
        "logs/{profile}/{figure}.log",
    wildcard_constraints:
        figure="|".join(SUITE_FIGURE[s] for s in SUITES),
    conda:
        "../envs/distral.yaml"
    params:
        resolved=analysis_params_json,
        suite=lambda w: FIGURE_SUITE[w.figure],
    shell:
        "$DISTRAL_PYTHON -m distral figure-suite --profile {wildcards.profile} "
        "--suite {params.suite} > {log} 2>&1"


rule suite_gallery:
    """3D task suites (Table 2 companion): a first-person frame and a top-down map of every
    task, the task table, and a frame strip + GIF of the scripted agent."""
    input:
        code=lambda w: command_code("suite-gallery"),
    output:
        expand(
            "figures/{{profile}}/suites/{name}",
            name=[n for n in SUITE_GALLERY_FILES if not n.endswith(".png")],
        ),
        report(
            expand(
                "figures/{{profile}}/suites/{name}",
                name=[n for n in SUITE_GALLERY_FILES if n.endswith(".png")],
            ),
            caption="../report/suite_gallery.rst",
            category="Suites (Table 2)",
        ),
    log:
        "logs/{profile}/suite_gallery.log",
    conda:
        "../envs/distral.yaml"
    params:
        # the suites' definitions only: editing another key of params.yaml keeps the pictures
        resolved=lambda w: params_json(w.profile, ["suites"]),
    shell:
        "$DISTRAL_PYTHON -m distral suite-gallery --profile {wildcards.profile} > {log} 2>&1"
