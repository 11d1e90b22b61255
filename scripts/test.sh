#!/usr/bin/env bash
# Install Deepling with its test dependencies into ./.venv and run lint, types and all tests.
# Browser tests use Debian's Chromium, installed here when missing (they skip, visibly, where
# it cannot be installed).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
pip install --quiet -e '.[test,ray]'
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; browser tests will be skipped" >&2
fi
# The front end's checks need its dev tools (the editable install builds only a stale bundle).
[ -d frontend/node_modules ] || (cd frontend && npm ci --no-audit --no-fund)
ruff check src tests benchmarks scripts
ruff format --check src tests benchmarks scripts setup.py
python scripts/api_types.py --check
(cd frontend && npm run --silent format:check && npm run --silent typecheck && npm test --silent)
mypy
python -m pytest "$@"
