#!/usr/bin/env bash
# Sets up everything LK needs on a fresh machine: the virtualenv with pinned requirements,
# bun from the npm registry, and (with --tests) Debian's Chromium. Safe to run again: it
# redoes only what changed. Source it to get PATH and the Reflex variables.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REQUIREMENTS="requirements.txt"
[[ "${1:-}" == "--tests" ]] && REQUIREMENTS="requirements-dev.txt"

if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv"
  python3 -m venv .venv
fi
stamp=".venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-${REQUIREMENTS}"
if [[ ! -f "$stamp" ]]; then
  echo "setup: installing $REQUIREMENTS"
  .venv/bin/pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

BUN_VERSION="1.4.4"
if [[ ! -x .tools/node_modules/.bin/bun ]] || [[ "$(.tools/node_modules/.bin/bun --version)" != "$BUN_VERSION" ]]; then
  echo "setup: installing bun $BUN_VERSION from the npm registry"
  npm install --silent --no-fund --no-audit --prefix .tools "bun@$BUN_VERSION"
fi

if [[ "${1:-}" == "--tests" ]] && [[ ! -x /usr/bin/chromium ]]; then
  echo "setup: installing Chromium from Debian"
  if [[ "$(id -u)" == 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
