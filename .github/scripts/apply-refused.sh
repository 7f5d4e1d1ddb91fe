#!/usr/bin/env bash
# Tell the pull request why efctl applied nothing: post REFUSAL_MD (written by fetch-plan.sh or
# apply.sh) as a comment. Without a pull request (a push no pull request merged) or without a
# refusal (an earlier step failed before deciding), there is nothing to say.
#
# Usage: apply-refused.sh PR_JSON REFUSAL_MD...
# Env: GITHUB_REPOSITORY, GH_TOKEN (pull-requests: write).
set -euo pipefail
pr=${1:?usage: apply-refused.sh PR_JSON REFUSAL_MD...}
shift
repo=${GITHUB_REPOSITORY:?}
[[ -f $pr ]] || exit 0
number=$(jq -r .number "$pr")
for refusal in "$@"; do
  if [[ -f $refusal ]]; then
    jq -n --rawfile body "$refusal" '{body: $body}' |
      gh api --method POST "repos/$repo/issues/$number/comments" --input - >/dev/null
    echo "commented on pull request #$number why nothing was applied"
    exit 0
  fi
done
