#!/usr/bin/env bash
# Fetch the four-eyes evidence of a pull request, every page: its reviews, its commits (whoever
# authored or committed one is a maker, never a checker) and each reviewer's permission on the
# repository (only write access counts).
#
# Usage: fetch-reviews.sh PR_JSON OUT_DIR
# Writes OUT_DIR/reviews.json, OUT_DIR/commits.json and OUT_DIR/permissions.json ({login: permission}).
# Env: GITHUB_REPOSITORY, GH_TOKEN (pull-requests: read, metadata: read).
set -euo pipefail
pr=${1:?usage: fetch-reviews.sh PR_JSON OUT_DIR}
out=${2:?usage: fetch-reviews.sh PR_JSON OUT_DIR}
repo=${GITHUB_REPOSITORY:?}
mkdir -p "$out"

number=$(jq -r .number "$pr")
gh api --paginate --slurp "repos/$repo/pulls/$number/reviews" | jq 'add // []' >"$out/reviews.json"
gh api --paginate --slurp "repos/$repo/pulls/$number/commits" | jq 'add // []' >"$out/commits.json"
jq -r '[.[].user.login // empty] | unique[]' "$out/reviews.json" | while read -r login; do
  gh api "repos/$repo/collaborators/$login/permission" | jq --arg login "$login" '{($login): .permission}'
done | jq -s 'add // {}' >"$out/permissions.json"
echo "pull request #$number has $(jq length "$out/reviews.json") review(s) and $(jq length "$out/commits.json") commit(s)"
