# Aggregation rules: gather the runs' tidy logs into one table per experiment.


rule aggregate_gridworld:
    """All evaluations in one tidy CSV, plus the AUC comparison (Fig. 3 left)."""
    input:
        evals=lambda w: gridworld_runs(w.profile, "evals.csv"),
    output:
        evals="results/{profile}/gridworld/evals.csv",
        auc_csv="paper_tables/{profile}/fig3_auc.csv",
        auc_md="paper_tables/{profile}/fig3_auc.md",
        auc_tex="paper_tables/{profile}/fig3_auc.tex",
        metrics="metrics/{profile}/gridworld.json",
    params:
        py=PY,
    log:
        "logs/{profile}/aggregate_gridworld.log",
    conda:
        "../envs/distral.yaml"
    shell:
        "{params.py} -m distral aggregate-gridworld --profile {wildcards.profile} > {log} 2>&1"
