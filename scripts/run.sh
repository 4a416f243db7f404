#!/usr/bin/env bash
# Runs LK at http://localhost:3000 on its embedded defaults: SQLite, demo data when the
# database is empty, messages kept in the outbox. Extra arguments go to `reflex run`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
source scripts/env.sh
python -m lk_app migrate
if python -c "import sys; from lk_app.billing.demo import database_is_empty; from lk_app import db; sys.exit(0 if db.run(database_is_empty) else 1)"; then
  python -m lk_app seed-demo
fi
exec reflex run "$@"
