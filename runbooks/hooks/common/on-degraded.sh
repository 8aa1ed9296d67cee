#!/usr/bin/env bash
# detect, for a fault that leaves the GPU usable (heat, a corrupted InfoROM):
# the node stays in service, so a warning (not a critical page) to PagerDuty,
# a note to the channel, and a ticket for the team that fixes the cause
# (facilities, hardware) at their pace. on-recover.sh resolves the warning.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib/notify.sh
source "$(dirname "$0")/../lib/notify.sh"

notify_slack ":warning: GPU degraded: $(run_summary). The node stays in service."
page_pagerduty trigger "GPU degraded on ${NVSX_TARGET_NODE:-unknown} (${NVSX_RUNBOOK:-nvsx})" warning
open_jira "GPU degraded on ${NVSX_TARGET_NODE:-unknown} (${NVSX_RUNBOOK:-nvsx})" \
  "nvsx run ${NVSX_RUN_ID:-?}: $(run_summary). The GPU reports a non-fatal fault; the node stays in service until it is fixed."
