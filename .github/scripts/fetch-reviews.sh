#!/usr/bin/env bash
# Fetch every review of the pull request, all pages, as one JSON array.
#
# Usage: fetch-reviews.sh PR_JSON OUT_JSON
# Env: GITHUB_REPOSITORY, GH_TOKEN (pull-requests: read).
set -euo pipefail
pr=${1:?usage: fetch-reviews.sh PR_JSON OUT_JSON}
out=${2:?usage: fetch-reviews.sh PR_JSON OUT_JSON}
repo=${GITHUB_REPOSITORY:?}

number=$(jq -r .number "$pr")
gh api --paginate --slurp "repos/$repo/pulls/$number/reviews" | jq 'add // []' >"$out"
echo "pull request #$number has $(jq length "$out") review(s)"
