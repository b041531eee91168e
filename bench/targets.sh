#!/usr/bin/env bash
# Every figure of docs/performance.md's table, side by side in one run, in the table's
# order: SQLite first, then the same measure with the hub's log on PostgreSQL.
#
#     bash bench/targets.sh [DIR]   # DIR keeps the 1,000,000-event hubs for later runs
#
# The TUI measures need a hub of 1,000,000 events: the first run fills them through the
# API (a few minutes each, SQLite and PostgreSQL) into DIR/sqlite and DIR/postgresql, and
# later runs reuse them, and the first TUI script on each waits for the hub's first backlog
# snapshot (1-3 minutes). Each script prints its own figures, peers and load average.
set -euo pipefail
cd "$(dirname "$0")/.."
keep="${1:-${TMPDIR:-/tmp}/notifycenter-bench}"
python=.venv/bin/python
mkdir -p "$keep"

run() {
    echo
    echo "=== $* ($(date -u '+%Y-%m-%d %H:%M:%S UTC'))"
    "$python" "$@"
}

run bench/ingest_vs_alertmanager.py
run bench/ingest_vs_alertmanager.py --backend postgresql --profile-seconds 0
run bench/hub_ingest.py
run bench/hub_stream.py --subscribers 200 --rate 1000 --seconds 10
run bench/hub_stream.py --subscribers 200 --rate 1000 --seconds 10 --backend postgresql
run bench/hub_stream.py --subscribers 200 --rate 1000 --seconds 10 --batch 10
run bench/hub_stream.py --subscribers 100 --rate 200 --seconds 10
run bench/hub_replay_client.py --events 100000
run bench/hub_replay_client.py --events 100000 --backend postgresql
run bench/hub_query.py --events 1000000
run bench/hub_query.py --events 1000000 --backend postgresql
for backend in sqlite postgresql; do
    data="$keep/$backend"
    # The backlog from the hub's snapshot (the default), then page by page (--no-snapshots).
    run bench/tui_startup.py --events 1000000 --data "$data" --backend "$backend" --wait 120
    run bench/tui_startup.py --events 1000000 --data "$data" --backend "$backend" --wait 200 \
        --backlog pages
    run bench/tui_keys.py --events 1000000 --data "$data" --backend "$backend" --keys 100
    run bench/tui_keys.py --events 1000000 --data "$data" --backend "$backend" --keys 100 \
        --backlog pages
    run bench/tui_views.py --events 1000000 --data "$data" --backend "$backend" --settle 200
done
run bench/hub_read_all.py --data "$keep/sqlite"  # the hub's own floor under the whole backlog
run bench/filters.py --repeat 7
run bench/pg_replicas.py
