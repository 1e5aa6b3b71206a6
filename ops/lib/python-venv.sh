#!/usr/bin/env bash
# The virtualenv of the webhook receiver (ops/examples/webhook-receiver.py): the reference
# `standardwebhooks` package from PyPI, in .build/webhook-venv (Debian refuses system-wide
# pip). Prints the venv's python. Does nothing when it is there already.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.build/webhook-venv
if ! "$venv/bin/python" -c "import standardwebhooks" 2>/dev/null; then
    rm -rf "$venv"
    mkdir -p .build
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check standardwebhooks
fi
echo "$PWD/$venv/bin/python"
