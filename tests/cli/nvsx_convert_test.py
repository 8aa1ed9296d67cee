#!/usr/bin/python3
"""nvsx convert as an operator runs it: offline on a real-looking runbook, and
with a key against a stub of the Messages API on 127.0.0.1 (never the internet),
with the exit codes and messages of each outcome.
Usage: nvsx_convert_test.py NVSX_BINARY SOURCE_DIR"""
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

NVSX, SOURCE = sys.argv[1], sys.argv[2]
TESTDATA = os.path.join(SOURCE, "tests", "nvsx", "convert", "testdata")
RUNBOOK = os.path.join(TESTDATA, "xid-79-gpu-off-bus.md")


class StubApi(http.server.ThreadingHTTPServer):
    """Answers POST /v1/messages from a queue of (status, body) and keeps the requests."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), StubHandler)
        self.answers, self.requests = [], []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class StubHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append((self.path, dict(self.headers), json.loads(body)))
        status, answer = self.server.answers.pop(0) if self.server.answers else (500, "{}")
        data = answer.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def message(text):
    return 200, json.dumps({"type": "message", "role": "assistant", "stop_reason": "end_turn",
                            "content": [{"type": "text", "text": text}]})


class ConvertTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="nvsx-convert-")
        self.out = os.path.join(self.dir, "runbooks")
        self.env = dict(os.environ, HOME=self.dir)
        self.env.pop("ANTHROPIC_API_KEY", None)
        self.env.pop("NVSX_PROJECT_ROOT", None)
        self.api = StubApi()

    def tearDown(self):
        self.api.shutdown()
        self.api.server_close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def convert(self, *args, key=None):
        env = dict(self.env, ANTHROPIC_API_KEY=key) if key else self.env
        return subprocess.run([NVSX, "convert", RUNBOOK, "--out", self.out, *args], cwd=self.dir,
                              env=env, capture_output=True, text=True, timeout=120)

    def valid_envelope(self):
        """What the rules make of the runbook, as the model would answer it."""
        scratch = os.path.join(self.dir, "rules")
        result = subprocess.run([NVSX, "convert", RUNBOOK, "--offline", "--out", scratch],
                                env=self.env, capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        slug = "xid-79-gpu-off-bus"
        with open(os.path.join(scratch, slug + ".yaml")) as f:
            yaml = f.read()
        hooks = {}
        for name in sorted(os.listdir(os.path.join(scratch, "hooks", slug))):
            with open(os.path.join(scratch, "hooks", slug, name)) as f:
                hooks[name] = f.read()
        return json.dumps({"runbook_yaml": yaml, "hooks": hooks, "unplaced": []})

    def test_offline_places_commands_and_lists_what_it_could_not(self):
        result = self.convert()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("with the built-in rules (offline)", result.stdout)
        self.assertIn("could not place 3 line(s)", result.stdout)
        self.assertIn("xid-79-gpu-off-bus.md:19: nvidia-smi\n", result.stdout)
        self.assertIn("xid-79-gpu-off-bus.md:48: nvidia-smi -L\n", result.stdout)
        hooks = os.path.join(self.out, "hooks", "xid-79-gpu-off-bus")
        self.assertEqual(sorted(os.listdir(hooks)),
                         ["on-drain.sh", "on-postmortem.sh", "on-preflight.sh", "on-recover.sh",
                          "on-remediate.sh"])
        self.assertTrue(os.access(os.path.join(hooks, "on-drain.sh"), os.X_OK))
        show = subprocess.run([NVSX, "--runbooks", self.out, "show", "xid-79-gpu-off-bus"],
                              env=self.env, capture_output=True, text=True, timeout=60)
        self.assertEqual(show.returncode, 0, show.stderr)
        self.assertIn("watch   node expect=true field=spec.unschedulable", show.stdout)
        again = self.convert()
        self.assertEqual(again.returncode, 2)
        self.assertIn("already exists; nothing was written. Pass --force", again.stderr)
        self.assertEqual(self.convert("--force").returncode, 0)

    def test_with_a_key_the_model_answer_is_checked_then_written(self):
        self.api.answers.append(message(self.valid_envelope()))
        result = self.convert("--endpoint", self.api.url, "--model", "claude-test", key="sk-1")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("with model claude-test", result.stdout)
        path, headers, body = self.api.requests[0]
        self.assertEqual(path, "/v1/messages")
        self.assertEqual(headers["x-api-key"], "sk-1")
        self.assertEqual(headers["anthropic-version"], "2023-06-01")
        self.assertEqual(body["model"], "claude-test")
        self.assertTrue(os.path.exists(os.path.join(self.out, "xid-79-gpu-off-bus.yaml")))

    def test_an_invalid_answer_is_retried_once_then_reported(self):
        self.api.answers += [message('{"runbook_yaml": "kind: Runbook", "hooks": {}}'),
                             message("sorry, here is prose")]
        result = self.convert("--endpoint", self.api.url, key="sk-1")
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("failed validation twice; nothing was written", result.stderr)
        self.assertEqual(len(self.api.requests), 2)
        feedback = self.api.requests[1][2]["messages"][2]["content"]
        self.assertIn("metadata", feedback)
        self.assertFalse(os.path.exists(self.out))

    def test_a_rejected_key_is_named(self):
        self.api.answers.append((401, json.dumps(
            {"type": "error", "error": {"type": "authentication_error",
                                        "message": "invalid x-api-key"}})))
        result = self.convert("--endpoint", self.api.url, key="sk-bad")
        self.assertEqual(result.returncode, 1)
        self.assertIn("HTTP 401", result.stderr)
        self.assertIn("ANTHROPIC_API_KEY", result.stderr)
        self.assertFalse(os.path.exists(self.out))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v", *sys.argv[3:]])
