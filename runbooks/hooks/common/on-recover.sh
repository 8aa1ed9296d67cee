#!/usr/bin/env bash
# recover: the node is back in service: resolve the page, tell the channel.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib/notify.sh
source "$(dirname "$0")/../lib/notify.sh"

page_pagerduty resolve "GPU node ${NVSX_TARGET_NODE:-unknown} recovered (${NVSX_RUNBOOK:-nvsx})"
notify_slack ":white_check_mark: Recovered: $(run_summary)."
