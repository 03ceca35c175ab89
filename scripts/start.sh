#!/usr/bin/env bash
# The embedded default: API + Runner + console on this machine, with an embedded PostgreSQL and the fs
# bundle store under .data/ — no external service. Installs Node 24 (scripts/node.sh) and builds what is
# missing first; the API, the Runner and PostgreSQL are spawned by scripts/embedded.mjs under the same Node.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/node.sh
ensure_node_modules
npm run --silent build:server
# The console build takes a while: redo it only when its sources changed since the last build.
if [[ ! -f dist/admin/browser/index.html ]] ||
  [[ -n $(find apps/admin angular.json -newer dist/admin/browser/index.html -type f -print -quit) ]]; then
  npm run --silent build:admin
fi
exec node scripts/embedded.mjs
