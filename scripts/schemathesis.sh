#!/usr/bin/env bash
# schemathesis against `teledesk serve` with docs/openapi.json, every check on (scripts/test runs
# this after the cargo tests; it builds what it runs: target/debug/teledesk and the Bot API double).
# The server talks to the Bot API double (examples/bot_api_double), is seeded with one of each
# resource (scripts/schemathesis-seed.py), and is fuzzed with a key whose rate limit nothing
# reaches; scripts/schemathesis.toml points each operation at the seeded resources.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${TELEDESK_VENV:-.venv}"
free_port() { "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The server and the standalone double (cargo test builds examples as tests, not as binaries).
cargo build --locked --quiet -p teledesk-cli --bin teledesk
cargo build --locked --quiet -p teledesk-e2e --example bot_api_double

st_dir=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$st_dir"; }
trap cleanup EXIT

double_port=$(free_port)
target/debug/examples/bot_api_double "$double_port" >"$st_dir/double.out" 2>target/schemathesis-double.log &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$st_dir/double.out" ] && break; sleep 0.1; done
read -r double_url bot_token <"$st_dir/double.out"

api_key=$(target/debug/teledesk --data-dir "$st_dir/data" api-keys create --scopes admin \
  --name schemathesis --rate-limit 1000000000 2>/dev/null)
st_port=$(free_port)
env -u TELEGRAM_BOT_TOKEN TELEGRAM_API_BASE="$double_url" TELEGRAM_PREVIEW_BASE="$double_url" \
  target/debug/teledesk --data-dir "$st_dir/data" serve --listen "127.0.0.1:$st_port" \
  >target/schemathesis-serve.log 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  if "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$st_port/healthz')" 2>/dev/null; then break; fi
  sleep 0.2
done

seed=$(TELEGRAM_API_BASE="$double_url" "$venv/bin/python" scripts/schemathesis-seed.py \
  target/debug/teledesk "$st_dir/data" "http://127.0.0.1:$st_port" "$api_key" "$bot_token")
echo "$seed"
set -a
eval "$seed"
# The run's own key must not be revoked by a generated DELETE (schemathesis_hooks.py).
SEED_KEY_ID=$(printf '%s' "$api_key" | cut -d_ -f2)
set +a
SCHEMATHESIS_HOOKS=scripts/schemathesis_hooks.py API_KEY="$api_key" "$venv/bin/st" --config-file scripts/schemathesis.toml run docs/openapi.json \
  --url "http://127.0.0.1:$st_port" --checks all --seed 1 "$@"
