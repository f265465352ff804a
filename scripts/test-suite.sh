#!/usr/bin/env bash
# `npm test`: everything the suite needs on a Debian/Ubuntu machine, then the suite.
#
#   1. the Debian packages the tests drive (real nginx, Apache, sshd, Postgres, Redis, pebble,
#      bind9, chromium…): installed when missing, as root or through sudo; otherwise the one
#      command to run is printed and nothing else happens;
#   2. Postgres on 127.0.0.1:5432 and Redis on 127.0.0.1:6379: started when they are down;
#   3. Node.js: a system Node older than 22 is replaced, for the suite only, by Node 24 from
#      the npm registry (scripts/fetch-node.sh);
#   4. the suite itself (`npm run test:suite`: lint, typecheck, unit and end-to-end tests).
#
#   scripts/test-suite.sh            set up, then run the suite
#   scripts/test-suite.sh --check    only report what is missing or down (exit 1 if anything is)
#   scripts/test-suite.sh --setup    set up, do not run the suite
set -euo pipefail
cd "$(dirname "$0")/.."

mode=run
case "${1:-}" in
  --check) mode=check ;;
  --setup) mode=setup ;;
  "") ;;
  *) echo "usage: npm test [-- --check | --setup]" >&2; exit 64 ;;
esac

# The real components the tests drive (docs/testing.md). Postgres and Redis come from Debian too
# so that a fresh machine needs nothing else.
APT_PACKAGES=(
  nginx apache2 openssh-server openssh-client systemd iproute2 sudo
  curl openssl wrk ansible chromium
  pebble bind9 bind9-utils bind9-dnsutils testssl.sh
  postgresql redis-server
)
# Debian starts these on install; the tests run their own instances on the same ports.
PACKAGED_DAEMONS=(nginx apache2 ssh named bind9)
# Below this major the app itself does not run (dependencies need >= 22.12); the suite then runs
# on the supported release.
MIN_NODE_MAJOR=22
SUITE_NODE_MAJOR=24

say() { printf '%s\n' "$*"; }
problems=0

# Root runs commands itself; anyone else through passwordless sudo, or not at all.
if [[ "$(id -u)" == 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  as_root=(sudo -n)
else
  as_root=(none)
fi

# The end-to-end tests make sshd test hosts in mount namespaces and bind privileged ports.
if [[ "$(id -u)" != 0 ]]; then
  if [[ $mode == run ]]; then
    say "The end-to-end tests run as root (test hosts are sshd instances in mount namespaces)." >&2
    say "Run:  sudo npm test      (or, to only install and start what they need: npm test -- --setup)" >&2
    exit 2
  fi
  if [[ $mode == check ]]; then
    say "user: not root (the suite runs as root: sudo npm test)"
    problems=1
  fi
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
postgres_up() { pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1; }
redis_up() { [[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == PONG ]]; }
# The Debian cluster on port 5432 (the newest one when none is configured for it).
postgres_version() {
  local v
  v="$(pg_lsclusters -h 2>/dev/null | awk '$3 == 5432 { print $1; exit }')"
  echo "${v:-$(ls "${PG_CLUSTER_CONF_ROOT:-/etc/postgresql}" | sort -V | tail -1)}"
}
node_major() { node -p 'process.versions.node.split(".")[0]'; }

# Waits for a condition (a service starting), giving up after a generous deadline.
wait_for() {
  local what="$1" check="$2" deadline=$((SECONDS + 60))
  until "$check"; do
    if ((SECONDS > deadline)); then
      say "$what did not come up within 60 s." >&2
      exit 1
    fi
    sleep 0.5
  done
}

# --- 1. packages ---------------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do installed "$pkg" || missing+=("$pkg"); done
fresh_postgres=false

if ((${#missing[@]} == 0)); then
  say "packages: all ${#APT_PACKAGES[@]} installed"
elif [[ $mode == check ]]; then
  say "packages: missing ${missing[*]}"
  problems=1
elif ! command -v apt-get >/dev/null 2>&1; then
  say "The test suite needs these Debian packages, which are not installed: ${missing[*]}" >&2
  say "This script installs them with apt-get (Debian, Ubuntu); on this system install their" >&2
  say "equivalents by hand, then run npm test again." >&2
  exit 2
elif [[ ${as_root[0]:-} == none ]]; then
  say "The test suite needs these Debian packages, which are not installed: ${missing[*]}" >&2
  say "Installing them needs root. Run this once, then npm test again:" >&2
  say "" >&2
  say "  sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends ${missing[*]}'" >&2
  exit 2
else
  say "packages: installing ${missing[*]}"
  if [[ " ${missing[*]} " == *" postgresql "* ]]; then fresh_postgres=true; fi
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  for svc in "${PACKAGED_DAEMONS[@]}"; do
    ("${as_root[@]}" service "$svc" stop || true) >/dev/null 2>&1
  done
fi

# --- 2. Postgres and Redis -----------------------------------------------------------------
if [[ $fresh_postgres == true ]]; then
  # A cluster this run just created (PG_CLUSTER_CONF_ROOT is postgresql-common's own setting for
  # where clusters are configured): the tests connect as postgres without a password
  # (docs/testing.md), so loopback connections are trusted. An existing cluster is left alone.
  for hba in "${PG_CLUSTER_CONF_ROOT:-/etc/postgresql}"/*/main/pg_hba.conf; do
    "${as_root[@]}" sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  done
fi

if postgres_up; then
  say "postgres: up on 127.0.0.1:5432"
  if [[ $fresh_postgres == true ]]; then
    "${as_root[@]}" pg_ctlcluster --skip-systemctl-redirect "$(postgres_version)" main reload
  fi
elif [[ $mode == check ]]; then
  say "postgres: down (npm test starts it)"
  problems=1
elif [[ ${as_root[0]:-} == none ]]; then
  say "Postgres is not running on 127.0.0.1:5432 and starting it needs root:" >&2
  say "  sudo pg_ctlcluster <version> main start" >&2
  exit 2
else
  say "postgres: starting cluster $(postgres_version)/main"
  "${as_root[@]}" pg_ctlcluster --skip-systemctl-redirect "$(postgres_version)" main start
  wait_for Postgres postgres_up
fi

if redis_up; then
  say "redis: up on 127.0.0.1:6379"
elif [[ $mode == check ]]; then
  say "redis: down (npm test starts it)"
  problems=1
else
  say "redis: starting on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  wait_for Redis redis_up
fi

# --- 3. Node.js ----------------------------------------------------------------------------
system_node="$(node -v)"
if (($(node_major) >= MIN_NODE_MAJOR)); then
  say "node: $system_node"
elif [[ $mode == check ]]; then
  say "node: $system_node is too old; the suite runs on Node $SUITE_NODE_MAJOR from the npm registry"
else
  node_bin="$(scripts/fetch-node.sh "$SUITE_NODE_MAJOR")"
  export PATH="$node_bin:$PATH"
  say "node: $system_node is too old; using $(node -v) from $node_bin"
fi

# --- 4. the suite --------------------------------------------------------------------------
case $mode in
  check) exit "$problems" ;;
  setup) exit 0 ;;
esac
exec npm run test:suite
