#!/usr/bin/env bash
# Scheduled API key expiry check: every key the bank holds, with its days left.
#
# Usage: keys-check.sh OUT_DIR [DAYS]
# Keys expiring within DAYS (default 30) are each a warning annotation, and fail the step:
# plan and apply through a pull request to rotate them (a plan rotates keys within the
# catalog's rotate_before_days). Writes OUT_DIR/keys.json. Env: EFCTL_BACKEND (read-only).
set -euo pipefail
out=${1:?usage: keys-check.sh OUT_DIR [DAYS]}
within=${2:-30}
mkdir -p "$out"

status=0
efctl keys check --within "$within" --format json >"$out/keys.json" || status=$?
if [[ $status != 0 && $status != 2 ]]; then
  exit "$status"
fi
jq -r '.keys[] | select(.days_left <= ($within | tonumber))
  | "::warning title=API key expires::\(.client)/api_keys/\(.name) (user \(.user), \(.fingerprint)) expires on \(.expires), in \(.days_left) days"' \
  --arg within "$within" "$out/keys.json"
if [[ $status == 2 ]]; then
  echo "API keys expire within $within days: plan and apply to rotate them"
  exit 1
fi
echo "no API key expires within $within days"
