# Aggregation rules: gather the runs' tidy logs into one table per experiment.


rule aggregate_gridworld:
    """All evaluations in one tidy CSV, plus the AUC comparison (Fig. 3 left)."""
    input:
        evals=lambda w: gridworld_runs(w.profile, "evals.csv"),
        episodes=lambda w: gridworld_runs(w.profile, "episodes.csv"),
        code=lambda w: command_code("aggregate-gridworld"),
    output:
        evals="results/{profile}/gridworld/evals.csv",
        auc_csv=report(
            "paper_tables/{profile}/fig3_auc.csv",
            caption="../report/fig3_auc.rst",
            category="Figure 3",
        ),
        auc_md=report(
            "paper_tables/{profile}/fig3_auc.md",
            caption="../report/fig3_auc.rst",
            category="Figure 3",
        ),
        auc_tex="paper_tables/{profile}/fig3_auc.tex",
        metrics="metrics/{profile}/gridworld.json",
        manifest="results/{profile}/gridworld/manifest.json",
    log:
        "logs/{profile}/aggregate_gridworld.log",
    conda:
        "../envs/distral.yaml"
    params:
        resolved=analysis_params_json,
    shell:
        "$DISTRAL_PYTHON -m distral aggregate-gridworld --profile {wildcards.profile} > {log} 2>&1"


rule aggregate_deep:
    """One suite's runs (every algorithm x hp x seed of the sweep) and its random-policy
    reference checked and reduced to the runs, learning-curve, hp-selection, A3C-normaliser
    and random-policy tables, plus DVC metrics.
    """
    input:
        runs=lambda w: deep_run_files(w.profile, w.suite),
        random=lambda w: random_policy_files(w.profile, w.suite),
        code=lambda w: command_code("aggregate-deep"),
    output:
        runs=f"{paths.SUITE_DIR}/runs.csv",
        curves=f"{paths.SUITE_DIR}/curves.csv",
        selection=f"{paths.SUITE_DIR}/selection.csv",
        normaliser=f"{paths.SUITE_DIR}/normaliser.csv",
        random=f"{paths.SUITE_DIR}/random.csv",
        metrics=paths.METRICS_FILE,
        manifest=f"{paths.SUITE_DIR}/manifest.json",
    log:
        "logs/{profile}/aggregate_deep_{suite}.log",
    wildcard_constraints:
        suite="|".join(re.escape(s) for s in SUITES),
    conda:
        "../envs/distral.yaml"
    params:
        resolved=analysis_params_json,
    shell:
        "$DISTRAL_PYTHON -m distral aggregate-deep --profile {wildcards.profile} "
        "--suite {wildcards.suite} > {log} 2>&1"
