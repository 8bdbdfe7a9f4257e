"""distral-repro pipeline.

Main job:   snakemake --cores all figures                      (profile: default)
            snakemake --cores all figures --config profile=smoke
Every path is derived from the wildcards {profile}/{suite}/{algo}/{hp}/{seed};
params.yaml is validated here, before any job is scheduled.
"""

import sys

from distral import paths
from distral.config import ParamsError, validate_params


configfile: "params.yaml"


try:
    PARAMS = validate_params(config, source="params.yaml (with --config overrides)")
except ParamsError as exc:
    sys.exit(f"distral: {exc}")

PROFILE = PARAMS["profile"]
PY = sys.executable  # the interpreter running Snakemake, so jobs use the same venv


wildcard_constraints:
    profile="[A-Za-z0-9_]+",
    suite="[A-Za-z0-9_-]+",
    algo="[A-Za-z0-9_+-]+",
    hp="[A-Za-z0-9_.+-]+",
    seed=r"\d+",


include: "rules/common.smk"
include: "rules/train.smk"
include: "rules/aggregate.smk"
include: "rules/figures.smk"


rule figures:
    """Everything the paper shows that this profile can regenerate."""
    input:
        gridworld_figure_files(PROFILE),
