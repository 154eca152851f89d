#!/usr/bin/env bash
# Start the whole product on the embedded default (SQLite, django-q2's ORM broker, paper broker,
# replay feed) with the demo book: migrate, load prices, seed, then a worker and the web server.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBUG="${DEBUG:-1}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
PY=.venv/bin/python

"$PY" manage.py migrate --noinput -v 0
# With DEBUG off, WhiteNoise serves the static files from STATIC_ROOT (hashed names): gather them first.
case "${DEBUG,,}" in 1|true|yes|on) ;; *) "$PY" manage.py collectstatic --noinput -v 0 ;; esac
"$PY" manage.py load_prices
"$PY" manage.py seed_demo
"$PY" manage.py train_model --schedule

mkdir -p .demo
# In its own process group, so that stopping the demo stops every worker process it forked.
setsid "$PY" manage.py qcluster > .demo/qcluster.log 2>&1 &
worker=$!
# The replay feed plays December 2022 (after the demo book's last trade) as a live market: one trading day
# per FEED_SPEED seconds, with simulated intraday ticks between the real closes; monitoring rescans as it moves.
"$PY" manage.py run_feed --provider replay --from "${FEED_FROM:-2022-12-01}" --speed "${FEED_SPEED:-60}" \
  --intraday "${FEED_INTRADAY:-26}" --seed 2022 > .demo/feed.log 2>&1 &
feed=$!
stop() {
  kill "$feed" 2>/dev/null || true
  kill -TERM -- "-$worker" 2>/dev/null || true
  # django-q2 can linger after "stopping": give it ten seconds, then end the group.
  for _ in $(seq 1 20); do kill -0 "$worker" 2>/dev/null || return 0; sleep 0.5; done
  kill -KILL -- "-$worker" 2>/dev/null || true
}
trap stop EXIT INT TERM

cat <<MSG

  taxharvest is running at http://$HOST:$PORT/
  Sign in with one of the demo logins printed above (firm admin: http://$HOST:$PORT/admin/).
  A django-q2 worker (log: .demo/qcluster.log) and the replay feed (log: .demo/feed.log; see
  http://$HOST:$PORT/market/feed/) run beside it. Press Ctrl-C to stop them all.

MSG
"$PY" manage.py runserver "$HOST:$PORT"
