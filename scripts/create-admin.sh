#!/usr/bin/env bash
# Create the agent console's first admin — once; afterwards admins create the other accounts
# in the console. There is no default account and no default password anywhere.
#
#   bash scripts/create-admin.sh USERNAME "显示名" [BASE_URL]
#
# BASE_URL defaults to the local run (http://127.0.0.1:8787, `bash scripts/run.sh`); for a
# deployment pass its https:// origin. The operator token comes from $ADMIN_TOKEN, else from
# .dev.vars (the local run writes one). The password is read twice from the terminal (or two
# lines of stdin), never from the command line or the environment, and sent once over the
# request to POST /api/console/bootstrap, which hashes it at the edge (PBKDF2-SHA256) and
# refuses it if a working admin exists already, or if the password is under 12 characters or
# a common one.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() { echo "usage: bash scripts/create-admin.sh USERNAME DISPLAY_NAME [BASE_URL]" >&2; exit 2; }
[[ $# -ge 2 && $# -le 3 ]] || usage
username="$1"
display="$2"
base="${3:-http://127.0.0.1:8787}"
token="${ADMIN_TOKEN:-}"
if [[ -z "$token" && -f "$ROOT/.dev.vars" ]]; then
  token="$(sed -n 's/^ADMIN_TOKEN *= *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' "$ROOT/.dev.vars" | head -n1)"
fi
[[ -n "$token" ]] || { echo "no operator token: set ADMIN_TOKEN (the Worker secret)" >&2; exit 2; }

prompt() {
  local value
  if [[ -t 0 ]]; then
    read -r -s -p "$1" value; echo >&2
  else
    IFS= read -r value || true
  fi
  printf '%s' "$value"
}
password="$(prompt "password for $username (12–128 characters): ")"
again="$(prompt "the same again: ")"
[[ "$password" == "$again" ]] || { echo "the two passwords differ; nothing was created" >&2; exit 1; }

body="$(USERNAME="$username" DISPLAY="$display" PASSWORD="$password" python3 -c '
import json, os
print(json.dumps({"username": os.environ["USERNAME"], "display_name": os.environ["DISPLAY"],
                  "password": os.environ["PASSWORD"]}))')"
reply="$(mktemp)"
trap 'rm -f "$reply"' EXIT
status="$(printf '%s' "$body" | curl -sS -o "$reply" -w '%{http_code}' -X POST \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data-binary @- \
  "$base/api/console/bootstrap")"
if [[ "$status" == "201" ]]; then
  echo "admin $username created at $base"
else
  echo "refused (HTTP $status): $(cat "$reply")" >&2
  exit 1
fi
