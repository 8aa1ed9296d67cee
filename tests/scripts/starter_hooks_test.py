#!/usr/bin/python3
"""The starter runbooks' hooks: each skips cleanly when its service is not
configured, and posts the right JSON to Slack, PagerDuty (Events v2) and Jira
when it is (a local HTTP server stands in for all three).
Usage: starter_hooks_test.py RUNBOOKS_DIR"""
import base64
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import unittest

HOOKS = os.path.join(sys.argv[1], "hooks", "common")


class Recorder(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append((self.path, dict(self.headers), json.loads(body)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


class StarterHooksTest(unittest.TestCase):
    def setUp(self):
        self.server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
        self.server.requests = []
        self.thread = threading.Thread(target=self.server.serve_forever)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.env = {"PATH": os.environ["PATH"], "NVSX_RUNBOOK": "gpu-off-bus",
                    "NVSX_TARGET_NODE": "gpu-node-3", "NVSX_ALIAS": "brave-otter",
                    "NVSX_RUN_ID": "20261123-101010-abcd", "NVSX_ELAPSED_MS": "1200",
                    "NVSX_STAGE": "preflight"}

    def tearDown(self):
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()

    def hook(self, name, **extra):
        return subprocess.run([os.path.join(HOOKS, name)], env={**self.env, **extra},
                              capture_output=True, text=True, timeout=30)

    def test_every_hook_skips_cleanly_without_settings(self):
        with tempfile.TemporaryDirectory() as artifacts:
            for name in ["acknowledge.sh", "on-degraded.sh", "on-remediate.sh", "on-recover.sh"]:
                result = self.hook(name, NVSX_ARTIFACT_DIR=artifacts)
                self.assertEqual(result.returncode, 0, name + result.stderr)
                self.assertIn("skipped", result.stdout, name)
        self.assertEqual(self.server.requests, [])
        result = self.hook("postmortem.sh")
        self.assertEqual((result.returncode, result.stdout),
                         (0, "artifacts: skipped (no NVSX_ARTIFACT_DIR)\n"))

    def test_acknowledge_posts_to_slack_and_triggers_pagerduty(self):
        result = self.hook("acknowledge.sh", SLACK_WEBHOOK_URL=self.url + "/slack",
                           PAGERDUTY_ROUTING_KEY="R0UTING", PAGERDUTY_EVENTS_URL=self.url + "/pd")
        self.assertEqual(result.returncode, 0, result.stderr)
        (slack_path, _, slack), (pd_path, _, page) = self.server.requests
        self.assertEqual(slack_path, "/slack")
        self.assertIn("gpu-off-bus on gpu-node-3 (brave-otter)", slack["text"])
        self.assertEqual(pd_path, "/pd")
        self.assertEqual(page["routing_key"], "R0UTING")
        self.assertEqual(page["event_action"], "trigger")
        self.assertEqual(page["dedup_key"], "nvsx-gpu-node-3")
        self.assertEqual(page["payload"]["source"], "gpu-node-3")
        self.assertEqual(page["payload"]["severity"], "critical")
        self.assertEqual(page["payload"]["custom_details"]["run_id"], "20261123-101010-abcd")

    def test_degraded_warns_without_a_critical_page_and_files_a_ticket(self):
        result = self.hook("on-degraded.sh", SLACK_WEBHOOK_URL=self.url + "/slack",
                           PAGERDUTY_ROUTING_KEY="R0UTING", PAGERDUTY_EVENTS_URL=self.url + "/pd",
                           JIRA_URL=self.url, JIRA_USER="ops@example.com", JIRA_API_TOKEN="t0k",
                           JIRA_PROJECT="FAC")
        self.assertEqual(result.returncode, 0, result.stderr)
        (slack_path, _, slack), (pd_path, _, page), (jira_path, _, issue) = self.server.requests
        self.assertEqual((slack_path, pd_path, jira_path), ("/slack", "/pd", "/rest/api/2/issue"))
        self.assertIn("The node stays in service", slack["text"])
        self.assertEqual(page["event_action"], "trigger")
        self.assertEqual(page["payload"]["severity"], "warning")
        self.assertEqual(page["dedup_key"], "nvsx-gpu-node-3")
        self.assertEqual(issue["fields"]["project"]["key"], "FAC")
        self.assertIn("GPU degraded on gpu-node-3", issue["fields"]["summary"])

    def test_recover_resolves_the_same_page(self):
        result = self.hook("on-recover.sh", PAGERDUTY_ROUTING_KEY="R0UTING",
                           PAGERDUTY_EVENTS_URL=self.url + "/pd")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.server.requests[0][2]["event_action"], "resolve")
        self.assertEqual(self.server.requests[0][2]["dedup_key"], "nvsx-gpu-node-3")

    def test_remediate_files_a_jira_incident_with_basic_auth(self):
        result = self.hook("on-remediate.sh", JIRA_URL=self.url + "/", JIRA_USER="ops@example.com",
                           JIRA_API_TOKEN="t0k", JIRA_PROJECT="GPU",
                           NVSX_TARGET_NODE='node-"quoted"\\x')
        self.assertEqual(result.returncode, 0, result.stderr)
        path, headers, issue = self.server.requests[0]
        self.assertEqual(path, "/rest/api/2/issue")
        self.assertEqual(headers["Authorization"],
                         "Basic " + base64.b64encode(b"ops@example.com:t0k").decode())
        self.assertEqual(issue["fields"]["project"]["key"], "GPU")
        self.assertEqual(issue["fields"]["issuetype"]["name"], "Incident")
        self.assertIn('node-"quoted"\\x', issue["fields"]["summary"])

    def test_a_failing_service_fails_the_hook(self):
        result = self.hook("acknowledge.sh", SLACK_WEBHOOK_URL="http://127.0.0.1:9/none",
                           NVSX_NOTIFY_TIMEOUT="2")
        self.assertNotEqual(result.returncode, 0)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
