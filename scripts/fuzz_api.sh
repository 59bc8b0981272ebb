#!/usr/bin/env bash
# Fuzz the API with schemathesis: Airflow 2's own spec against /airflow/api/v1, and both of
# our published OpenAPI documents against their dialects. Fails on any 5xx (the
# `not_a_server_error` check) and, over our own documents, on any answer that does not match
# the document (`response_schema_conformance`; not over Airflow's spec, which describes a few
# shapes Airflow itself does not send: see tests/api/test_openapi_honest.py). Bounded: a fixed
# seed and a few examples per operation, so a run takes a few minutes and finds the same cases every time. Run by .ci/run; by hand:
#   bash scripts/fuzz_api.sh            (FUZZ_EXAMPLES=50 for a longer run)
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
examples=${FUZZ_EXAMPLES:-5}
seed=${FUZZ_SEED:-42}

# schemathesis pins its own hypothesis/jsonschema: a venv of its own, not the project's.
[ -x .fuzz-venv/bin/schemathesis ] || {
  python3 -m venv .fuzz-venv && .fuzz-venv/bin/pip install -q 'schemathesis>=4.32,<5'
}

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
user=fuzz-admin pass=fuzz-pass-$RANDOM$RANDOM
mkdir -p "$work/dags" && cp docs/examples/*.py "$work/dags/"
CROSSWIND_HOME=$work CROSSWIND_DATABASE_URL="sqlite:///$work/crosswind.db" \
  CROSSWIND_ADMIN_USERNAME=$user CROSSWIND_ADMIN_PASSWORD=$pass \
  setsid "$top/.venv/bin/crosswind" standalone --port "$port" >"$work/server.log" 2>&1 &
server=$!
# The server runs in a session of its own (setsid): on SIGTERM it stops its own process
# group, which must not be this script's (and CI's).
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
base=http://127.0.0.1:$port
for _ in $(seq 1 120); do
  curl -sf "$base/api/v1/health" >/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.5
done

status=0
fuzz() {  # schema url [checks]
  echo "fuzz: $1 against $2"
  "$top/.fuzz-venv/bin/schemathesis" run "$1" --url "$2" -a "$user:$pass" \
    --checks "${3:-not_a_server_error}" --max-examples "$examples" --seed "$seed" -w 2 \
    --phases examples,coverage,fuzzing --no-color --warnings off \
    --request-timeout 30 --generation-database none 2>&1 | tail -n 25 || status=1
}
spec="$top/../shared/reference/airflow-stable-v1.yaml"
if [ -f "$spec" ]; then fuzz "$spec" "$base/airflow/api/v1"; else echo "fuzz: $spec not found; Airflow's spec skipped"; fi
ours=not_a_server_error,response_schema_conformance
fuzz "$base/api/v1/openapi.json" "$base/api/v1" $ours
fuzz "$base/airflow/api/v1/openapi.json" "$base/airflow/api/v1" $ours
if grep -q "Traceback" "$work/server.log"; then
  echo "fuzz: the server logged a traceback:"; grep -B2 -A30 Traceback "$work/server.log" | head -80
  status=1
fi
exit $status
