#!/usr/bin/env bash
# Check-in benchmark of `twitchwatch serve` on SQLite and PostgreSQL with wrk on loopback.
#   bench/service/run.sh [run.py options]    e.g. --seconds 20 --connections 8 --backends sqlite
# Builds the release binary, starts a throwaway PostgreSQL cluster (scripts/pg-test-server) and
# prints a Markdown table: check-ins/s, p50/p90/p99 latency, errors, and how many of the 201
# answers the database holds afterwards. See docs/performance-service.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target twitchwatch >/dev/null

state=$(mktemp -d "${TMPDIR:-/tmp}/twitchwatch-bench-pg.XXXXXX")
trap 'scripts/pg-test-server stop "$state"; rmdir "$state" 2>/dev/null || true' EXIT
pg_url=$(scripts/pg-test-server start "$state")
python3 bench/service/run.py --pg-url "$pg_url" "$@"
