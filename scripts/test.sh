#!/usr/bin/env bash
# The whole test suite: server unit + integration tests (jest, real PostgreSQL + real S3) and the console's
# unit tests. Works on a fresh clone: installs Node 24 when the machine lacks it (scripts/node.sh) and npm
# packages when missing; the integration harness starts the local S3 server itself (see libs/testing).
# Everything below, and every process the tests spawn (process.execPath), runs on that Node.
# Extra arguments go to jest (e.g. a path filter).
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/node.sh
ensure_node_modules
echo "node $(node --version)"
mkdir -p .tmp
rm -f .tmp/jest-results.json .tmp/vitest-results.json
npm run --silent build:server

status=0
reports=(.tmp/jest-results.json)
node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js \
  --ci --json --outputFile=.tmp/jest-results.json "$@" || status=$?

# A filtered run (arguments for jest) leaves the console's tests out.
if [[ $# -eq 0 ]]; then
  reports+=(.tmp/vitest-results.json)
  npx ng test admin --watch=false --reporters=json --reporters=default --output-file=.tmp/vitest-results.json ||
    status=$?
fi

# One closing line with the totals of every runner, in the plain "N passed, N failed" form.
node scripts/test-summary.mjs "${reports[@]}"
exit "$status"
