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


rule train_deep:
    """One deep run (Sec. 4.2, App. B.2): all tasks of a suite trained together, one algorithm, hp, seed."""
    input:
        DEEP_CODE,
    output:
        episodes=f"{DEEP_RUN}/episodes.csv",
        meta=f"{DEEP_RUN}/meta.json",
    wildcard_constraints:
        suite="(?!gridworld/)[A-Za-z0-9_-]+",  # grid-world runs belong to train_gridworld
    params:
        py=PY,
        resolved=deep_params_json,
    log:
        "logs/{profile}/{suite}/{algo}/{hp}/{seed}.log",
    benchmark:
        "benchmarks/{profile}/{suite}/{algo}/{hp}/{seed}.tsv"
    threads: 1
    conda:
        "../envs/distral.yaml"
    shell:
        "{params.py} -m distral train --suite {wildcards.suite} --algo {wildcards.algo} --hp {wildcards.hp} "
        "--seed {wildcards.seed} --profile {wildcards.profile} --threads {threads} > {log} 2>&1"
