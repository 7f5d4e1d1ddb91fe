#!/usr/bin/env bash
# Apply a merged pull request: plan from the merge commit's declarations, then apply exactly that
# plan with the pull request's reviews as the four-eyes evidence.
#
# Usage: apply.sh PR_JSON REVIEWS_JSON OUT_DIR
# Writes OUT_DIR/plan.json, OUT_DIR/apply.json (the outcome per relationship) and
# OUT_DIR/audit.jsonl (the bank's audit chain), the export even when apply refused.
# Exits with apply's status.
# Env: EFCTL_BACKEND (the write credential), GH_TOKEN (contents: read).
set -euo pipefail
pr=${1:?usage: apply.sh PR_JSON REVIEWS_JSON OUT_DIR}
reviews=${2:?usage: apply.sh PR_JSON REVIEWS_JSON OUT_DIR}
out=${3:?usage: apply.sh PR_JSON REVIEWS_JSON OUT_DIR}
mkdir -p "$out"

# apply reads the reviewed head's declarations; a squash or rebase merge leaves that commit
# outside the main branch's history
head=$(jq -r .head.sha "$pr")
if ! git cat-file -e "$head^{commit}" 2>/dev/null; then
  git -c credential.helper= -c 'credential.helper=!gh auth git-credential' \
    fetch --no-tags origin "refs/pull/$(jq -r .number "$pr")/head"
fi

efctl plan --out "$out/plan.json"
status=0
efctl apply "$out/plan.json" --github-event "$pr" --github-reviews "$reviews" --format json \
  >"$out/apply.json" || status=$?
cat "$out/apply.json"
efctl audit export --out "$out/audit.jsonl"
exit "$status"
