#!/usr/bin/env bash
# Apply a merged pull request: execute exactly the plan the reviewers saw (fetch-plan.sh), with
# the pull request's reviews as the four-eyes evidence. `efctl apply` refuses a relationship
# whose bank changed since that plan (stale), or whose approvals do not cover the head commit.
#
# Usage: apply.sh PR_JSON EVIDENCE_DIR PLAN_JSON OUT_DIR (EVIDENCE_DIR from fetch-reviews.sh)
# First the bank's audit chain is verified, against OUT_DIR/anchor/audit-hash when an earlier
# apply kept one (audit-anchor.sh): a chain that lost entries since is refused, nothing applied.
# Writes OUT_DIR/apply.json (the outcome per relationship), OUT_DIR/outcome.md (the same,
# masked, for the pull request), OUT_DIR/audit.jsonl (the bank's
# audit chain), the export even when apply refused, and OUT_DIR/audit-anchor/audit-hash (the
# chain's last hash now, for the next apply); the log shows only the outcome per
# relationship (the JSON holds personal data: it stays in the artifact). When apply refuses,
# OUT_DIR/refusal.md says why and what to do, for the pull request. Exits with apply's status.
# Env: EFCTL_BACKEND (the write credential), GITHUB_SERVER_URL, GITHUB_REPOSITORY,
# GITHUB_RUN_ID, GH_TOKEN (contents: read).
set -euo pipefail
usage="usage: apply.sh PR_JSON EVIDENCE_DIR PLAN_JSON OUT_DIR"
pr=${1:?$usage} evidence=${2:?$usage} plan=${3:?$usage} out=${4:?$usage}
run_url="$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID"
mkdir -p "$out"
number=$(jq -r .number "$pr") plan_id=$(jq -r .plan_id "$plan")
plan_run=$(cat "$(dirname "$plan")/run-id" 2>/dev/null || echo "?")

# apply reads the reviewed head's declarations; a squash or rebase merge leaves that commit
# outside the main branch's history
head=$(jq -r .head.sha "$pr")
if ! git cat-file -e "$head^{commit}" 2>/dev/null; then
  git -c credential.helper= -c 'credential.helper=!gh auth git-credential' \
    fetch --no-tags origin "refs/pull/$number/head"
fi

anchor=()
if [[ -s $out/anchor/audit-hash ]]; then
  anchor=(--expect-hash "$(cat "$out/anchor/audit-hash")")
fi
if ! efctl audit verify "${anchor[@]}"; then
  cat >"$out/refusal.md" <<MARKDOWN
### efctl did not apply this pull request

[The apply run]($run_url) found the bank's audit chain broken (the log says where): nothing was applied. Ask the bank about the audit trail before anything is applied again.
MARKDOWN
  exit 1
fi

echo "applying plan $plan_id of pull request #$number"
status=0
efctl apply "$plan" --github-event "$pr" --github-reviews "$evidence/reviews.json" \
  --github-commits "$evidence/commits.json" --github-permissions "$evidence/permissions.json" \
  --report "$out/apply.json" --format markdown >"$out/outcome.md" || status=$?
if [[ -s $out/apply.json ]]; then
  jq -r '.results[] | "\(.client): \(.outcome)"' "$out/apply.json"
fi
# the export verifies the chain and prints its last hash: the anchor for the next apply
mkdir -p "$out/audit-anchor"
efctl audit export --out "$out/audit.jsonl" | tee "$out/audit-anchor/export.txt"
sed -n 's/^audit chain intact: .*, last hash \(sha256:[0-9a-f]*\)$/\1/p' \
  "$out/audit-anchor/export.txt" >"$out/audit-anchor/audit-hash"
rm "$out/audit-anchor/export.txt"
if ((status == 0)); then
  exit 0
fi

success='["applied", "applied (by another run)", "already applied", "no changes", "manual only"]'
refused=$(jq -r --argjson success "$success" '
  .results[]? | select(.outcome as $o | $success | index($o) | not)
  | "- \(.client): \(.outcome)"
    + (if .outcome == "stale" then " (the bank changed since the plan was reviewed)"
       elif .outcome == "locked" then " (another apply held it for the whole lock timeout; run this apply again)"
       else "" end)
' "$out/apply.json" 2>/dev/null || true)
if [[ -z $refused ]]; then # efctl refused the plan as a whole: its reason is in the log
  refused="- every relationship: efctl apply refused the plan (its reason is in the run's log)"
fi
approvals=""
if grep -q ': needs approval$' <<<"$refused"; then
  approvals="When approvals were missing, approve the pull request's head commit and run the apply again: Actions → efctl apply → Run workflow, pull request $number. "
fi
cat >"$out/refusal.md" <<MARKDOWN
### efctl did not apply this pull request

[The apply run]($run_url) refused the reviewed plan \`$plan_id\` (kept by run $plan_run of plan.yml) for these relationships; nothing was applied to them:

$refused

${approvals}To apply the declarations now, get a fresh plan reviewed: open a pull request that changes the declarations concerned (or push to one that is still open); its plan is made against the bank as it is now, and merging it applies that plan.
MARKDOWN
exit "$status"
