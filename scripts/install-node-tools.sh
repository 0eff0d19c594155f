#!/usr/bin/env bash
# Node tools the tests need, pinned and installed into <repo>/.tools/node (git-ignored):
#   @stoplight/prism-cli 5.16.0 - mock server for the Twilio contract tests
#   (tests/integration/test_twilio_contract.py starts .tools/node/node_modules/.bin/prism).
# Reproducible: scripts/node-tools/package.json pins the version and package-lock.json pins the
# whole tree (npm ci). Idempotent: does nothing when that version is already installed.
# Install scripts are not run (--ignore-scripts) and Scarf's telemetry is off (SCARF_ANALYTICS=false).
set -euo pipefail
PRISM_VERSION=5.16.0
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/scripts/node-tools"
DEST="$ROOT/.tools/node"
export SCARF_ANALYTICS=false

installed_version() {
  local pkg="$DEST/node_modules/@stoplight/prism-cli/package.json"
  [ -f "$pkg" ] || return 0
  sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pkg" | head -n 1
}

if [ "$(installed_version)" = "$PRISM_VERSION" ] && [ -x "$DEST/node_modules/.bin/prism" ] \
   && cmp -s "$SRC/package-lock.json" "$DEST/package-lock.json"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "npm (and node) are missing, so Prism ${PRISM_VERSION} cannot be installed for the Twilio contract tests." >&2
  echo "Install them, e.g. as root:  apt-get install -y nodejs npm   then run $0 again." >&2
  exit 1
fi
grep -q "\"@stoplight/prism-cli\": \"${PRISM_VERSION}\"" "$SRC/package.json" \
  || { echo "scripts/node-tools/package.json does not pin @stoplight/prism-cli ${PRISM_VERSION}" >&2; exit 1; }

echo "Installing @stoplight/prism-cli@${PRISM_VERSION} into ${DEST}"
mkdir -p "$DEST"
cp "$SRC/package.json" "$DEST/package.json"
if [ -f "$SRC/package-lock.json" ]; then
  cp "$SRC/package-lock.json" "$DEST/package-lock.json"
  npm ci --prefix "$DEST" --no-audit --no-fund --ignore-scripts --loglevel=error
else
  # No lock file yet: resolve the tree once and keep the lock next to package.json (commit it).
  npm install --prefix "$DEST" --no-audit --no-fund --ignore-scripts --save-exact --loglevel=error "@stoplight/prism-cli@${PRISM_VERSION}"
  cp "$DEST/package-lock.json" "$SRC/package-lock.json"
  echo "Wrote scripts/node-tools/package-lock.json"
fi
[ "$(installed_version)" = "$PRISM_VERSION" ] || { echo "Prism ${PRISM_VERSION} did not install" >&2; exit 1; }
echo "Prism $("$DEST/node_modules/.bin/prism" --version) is at .tools/node/node_modules/.bin/prism"
