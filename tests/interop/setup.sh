#!/usr/bin/env bash
# setup.sh — installs the pinned npm packages of the interop tests (skipped when already in place).
set -euo pipefail
cd "$(dirname "$0")"
stamp="node_modules/.lock.sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
