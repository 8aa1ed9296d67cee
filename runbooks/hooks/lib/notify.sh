# shellcheck shell=bash
# Notifications for nvsx hooks: Slack, PagerDuty (Events API v2) and Jira.
# Each function posts when its settings are in the environment and says it
# skipped when they are not, so a runbook works before anyone wires it up.
#
#   SLACK_WEBHOOK_URL                       Slack incoming webhook
#   PAGERDUTY_ROUTING_KEY                   PagerDuty Events v2 integration key
#   PAGERDUTY_EVENTS_URL                    default https://events.pagerduty.com/v2/enqueue
#   JIRA_URL JIRA_USER JIRA_API_TOKEN JIRA_PROJECT   Jira Cloud/Server REST v2
#   NVSX_NOTIFY_TIMEOUT                     seconds per request, default 10

# Prints $1 as a JSON string literal (quotes, backslashes and control characters escaped).
json_string() {
  local text=$1 out="" char code i
  for ((i = 0; i < ${#text}; i++)); do
    char=${text:i:1}
    case $char in
      '"') out+='\"' ;;
      "\\") out+="\\\\" ;;
      $'\n') out+='\n' ;;
      $'\r') out+='\r' ;;
      $'\t') out+='\t' ;;
      *)
        printf -v code '%d' "'$char"
        if ((code >= 0 && code < 32)); then
          out+=$(printf '\\u%04x' "$code")
        else
          out+=$char
        fi
        ;;
    esac
  done
  printf '"%s"' "$out"
}

# post_json URL BODY [curl options...]: POSTs BODY; fails on an HTTP error.
post_json() {
  local url=$1 body=$2
  shift 2
  curl --silent --show-error --fail --max-time "${NVSX_NOTIFY_TIMEOUT:-10}" \
    -X POST -H 'Content-Type: application/json' "$@" --data "$body" "$url" >/dev/null
}

# The run, in one line: "gpu-off-bus on gpu-node-3 (brave-otter), run 2026...".
run_summary() {
  printf '%s on %s (%s), run %s' "${NVSX_RUNBOOK:-?}" "${NVSX_TARGET_NODE:-?}" \
    "${NVSX_ALIAS:-?}" "${NVSX_RUN_ID:-?}"
}

# notify_slack TEXT
notify_slack() {
  if [[ -z "${SLACK_WEBHOOK_URL:-}" ]]; then
    echo "slack: skipped (SLACK_WEBHOOK_URL not set)"
    return 0
  fi
  post_json "$SLACK_WEBHOOK_URL" "{\"text\":$(json_string "$1")}"
  echo "slack: posted"
}

# page_pagerduty ACTION SUMMARY [SEVERITY]: ACTION is trigger or resolve; the
# dedup key is the node, so the page opened at detection is the one resolved.
page_pagerduty() {
  local action=$1 summary=$2 severity=${3:-critical}
  if [[ -z "${PAGERDUTY_ROUTING_KEY:-}" ]]; then
    echo "pagerduty: skipped (PAGERDUTY_ROUTING_KEY not set)"
    return 0
  fi
  local body
  body="{\"routing_key\":$(json_string "$PAGERDUTY_ROUTING_KEY"),"
  body+="\"event_action\":$(json_string "$action"),"
  body+="\"dedup_key\":$(json_string "nvsx-${NVSX_TARGET_NODE:-unknown}"),"
  body+="\"payload\":{\"summary\":$(json_string "$summary"),"
  body+="\"source\":$(json_string "${NVSX_TARGET_NODE:-unknown}"),"
  body+="\"severity\":$(json_string "$severity"),"
  body+="\"custom_details\":{\"runbook\":$(json_string "${NVSX_RUNBOOK:-}"),"
  body+="\"run_id\":$(json_string "${NVSX_RUN_ID:-}"),\"alias\":$(json_string "${NVSX_ALIAS:-}")}}}"
  post_json "${PAGERDUTY_EVENTS_URL:-https://events.pagerduty.com/v2/enqueue}" "$body"
  echo "pagerduty: $action sent"
}

# open_jira SUMMARY DESCRIPTION: files an incident ticket.
open_jira() {
  if [[ -z "${JIRA_URL:-}" || -z "${JIRA_USER:-}" || -z "${JIRA_API_TOKEN:-}" ||
    -z "${JIRA_PROJECT:-}" ]]; then
    echo "jira: skipped (JIRA_URL, JIRA_USER, JIRA_API_TOKEN and JIRA_PROJECT not all set)"
    return 0
  fi
  local body
  body="{\"fields\":{\"project\":{\"key\":$(json_string "$JIRA_PROJECT")},"
  body+="\"summary\":$(json_string "$1"),\"description\":$(json_string "$2"),"
  body+="\"issuetype\":{\"name\":\"Incident\"}}}"
  post_json "${JIRA_URL%/}/rest/api/2/issue" "$body" --user "${JIRA_USER}:${JIRA_API_TOKEN}"
  echo "jira: ticket filed"
}

# collect_artifacts: what a postmortem keeps, in $NVSX_ARTIFACT_DIR.
collect_artifacts() {
  local dir=${NVSX_ARTIFACT_DIR:-}
  if [[ -z "$dir" ]]; then
    echo "artifacts: skipped (no NVSX_ARTIFACT_DIR)"
    return 0
  fi
  mkdir -p "$dir"
  if ! command -v kubectl >/dev/null; then
    echo "artifacts: skipped (kubectl not on PATH)"
    return 0
  fi
  kubectl get node "${NVSX_TARGET_NODE}" -o yaml >"$dir/node.yaml" 2>&1 || true
  kubectl get healthevents -o yaml >"$dir/healthevents.yaml" 2>&1 || true
  kubectl get events -A --field-selector "involvedObject.name=${NVSX_TARGET_NODE}" \
    >"$dir/node-events.txt" 2>&1 || true
  echo "artifacts: saved in $dir"
}
