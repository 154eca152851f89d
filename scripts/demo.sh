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
"$PY" manage.py load_prices
"$PY" manage.py seed_demo
"$PY" manage.py train_model --schedule

mkdir -p .demo
"$PY" manage.py qcluster > .demo/qcluster.log 2>&1 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  taxharvest is running at http://$HOST:$PORT/
  Sign in with one of the demo logins printed above (firm admin: http://$HOST:$PORT/admin/).
  A django-q2 worker runs beside it (log: .demo/qcluster.log). Press Ctrl-C to stop both.

MSG
"$PY" manage.py runserver "$HOST:$PORT"
