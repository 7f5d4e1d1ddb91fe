#!/usr/bin/env bash
# Find the merged pull request to apply, and save it as the pulls API gives it: the one whose
# merge is the pushed commit or, when PR_NUMBER is set (a workflow_dispatch), that pull request,
# which must have been merged into APPLY_BRANCH (default main).
#
# Usage: find-merged-pr.sh OUT_JSON
# A push to the main branch that no merged pull request produced is refused: efctl applies only
# reviewed changes.
# Env: GITHUB_REPOSITORY, GITHUB_SHA, PR_NUMBER (optional), GH_TOKEN (pull-requests: read).
set -euo pipefail
out=${1:?usage: find-merged-pr.sh OUT_JSON}
repo=${GITHUB_REPOSITORY:?} sha=${GITHUB_SHA:?}
branch=${APPLY_BRANCH:-main}
mkdir -p "$(dirname "$out")"

if [[ -n ${PR_NUMBER:-} ]]; then
  if [[ ! $PR_NUMBER =~ ^[1-9][0-9]*$ ]]; then
    echo "efctl: error: '$PR_NUMBER' is not a pull request number; nothing was applied" >&2
    exit 1
  fi
  gh api "repos/$repo/pulls/$PR_NUMBER" >"$out.tmp"
  if ! jq -e --arg branch "$branch" '.merged_at != null and .base.ref == $branch' "$out.tmp" >/dev/null; then
    rm -f "$out.tmp"
    echo "efctl: error: pull request #$PR_NUMBER is not merged into $branch; nothing was applied" >&2
    echo "    hint: declarations reach the bank only through a reviewed, merged pull request" >&2
    exit 1
  fi
  mv "$out.tmp" "$out"
  echo "pull request #$PR_NUMBER was merged as $(jq -r .merge_commit_sha "$out")"
  exit 0
fi

number=$(gh api "repos/$repo/commits/$sha/pulls" | jq -r --arg sha "$sha" '
  first(.[] | select(.merged_at != null and .merge_commit_sha == $sha) | .number) // empty')
if [[ -z $number ]]; then
  echo "efctl: error: commit $sha is not the merge of a pull request; nothing was applied" >&2
  echo "    hint: declarations reach the bank only through a reviewed pull request" >&2
  exit 1
fi
gh api "repos/$repo/pulls/$number" >"$out"
echo "commit $sha is the merge of pull request #$number"
