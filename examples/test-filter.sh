#!/usr/bin/env bash
# Check, offline, that a subscription filter lets the events you care about through and keeps the rest out.
# Exit status is non-zero when an expectation fails, so this can run as a CI step before any deployment.
set -euo pipefail
filter=${1:-examples/filters/production-models.json}

# Must be delivered: a production churn model, version 3, as live events send it (camelCase keys).
amlevents events sample ModelRegistered --casing live \
  --set subject=models/churn:3 --set data.modelName=churn --set data.modelVersion=3 --set data.modelTags.stage=production \
  | amlevents events test --event - --filter "$filter" --check -o none

# Must not be delivered: the same model tagged for development.
if amlevents events sample ModelRegistered --casing live \
  --set subject=models/churn:4 --set data.modelVersion=4 --set data.modelTags.stage=dev \
  | amlevents events test --event - --filter "$filter" --check -o none; then
  echo "unexpected: a dev model would be delivered" >&2
  exit 1
fi
echo "filter $filter behaves as expected"
