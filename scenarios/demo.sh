#!/usr/bin/env bash
# The demo exercise end to end (README's first command runs this through
# ./dev.sh demo): builds the VM templates the scenario uses, provisions two blue-team
# copies of scenarios/provincial-portal on qemu (TCG), runs a compressed
# exercise with the red, blue and white-cell bots while the live scoreboard
# shows on the terminal and the team portal serves https://127.0.0.1:8443/
# (DEMO_PORTAL), writes the after-action report, tears the range down and
# prints where the report is.
set -euo pipefail
cd "$(dirname "$0")/.."
LIVEFIRE=${1:?usage: scenarios/demo.sh PATH_TO_LIVEFIRE}
SCENARIO=${DEMO_SCENARIO:-scenarios/provincial-portal}
TEAMS=${DEMO_TEAMS:-2}
# 2 exercise hours in about 3 wall minutes.
SPEED=${DEMO_SPEED:-40}
OUT=${DEMO_OUT:-$PWD/reports}

echo "== livefire demo: $SCENARIO, $TEAMS blue teams, speed $SPEED"
# Every template the scenario's nodes use (debian: minutes on a cache miss).
for t in $(grep -o 'template *= *"[a-z0-9_-]*"' "$SCENARIO/scenario.lua" | cut -d'"' -f2 | sort -u); do
  bash vm-templates/build.sh "$t"
done

echo "== validating and planning"
"$LIVEFIRE" validate "$SCENARIO"
"$LIVEFIRE" plan "$SCENARIO" --teams "$TEAMS" | sed -n '1,40p'

echo "== provisioning the range (one isolated copy per blue team)"
up_out=$(mktemp)
up_err=$(mktemp)
id=""
cleanup() {
  local rc=$?
  # Interrupted during up: the id is only in up's first message.
  [[ -n $id ]] || id=$(sed -n 's/^exercise \(lf-[0-9a-f-]*\): .*/\1/p' "$up_err" | head -n 1)
  if [[ -n $id ]]; then
    echo "== tearing the range down"
    "$LIVEFIRE" down "$id" || true
  fi
  rm -f "$up_out" "$up_err"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
set +e
# Debian guests boot in minutes under TCG, more when many share few cores.
"$LIVEFIRE" up "$SCENARIO" --teams "$TEAMS" --timeout "${DEMO_TIMEOUT:-20m}" \
  2> >(tee "$up_err" >&2) | tee "$up_out"
up_rc=${PIPESTATUS[0]}
set -e
id=$(tail -n 1 "$up_out" | grep -x 'lf-[0-9a-f-]*' || true)
if [[ $up_rc -ne 0 ]]; then
  echo "demo: provisioning failed (exit $up_rc); see the messages above" >&2
  exit "$up_rc"
fi

# The team portal on loopback, with one blue account to log in as while it runs.
PORTAL=${DEMO_PORTAL:-127.0.0.1:8443}
cred=$(mktemp)
"$LIVEFIRE" accounts "$id" export blue1 -o "$cred" >/dev/null
echo "== team portal: https://$PORTAL/ (self-signed certificate; fingerprint below)"
echo "   log in as blue1, password $(jq -r .portal_password "$cred")"
rm -f "$cred"

echo "== running the exercise $id (Ctrl-C stops the engine; the range is torn down)"
"$LIVEFIRE" run "$id" --speed "$SPEED" --portal "$PORTAL"

echo "== after-action report"
mkdir -p "$OUT"
"$LIVEFIRE" report "$id" --html "$OUT/$id.html" --json "$OUT/$id.json"
"$LIVEFIRE" verify "$id"

echo
echo "demo finished. After-action report: $OUT/$id.html (data: $OUT/$id.json)"
echo "event log: ${LIVEFIRE_STATE_DIR:-/var/lib/livefire}/exercises/$id/events.db (kept after down)"
