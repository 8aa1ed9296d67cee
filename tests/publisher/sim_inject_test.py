#!/usr/bin/python3
"""`nvsentinel sim inject` as a user runs it against a running `nvsentinel sim`: the fault
travels simulated GPU -> health provider -> device API -> publisher, and kubectl sees the
HealthEvent. Usage: sim_inject_test.py NVSENTINEL_BINARY"""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test_support"))
from sim_process import SimProcess  # noqa: E402

NVSENTINEL = sys.argv[1]


class SimInjectTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="nvsx-sim-inject-")
        self.proc = SimProcess(NVSENTINEL, self.dir.name, "--nodes", "3", "--gpus-per-node", "4",
                               "--workload-pods", "0")
        self.kubeconfig = self.proc.kubeconfig
        self.env = dict(os.environ, KUBECONFIG=self.kubeconfig, HOME=self.dir.name)

    def tearDown(self):
        self.proc.stop()
        self.dir.cleanup()

    def run_tool(self, *args):
        return subprocess.run(list(args), env=self.env, capture_output=True, text=True,
                              timeout=60)

    def inject(self, *args):
        return self.run_tool(NVSENTINEL, "sim", "inject", "--kubeconfig", self.kubeconfig, *args)

    def health_events(self):
        result = self.run_tool("kubectl", "get", "healthevents", "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)["items"]

    def wait_for(self, predicate, what):
        for _ in range(250):
            events = self.health_events()
            if predicate(events):
                return events
            time.sleep(0.04)
        self.fail(f"timed out waiting for {what}: {events}")

    def test_xid_79_becomes_one_health_event_that_kubectl_shows(self):
        result = self.inject("--node", "gpu-node-1", "--gpu", "3", "--xid", "79")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "applied: XID 79 on gpu-node-1 GPU 3")
        events = self.wait_for(lambda e: len(e) == 1, "one HealthEvent")
        spec = events[0]["spec"]
        self.assertEqual(spec["nodeName"], "gpu-node-1")
        self.assertEqual(spec["checkName"], "GpuPcieWatch")
        self.assertEqual(spec["errorCode"], ["79"])
        self.assertEqual(spec["recommendedAction"], "RESTART_BM")
        self.assertTrue(spec["isFatal"])
        table = self.run_tool("kubectl", "get", "healthevents")
        self.assertEqual(table.returncode, 0, table.stderr)
        row = table.stdout.splitlines()[1].split()
        self.assertEqual(row[1:4], ["gpu-node-1", "GpuPcieWatch", "79"], table.stdout)
        # The request was consumed: nothing is left behind.
        left = self.run_tool("kubectl", "get", "configmaps", "-n", "nvsentinel", "-l",
                             "sim.nvsentinel.nvidia.com/fault-request=true", "-o", "name")
        self.assertEqual(left.stdout.strip(), "")

        result = self.inject("--node", "gpu-node-1", "--gpu", "3", "--clear")
        self.assertEqual(result.returncode, 0, result.stderr)
        events = self.wait_for(lambda e: e and e[0]["spec"].get("isHealthy"), "recovery")
        self.assertEqual(len(events), 1)

    def test_a_fault_by_name_and_bad_requests(self):
        result = self.inject("--node", "gpu-node-0", "--gpu", "2", "--fault", "ecc")
        self.assertEqual(result.returncode, 0, result.stderr)
        events = self.wait_for(lambda e: len(e) == 1, "one HealthEvent")
        self.assertEqual(events[0]["spec"]["checkName"], "GpuMemWatch")
        self.assertEqual(events[0]["spec"]["errorCode"], ["48"])

        result = self.inject("--node", "gpu-node-7", "--gpu", "0", "--xid", "79")
        self.assertEqual(result.returncode, 2)
        self.assertIn('no simulated GPU node "gpu-node-7"', result.stderr)
        result = self.inject("--node", "gpu-node-0", "--gpu", "0")
        self.assertEqual(result.returncode, 2)
        self.assertIn("--xid", result.stderr)
        result = self.inject("--node", "gpu-node-0", "--gpu", "0", "--fault", "melted")
        self.assertEqual(result.returncode, 2)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
