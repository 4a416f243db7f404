#!/usr/bin/env bash
# Runs every test: unit tests, then the browser tests (a separate pytest run: pytest-playwright
# and pytest-asyncio clash in one). Set LK_TEST_DATABASE_URL / LK_TEST_REDIS_URL to run them
# on PostgreSQL and Redis. Extra arguments go to both pytest runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh --tests
source scripts/env.sh
python -m pytest tests/unit -q "$@"
python -m pytest tests/e2e -q -p no:asyncio -W ignore::pytest.PytestConfigWarning "$@"
