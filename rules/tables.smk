# Table and claim rules: Markdown + CSV + LaTeX under paper_tables/{profile}/.


rule tables:
    """Table 1 (the seven algorithms and, per suite, AUC and final score with intervals)
    and Table 2 (the suites as built here)."""
    input:
        aggregates=lambda w: all_aggregates(w.profile),
        code=lambda w: command_code("tables"),
    output:
        table_outputs("table1", "table1", "Tables"),
        table_outputs("table2", "table2", "Tables"),
    log:
        "logs/{profile}/tables.log",
    conda:
        "../envs/distral.yaml"
    params:
        resolved=analysis_params_json,
    shell:
        "$DISTRAL_PYTHON -m distral tables --profile {wildcards.profile} > {log} 2>&1"


rule claims:
    """The paper's claims checked against this profile's results (verdict per claim),
    the IQM per suite x algorithm and the performance profiles. The aggregates include
    each suite's random.csv, which the learning checks (vs_random) compare with, and its
    curves.csv, whose early part the improvement checks (vs_start) compare with."""
    input:
        aggregates=lambda w: all_aggregates(w.profile),
        gridworld=lambda w: gridworld_claim_inputs(w.profile),
        registry="src/distral/analysis/claims.yaml",
        registry_schema="src/distral/analysis/claims.schema.yaml",
        protocols="protocols.yaml",
        run_metas=lambda w: deep_run_files(w.profile, filenames=["meta.json"]),
        code=lambda w: command_code("claims"),
    output:
        report(
            "paper_tables/{profile}/claims.md",
            caption="../report/claims.rst",
            category="Claims",
        ),
        report(
            "paper_tables/{profile}/claims.csv",
            caption="../report/claims.rst",
            category="Claims",
        ),
        table_outputs("aggregate_scores", "aggregate_scores", "Claims"),
        figure_outputs("performance_profiles", "performance_profiles", "Claims"),
    log:
        "logs/{profile}/claims.log",
    conda:
        "../envs/distral.yaml"
    params:
        resolved=analysis_params_json,
    shell:
        "$DISTRAL_PYTHON -m distral claims --profile {wildcards.profile} > {log} 2>&1"
