#!/usr/bin/env bash
# What the tests need besides npm packages: Debian's chromium (for Playwright, which cannot download
# browsers here), PostgreSQL and Redis (each started when installed and down).
#
#   bash scripts/setup-services.sh [--no-chromium]   a developer's setup: says what it found and did
#   . scripts/setup-services.sh                      what scripts/test-all.sh does; then it reads:
#       SERVICES_PG_UP=true|false     PostgreSQL answers at DETOUR_TEST_PG_URL
#       SERVICES_REDIS_UP=true|false  Redis answers at DETOUR_TEST_REDIS_URL
#       SERVICES_PG_WHY / SERVICES_REDIS_WHY   why not, when false
#     and DETOUR_TEST_PG_URL / DETOUR_TEST_REDIS_URL are exported (defaults: the local servers).
#
# With CI=true, PostgreSQL and Redis are mandatory: either unreachable is an error (exit / return 1).
# Without CI they are optional: a WARNING, and the tests that need them do not run.
# Needs the npm packages (the PostgreSQL probe uses `pg`): run `npm ci` first.

export DETOUR_TEST_PG_URL="${DETOUR_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
export DETOUR_TEST_REDIS_URL="${DETOUR_TEST_REDIS_URL:-redis://127.0.0.1:6379}"

svc_say() { printf '\n\033[1m[services] %s\033[0m\n' "$*"; }
svc_fail() {
  printf '\n[services] FAILED: %s\n' "$*" >&2
  return 1
}

svc_pg_up() {
  node -e "const c=new (require('pg').Client)({connectionString:process.argv[1],connectionTimeoutMillis:3000});c.connect().then(()=>c.end()).then(()=>process.exit(0),()=>process.exit(1))" "$DETOUR_TEST_PG_URL"
}
svc_redis_up() {
  node -e "const u=new URL(process.argv[1]);const s=require('net').connect(Number(u.port||6379),u.hostname);s.on('connect',()=>s.write('PING\r\n'));s.on('data',d=>process.exit(String(d).startsWith('+PONG')?0:1));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),3000)" "$DETOUR_TEST_REDIS_URL"
}

# setup_services [--no-chromium]: returns 1 when something mandatory is missing.
setup_services() {
  local chromium=true ci="${CI:-false}"
  [ "${1:-}" = "--no-chromium" ] && chromium=false
  SERVICES_PG_UP=false SERVICES_REDIS_UP=false SERVICES_PG_WHY="" SERVICES_REDIS_WHY=""
  [ -d node_modules/pg ] || { svc_fail "npm packages are missing: run npm ci first"; return 1; }

  # Debian's chromium (playwright.config.ts launches /usr/bin/chromium)
  if [ "$chromium" = false ]; then
    svc_say "chromium: not checked (--no-chromium); the e2e tests need /usr/bin/chromium"
  elif [ -x /usr/bin/chromium ]; then
    svc_say "chromium: already installed (/usr/bin/chromium)"
  else
    svc_say "chromium: installing Debian's package"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null; } ||
      { svc_fail "apt-get install chromium"; return 1; }
    svc_say "chromium: installed (/usr/bin/chromium)"
  fi

  # PostgreSQL: start the first local cluster when it does not answer
  if svc_pg_up; then
    svc_say "PostgreSQL: already running at $DETOUR_TEST_PG_URL"
    SERVICES_PG_UP=true
  else
    if command -v pg_ctlcluster >/dev/null; then
      local version
      version="$(ls /etc/postgresql | head -1)"
      svc_say "PostgreSQL: starting cluster $version/main"
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
      for _ in $(seq 1 30); do svc_pg_up && break; sleep 1; done
    fi
    if svc_pg_up; then
      svc_say "PostgreSQL: started, answering at $DETOUR_TEST_PG_URL"
      SERVICES_PG_UP=true
    else
      SERVICES_PG_WHY="PostgreSQL unreachable at $DETOUR_TEST_PG_URL"
      [ "$ci" = "true" ] && { svc_fail "$SERVICES_PG_WHY (mandatory with CI=true)"; return 1; }
      svc_say "WARNING: $SERVICES_PG_WHY: its storage and gateway tests will not run (they are mandatory in CI)"
    fi
  fi

  # Redis (tests/multi: several instances sharing caches, limits and circuits through it)
  if svc_redis_up; then
    svc_say "Redis: already running at $DETOUR_TEST_REDIS_URL"
    SERVICES_REDIS_UP=true
  else
    if command -v redis-server >/dev/null; then
      svc_say "Redis: starting redis-server on 127.0.0.1:6379 (no persistence)"
      redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
      for _ in $(seq 1 10); do svc_redis_up && break; sleep 1; done
    fi
    if svc_redis_up; then
      svc_say "Redis: started, answering at $DETOUR_TEST_REDIS_URL"
      SERVICES_REDIS_UP=true
    else
      SERVICES_REDIS_WHY="Redis unreachable at $DETOUR_TEST_REDIS_URL"
      [ "$ci" = "true" ] && { svc_fail "$SERVICES_REDIS_WHY (mandatory with CI=true)"; return 1; }
      svc_say "WARNING: $SERVICES_REDIS_WHY: the multi-instance tests (tests/multi) are SKIPPED (they are mandatory in CI)"
    fi
  fi
  return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # Run on its own: from the repository root, and a closing line for the developer.
  set -uo pipefail
  cd "$(dirname "$0")/.." || exit 1
  setup_services "$@" || exit 1
  svc_say "services: PostgreSQL $([ "$SERVICES_PG_UP" = true ] && echo up || echo down), Redis $([ "$SERVICES_REDIS_UP" = true ] && echo up || echo down); the tests use DETOUR_TEST_PG_URL=$DETOUR_TEST_PG_URL DETOUR_TEST_REDIS_URL=$DETOUR_TEST_REDIS_URL"
  exit 0
fi
setup_services # sourced: the caller's own arguments are not ours
