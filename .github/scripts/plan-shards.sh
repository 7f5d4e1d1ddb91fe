#!/usr/bin/env bash
# The shards of plan.yml's matrix: EFCTL_SHARDS (set in plan.yml, default 1) jobs, each
# planning a stable share of the relationships (`efctl plan --shard K/N`).
#
# Usage: plan-shards.sh   Writes `shards=["1/N", …, "N/N"]` to GITHUB_OUTPUT (the matrix).
# Env: EFCTL_SHARDS (1 to 64), GITHUB_OUTPUT.
set -euo pipefail
count=${EFCTL_SHARDS:-1}
if [[ ! $count =~ ^[1-9][0-9]*$ ]] || ((count > 64)); then
  echo "::error::EFCTL_SHARDS is '$count' in plan.yml: a number of shards from 1 to 64"
  exit 1
fi
shards=$(seq 1 "$count" | jq -cR --arg count "$count" '[., inputs] | map("\(.)/\($count)")')
echo "shards=$shards" >>"${GITHUB_OUTPUT:?}"
echo "planning in $count shard(s): $shards"
