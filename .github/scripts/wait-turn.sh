#!/usr/bin/env bash
# Wait for this apply's turn: until every earlier run of the apply workflow has finished.
#
# Usage: wait-turn.sh
# Every merge is applied, in order. A concurrency group cannot promise that here: it keeps one
# pending run and cancels it when another arrives (`queue: max` would lift that, but the
# workflow linters do not know it yet). So no group: each run waits for the runs created before
# it (smaller run ids) to complete, polling every APPLY_WAIT_SECONDS (default 20) up to
# APPLY_WAIT_TRIES times (default 90), then gives up and applies nothing. A re-run keeps its old
# id and waits for no one: apply a pull request again through a dispatch instead. Two applies at
# once would still be safe (the bank refuses a stale order), just not in order.
# Env: GITHUB_REPOSITORY, GITHUB_RUN_ID, APPLY_WORKFLOW (default apply.yml), GH_TOKEN (actions: read).
set -euo pipefail
repo=${GITHUB_REPOSITORY:?} me=${GITHUB_RUN_ID:?}
workflow=${APPLY_WORKFLOW:-apply.yml}
seconds=${APPLY_WAIT_SECONDS:-20} tries=${APPLY_WAIT_TRIES:-90}

for ((try = 1; ; try++)); do
  earlier=$(gh run list --repo "$repo" --workflow "$workflow" --json databaseId,status --limit 100 |
    jq -r --argjson me "$me" '
      [.[] | select(.databaseId < $me and .status != "completed") | .databaseId] | sort
      | map(tostring) | join(", ")')
  if [[ -z $earlier ]]; then
    echo "no earlier apply is unfinished: this one goes now"
    exit 0
  fi
  if ((try >= tries)); then
    echo "efctl: error: the earlier apply run(s) $earlier did not finish in time; nothing was applied" >&2
    echo "    hint: when they have, apply this pull request again: Actions → efctl apply → Run workflow" >&2
    exit 1
  fi
  echo "waiting for the earlier apply run(s) $earlier to finish"
  sleep "$seconds"
done
