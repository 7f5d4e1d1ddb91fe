#!/usr/bin/env bash
# Make both customer reports from the plan: the authorisation report and the deliveries report of
# every relationship the plan changes, as the bank will hold it after the plan (PDF/A-2u, in the
# relationship's language), for the reviewers to read next to the plan comment.
#
# Usage: plan-reports.sh HEAD_DIR OUT_DIR
# Reads OUT_DIR/plan.json as plan.sh wrote it and the declarations in HEAD_DIR (the pull request's
# head, as data: the reports say how each right arises in them); writes OUT_DIR/reports/*.pdf.
# Without a plan (the pull request changes no declaration) there is nothing to report on.
# Env: EFCTL_BACKEND (a read-only credential).
set -euo pipefail
head_dir=${1:?usage: plan-reports.sh HEAD_DIR OUT_DIR}
out=${2:?usage: plan-reports.sh HEAD_DIR OUT_DIR}
if [[ ! -f $out/plan.json ]]; then
  echo "plan-reports: no plan in $out: nothing to report on"
  exit 0
fi
out=$(cd "$out" && pwd)
cd "$head_dir"
for kind in authorizations deliveries; do
  efctl report "$kind" --from-plan "$out/plan.json" --out "$out/reports"
done
