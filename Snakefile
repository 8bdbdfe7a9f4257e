"""distral-repro pipeline.

Main job:   snakemake --cores all figures                      (profile: default)
            snakemake --cores all figures --config profile=smoke
Every path is derived from the wildcards {profile}/{suite}/{algo}/{hp}/{seed};
params.yaml is validated here, before any job is scheduled. profiles/default/config.yaml
(loaded by Snakemake itself) adds --rerun-incomplete and --keep-going, so an interrupted
sweep resumes with the same command and one failed run does not stop the others.
"""

import os
import sys
import time

from distral import paths
from distral.config import ParamsError, validate_params


configfile: "params.yaml"


report: "report/workflow.rst"


try:
    PARAMS = validate_params(config, source="params.yaml (with --config overrides)")
except ParamsError as exc:
    sys.exit(f"distral: {exc}")

PROFILE = PARAMS["profile"]
# The whole job's wall-clock time, printed when it succeeds.
STARTED = time.monotonic()
# Jobs run the interpreter that runs Snakemake (the venv). An environment variable, not a
# rule param: a venv at another path is the same software and must not rerun every job.
os.environ["DISTRAL_PYTHON"] = sys.executable


envvars:
    "DISTRAL_PYTHON",


wildcard_constraints:
    profile="[A-Za-z0-9_]+",
    suite="[A-Za-z0-9_-]+",
    algo="[A-Za-z0-9_+-]+",
    hp="[A-Za-z0-9_.+-]+",
    seed=r"\d+",


include: "rules/common.smk"
include: "rules/resume.smk"
include: "rules/train.smk"
include: "rules/aggregate.smk"
include: "rules/figures.smk"
include: "rules/tables.smk"


# Cheap steps run where Snakemake runs, not as cluster jobs.
localrules:
    figures,
    aggregate_gridworld,
    aggregate_deep,
    figure3,
    figure4,
    figure_suite,
    tables,
    claims,


rule figures:
    """Everything the paper shows that this profile can regenerate: the grid world
    (Figure 3), the 3D sweep of every suite x algorithm x hp setting x seed (Figures 4-7,
    Tables 1-2, the claim verdicts), the suite gallery and the DVC metrics."""
    input:
        everything(PROFILE),


onsuccess:
    minutes = (time.monotonic() - STARTED) / 60
    print(
        f"distral: profile {PROFILE} done in {minutes:.1f} min of wall-clock time",
        file=sys.stderr,
    )
