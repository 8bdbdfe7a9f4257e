# Aggregation rules: gather the runs' tidy logs into one table per experiment.


def gridworld_runs(profile, filename):
    """Every grid-world run's `filename` under `profile` (all algorithms x seeds)."""
    seeds = range(PARAMS["profiles"][profile]["gridworld"]["seeds"])
    return expand(
        GRIDWORLD_RUN + "/" + filename,
        profile=profile,
        algo=list(PARAMS["gridworld"]["algorithms"]),
        seed=seeds,
    )


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
    log:
        "logs/{profile}/aggregate_gridworld.log",
    shell:
        "{PY} -m distral aggregate-gridworld --profile {wildcards.profile} > {log} 2>&1"
