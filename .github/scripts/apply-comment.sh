#!/usr/bin/env bash
# Tell the merged pull request what the apply did: one comment made of the given markdown files
# that exist, in order (apply.sh's refusal, which says why and what to do, then the outcome per
# relationship with the approvals still missing and the forms to sign). Without a pull request
# (a push no pull request merged) or without any of the files (an earlier step failed before
# deciding anything), there is nothing to say.
#
# Usage: apply-comment.sh PR_JSON MARKDOWN...
# Env: GITHUB_REPOSITORY, GH_TOKEN (pull-requests: write).
set -euo pipefail
pr=${1:?usage: apply-comment.sh PR_JSON MARKDOWN...}
shift
repo=${GITHUB_REPOSITORY:?}
[[ -f $pr ]] || exit 0
number=$(jq -r .number "$pr")
parts=()
for part in "$@"; do
  [[ -f $part ]] && parts+=("$part")
done
((${#parts[@]})) || exit 0
body=$(mktemp)
for part in "${parts[@]}"; do
  [[ -s $body ]] && echo >>"$body" # a blank line between the parts
  cat "$part" >>"$body"
done
jq -n --rawfile body "$body" '{body: $body}' |
  gh api --method POST "repos/$repo/issues/$number/comments" --input - >/dev/null
echo "commented on pull request #$number what the apply did"
