# Training rules: one job per run, paths derived from the wildcards only. The code a run
# executes is an input (a change reruns what it affects); the params it reads are params.


rule train_gridworld:
    """One grid-world run (Sec. 4.1): all tasks of one seed, one algorithm."""
    input:
        run_code("gridworld"),
    output:
        evals=f"{GRIDWORLD_RUN}/evals.csv",
        episodes=f"{GRIDWORLD_RUN}/episodes.csv",
        pi0=f"{GRIDWORLD_RUN}/pi0.csv",
        tasks=f"{GRIDWORLD_RUN}/tasks.csv",
        map=f"{GRIDWORLD_RUN}/map.csv",
        meta=f"{GRIDWORLD_RUN}/meta.json",
    log:
        "logs/{profile}/gridworld/{algo}/{seed}.log",
    benchmark:
        "benchmarks/{profile}/gridworld/{algo}/{seed}.tsv"
    conda:
        "../envs/distral.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=60,
    params:
        resolved=gridworld_budget_json,
    shell:
        "$DISTRAL_PYTHON -m distral gridworld --profile {wildcards.profile} --algo {wildcards.algo} "
        "--seed {wildcards.seed} > {log} 2>&1"


rule train_deep:
    """One deep run (Sec. 4.2, App. B.2): all tasks of a suite trained together, one
    algorithm of Table 1, one hp setting, one seed. A killed run resumes from its
    checkpoint (kept in the run directory, not an output); a diverged run exits 0
    with meta.json status "diverged", so it never stops the sweep."""
    input:
        run_code("train"),
    output:
        episodes=f"{DEEP_RUN}/episodes.csv",
        diagnostics=f"{DEEP_RUN}/diagnostics.csv",
        meta=f"{DEEP_RUN}/meta.json",
    log:
        "logs/{profile}/{suite}/{algo}/{hp}/{seed}.log",
    benchmark:
        "benchmarks/{profile}/{suite}/{algo}/{hp}/{seed}.tsv"
    wildcard_constraints:
        suite="|".join(re.escape(s) for s in SUITES),
    conda:
        "../envs/distral.yaml"
    threads: deep_threads
    resources:
        mem_mb=lambda w: per_suite(w.profile, "mem_mb", w.suite),
        runtime=lambda w: per_suite(w.profile, "runtime", w.suite),
        gpu=deep_gpus,
    params:
        resolved=deep_params_json,
        device=lambda w: deep_budget(w.profile)["device"],
    shell:
        "$DISTRAL_PYTHON -m distral train --suite {wildcards.suite} --algo {wildcards.algo} "
        "--hp {wildcards.hp} --seed {wildcards.seed} --profile {wildcards.profile} "
        "--device {params.device} --threads {threads} > {log} 2>&1"


rule random_policy:
    """A uniform random policy on every task of a 3D suite, built as the profile's training
    runs build it: `random_episodes` episodes per task, the reference the aggregation scores
    and the learning check (claims) compares the best algorithm with."""
    input:
        run_code("random-policy"),
    output:
        episodes=f"{paths.SUITE_DIR}/random_policy.csv",
        meta=f"{paths.SUITE_DIR}/random_policy.json",
    log:
        "logs/{profile}/{suite}/random_policy.log",
    benchmark:
        "benchmarks/{profile}/{suite}/random_policy.tsv"
    wildcard_constraints:
        suite="|".join(re.escape(s) for s in SUITES),
    conda:
        "../envs/distral.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        resolved=random_params_json,
    shell:
        "$DISTRAL_PYTHON -m distral random-policy --suite {wildcards.suite} "
        "--profile {wildcards.profile} --threads {threads} > {log} 2>&1"
