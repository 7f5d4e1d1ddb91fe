#!/usr/bin/env bash
# Fetch the audit anchor the last apply kept: the bank's last audit hash when it finished, the
# artifact efctl-audit-anchor of the newest earlier apply run that has one. apply.sh passes it
# as `efctl audit verify --expect-hash`, so entries removed at the bank since are caught before
# anything is applied; then it keeps the new last hash for the next apply.
#
# Usage: audit-anchor.sh DIR
# Writes DIR/audit-hash, or nothing when no earlier apply kept one (the first apply, or its
# artifact has expired: the log says so, and the chain is verified without an anchor).
# Env: GITHUB_REPOSITORY, GITHUB_RUN_ID, APPLY_WORKFLOW (default apply.yml), GH_TOKEN (actions: read).
set -euo pipefail
dir=${1:?usage: audit-anchor.sh DIR}
repo=${GITHUB_REPOSITORY:?} me=${GITHUB_RUN_ID:?}
workflow=${APPLY_WORKFLOW:-apply.yml}
mkdir -p "$dir"

runs=$(gh run list --repo "$repo" --workflow "$workflow" --json databaseId,status --limit 20 |
  jq -r --argjson me "$me" '.[] | select(.databaseId < $me and .status == "completed") | .databaseId')
for run in $runs; do
  if gh run download "$run" --repo "$repo" --name efctl-audit-anchor --dir "$dir" 2>/dev/null &&
    [[ -s $dir/audit-hash ]]; then
    echo "the audit anchor of apply run $run: $(cat "$dir/audit-hash")"
    exit 0
  fi
done
rm -f "$dir/audit-hash"
echo "::warning title=No audit anchor::no earlier apply kept an audit anchor: the audit chain is verified without one"
