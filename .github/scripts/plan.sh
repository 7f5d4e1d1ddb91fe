#!/usr/bin/env bash
# Plan a pull request: validate the declarations, then plan them against the bank.
#
# Usage: plan.sh HEAD_DIR OUT_DIR
# HEAD_DIR is the pull request's head, checked out as data: efctl and this script are the base's
# (pull_request_target), nothing in HEAD_DIR is run. Writes OUT_DIR/plan.json (the artifact that
# apply executes after the merge) and OUT_DIR/comment/plan-N.md (one file per comment).
# A pull request that changes no declaration (DECLARATIONS, default "clients efctl.yaml", since
# its merge base with BASE_SHA) is not planned: a short comment says so, the bank is not opened.
# Otherwise only the relationships whose declarations it changed since that merge base are
# planned (`efctl plan --changed-since`; all of them when it changed efctl.yaml or the catalog).
# With EFCTL_SHARD=K/N (one job of plan.yml's matrix) only that shard is planned, and only shard
# 1 prints the validation annotations, so that they appear once; plan-merge.sh merges the shards.
# Validation problems are printed as workflow commands, so GitHub annotates them on the lines
# of the pull request's diff; annotations mask e-mail addresses and IBANs, as the plan's own
# markdown does, because everyone who reads the repository reads them. When validation or
# planning fails, the one comment says so and points to the annotations and the run's log: it
# does not repeat the problems, so that nothing a diagnostic quotes can end up in it.
# Env: EFCTL_BACKEND (a read-only credential), BASE_SHA, EFCTL_SHARD (optional),
# GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID.
set -euo pipefail
head_dir=${1:?usage: plan.sh HEAD_DIR OUT_DIR}
out=${2:?usage: plan.sh HEAD_DIR OUT_DIR}
base=${BASE_SHA:?}
read -r -a declarations <<<"${DECLARATIONS:-clients efctl.yaml}"
mkdir -p "$out/comment"
out=$(cd "$out" && pwd)
cd "$head_dir"

# 0: no declaration changed, 1: some did; anything else (no merge base found) plans, to be safe
changed=0
git diff --quiet "$base...HEAD" -- "${declarations[@]}" || changed=$?
if ((changed == 0)); then
  listed=$(printf '%s, ' "${declarations[@]}")
  # shellcheck disable=SC2016 # the backticks are markdown
  quoted=$(printf '`%s`, ' "${declarations[@]}")
  cat >"$out/comment/plan-1.md" <<MARKDOWN
### efctl: nothing to plan

This pull request changes no declaration (${quoted%, }): merging it applies nothing.
MARKDOWN
  echo "pull request changes no declaration (${listed%, }) since ${base:0:12}: nothing to plan"
  exit 0
fi

# The plan records the checked-out head (what the reviewers approve), not the base branch's tip
# that GITHUB_SHA names in a pull_request_target run: efctl prefers `git rev-parse HEAD`.
# The plan's markdown quotes declared text (names, ids): between ::stop-commands:: and its
# token, a line of it that starts with `::` is printed, never run as a workflow command.
# Only what the pull request changed since its merge base is planned; without a merge base
# (unrelated histories), everything.
selection=()
if merge_base=$(git merge-base "$base" HEAD 2>/dev/null); then
  selection+=(--changed-since "$merge_base")
fi
shard=${EFCTL_SHARD:-1/1}
if [[ $shard != 1/1 ]]; then
  selection+=(--shard "$shard")
fi
annotations=/dev/stdout
if [[ ${shard%%/*} != 1 ]]; then
  annotations=/dev/null # shard 1 annotates; the others only need to know whether it is valid
fi
token="efctl-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
if efctl validate --format github >"$annotations"; then
  echo "::stop-commands::$token"
  planned=0
  efctl plan "${selection[@]}" --out "$out/plan.json" --format markdown \
    --parts-dir "$out/comment" || planned=$?
  echo "::$token::"
  [ "$planned" -eq 0 ] && exit 0
fi
rm -f "$out"/comment/plan-*.md
cat >"$out/comment/plan-1.md" <<MARKDOWN
### efctl could not plan this pull request

\`efctl validate\` or \`efctl plan\` failed. The problems of the declarations are annotated on their
lines (under *Files changed*, e-mail addresses and IBANs masked) and listed in the log of
[the workflow run]($GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID); \`efctl validate\` shows them
in full locally.
MARKDOWN
exit 1
