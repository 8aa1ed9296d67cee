#!/usr/bin/env bash
# preflight: the incident is acknowledged: tell the channel and page on-call.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib/notify.sh
source "$(dirname "$0")/../lib/notify.sh"

notify_slack ":rotating_light: GPU fault: $(run_summary). nvsx is following the remediation."
page_pagerduty trigger "GPU fault on ${NVSX_TARGET_NODE:-unknown} (${NVSX_RUNBOOK:-nvsx})"
