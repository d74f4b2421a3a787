#!/usr/bin/env bash
# `npm test`: every test Detour has, in one command, on a fresh machine of this kind.
#   installs the npm packages when missing, lints and checks the formatting (a finding stops here),
#   sets up chromium, PostgreSQL and Redis (scripts/setup-services.sh), generates and builds,
#   type-checks, then runs unit tests, storage and gateway tests on SQLite and on PostgreSQL, and the
#   e2e suite, in two lanes at once (see below).
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

# The suites run in two lanes at once (the machine has two cores and each suite runs one file at a
# time): lane A the unit tests, both storage suites, the gateway tests on SQLite and against the
# gateway-only role; lane B the
# gateway tests on PostgreSQL and then the end-to-end tests. They share nothing: each test file makes
# its own database (a temp SQLite file or a new PostgreSQL database), Redis key prefix, ports and
# temp dirs. Each lane's output goes to its log, printed whole when the lane ends.
# A suite's run: its name, then the command (its exit code recorded; the report checked).
run_suite() {
  local name="$1"
  shift
  printf '\n\033[1m[test] %s\033[0m\n' "$name"
  "$@" || echo 1 >"$REPORTS/$name.failed"
  [ -f "$REPORTS/$name.json" ] || { not_run "$name" "stopped before its tests ran: no report"; echo 1 >"$REPORTS/$name.failed"; }
}
vitest_suite() {
  local name="$1" project="$2"
  shift 2
  run_suite "$name" env "$@" npx vitest run --project "$project" --reporter=default --reporter=json --outputFile.json="$REPORTS/$name.json"
}

lane_a() {
  vitest_suite unit unit
  vitest_suite storage-sqlite storage DETOUR_TEST_DB=sqlite
  if [ "$SERVICES_PG_UP" = true ]; then
    vitest_suite storage-postgresql storage DETOUR_TEST_DB=postgresql
  else
    not_run storage-postgresql "$SERVICES_PG_WHY"
  fi
  vitest_suite gateway-sqlite gateway DETOUR_TEST_DB=sqlite
  # The gateway-only role (DETOUR_ROLE=gateway: no Next.js, its own build of the engine) through a
  # cross-section of the gateway tests; tests/multi/gateway-role.test.ts runs it beside a default instance.
  run_suite gateway-role env DETOUR_TEST_DB=sqlite DETOUR_TEST_ROLE=gateway npx vitest run --project gateway \
    --reporter=default --reporter=json --outputFile.json="$REPORTS/gateway-role.json" "${GATEWAY_ROLE_FILES[@]}"
}

# The gateway tests that also run against the gateway-only role (lane A, after the SQLite suite).
GATEWAY_ROLE_FILES=(
  tests/gateway/server.test.ts tests/gateway/routing.test.ts tests/gateway/streaming.test.ts
  tests/gateway/seed-fallback.test.ts tests/gateway/log-durability.test.ts tests/gateway/responses.test.ts
  tests/gateway/anthropic-messages.test.ts tests/gateway/hedge.test.ts
  tests/gateway/bad-input.test.ts tests/gateway/abuse-client.test.ts tests/gateway/upstream-destinations.test.ts
  tests/gateway/otel-traces.test.ts
)

lane_b() {
  if [ "$SERVICES_PG_UP" = true ]; then
    vitest_suite gateway-postgresql gateway DETOUR_TEST_DB=postgresql
  else
    not_run gateway-postgresql "$SERVICES_PG_WHY"
  fi
  run_suite e2e env PLAYWRIGHT_JSON_OUTPUT_NAME="$REPORTS/e2e.json" npx playwright test --reporter=list,json,html
}

say "tests, in two lanes at once (A: unit, storage, gateway on SQLite and its gateway-only role; B: gateway on PostgreSQL, end-to-end)"
started=$SECONDS
lane_a >"$REPORTS/lane-a.log" 2>&1 &
pid_a=$!
lane_b >"$REPORTS/lane-b.log" 2>&1 &
pid_b=$!
# While they run: a line a minute, so a long CI run shows it is alive.
while kill -0 "$pid_a" 2>/dev/null || kill -0 "$pid_b" 2>/dev/null; do
  sleep 5
  if (((SECONDS - started) % 60 < 5)); then
    printf '[test] %d min: lane A %s, lane B %s\n' $(((SECONDS - started) / 60)) \
      "$(kill -0 "$pid_a" 2>/dev/null && echo running || echo done)" "$(kill -0 "$pid_b" 2>/dev/null && echo running || echo done)"
  fi
done
wait "$pid_a" "$pid_b"
for lane in a b; do
  say "lane ${lane^^} output"
  cat "$REPORTS/lane-$lane.log"
done
ls "$REPORTS"/*.failed >/dev/null 2>&1 && FAILED=1

node scripts/test-summary.mjs "$REPORTS" || FAILED=1
exit $FAILED
