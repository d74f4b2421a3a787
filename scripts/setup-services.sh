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

# Start commands: 1 when the server is not installed here (then nothing is waited for).
svc_start_pg() { # the first local cluster
  command -v pg_ctlcluster >/dev/null || return 1
  local version
  version="$(ls /etc/postgresql | head -1)"
  svc_say "PostgreSQL: starting cluster $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
}
svc_start_redis() {
  command -v redis-server >/dev/null || return 1
  svc_say "Redis: starting redis-server on 127.0.0.1:6379 (no persistence)"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
}

# svc_ensure <name> <url> <probe> <start> <seconds to wait> <what does not run without it>
# Says what it found or did and sets SVC_UP (true|false) and SVC_WHY; 1 when it is missing with CI=true.
svc_ensure() {
  local name=$1 url=$2 probe=$3 start=$4 wait=$5 consequence=$6
  SVC_UP=false SVC_WHY=""
  if $probe; then
    svc_say "$name: already running at $url"
    SVC_UP=true
    return 0
  fi
  if $start; then
    for _ in $(seq 1 "$wait"); do $probe && break; sleep 1; done
  fi
  if $probe; then
    svc_say "$name: started, answering at $url"
    SVC_UP=true
    return 0
  fi
  SVC_WHY="$name unreachable at $url"
  [ "${CI:-false}" = "true" ] && { svc_fail "$SVC_WHY (mandatory with CI=true)"; return 1; }
  svc_say "WARNING: $SVC_WHY: $consequence (they are mandatory in CI)"
}

# setup_services [--no-chromium]: returns 1 when something mandatory is missing.
setup_services() {
  local chromium=true
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

  svc_ensure PostgreSQL "$DETOUR_TEST_PG_URL" svc_pg_up svc_start_pg 30 "its storage and gateway tests will not run" || return 1
  SERVICES_PG_UP=$SVC_UP SERVICES_PG_WHY=$SVC_WHY
  # Redis: tests/multi, several instances sharing caches, limits and circuits through it
  svc_ensure Redis "$DETOUR_TEST_REDIS_URL" svc_redis_up svc_start_redis 10 "the multi-instance tests (tests/multi) are SKIPPED" || return 1
  SERVICES_REDIS_UP=$SVC_UP SERVICES_REDIS_WHY=$SVC_WHY
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
