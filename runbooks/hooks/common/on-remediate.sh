#!/usr/bin/env bash
# remediate: the remediation is under way: file the ticket that tracks it.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib/notify.sh
source "$(dirname "$0")/../lib/notify.sh"

open_jira "GPU fault on ${NVSX_TARGET_NODE:-unknown} (${NVSX_RUNBOOK:-nvsx})" \
  "nvsx run ${NVSX_RUN_ID:-?}: $(run_summary). The node is quarantined and drained; remediation was requested ${NVSX_ELAPSED_MS:-?} ms into the stage."
notify_slack ":wrench: Remediation requested: $(run_summary)."
