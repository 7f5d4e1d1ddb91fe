#!/usr/bin/env bash
# Scheduled drift check, second part: pull requests that keep the declarations true.
#
# Usage: drift-prs.sh OUT_DIR
# - Entries whose `until` has come (the plan already ignores them): one pull request, from the
#   branch efctl/expire, deleting them from the declarations (efctl expire --write).
# - Changes made at the bank, in its web UI or by the bank itself: one pull request per
#   relationship, from the branch efctl/adopt/CLIENT, adopting them into its declaration
#   (efctl adopt), naming who changed what and when. Merging it keeps the bank's change;
#   closing it leaves the next apply to revert it.
# Each branch is made afresh from the checked-out commit and force-pushed; an open pull request
# of the branch is updated (title, body), else one is opened against GITHUB_REF_NAME.
# Writes OUT_DIR/expire.json, OUT_DIR/adopt.json and the bodies in OUT_DIR/prs/.
# Env: EFCTL_BACKEND (read-only is enough), GITHUB_REPOSITORY, GITHUB_REF_NAME,
# GH_TOKEN (contents: write to push the branches, pull-requests: write).
set -euo pipefail
out=${1:?usage: drift-prs.sh OUT_DIR}
repo=${GITHUB_REPOSITORY:?}
base_branch=${GITHUB_REF_NAME:?}
base=$(git rev-parse HEAD)
bot=(-c "user.name=github-actions[bot]"
  -c "user.email=41898282+github-actions[bot]@users.noreply.github.com")
mkdir -p "$out/prs"

push() { # HEAD to the branch $1, with the job's token (the checkout keeps no credentials)
  local auth=()
  if [[ -n ${GH_TOKEN:-} && $(git remote get-url origin) == https://* ]]; then
    auth=(-c "http.extraheader=AUTHORIZATION: basic $(printf 'x-access-token:%s' "$GH_TOKEN" | base64 -w0)")
  fi
  git "${auth[@]}" push --quiet --force origin "HEAD:refs/heads/$1"
}

propose() { # push the branch $1, then update its open pull request or open one
  local branch=$1 title=$2 body=$3 number
  push "$branch"
  number=$(gh api "repos/$repo/pulls?state=open&head=${repo%%/*}:$branch" | jq -r '.[0].number // empty')
  if [[ -n $number ]]; then
    jq -n --arg title "$title" --rawfile body "$body" '{title: $title, body: $body}' |
      gh api --method PATCH "repos/$repo/pulls/$number" --input - >/dev/null
    echo "$branch: updated pull request #$number"
  else
    jq -n --arg title "$title" --rawfile body "$body" --arg head "$branch" --arg base "$base_branch" \
      '{title: $title, body: $body, head: $head, base: $base}' |
      gh api --method POST "repos/$repo/pulls" --input - >/dev/null
    echo "$branch: opened a pull request"
  fi
}

efctl expire --write --format json --body "$out/prs/expire.md" >"$out/expire.json"
mapfile -t expired < <(jq -r '.files[].file' "$out/expire.json")
if ((${#expired[@]})); then
  git checkout --quiet -B efctl/expire "$base"
  git add -- "${expired[@]}"
  git "${bot[@]}" commit --quiet -m "efctl: delete the entries whose until has come"
  propose efctl/expire "efctl: delete expired access from the declarations" "$out/prs/expire.md"
  git checkout --quiet --detach "$base"
else
  echo "no expired entries"
fi

efctl adopt --format json --bodies "$out/prs" >"$out/adopt.json"
mapfile -t changed < <(jq -r '.clients[] | select(.adopted != []) | "\(.client) \(.out)"' "$out/adopt.json")
for line in "${changed[@]}"; do
  client=${line%% *} file=${line#* }
  git checkout --quiet -B "efctl/adopt/$client" "$base" # the other relationships' edits stay
  git add -- "$file"
  git "${bot[@]}" commit --quiet -m "efctl: adopt what changed at the bank in $client"
  propose "efctl/adopt/$client" "efctl: adopt what changed at the bank in $client" "$out/prs/$client.md"
done
git checkout --quiet --detach "$base"
((${#changed[@]})) || echo "no changes made at the bank"
