#!/usr/bin/env bash
# Plan a pull request: validate the declarations, then plan them against the bank.
#
# Usage: plan.sh OUT_DIR
# Writes OUT_DIR/plan.json (the artifact) and OUT_DIR/comment/plan-N.md (one file per comment).
# When validation or planning fails, the one comment says so and points to the run's log: the
# problems themselves stay in the log, because a comment must not repeat e-mail addresses or
# IBANs that a diagnostic may quote (the plan's own markdown masks them).
# Env: EFCTL_BACKEND (a read-only credential), GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID.
set -euo pipefail
out=${1:?usage: plan.sh OUT_DIR}
mkdir -p "$out/comment"

# The plan records the checked-out head (what the reviewers approve), not the synthetic merge
# commit that GITHUB_SHA names in a pull_request run: efctl prefers `git rev-parse HEAD`.
if efctl validate && efctl plan --out "$out/plan.json" --format markdown --parts-dir "$out/comment"; then
  exit 0
fi
rm -f "$out"/comment/plan-*.md
cat >"$out/comment/plan-1.md" <<MARKDOWN
### efctl could not plan this pull request

\`efctl validate\` or \`efctl plan\` failed. The problems, with file, line and column, are in the
log of [the workflow run]($GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID);
\`efctl validate\` shows the same locally.
MARKDOWN
exit 1
