#!/usr/bin/python3
"""`nvsentinel janitor --backend sim` as a user runs it beside `nvsentinel sim`: a RebootNode
applied with kubectl reboots the simulated node, heals its GPUs (the HealthEvent turns healthy)
and is marked NodeReady. Usage: janitor_process_test.py NVSENTINEL_BINARY"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test_support"))
from sim_process import SimProcess  # noqa: E402

NVSENTINEL = sys.argv[1]

REBOOT = """apiVersion: janitor.dgxc.nvidia.com/v1alpha1
kind: RebootNode
metadata:
  name: reboot-gpu-node-1
spec:
  nodeName: gpu-node-1
"""


class JanitorProcessTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="nvsx-janitor-")
        self.sim = SimProcess(NVSENTINEL, self.dir.name, "--nodes", "2", "--gpus-per-node", "4",
                              "--workload-pods", "2")
        self.kubeconfig = self.sim.kubeconfig
        self.env = dict(os.environ, KUBECONFIG=self.kubeconfig, HOME=self.dir.name)
        self.janitor_log = open(os.path.join(self.dir.name, "janitor.log"), "w+")
        self.janitor = subprocess.Popen(
            [NVSENTINEL, "janitor", "--kubeconfig", self.kubeconfig, "--backend", "sim",
             "--identity", "janitor-under-test"],
            stdout=subprocess.DEVNULL, stderr=self.janitor_log)

    def tearDown(self):
        if self.janitor.poll() is None:
            self.janitor.terminate()
            self.janitor.wait(timeout=30)
        self.sim.stop()
        self.janitor_log.close()
        self.dir.cleanup()

    def kubectl(self, *args, stdin=None):
        result = subprocess.run(["kubectl", *args], env=self.env, capture_output=True, text=True,
                                input=stdin, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout

    def get(self, *args):
        return json.loads(self.kubectl("get", *args, "-o", "json"))

    def wait_for(self, fetch, predicate, what):
        value = None
        for _ in range(500):
            value = fetch()
            if predicate(value):
                return value
            time.sleep(0.05)
        self.janitor_log.seek(0)
        self.fail(f"timed out waiting for {what}: {value}\njanitor: {self.janitor_log.read()}")

    def test_a_reboot_node_applied_with_kubectl_reboots_and_heals_the_node(self):
        inject = subprocess.run(
            [NVSENTINEL, "sim", "inject", "--kubeconfig", self.kubeconfig, "--node", "gpu-node-1",
             "--gpu", "2", "--xid", "79"], env=self.env, capture_output=True, text=True,
            timeout=60)
        self.assertEqual(inject.returncode, 0, inject.stderr)
        self.wait_for(lambda: self.get("healthevents")["items"], lambda items: len(items) == 1,
                      "the XID 79 HealthEvent")

        self.kubectl("apply", "-f", "-", stdin=REBOOT)
        reboot = self.wait_for(
            lambda: self.get("rebootnode", "reboot-gpu-node-1"),
            lambda r: "completionTime" in r.get("status", {}), "the reboot to complete")
        status = reboot["status"]
        self.assertIn("startTime", status)
        conditions = {c["type"]: c for c in status["conditions"]}
        self.assertEqual(conditions["NodeReady"]["status"], "True", conditions)
        self.assertEqual(conditions["SignalSent"]["status"], "True", conditions)
        node = self.get("node", "gpu-node-1")
        ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"][0]
        self.assertEqual(ready["status"], "True")
        self.assertGreater(ready["lastTransitionTime"], status["startTime"])

        # The reboot healed the GPUs: the publisher marks the HealthEvent healthy.
        self.wait_for(lambda: self.get("healthevents")["items"],
                      lambda items: items and items[0]["spec"].get("isHealthy"),
                      "the HealthEvent to turn healthy")
        reasons = self.wait_for(
            lambda: {e.get("reason") for e in self.get("events.v1.events.k8s.io", "-n", "default")["items"]},
            lambda seen: {"RebootStarted", "RebootSucceeded"} <= seen, "the janitor's Events")
        self.assertIn("RebootSucceeded", reasons)
        lease = self.get("lease", "-n", "nvsentinel", "nvsentinel-janitor")
        self.assertEqual(lease["spec"]["holderIdentity"], "janitor-under-test")

        self.janitor.send_signal(signal.SIGTERM)
        self.assertEqual(self.janitor.wait(timeout=30), 0)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
