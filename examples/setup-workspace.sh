#!/usr/bin/env bash
# Set up the same event subscriptions on several workspaces; safe to re-run (update when it exists, create
# when it does not). Try it with no Azure at all:  AMLEVENTS_LOCAL=1 bash examples/setup-workspace.sh
#
#   WORKSPACES   space-separated workspace names (default: local-workspace local-workspace-2, the emulator's)
#   AMLEVENTS_RESOURCE_GROUP, AZURE_SUBSCRIPTION_ID   where they are (in --local mode: the seeded ones)
#   HOOK_URL     webhook receiving model events (keep its ?code= key out of the script)
set -euo pipefail
WORKSPACES=${WORKSPACES:-"local-workspace local-workspace-2"}
HOOK_URL=${HOOK_URL:-"https://example.com/api/aml-hook"}

apply() {  # apply WORKSPACE NAME OPTIONS...
  local ws=$1 name=$2
  shift 2
  if amlevents subscription show "$name" -w "$ws" -o none 2>/dev/null; then
    amlevents subscription update "$name" -w "$ws" "$@" -o none
    echo "updated $name on $ws"
  else
    amlevents subscription create "$name" -w "$ws" "$@" -o none
    echo "created $name on $ws"
  fi
}

for ws in $WORKSPACES; do
  amlevents access check -w "$ws" -o none   # exit 4 before anything is written
  apply "$ws" model-registered --endpoint "$HOOK_URL" --event-type ModelRegistered --max-delivery-attempts 10
  apply "$ws" failed-runs --endpoint "$HOOK_URL" --run-status Failed --labels ops alerts
done
amlevents subscription list -w "${WORKSPACES%% *}" -o table
