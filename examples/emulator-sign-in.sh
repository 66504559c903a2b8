#!/usr/bin/env bash
# Rehearse a CI job against the local ARM emulator, signed in for real as a service principal through
# azure-identity (the same environment variables a pipeline sets for Azure), with no Azure account.
# The emulator's principals, client ids and secrets are in its ready line (README: "The seeded world").
set -euo pipefail
work=$(mktemp -d)
amlevents emulator serve --cert-dir "$work/certs" > "$work/ready.json" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 300); do [ -s "$work/ready.json" ] && break; sleep 0.1; done   # the ready line, 30 s at most
[ -s "$work/ready.json" ] || { echo "the emulator did not start" >&2; exit 1; }

# ready KEY...: a value from the ready line (no jq needed)
ready() { python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for key in sys.argv[2:]:
    v = v[key]
print(v)' "$work/ready.json" "$@"; }

export AMLEVENTS_EMULATOR=$(ready url) AMLEVENTS_EMULATOR_CA=$(ready caCert)
export AZURE_AUTHORITY_HOST=$(ready authorityHost) AZURE_TENANT_ID=$(ready tenantId)
sign_in() { export AZURE_CLIENT_ID=$(ready clients "$1" clientId) AZURE_CLIENT_SECRET=$(ready clients "$1" clientSecret); }

# The pipeline's identity: Contributor on the resource group. Check access, then create and read back.
sign_in contributor
amlevents access check -o none
amlevents subscription create churn-models --endpoint "https://example.com/hook?code=not-a-real-secret" \
  --model-name churn --advanced-filter data.ModelTags.stage StringIn production -o none
amlevents subscription show churn-models -o json > "$work/shown.json"

# A Reader must be refused before anything is written (exit 4), as in Azure.
sign_in reader
status=0
amlevents subscription delete churn-models --yes 2> "$work/refused.txt" || status=$?
if [ "$status" -ne 4 ]; then
  echo "unexpected: a Reader's delete exited $status" >&2
  exit 1
fi
echo "rehearsal passed: created as contributor, refused as reader (exit 4)"
