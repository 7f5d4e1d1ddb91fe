#!/usr/bin/env bash
# Fetch the plan the reviewers saw: the artifact efctl-plan of the newest run of the plan
# workflow for the pull request's head commit. Only a pull_request_target run counts: that runs
# the base branch's workflow and efctl, never the pull request's code, so a pull request cannot
# forge the plan (a `pull_request` or a dispatched run of a changed plan.yml is ignored). The
# newest such run must have succeeded, and its plan must name the head commit.
#
# Usage: fetch-plan.sh PR_JSON DIR REFUSAL_MD
# Writes DIR/plan.json; without a reviewed plan, REFUSAL_MD (what to tell the pull request) and
# exit 1.
# Env: GITHUB_REPOSITORY, GITHUB_SERVER_URL, GITHUB_RUN_ID, PLAN_WORKFLOW (default plan.yml),
# GH_TOKEN (actions: read).
set -euo pipefail
pr=${1:?usage: fetch-plan.sh PR_JSON DIR REFUSAL_MD}
dir=${2:?usage: fetch-plan.sh PR_JSON DIR REFUSAL_MD}
refusal=${3:?usage: fetch-plan.sh PR_JSON DIR REFUSAL_MD}
repo=${GITHUB_REPOSITORY:?}
workflow=${PLAN_WORKFLOW:-plan.yml}
number=$(jq -r .number "$pr") head=$(jq -r .head.sha "$pr")
mkdir -p "$dir"

refuse() {
  echo "efctl: error: no reviewed plan for pull request #$number: no successful $workflow run" \
    "(pull_request_target) for its head $head kept one; nothing was applied" >&2
  cat >"$refusal" <<MARKDOWN
### efctl did not apply this pull request

[The apply run]($GITHUB_SERVER_URL/$repo/actions/runs/$GITHUB_RUN_ID) found no reviewed plan for the head commit $head: no successful run of the plan workflow kept one (or its artifact has expired). Nothing was applied.

Re-run the plan workflow of this pull request (Actions → efctl plan, within 30 days), check the plan it comments, then run the apply again: Actions → efctl apply → Run workflow, pull request $number. To apply the declarations now, get a fresh plan reviewed: open a pull request that changes the declarations concerned (or push to one that is still open); its plan is made against the bank as it is now, and merging it applies that plan.
MARKDOWN
  exit 1
}

run=$(gh run list --repo "$repo" --workflow "$workflow" --commit "$head" \
  --event pull_request_target --json databaseId,status,conclusion --limit 1 | jq -r '
  first(.[] | select(.status == "completed" and .conclusion == "success") | .databaseId) // empty')
[[ -n $run ]] || refuse
gh run download "$run" --repo "$repo" --name efctl-plan --dir "$dir" || refuse
[[ -f $dir/plan.json && $(jq -r .source.commit "$dir/plan.json") == "$head" ]] || refuse
echo "the reviewed plan of pull request #$number: $(jq -r .plan_id "$dir/plan.json")," \
  "kept by run $run of $workflow for $head"
echo "$run" >"$dir/run-id"
