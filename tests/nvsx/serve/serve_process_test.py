#!/usr/bin/python3
"""`nvsx serve` as a process, as senders and operators meet it: the bad-input
corpus, 10,000 duplicate triggers, kill -9 with runs in flight, graceful
shutdown, and watch mode against a running `nvsentinel sim`.
Usage: serve_process_test.py NVSX_BINARY NVSENTINEL_BINARY [unittest arguments]"""
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..", "test_support"))
from sim_process import SimProcess  # noqa: E402

NVSX, NVSENTINEL = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
TOKEN, SECRET = "test-token-4f1c", "test-secret-93ab"

# Its preflight hook waits for the test's release file, so a run stays active
# as long as the test needs; postmortem leaves a mark.
HELD = """apiVersion: nvsx/v1
kind: Runbook
metadata: {name: held, nickname: patient-heron, title: Held until released}
stages:
  - id: preflight
    hook: hooks/wait.sh
    timeout: 120s
  - id: postmortem
    hook: hooks/post.sh
"""
QUICK = """apiVersion: nvsx/v1
kind: Runbook
metadata: {name: quick, nickname: swift-hare, title: Quick}
stages:
  - id: postmortem
    hook: hooks/post.sh
"""
PCIE = """apiVersion: nvsx/v1
kind: Runbook
metadata: {name: pcie, nickname: rogue-moose, title: GPU off the bus, tags: [xid-79]}
stages:
  - id: detect
    watch:
      - {kind: healthevent, check: GpuPcieWatch, xid: "79"}
    timeout: 30s
  - id: postmortem
    hook: hooks/post.sh
"""
WAIT_HOOK = """#!/bin/sh
i=0
while [ ! -e "$RELEASE_FILE" ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i+1)); done
"""
POST_HOOK = '#!/bin/sh\necho "$NVSX_STAGE $NVSX_TARGET_NODE" > "$NVSX_ARTIFACT_DIR/post.txt"\n'


class Serve:
    """One `nvsx serve` process on 127.0.0.1 with a picked port."""

    def __init__(self, test, *args):
        self.log = open(os.path.join(test.dir, "serve-%d.log" % time.monotonic_ns()), "w+")
        self.proc = subprocess.Popen([NVSX, "serve", "--listen", "127.0.0.1:0", *args],
                                     cwd=test.dir, env=test.env, stdout=subprocess.DEVNULL,
                                     stderr=self.log)
        deadline = time.monotonic() + 30
        while True:
            with open(self.log.name) as f:
                match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", f.read())
            if match:
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                with open(self.log.name) as f:
                    raise AssertionError("nvsx serve did not start: " + f.read())
            time.sleep(0.02)
        self.port = int(match.group(1))

    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def request(self, method, path, body=b"", headers=None, conn=None):
        own = conn is None
        conn = conn or self.connect()
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        if own:
            conn.close()
        return response.status, data

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=60)
        self.log.close()
        return code


def signed(body, secret=SECRET, timestamp=None, token=TOKEN):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Nvsx-Timestamp": timestamp,
               "X-Nvsx-Signature": "sha256=" + mac}
    if token:
        headers["Authorization"] = "Bearer " + token
    return headers


def bearer(token=TOKEN):
    return {"Content-Type": "application/json", "Authorization": "Bearer " + token}


def trigger(runbook, node, **extra):
    return json.dumps({"runbook": runbook, "target_node": node, **extra}).encode()


class ServeTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="nvsx-serve-")
        self.release = os.path.join(self.dir, "release")
        root = os.path.join(self.dir, "project")
        hooks = os.path.join(root, "runbooks", "hooks")
        os.makedirs(hooks)
        for name, text in {"held": HELD, "quick": QUICK, "pcie": PCIE}.items():
            with open(os.path.join(root, "runbooks", name + ".yaml"), "w") as f:
                f.write(text)
        for name, text in {"wait.sh": WAIT_HOOK, "post.sh": POST_HOOK}.items():
            with open(os.path.join(hooks, name), "w") as f:
                f.write(text)
            os.chmod(os.path.join(hooks, name), 0o755)
        for name, text in {"token": TOKEN + "\n", "secret": SECRET}.items():
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)
        self.state = os.path.join(self.dir, "state")
        self.env = dict(os.environ, HOME=self.dir, NVSX_STATE_DIR=self.state,
                        NVSX_PROJECT_ROOT=root, RELEASE_FILE=self.release,
                        KUBECONFIG=os.path.join(self.dir, "missing.kubeconfig"))
        self.servers = []

    def tearDown(self):
        open(self.release, "w").close()  # lets any hook still waiting end
        for server in self.servers:
            server.stop(signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)

    def serve(self, *args):
        server = Serve(self, *args)
        self.servers.append(server)
        return server

    def db(self, sql):
        with sqlite3.connect(os.path.join(self.state, "runs.db"), timeout=10) as db:
            return db.execute(sql).fetchall()

    def wait_run(self, server, run_id, states, headers, stages=0):
        """Waits until the run is in one of `states` with at least `stages` stages begun."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status, body = server.request("GET", "/runs/" + run_id, headers=headers)
            self.assertEqual(status, 200, body)
            run = json.loads(body)
            if run["state"] in states and len(run["stages"]) >= stages:
                return run
            time.sleep(0.05)
        self.fail("run %s never reached %s: %s" % (run_id, states, run))


class WebhookTest(ServeTest):
    def test_the_bad_input_corpus_is_refused_with_the_field_and_fix(self):
        server = self.serve("--token-file", os.path.join(self.dir, "token"), "--hmac-secret-file",
                            os.path.join(self.dir, "secret"), "--max-body-bytes", "4096")
        good = trigger("quick", "gpu-node-1", source="pagerduty")

        def post(body, headers):
            status, data = server.request("POST", "/webhook", body, headers)
            return status, json.loads(data) if data.startswith(b"{") else data

        status, body = post(good, {"Content-Type": "application/json"})
        self.assertEqual(status, 401)
        self.assertIn("Authorization", body["error"])
        self.assertEqual(post(good, signed(good, token="nope"))[0], 401)
        status, body = post(good, signed(good, secret="wrong"))
        self.assertEqual((status, body["error"]), (401, "wrong signature"))
        status, body = post(good, signed(good, timestamp=int(time.time()) - 600))
        self.assertEqual(status, 401)
        self.assertIn("from the server's time", body["error"])

        headers = signed(good)
        status, fired = post(good, headers)
        self.assertEqual(status, 202, fired)
        self.assertEqual((fired["status"], fired["runbook"]), ("fired", "quick"))
        status, body = post(good, headers)
        self.assertEqual(status, 401)
        self.assertIn("replayed", body["error"])

        huge = trigger("quick", "gpu-node-1", payload="x" * 8192)
        self.assertEqual(post(huge, signed(huge))[0], 413)
        cases = [
            (b'{"runbook": "quick", "target_no', 400, "(body)", "body:1:"),
            (trigger("../../etc/passwd", "gpu-node-1"), 400, "runbook", "not a runbook name"),
            (trigger("quick", "a;rm -rf /"), 400, "target_node", "not a node name"),
            (trigger("quick", "gpü-node-1"), 400, "target_node", "\\xc3\\xbc"),
            (trigger("quïck", "gpu-node-1"), 400, "runbook", "not a runbook name"),
            (trigger("quick", "gpu-node-1", source="☃"), 400, "source", "not a source label"),
            (trigger("quick", "gpu-node-1", shell="x"), 400, "shell", "unknown field"),
            (trigger("no-such-runbook", "gpu-node-1"), 404, "runbook", "no runbook"),
        ]
        for data, code, field, error in cases:
            status, body = post(data, signed(data))
            self.assertEqual(status, code, (data, body))
            self.assertEqual(body["field"], field, data)
            self.assertIn(error, body["error"], data)
            self.assertTrue(body["fix"], data)
        # Unicode where free text is allowed is fine.
        unicode_payload = trigger("quick", "gpu-node-2", payload={"note": "GPU fiel aus — 🔥"})
        self.assertEqual(post(unicode_payload, signed(unicode_payload))[0], 202)

        # Reads need the credentials too; a signature may be reused for them.
        read = signed(b"/runs/" + fired["run"].encode())
        run = self.wait_run(server, fired["run"], ["finished"], read)
        self.assertEqual((run["runbook"], run["node"], run["result"]), ("quick", "gpu-node-1", "pass"))
        self.assertEqual([s["stage"] for s in run["stages"]], ["postmortem"])
        self.assertIsInstance(run["stages"][0]["elapsed_ms"], int)
        self.assertEqual(server.request("GET", "/runs/" + fired["run"])[0], 401)
        self.assertEqual(server.request("GET", "/runs/nope", headers=signed(b"/runs/nope"))[0], 404)

        self.assertEqual(server.request("GET", "/healthz")[0], 200)
        self.assertEqual(server.request("GET", "/readyz")[0], 200)
        status, metrics = server.request("GET", "/metrics")
        self.assertEqual(status, 200)
        text = metrics.decode()
        self.assertRegex(text, r'nvsx_serve_requests_total\{code="401"\} [1-9]')
        self.assertRegex(text, r'nvsx_serve_requests_total\{code="202"\} 2')
        self.assertRegex(text, r'nvsx_serve_runs_total\{outcome="pass"\} [12]')
        self.assertIn("nvsx_serve_queue_depth", text)
        self.assertIn("nvsx_serve_run_duration_seconds_bucket", text)
        self.assertEqual(server.stop(), 0)

    def test_it_refuses_to_listen_beyond_loopback_without_auth(self):
        result = subprocess.run([NVSX, "serve", "--listen", "0.0.0.0:0"], cwd=self.dir,
                                env=self.env, capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 2)
        self.assertIn("without authentication", result.stderr)

    def test_alertmanager_and_pagerduty_payloads_fire_through_the_mapping(self):
        mapping = os.path.join(self.dir, "mapping.yaml")
        with open(mapping, "w") as f:
            f.write("alertmanager:\n  runbook: nvsx_runbook\n  node: instance\n"
                    "pagerduty:\n  runbook: nvsx_runbook\n")
        server = self.serve("--token-file", os.path.join(self.dir, "token"), "--mapping", mapping)
        alert = json.dumps({"version": "4", "status": "firing", "alerts": [
            {"status": "firing", "labels": {"nvsx_runbook": "quick", "instance": "node-a"}},
            {"status": "firing", "labels": {"nvsx_runbook": "quick", "instance": "node-b"}}]})
        status, body = server.request("POST", "/webhook", alert.encode(), bearer())
        self.assertEqual(status, 202, body)
        self.assertEqual([r["node"] for r in json.loads(body)["runs"]], ["node-a", "node-b"])
        incident = json.dumps({"event": {"event_type": "incident.triggered", "data": {
            "custom_details": {"nvsx_runbook": "quick", "node": "node-c"}}}})
        status, body = server.request("POST", "/webhook", incident.encode(), bearer())
        self.assertEqual(status, 202, body)
        self.assertEqual(json.loads(body)["node"], "node-c")
        ack = json.dumps({"event": {"event_type": "incident.acknowledged", "data": {}}})
        status, body = server.request("POST", "/webhook", ack.encode(), bearer())
        self.assertEqual((status, json.loads(body)["status"]), (200, "ignored"))

    def test_ten_thousand_duplicates_make_exactly_one_run(self):
        server = self.serve("--token-file", os.path.join(self.dir, "token"))
        body = trigger("held", "gpu-node-7", source="pagerduty")
        statuses, runs, lock = {}, set(), threading.Lock()

        def send(count):
            conn = server.connect()
            for _ in range(count):
                status, data = server.request("POST", "/webhook", body, bearer(), conn=conn)
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                    runs.add(json.loads(data)["run"])
            conn.close()

        threads = [threading.Thread(target=send, args=(2500,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(statuses, {202: 1, 200: 9999})
        self.assertEqual(len(runs), 1)
        # The idempotency key answers with the same run too.
        keyed = dict(bearer(), **{"Idempotency-Key": "incident-42"})
        status, data = server.request("POST", "/webhook", body, keyed)
        self.assertEqual((status, json.loads(data)["run"]), (200, next(iter(runs))))
        open(self.release, "w").close()
        run = self.wait_run(server, next(iter(runs)), ["finished"], bearer())
        self.assertEqual(run["result"], "pass")
        self.assertEqual(self.db("SELECT COUNT(*) FROM serve_triggers"), [(1,)])
        self.assertEqual(self.db("SELECT COUNT(*) FROM runs"), [(1,)])
        status, data = server.request("POST", "/webhook", body, keyed)
        self.assertEqual((status, json.loads(data)["run"]), (200, next(iter(runs))))

    def test_kill_9_with_runs_in_flight_leaves_every_accepted_run_accounted_for(self):
        args = ("--token-file", os.path.join(self.dir, "token"), "--max-concurrent-runs", "2")
        server = self.serve(*args)
        accepted = []
        for i in range(6):
            status, data = server.request("POST", "/webhook", trigger("held", "node-%d" % i),
                                          bearer())
            self.assertEqual(status, 202, data)
            accepted.append(json.loads(data)["run"])
        for run_id in accepted[:2]:
            self.wait_run(server, run_id, ["running"], bearer(), stages=1)
        server.stop(signal.SIGKILL)

        restarted = self.serve(*args)
        for run_id in accepted:
            run = self.wait_run(restarted, run_id, ["finished", "interrupted"], bearer())
            self.assertEqual((run["state"], run["result"]), ("interrupted", "interrupted"), run)
        self.assertEqual(self.db("SELECT COUNT(*) FROM serve_triggers"), [(6,)])
        # The runs that had started are closed in the history too.
        self.assertEqual(self.db("SELECT COUNT(*) FROM runs WHERE result = 'interrupted'"), [(2,)])
        with open(restarted.log.name) as f:
            self.assertEqual(f.read().count("marked interrupted"), 6)

    def test_sigterm_lets_running_runs_reach_postmortem(self):
        server = self.serve("--token-file", os.path.join(self.dir, "token"))
        status, data = server.request("POST", "/webhook", trigger("held", "gpu-node-3"), bearer())
        run_id = json.loads(data)["run"]
        self.wait_run(server, run_id, ["running"], bearer(), stages=1)
        server.proc.send_signal(signal.SIGTERM)
        # Shutdown waits for the hook in progress (it waits for the release
        # file), then skips to postmortem.
        time.sleep(0.3)
        self.assertIsNone(server.proc.poll())
        open(self.release, "w").close()
        self.assertEqual(server.proc.wait(timeout=60), 0)
        self.assertEqual(self.db("SELECT state, result FROM serve_triggers"),
                         [("finished", "interrupted")])
        with open(os.path.join(self.state, "runs", run_id, "post.txt")) as f:
            self.assertEqual(f.read(), "postmortem gpu-node-3\n")


class WatchTest(ServeTest):
    """--mode watch against a running `nvsentinel sim`."""

    def setUp(self):
        super().setUp()
        # The Kubernetes client keeps its pooled connection past our use of it.
        warnings.simplefilter("ignore", ResourceWarning)
        self.sim = SimProcess(NVSENTINEL, self.dir, "--nodes", "2")
        self.env["KUBECONFIG"] = self.sim.kubeconfig

    def tearDown(self):
        self.sim.stop()
        super().tearDown()

    def create_event(self, name, node):
        from kubernetes import client, config
        config.load_kube_config(config_file=self.env["KUBECONFIG"])
        with client.ApiClient() as api_client:
            return self.create_with(client.CustomObjectsApi(api_client), name, node)

    def create_with(self, api, name, node):
        """Creates the event; returns the time just before the request."""
        before = time.time()
        api.create_cluster_custom_object("nvsentinel.nvidia.com", "v1alpha1", "healthevents", {
            "apiVersion": "nvsentinel.nvidia.com/v1alpha1", "kind": "HealthEvent",
            "metadata": {"name": name},
            "spec": {"nodeName": node, "agent": "test", "checkName": "GpuPcieWatch",
                     "isFatal": True, "isHealthy": False, "errorCode": ["79"],
                     "message": "GPU has fallen off the bus"}})
        return before

    def wait_ready(self, server):
        deadline = time.monotonic() + 30
        while server.request("GET", "/readyz")[0] != 200:
            self.assertLess(time.monotonic(), deadline, "never ready")
            time.sleep(0.05)

    def triggers(self):
        return self.db("SELECT run_id, runbook, node, source, accepted_ms FROM serve_triggers")

    def test_a_new_fatal_event_fires_its_runbook_once_even_across_a_restart(self):
        server = self.serve("--mode", "watch")
        self.wait_ready(server)
        self.assertEqual(server.request("POST", "/webhook", b"{}")[0], 404)  # watch mode only
        before = self.create_event("xid-79-gpu-node-1", "gpu-node-1")
        rows = []
        deadline = time.monotonic() + 10
        while not rows and time.monotonic() < deadline:
            rows = self.triggers() if os.path.exists(os.path.join(self.state, "runs.db")) else []
            time.sleep(0.002)
        self.assertEqual(len(rows), 1)
        run_id, runbook, node, source, accepted_ms = rows[0]
        self.assertEqual((runbook, node, source), ("pcie", "gpu-node-1",
                                                   "healthevent:xid-79-gpu-node-1"))
        print("\nwatch mode: fired %.1f ms after the create request was sent"
              % (accepted_ms - before * 1000), file=sys.stderr)
        run = self.wait_run(server, run_id, ["finished"], {})
        self.assertEqual(run["result"], "pass", run)
        self.assertEqual(server.stop(), 0)

        restarted = self.serve("--mode", "poll", "--poll-interval", "10")
        self.wait_ready(restarted)
        time.sleep(0.5)
        self.assertEqual(len(self.triggers()), 1)
        self.create_event("xid-79-gpu-node-0", "gpu-node-0")
        deadline = time.monotonic() + 10
        while len(self.triggers()) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(sorted(r[2] for r in self.triggers()), ["gpu-node-0", "gpu-node-1"])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1] + sys.argv[3:], verbosity=2)
