#!/usr/bin/env bash
# Post the plan on the pull request: one comment per part, updated in place on every run.
#
# Usage: plan-comment.sh DIR   (DIR/plan-1.md, DIR/plan-2.md, ... as `efctl plan --parts-dir` writes)
# Each comment starts with a hidden marker "<!-- efctl-plan part N -->" by which the next run finds
# it again; parts left over from a longer earlier plan are deleted. Only comments written by
# COMMENT_AUTHOR (default github-actions[bot]) are ever edited or deleted.
# Env: GITHUB_REPOSITORY, PR_NUMBER, GH_TOKEN (pull-requests: write).
set -euo pipefail
dir=${1:?usage: plan-comment.sh DIR}
repo=${GITHUB_REPOSITORY:?} pr=${PR_NUMBER:?}
author=${COMMENT_AUTHOR:-github-actions[bot]}
prefix="<!-- efctl-plan part "

if [[ ! -f $dir/plan-1.md ]]; then
  echo "plan-comment: nothing to post: $dir/plan-1.md does not exist" >&2
  exit 1
fi

# [{part, id}] of the marked comments of earlier runs, oldest first
earlier=$(gh api --paginate --slurp "repos/$repo/issues/$pr/comments" | jq -c \
  --arg prefix "$prefix" --arg author "$author" '
  [add // [] | .[]
   | select(.user.login == $author and (.body | startswith($prefix)))
   | {part: (.body | ltrimstr($prefix) | split(" ")[0] | tonumber?), id}]')

parts=0
while [[ -f $dir/plan-$((parts + 1)).md ]]; do
  parts=$((parts + 1))
  body=$(jq -n --rawfile text "$dir/plan-$parts.md" --arg marker "$prefix$parts -->" \
    '{body: ($marker + "\n" + $text)}')
  id=$(jq -r --argjson part "$parts" 'first(.[] | select(.part == $part) | .id) // empty' <<<"$earlier")
  if [[ -n $id ]]; then
    gh api --method PATCH "repos/$repo/issues/comments/$id" --input - <<<"$body" >/dev/null
    echo "updated the plan comment, part $parts ($id)"
  else
    gh api --method POST "repos/$repo/issues/$pr/comments" --input - <<<"$body" >/dev/null
    echo "posted the plan comment, part $parts"
  fi
done

# what is not the first comment of a part still in the plan is stale
stale=$(jq -r --argjson parts "$parts" '
  [group_by(.part)[] | .[0] | select(.part <= $parts) | .id] as $keep
  | .[] | select(.id as $id | $keep | any(.[]; . == $id) | not) | .id' <<<"$earlier")
for id in $stale; do
  gh api --method DELETE "repos/$repo/issues/comments/$id" >/dev/null
  echo "deleted the stale plan comment $id"
done
