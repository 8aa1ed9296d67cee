#!/usr/bin/env bash
# postmortem (runs even after a failure): keep what the review needs.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib/notify.sh
source "$(dirname "$0")/../lib/notify.sh"

collect_artifacts
