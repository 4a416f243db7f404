#!/usr/bin/env bash
# Sets up everything LK needs on a fresh machine: the virtualenv with pinned requirements,
# bun from the npm registry, the DejaVu font that bills are printed in, and (with --tests)
# Debian's Chromium and nginx. Safe to run again: it redoes only what changed. Source it to get PATH
# and the Reflex variables.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REQUIREMENTS="requirements.txt"
[[ "${1:-}" == "--tests" ]] && REQUIREMENTS="requirements-dev.txt"

if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv"
  python3 -m venv .venv
fi
# The dev requirements include the runtime ones, so their stamp serves both.
digest="$(cat requirements*.txt | sha256sum | cut -c1-16)"
if [[ ! -f ".venv/.installed-$digest-$REQUIREMENTS" && ! -f ".venv/.installed-$digest-requirements-dev.txt" ]]; then
  echo "setup: installing $REQUIREMENTS"
  .venv/bin/pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  find .venv -maxdepth 1 -name '.installed-*' ! -name ".installed-$digest-*" -delete
  touch ".venv/.installed-$digest-$REQUIREMENTS"
fi

BUN_VERSION="1.4.4"
if [[ ! -x .tools/node_modules/.bin/bun ]] || [[ "$(.tools/node_modules/.bin/bun --version)" != "$BUN_VERSION" ]]; then
  echo "setup: installing bun $BUN_VERSION from the npm registry"
  npm install --silent --no-fund --no-audit --prefix .tools "bun@$BUN_VERSION"
fi

# The browser tests check every page with axe-core (WCAG 2.1 A/AA); they inject it from here.
AXE_VERSION="4.14.1"
if [[ "${1:-}" == "--tests" ]] && [[ "$(node -p "require('./.tools/node_modules/axe-core/package.json').version" 2>/dev/null)" != "$AXE_VERSION" ]]; then
  echo "setup: installing axe-core $AXE_VERSION from the npm registry"
  npm install --silent --no-fund --no-audit --prefix .tools "axe-core@$AXE_VERSION"
fi

apt_install() {
  if [[ "$(id -u)" == 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  fi
}

# Bills are PDFs with Cyrillic text: the app needs this font at run time, not only the tests.
BILL_FONT="${LK_BILL_FONT:-/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf}"
if [[ ! -f "$BILL_FONT" ]]; then
  echo "setup: installing the DejaVu fonts from Debian (bills are printed in DejaVu Sans)"
  apt_install fonts-dejavu-core || true
  if [[ ! -f "$BILL_FONT" ]]; then
    echo "setup: the bill font $BILL_FONT is missing and could not be installed." >&2
    echo "setup: install Debian's fonts-dejavu-core, or set LK_BILL_FONT to a TrueType font with Cyrillic." >&2
    exit 1
  fi
fi

if [[ "${1:-}" == "--tests" ]] && [[ ! -x /usr/bin/chromium ]]; then
  echo "setup: installing Chromium from Debian"
  apt_install chromium
fi

# The browser tests put Debian's nginx, with deploy/nginx.conf, in front of the production build.
if [[ "${1:-}" == "--tests" ]] && [[ ! -x /usr/sbin/nginx ]]; then
  echo "setup: installing nginx from Debian"
  apt_install nginx
fi
