#!/usr/bin/env bash
# Install Deepling into ./.venv and run the offline demo (arguments go to `deepling demo`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
pip install --quiet -e '.[demo]'
exec deepling demo "$@"
