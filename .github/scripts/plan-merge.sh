#!/usr/bin/env bash
# Merge the shard plans of plan.yml's matrix into the one plan of the pull request and its
# comment (`efctl show SHARD-PLAN... --out`): the same plan, plan id and comment one job makes.
# With one shard (EFCTL_SHARDS unset or 1) its plan and comment are taken as they are.
#
# Usage: plan-merge.sh SHARDS_DIR OUT_DIR
# Downloads this run's artifacts efctl-plan-shard-* into SHARDS_DIR, one folder per shard job,
# each what plan.sh wrote to its OUT_DIR (plan.json and comment/); writes OUT_DIR/plan.json (the artifact that apply executes after the merge) and
# OUT_DIR/comment/plan-N.md. When no shard planned (the pull request changes no declaration, or
# a shard could not plan), the shards' own comment is posted: shard 1's, or the first that failed.
# Env: SHARDS_RESULT (the matrix's result: success, failure, cancelled), GH_TOKEN (actions:
# read), GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID.
set -euo pipefail
shards=${1:?usage: plan-merge.sh SHARDS_DIR OUT_DIR}
out=${2:?usage: plan-merge.sh SHARDS_DIR OUT_DIR}
mkdir -p "$out/comment" "$shards"
gh run download "$GITHUB_RUN_ID" --repo "$GITHUB_REPOSITORY" --pattern 'efctl-plan-shard-*' \
  --dir "$shards" || echo "plan-merge: no shard handed on a plan or a comment" >&2
mapfile -t plans < <(find "$shards" -mindepth 2 -maxdepth 2 -name plan.json | sort)
mapfile -t jobs < <(find "$shards" -mindepth 1 -maxdepth 1 -type d | sort)

if ((${#jobs[@]} == 1)); then # one shard planned everything: its plan and comment as they are
  cp -R "${jobs[0]}/." "$out/"
  if [[ ${SHARDS_RESULT:?} == success ]]; then exit 0; fi
  exit 1
fi
if [[ $SHARDS_RESULT == success ]] && ((${#jobs[@]} > 0 && ${#plans[@]} == 0)); then
  cp "${jobs[0]}"/comment/plan-*.md "$out/comment/" # nothing to plan, as every shard found
  exit 0
fi
if [[ $SHARDS_RESULT == success ]] && ((${#plans[@]} > 0 && ${#plans[@]} == ${#jobs[@]})); then
  # between ::stop-commands:: and its token no line of the plan runs as a workflow command
  token="efctl-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  echo "::stop-commands::$token"
  merged=0
  efctl show "${plans[@]}" --out "$out/plan.json" --format markdown \
    --parts-dir "$out/comment" || merged=$?
  echo "::$token::"
  [ "$merged" -eq 0 ] && exit 0
fi
rm -f "$out/plan.json" "$out"/comment/plan-*.md
for job in "${jobs[@]}"; do # a shard that could not plan left its comment, and no plan
  if [[ ! -f $job/plan.json && -f $job/comment/plan-1.md ]]; then
    cp "$job"/comment/plan-*.md "$out/comment/"
    exit 1
  fi
done
cat >"$out/comment/plan-1.md" <<MARKDOWN
### efctl could not plan this pull request

A shard of [the workflow run]($GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID) did not finish, or its plans do not merge; its log says why.
MARKDOWN
exit 1
