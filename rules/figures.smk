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
