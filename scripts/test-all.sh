#!/usr/bin/env bash
# `npm test`: every test Detour has, in one command, on a fresh machine of this kind.
#   installs what is missing (npm packages, Debian's chromium), generates and builds,
#   type-checks, runs unit tests, storage tests on SQLite and on PostgreSQL, then the e2e suite.
# With CI=true, PostgreSQL and Redis are mandatory: they are started when down and their tests never skip.
set -uo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
REPORTS=.test-reports
rm -rf "$REPORTS" && mkdir -p "$REPORTS"
PG_URL="${DETOUR_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
export DETOUR_TEST_PG_URL="$PG_URL"
REDIS_URL_TEST="${DETOUR_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
export DETOUR_TEST_REDIS_URL="$REDIS_URL_TEST"
CI="${CI:-false}"

say() { printf '\n\033[1m[test] %s\033[0m\n' "$*"; }
die() { printf '\n[test] FAILED: %s\n' "$*" >&2; exit 1; }

# 1. npm packages (npm ci when node_modules is missing or older than the lock file)
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund || die "npm ci"
fi

# 2. Debian's chromium for Playwright (it cannot download browsers here)
if [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's chromium"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null || die "apt-get install chromium"
fi

# 3. PostgreSQL: start it when down; mandatory in CI
pg_up() { node -e "const c=new (require('pg').Client)({connectionString:process.argv[1],connectionTimeoutMillis:3000});c.connect().then(()=>c.end()).then(()=>process.exit(0),()=>process.exit(1))" "$PG_URL"; }
RUN_PG=true
if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null; then
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
  if ! pg_up; then
    [ "$CI" = "true" ] && die "PostgreSQL is not reachable at $PG_URL (mandatory with CI=true)"
    say "WARNING: PostgreSQL unreachable at $PG_URL: its storage tests are SKIPPED (they are mandatory in CI)"
    RUN_PG=false
  fi
fi

# 3b. Redis (tests/multi: several instances with cross-instance cache invalidation): start it when down; mandatory in CI
redis_up() { node -e "const u=new URL(process.argv[1]);const s=require('net').connect(Number(u.port||6379),u.hostname);s.on('connect',()=>s.write('PING\r\n'));s.on('data',d=>process.exit(String(d).startsWith('+PONG')?0:1));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),3000)" "$REDIS_URL_TEST"; }
if ! redis_up; then
  if command -v redis-server >/dev/null; then
    say "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
    for _ in $(seq 1 10); do redis_up && break; sleep 1; done
  fi
  if ! redis_up; then
    [ "$CI" = "true" ] && die "Redis is not reachable at $REDIS_URL_TEST (mandatory with CI=true)"
    say "WARNING: Redis unreachable at $REDIS_URL_TEST: the multi-instance tests (tests/multi) are SKIPPED (they are mandatory in CI)"
  fi
fi

# 4. generate the Prisma clients and build (the same step `npm start` runs)
say "generating Prisma clients and building"
node node_modules/tsx/dist/cli.mjs scripts/start.ts --prepare || die "generate/build"

say "type-checking"
npx tsc --noEmit || die "typecheck"

FAILED=0
say "unit tests"
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$REPORTS/unit.json" || FAILED=1

say "storage tests on SQLite"
DETOUR_TEST_DB=sqlite npx vitest run --project storage --reporter=default --reporter=json --outputFile.json="$REPORTS/storage-sqlite.json" || FAILED=1

if [ "$RUN_PG" = true ]; then
  say "storage tests on PostgreSQL"
  DETOUR_TEST_DB=postgresql npx vitest run --project storage --reporter=default --reporter=json --outputFile.json="$REPORTS/storage-postgresql.json" || FAILED=1
fi

say "gateway tests on SQLite (real HTTP: production build + mock upstream)"
DETOUR_TEST_DB=sqlite npx vitest run --project gateway --reporter=default --reporter=json --outputFile.json="$REPORTS/gateway-sqlite.json" || FAILED=1

if [ "$RUN_PG" = true ]; then
  say "gateway tests on PostgreSQL"
  DETOUR_TEST_DB=postgresql npx vitest run --project gateway --reporter=default --reporter=json --outputFile.json="$REPORTS/gateway-postgresql.json" || FAILED=1
fi

say "end-to-end tests in Chromium"
PLAYWRIGHT_JSON_OUTPUT_NAME="$REPORTS/e2e.json" npx playwright test --reporter=list,json,html || FAILED=1

node scripts/test-summary.mjs "$REPORTS" || FAILED=1
exit $FAILED
