#!/bin/sh
# Installs the Python tools the tests and benchmarks use as cross-checks (sigstore-python 4.x) into a
# virtual environment under .build/pyenv (git-ignored). Safe to run again: pip only upgrades when needed.
set -eu
cd "$(dirname "$0")/.."
venv=.build/pyenv
if [ ! -x "$venv/bin/python3" ]; then
    mkdir -p .build
    python3 -m venv "$venv"
fi
"$venv/bin/python3" -m pip install --quiet 'sigstore>=4,<5'
"$venv/bin/sigstore" --version
