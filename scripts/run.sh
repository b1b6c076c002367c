#!/usr/bin/env bash
# Run haoka locally: set up, build, migrate the local D1, start the upstream sandbox and
# `wrangler dev` (workerd) on 127.0.0.1, print the URL. Ctrl-C stops everything.
#   PORT=8787 SANDBOX_PORT=8788 SANDBOX_ADMIN=1 bash scripts/run.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${PORT:-8787}"
SANDBOX_PORT="${SANDBOX_PORT:-8788}"

bash scripts/setup.sh
bash scripts/build.sh

# Local secrets: with no .dev.vars, write random local-only values. The sandbox reads the same
# file, so the edge and the sandbox agree, and a mismatch shows up as the vendor's own error.
if [[ ! -f .dev.vars ]]; then
  say "writing .dev.vars with random local-only secrets (see .dev.vars.example for real vendors)"
  rnd() { python3 -c 'import secrets; print(secrets.token_hex(24))'; }
  umask 077
  cat > .dev.vars <<VARS
XINGGUANG_API_USER=haoka-local
XINGGUANG_API_KEY=$(rnd)
REALME_APP_TOKEN=$(rnd)
REALME_SIGN_KEY=$(rnd)
PHONE3_TOKEN=$(rnd)
CALLBACK_HMAC_KEY=$(rnd)
SESSION_KEY=$(rnd)
PII_KEYS=k1:$(rnd)
LOOKUP_KEY=$(rnd)
ADMIN_TOKEN=$(rnd)
AUDIT_KEY=$(rnd)
VARS
fi
# A .dev.vars from an earlier version lacks the newer keys: add them. One with the single
# PII_KEY of before keyrings keeps it (its rows stay readable: README, "Rotating the PII key").
rnd() { python3 -c 'import secrets; print(secrets.token_hex(24))'; }
for k in ADMIN_TOKEN AUDIT_KEY; do
  grep -q "^$k=" .dev.vars || echo "$k=$(rnd)" >> .dev.vars
done
if ! grep -qE '^PII_KEYS?=' .dev.vars; then
  echo "PII_KEYS=k1:$(rnd)" >> .dev.vars
fi
if grep -q '^PII_KEYS=' .dev.vars && ! grep -q '^LOOKUP_KEY=' .dev.vars; then
  echo "LOOKUP_KEY=$(rnd)" >> .dev.vars
fi

say "applying D1 migrations to the local database"
CI=true npx --no-install wrangler d1 migrations apply DB --local >/dev/null \
  || die "D1 migrations failed"

pids=()
cleanup() {
  trap - INT TERM EXIT
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  say "stopped"
}
trap cleanup INT TERM EXIT

say "building and starting the upstream sandbox on 127.0.0.1:$SANDBOX_PORT"
cargo build -q -p haoka-sandbox --release || die "sandbox build failed"
sandbox_args=(--port "$SANDBOX_PORT" --dev-vars .dev.vars)
[[ "${SANDBOX_ADMIN:-}" == 1 ]] && sandbox_args+=(--admin)
setsid target/release/haoka-sandbox "${sandbox_args[@]}" &
pids+=($!)

say "starting the worker (wrangler dev, workerd) on 127.0.0.1:$PORT"
setsid npx --no-install wrangler dev --ip 127.0.0.1 --port "$PORT" \
  --show-interactive-dev-session=false \
  --var "XINGGUANG_BASE_URL:http://127.0.0.1:$SANDBOX_PORT" \
  --var "REALME_BASE_URL:http://127.0.0.1:$SANDBOX_PORT/api/realme/" \
  --var "PHONE3_URL:http://127.0.0.1:$SANDBOX_PORT/tech/ai/celerity/universal" \
  --var "PUBLIC_BASE_URL:http://127.0.0.1:$PORT" &
pids+=($!)

# wrangler dev does not run Cron triggers (and, with [assets], cannot fire them on request:
# README, "How work outlives a request"): stand in for Cloudflare's scheduler and run the
# same reconciler pass once a minute through the operator endpoint.
admin_token=$(sed -n 's/^ADMIN_TOKEN=//p' .dev.vars)
(
  while sleep 60; do
    curl -fsS -X POST -H "Authorization: Bearer $admin_token" \
      "http://127.0.0.1:$PORT/api/admin/reconcile" >/dev/null 2>&1 || true
  done
) &
pids+=($!)

for _ in $(seq 1 150); do
  if curl -fsS "http://127.0.0.1:$PORT/api/health" >/dev/null 2>&1; then
    printf '\n  haoka is running:  \033[1mhttp://127.0.0.1:%s/\033[0m   (upstream sandbox: http://127.0.0.1:%s)\n  Press Ctrl-C to stop.\n\n' "$PORT" "$SANDBOX_PORT"
    break
  fi
  sleep 0.4
done
wait -n "${pids[@]}" || true
