#!/usr/bin/env bash
# The browser test: a fresh database on the test cluster, the demo territory loaded through the
# real CLI, a real `tessera serve` on a free loopback port serving the built web client, then
# a browser script (run.mjs by default) driving Debian's Chromium.
# Usage: with_server.sh TESSERA_BINARY WORK_DIR [SCRIPT]
set -euo pipefail
T=$1
WORK=$2
SCRIPT=${3:-run.mjs}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
: "${TESSERA_TEST_DATABASE_URL:?run the tests with deploy/tessera test (it starts the private PostgreSQL cluster)}"
[[ -f $ROOT/client-web/dist/index.html ]] || { echo "the web client is not built (client-web/dist)"; exit 1; }

DB=tessera_browser_$$
URL="${TESSERA_TEST_DATABASE_URL/dbname=postgres/dbname=$DB}"
rm -rf "$WORK"
mkdir -p "$WORK"
PID=""
cleanup() {
  [[ -n $PID ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  [[ -n ${TESSERA_KEEP_DB:-} ]] || psql -X -q "$TESSERA_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
psql -X -q "$TESSERA_TEST_DATABASE_URL" -c "CREATE DATABASE $DB" >/dev/null

"$T" demo generate --out "$WORK/demo" --seed 7 >"$WORK/demo.log"
"$T" project create demo --database-url "$URL" \
  --imagery '{"kind": "demo", "url": "/imagery/{key}.png", "resolution_m": 2}' >/dev/null
"$T" ingest vector "$WORK/demo/prediction.gpkg" --database-url "$URL" >"$WORK/ingest.log"
echo "browser-test-password" | "$T" user add lea --role contributor --password-stdin --database-url "$URL" >/dev/null
if [[ $SCRIPT == review.mjs || $SCRIPT == dashboard.mjs ]]; then # the review needs a controller and a lead too
  echo "browser-test-password" | "$T" user add marc --role controller --password-stdin --database-url "$URL" >/dev/null
  echo "browser-test-password" | "$T" user add sophie --role lead --password-stdin --database-url "$URL" >/dev/null
  export TESSERA_CONTROLLER=marc TESSERA_LEAD=sophie
fi
if [[ $SCRIPT == dashboard.mjs ]]; then # zones to pick on the dashboard (nobody assigned: nothing else changes)
  "$T" zone define nord --tiles 0866_6829,0867_6829,0868_6829,0869_6829,0870_6829,0866_6830,0867_6830,0868_6830,0869_6830,0870_6830 \
    --database-url "$URL" >/dev/null
  "$T" zone define sud-ouest --tiles 0866_6826,0866_6827,0867_6826,0867_6827 --database-url "$URL" >/dev/null
  export TESSERA_ZONE=nord
fi

"$T" serve --database-url "$URL" --port 0 --listen-address 127.0.0.1 --static-dir "$ROOT/client-web/dist" \
  --imagery-dir "$WORK/demo/imagery" >"$WORK/server.out" 2>"$WORK/server.log" &
PID=$!
for _ in $(seq 300); do
  grep -q 'listening on' "$WORK/server.out" 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.1
done
PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/server.out")
[[ -n $PORT ]] || { echo "the server did not start"; cat "$WORK/server.log"; exit 1; }

export TESSERA_URL=http://127.0.0.1:$PORT TESSERA_USER=lea TESSERA_PASSWORD=browser-test-password
export TESSERA_SCREENSHOT_DIR=$WORK/screenshots
rc=0
node "$HERE/$SCRIPT" || rc=$?
echo "screenshots: $TESSERA_SCREENSHOT_DIR"
kill -0 "$PID" 2>/dev/null || { echo "the server died during the test"; cat "$WORK/server.log"; rc=1; }
exit $rc
