# Training rules: one job per run, paths derived from the wildcards only.

GRIDWORLD_RUN = paths.RUN_DIR.replace("{suite}", "gridworld").replace("{hp}", paths.GRIDWORLD_HP)
GRIDWORLD_CODE = ["src/distral/tabular.py", "src/distral/envs/gridworld.py", "src/distral/gridworld_cli.py"]


def gridworld_budget_json(wildcards):
    """The part of params.yaml a grid-world run depends on; a change reruns it."""
    import json

    budget = PARAMS["profiles"][wildcards.profile]["gridworld"]
    return json.dumps({"gridworld": PARAMS["gridworld"], "budget": budget}, sort_keys=True)


rule train_gridworld:
    """One grid-world run (Sec. 4.1): all tasks of one seed, one algorithm."""
    input:
        GRIDWORLD_CODE,
    output:
        evals=GRIDWORLD_RUN + "/evals.csv",
        episodes=GRIDWORLD_RUN + "/episodes.csv",
        pi0=GRIDWORLD_RUN + "/pi0.csv",
        tasks=GRIDWORLD_RUN + "/tasks.csv",
        meta=GRIDWORLD_RUN + "/meta.json",
    params:
        resolved=gridworld_budget_json,
    log:
        "logs/{profile}/gridworld/{algo}/{seed}.log",
    benchmark:
        "benchmarks/{profile}/gridworld/{algo}/{seed}.tsv"
    threads: 1
    shell:
        "{PY} -m distral gridworld --profile {wildcards.profile} --algo {wildcards.algo} "
        "--seed {wildcards.seed} > {log} 2>&1"
