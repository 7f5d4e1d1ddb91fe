#!/usr/bin/env bash
# Scheduled drift check: plan the declarations against the bank and keep one issue about it.
#
# Usage: drift-issue.sh OUT_DIR
# Changes (plan exit 2) open the one open issue labelled efctl-drift, or update it, with the plan;
# no changes (exit 0) close it; an error (exit 1) fails the run and leaves the issue as it is.
# Writes OUT_DIR/plan.json and OUT_DIR/drift/plan-N.md.
# Env: EFCTL_BACKEND (a read-only credential), GITHUB_REPOSITORY, GITHUB_SERVER_URL,
# GITHUB_RUN_ID, GH_TOKEN (issues: write).
set -euo pipefail
out=${1:?usage: drift-issue.sh OUT_DIR}
repo=${GITHUB_REPOSITORY:?}
run_url="$GITHUB_SERVER_URL/$repo/actions/runs/$GITHUB_RUN_ID"
label=efctl-drift
mkdir -p "$out"

status=0
efctl plan --detailed-exitcode --format markdown --parts-dir "$out/drift" --out "$out/plan.json" ||
  status=$?
if [[ $status != 0 && $status != 2 ]]; then
  exit "$status"
fi

issue=$(gh api --paginate --slurp "repos/$repo/issues?labels=$label&state=open" | jq -r '
  [add // [] | .[] | select(.pull_request == null) | .number] | min // empty')

if [[ $status == 0 ]]; then
  if [[ -n $issue ]]; then
    jq -n --arg url "$run_url" '{body: "The bank matches the declarations again ([drift check](\($url)))."}' |
      gh api --method POST "repos/$repo/issues/$issue/comments" --input - >/dev/null
    gh api --method PATCH "repos/$repo/issues/$issue" -f state=closed -f state_reason=completed >/dev/null
    echo "no drift: closed issue #$issue"
  else
    echo "no drift"
  fi
  exit 0
fi

parts=$(find "$out/drift" -name 'plan-*.md' | wc -l)
more=""
if ((parts > 1)); then
  more="The plan has $parts parts; this is the first. The whole plan is in the run's artifact."
fi
body=$(jq -n --rawfile plan "$out/drift/plan-1.md" --arg url "$run_url" --arg more "$more" '
  {body: ("The bank differs from the declarations (found by the [drift check](\($url))): "
          + "apply the declarations through a pull request, or change them to match the bank.\n\n"
          + $plan + (if $more == "" then "" else "\n" + $more + "\n" end))}')
if [[ -n $issue ]]; then
  gh api --method PATCH "repos/$repo/issues/$issue" --input - <<<"$body" >/dev/null
  echo "drift: updated issue #$issue"
else
  gh api "repos/$repo/labels/$label" >/dev/null 2>&1 ||
    gh api --method POST "repos/$repo/labels" -f name="$label" -f color=d93f0b \
      -f description="The bank differs from the declarations (efctl drift check)" >/dev/null
  jq --arg name "$label" '. + {title: "efctl: the bank differs from the declarations", labels: [$name]}' \
    <<<"$body" | gh api --method POST "repos/$repo/issues" --input - >/dev/null
  echo "drift: opened an issue"
fi
