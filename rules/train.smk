# Training rules: one job per run, paths derived from the wildcards only.


rule train_gridworld:
    """One grid-world run (Sec. 4.1): all tasks of one seed, one algorithm."""
    input:
        GRIDWORLD_CODE,
    output:
        evals=f"{GRIDWORLD_RUN}/evals.csv",
        episodes=f"{GRIDWORLD_RUN}/episodes.csv",
        pi0=f"{GRIDWORLD_RUN}/pi0.csv",
        tasks=f"{GRIDWORLD_RUN}/tasks.csv",
        meta=f"{GRIDWORLD_RUN}/meta.json",
    params:
        py=PY,
        resolved=gridworld_budget_json,
    log:
        "logs/{profile}/gridworld/{algo}/{seed}.log",
    benchmark:
        "benchmarks/{profile}/gridworld/{algo}/{seed}.tsv"
    threads: 1
    conda:
        "../envs/distral.yaml"
    shell:
        "{params.py} -m distral gridworld --profile {wildcards.profile} --algo {wildcards.algo} "
        "--seed {wildcards.seed} > {log} 2>&1"
