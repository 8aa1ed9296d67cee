#!/usr/bin/python3
"""`nvsx serve --mode poll --source mongodb`: NVSentinel's legacy MongoDB, played
by a fake kubectl first on PATH (MongoDB is not in Debian). A new fatal document
fires its runbook once, not again after a restart; old, healthy and non-fatal
documents fire nothing.
Usage: serve_mongodb_test.py NVSX_BINARY FAKE_KUBECTL [unittest arguments]"""
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

NVSX, FAKE_KUBECTL = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])

PCIE = """apiVersion: nvsx/v1
kind: Runbook
metadata: {name: pcie, nickname: rogue-moose, title: GPU off the bus, tags: [xid-79]}
stages:
  - id: postmortem
    hook: hooks/post.sh
"""
POST_HOOK = '#!/bin/sh\necho "$NVSX_STAGE $NVSX_TARGET_NODE" > "$NVSX_ARTIFACT_DIR/post.txt"\n'
FIND = re.compile(r'^JSON\.stringify\(db\.getSiblingDB\("nvsentinel"\)\.getCollection\("HealthEvents"\)'
                  r'\.find\(\{_id: \{\$gt: ObjectId\("[0-9a-f]{24}"\)\}\}\)\.sort\(\{_id: 1\}\)'
                  r'\.limit\(100\)\.toArray\(\)\)$')


def object_id(created):
    """An ObjectId made at `created` (Unix seconds), as MongoDB makes them."""
    return "%08x" % int(created) + secrets.token_hex(8)


def event(created, node, fatal=True, healthy=False):
    """A document in the original nvsx's layout."""
    return {"_id": object_id(created), "checkName": "GpuPcieWatch", "isFatal": fatal,
            "isHealthy": healthy, "nodeName": node, "errorCode": ["79"]}


class ServeMongoDbTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="nvsx-serve-mongo-")
        root = os.path.join(self.dir, "project")
        os.makedirs(os.path.join(root, "runbooks", "hooks"))
        with open(os.path.join(root, "runbooks", "pcie.yaml"), "w") as f:
            f.write(PCIE)
        hook = os.path.join(root, "runbooks", "hooks", "post.sh")
        with open(hook, "w") as f:
            f.write(POST_HOOK)
        os.chmod(hook, 0o755)
        bin_dir = os.path.join(self.dir, "bin")
        os.makedirs(bin_dir)
        shutil.copy(FAKE_KUBECTL, os.path.join(bin_dir, "kubectl"))
        os.chmod(os.path.join(bin_dir, "kubectl"), 0o755)
        self.mongo = os.path.join(self.dir, "mongo")
        os.makedirs(self.mongo)
        self.state = os.path.join(self.dir, "state")
        self.env = dict(os.environ, HOME=self.dir, NVSX_STATE_DIR=self.state,
                        NVSX_PROJECT_ROOT=root, FAKE_MONGO_DIR=self.mongo,
                        PATH=bin_dir + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
                        KUBECONFIG=os.path.join(self.dir, "missing.kubeconfig"))
        self.documents = []
        self.process = None

    def tearDown(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)

    def store(self, *documents):
        self.documents.extend(documents)
        path = os.path.join(self.mongo, "HealthEvents.json")
        with open(path + ".tmp", "w") as f:
            json.dump(self.documents, f)
        os.replace(path + ".tmp", path)

    def serve(self):
        """Starts serve; returns its port once it listens."""
        self.log = os.path.join(self.dir, "serve-%d.log" % time.monotonic_ns())
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [NVSX, "serve", "--mode", "poll", "--source", "mongodb", "--mongodb-pod",
                 "mongo-0", "--poll-interval", "1", "--listen", "127.0.0.1:0"],
                cwd=self.dir, env=self.env, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 30
        while True:
            with open(self.log) as f:
                match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", f.read())
            if match:
                return int(match.group(1))
            self.assertIsNone(self.process.poll(), open(self.log).read())
            self.assertLess(time.monotonic(), deadline, "serve did not start")
            time.sleep(0.02)

    def get(self, port, path):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, body

    def wait_ready(self, port):
        deadline = time.monotonic() + 30
        while self.get(port, "/readyz")[0] != 200:
            self.assertLess(time.monotonic(), deadline, "never ready: " + open(self.log).read())
            time.sleep(0.05)

    def triggers(self):
        if not os.path.exists(os.path.join(self.state, "runs.db")):
            return []
        with sqlite3.connect(os.path.join(self.state, "runs.db"), timeout=10) as db:
            return db.execute("SELECT run_id, runbook, node, source FROM serve_triggers "
                              "ORDER BY accepted_ms").fetchall()

    def wait_triggers(self, count):
        deadline = time.monotonic() + 30
        while len(self.triggers()) < count:
            self.assertLess(time.monotonic(), deadline, "triggers: %r" % self.triggers())
            time.sleep(0.02)
        return self.triggers()

    def calls(self):
        with open(os.path.join(self.mongo, "calls.jsonl")) as f:
            return [json.loads(line) for line in f]

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.assertEqual(self.process.wait(timeout=60), 0)

    def test_each_new_fatal_document_fires_once_even_across_a_restart(self):
        now = time.time()
        fatal = event(now - 60, "gpu-node-1")
        self.store(event(now - 3600, "gpu-node-3"),              # before the lookback
                   fatal,
                   event(now - 50, "gpu-node-2", fatal=False),   # a warning
                   event(now - 40, "gpu-node-2", healthy=True))  # a recovery
        port = self.serve()
        self.wait_ready(port)
        rows = self.wait_triggers(1)
        self.assertEqual([r[1:] for r in rows],
                         [("pcie", "gpu-node-1", "mongodb:" + fatal["_id"])])
        # The exact command line: kubectl exec into the named pod, mongosh --quiet --eval.
        call = self.calls()[0]
        self.assertEqual(call[:8], ["exec", "-n", "nvsentinel", "mongo-0", "--", "mongosh",
                                    "--quiet", "--eval"])
        self.assertRegex(call[8], FIND)
        run_id = rows[0][0]
        deadline = time.monotonic() + 30
        while not os.path.exists(os.path.join(self.state, "runs", run_id, "post.txt")):
            self.assertLess(time.monotonic(), deadline, "the run never reached postmortem")
            time.sleep(0.02)
        with open(os.path.join(self.state, "runs", run_id, "post.txt")) as f:
            self.assertEqual(f.read(), "postmortem gpu-node-1\n")
        polls = len(self.calls())
        self.stop()

        port = self.serve()
        self.wait_ready(port)
        deadline = time.monotonic() + 30
        while len(self.calls()) < polls + 3:  # the restart has read the collection again, twice
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.assertEqual(len(self.triggers()), 1)
        newer = event(time.time(), "gpu-node-0")
        self.store(newer)
        rows = self.wait_triggers(2)
        self.assertEqual(rows[1][1:], ("pcie", "gpu-node-0", "mongodb:" + newer["_id"]))
        time.sleep(1.5)
        self.assertEqual(len(self.triggers()), 2)
        self.stop()

    def test_an_unreachable_database_keeps_it_unready_and_says_why(self):
        with open(os.path.join(self.mongo, "exit.json"), "w") as f:
            json.dump({"code": 1, "stderr": "error: pods \"mongo-0\" not found"}, f)
        port = self.serve()
        deadline = time.monotonic() + 30
        while "could not read NVSentinel's MongoDB" not in open(self.log).read():
            self.assertLess(time.monotonic(), deadline, open(self.log).read())
            time.sleep(0.05)
        self.assertEqual(self.get(port, "/readyz")[0], 503)
        self.assertIn('pods \\"mongo-0\\" not found', open(self.log).read())
        self.stop()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1] + sys.argv[3:], verbosity=2)
