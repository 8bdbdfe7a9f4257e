#!/usr/bin/env bash
# Create .venv and install distral-repro with its pinned dependencies.
# Idempotent: a second run only checks that everything is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# This machine's pip config lists local mirrors that lack some packages; pip warns
# once per package about them. The warnings are harmless, so they are filtered.
pip_install() {
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "$@" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}
pip_install -r envs/requirements.txt -c envs/constraints.txt
pip_install --no-deps -e .
echo "distral-repro: environment ready in .venv"
