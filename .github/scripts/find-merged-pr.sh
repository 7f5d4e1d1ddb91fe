#!/usr/bin/env bash
# Find the pull request whose merge is the pushed commit, and save it as the pulls API gives it.
#
# Usage: find-merged-pr.sh OUT_JSON
# A push to the main branch that no merged pull request produced is refused: efctl applies only
# reviewed changes.
# Env: GITHUB_REPOSITORY, GITHUB_SHA, GH_TOKEN (contents: read, pull-requests: read).
set -euo pipefail
out=${1:?usage: find-merged-pr.sh OUT_JSON}
repo=${GITHUB_REPOSITORY:?} sha=${GITHUB_SHA:?}
mkdir -p "$(dirname "$out")"

number=$(gh api "repos/$repo/commits/$sha/pulls" | jq -r --arg sha "$sha" '
  first(.[] | select(.merged_at != null and .merge_commit_sha == $sha) | .number) // empty')
if [[ -z $number ]]; then
  echo "efctl: error: commit $sha is not the merge of a pull request; nothing was applied" >&2
  echo "    hint: declarations reach the bank only through a reviewed pull request" >&2
  exit 1
fi
gh api "repos/$repo/pulls/$number" >"$out"
echo "commit $sha is the merge of pull request #$number"
