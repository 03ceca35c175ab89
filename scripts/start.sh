#!/usr/bin/env bash
# The embedded default: API + Runner + console on this machine, with an embedded PostgreSQL and the fs
# bundle store under .data/ — no external service. Installs and builds what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."

[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm run --silent build:server
# The console build takes a while: redo it only when its sources changed since the last build.
if [[ ! -f dist/admin/browser/index.html ]] ||
  [[ -n $(find apps/admin angular.json -newer dist/admin/browser/index.html -type f -print -quit) ]]; then
  npm run --silent build:admin
fi
exec node scripts/embedded.mjs
