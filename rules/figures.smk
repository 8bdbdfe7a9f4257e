# Figure rules: every figure is PNG + PDF + the CSV of the plotted numbers.


rule figure3:
    """Figure 3: learning curves (left), example tasks (centre), distilled policy (right)."""
    input:
        evals="results/{profile}/gridworld/evals.csv",
        pi0=lambda w: gridworld_runs(w.profile, "pi0.csv", algos=["distral"]),
        tasks=lambda w: gridworld_runs(w.profile, "tasks.csv", algos=["distral"])[0],
    output:
        expand("figures/{{profile}}/{panel}.{ext}", panel=FIG3_PANELS, ext=FIGURE_EXTS),
    params:
        py=PY,
    log:
        "logs/{profile}/figure3.log",
    conda:
        "../envs/distral.yaml"
    shell:
        "{params.py} -m distral figure3 --profile {wildcards.profile} > {log} 2>&1"


rule suite_gallery:
    """3D task suites (issue 4): a first-person frame and a top-down map of every task,
    the task table, and a frame strip + GIF of the scripted agent (companion to Table 2)."""
    input:
        "params.yaml",
        SUITES_CODE,
    output:
        expand("figures/{{profile}}/suites/{name}", name=SUITE_GALLERY_FILES),
    params:
        py=PY,
    log:
        "logs/{profile}/suite_gallery.log",
    conda:
        "../envs/distral.yaml"
    shell:
        "{params.py} -m distral suite-gallery --profile {wildcards.profile} > {log} 2>&1"
