#!/usr/bin/env bash
# `npm test`: every test Detour has, in one command, on a fresh machine of this kind.
#   installs the npm packages when missing, lints and checks the formatting (a finding stops here),
#   sets up chromium, PostgreSQL and Redis (scripts/setup-services.sh), generates and builds,
#   type-checks, runs unit tests, storage tests on SQLite and on PostgreSQL, then the e2e suite.
# With CI=true, PostgreSQL and Redis are mandatory: they are started when down and their tests never skip.
set -uo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
REPORTS=.test-reports
rm -rf "$REPORTS" && mkdir -p "$REPORTS"
CI="${CI:-false}"

say() { printf '\n\033[1m[test] %s\033[0m\n' "$*"; }
die() { printf '\n[test] FAILED: %s\n' "$*" >&2; exit 1; }

# 1. npm packages (npm ci when node_modules is missing or older than the lock file)
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund || die "npm ci"
fi

# 2. lint and formatting (Biome, seconds): any finding fails before the slow steps
say "lint (npm run lint) and formatting (npm run format:check)"
npm run --silent lint || die "lint findings above: fix them (npm run lint shows them again)"
npm run --silent format:check || die "files above are not formatted: run npm run format"

# 3. Debian's chromium, PostgreSQL and Redis. Sourced: sets SERVICES_PG_UP (true|false) and
#    SERVICES_PG_WHY, exports DETOUR_TEST_PG_URL / DETOUR_TEST_REDIS_URL; fails in CI when one is missing.
. scripts/setup-services.sh || die "setting up the services (see above)"

# 4. generate the Prisma clients and build (the same step `npm start` runs)
say "generating Prisma clients and building"
node node_modules/tsx/dist/cli.mjs scripts/start.ts --prepare || die "generate/build"

say "type-checking"
npx tsc --noEmit || die "typecheck"

FAILED=0
# A suite that did not run is listed by the summary as "not run: <suite> (why)", not counted as skipped tests.
not_run() { printf '%s\n' "$2" >"$REPORTS/$1.not-run"; }
# After a run: no JSON report means the suite stopped before its tests ran.
reported() { [ -f "$REPORTS/$1.json" ] || { not_run "$1" "stopped before its tests ran: no report"; FAILED=1; }; }

say "unit tests"
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$REPORTS/unit.json" || FAILED=1
reported unit

say "storage tests on SQLite"
DETOUR_TEST_DB=sqlite npx vitest run --project storage --reporter=default --reporter=json --outputFile.json="$REPORTS/storage-sqlite.json" || FAILED=1
reported storage-sqlite

if [ "$SERVICES_PG_UP" = true ]; then
  say "storage tests on PostgreSQL"
  DETOUR_TEST_DB=postgresql npx vitest run --project storage --reporter=default --reporter=json --outputFile.json="$REPORTS/storage-postgresql.json" || FAILED=1
  reported storage-postgresql
else
  not_run storage-postgresql "$SERVICES_PG_WHY"
fi

say "gateway tests on SQLite (real HTTP: production build + mock upstream)"
DETOUR_TEST_DB=sqlite npx vitest run --project gateway --reporter=default --reporter=json --outputFile.json="$REPORTS/gateway-sqlite.json" || FAILED=1
reported gateway-sqlite

if [ "$SERVICES_PG_UP" = true ]; then
  say "gateway tests on PostgreSQL"
  DETOUR_TEST_DB=postgresql npx vitest run --project gateway --reporter=default --reporter=json --outputFile.json="$REPORTS/gateway-postgresql.json" || FAILED=1
  reported gateway-postgresql
else
  not_run gateway-postgresql "$SERVICES_PG_WHY"
fi

say "end-to-end tests in Chromium"
PLAYWRIGHT_JSON_OUTPUT_NAME="$REPORTS/e2e.json" npx playwright test --reporter=list,json,html || FAILED=1
reported e2e

node scripts/test-summary.mjs "$REPORTS" || FAILED=1
exit $FAILED
