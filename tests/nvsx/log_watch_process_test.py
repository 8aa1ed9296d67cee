#!/usr/bin/python3
"""Log watches end to end, as an operator meets them: `nvsentinel sim` runs its
workload (training pods print steps), stock kubectl reads and follows their
logs, and `nvsx run` waits in a training-log stage until `nvsentinel sim inject
--xid 79` makes the training pod print the CUDA/NCCL error a PyTorch job prints.
Usage: log_watch_process_test.py NVSX_BINARY NVSENTINEL_BINARY [unittest arguments]"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test_support"))
from sim_process import SimProcess  # noqa: E402

NVSX, NVSENTINEL = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])

RUNBOOK = """apiVersion: nvsx/v1
kind: Runbook
metadata: {name: training-fault, title: Training job hit by a GPU fault}
stages:
  - id: detect
    watch:
      - kind: training-log
        namespace: workloads
        pod: training-0
        pattern: "CUDA error: unspecified launch failure"
      - kind: log
        namespace: workloads
        selector: app=training
        pattern: "NCCL error in: .*unhandled cuda error"
    timeout: 60s
"""


class LogWatchProcessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="nvsx-logs-")
        cls.sim = SimProcess(NVSENTINEL, cls.dir, "--nodes", "2")
        root = os.path.join(cls.dir, "project")
        os.makedirs(os.path.join(root, "runbooks"))
        with open(os.path.join(root, "runbooks", "training-fault.yaml"), "w") as f:
            f.write(RUNBOOK)
        cls.env = dict(os.environ, HOME=cls.dir, KUBECONFIG=cls.sim.kubeconfig,
                       NVSX_PROJECT_ROOT=root, NVSX_STATE_DIR=os.path.join(cls.dir, "state"))

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def kubectl(self, *args, check=True):
        result = subprocess.run(["kubectl", "--cache-dir", os.path.join(self.dir, "cache"), *args],
                                env=self.env, capture_output=True, text=True, timeout=60)
        if check:
            self.assertEqual(result.returncode, 0, result.stderr)
        return result

    def wait_log(self, pod, text):
        deadline = time.monotonic() + 30
        while True:
            out = self.kubectl("logs", "-n", "workloads", pod, check=False).stdout
            if text in out:
                return out
            self.assertLess(time.monotonic(), deadline, "%s never printed %r: %r" % (pod, text, out))
            time.sleep(0.1)

    def test_1_kubectl_reads_and_follows_the_workloads_logs(self):
        out = self.wait_log("training-0", "[rank0] step 2 | loss")
        self.assertIn("Starting training", out)
        self.assertRegex(self.kubectl("logs", "-n", "workloads", "training-0", "--tail=1").stdout,
                         r"^\[rank0\] step \d+ \| loss \d+\.\d+ .*\n$")
        self.assertIn("Uvicorn running", self.wait_log("inference-0", "Uvicorn running"))
        # -f streams: new step lines arrive while it runs.
        follow = subprocess.Popen(["kubectl", "logs", "-f", "--tail=1", "-n", "workloads",
                                   "training-1"], env=self.env, stdout=subprocess.PIPE,
                                  text=True)
        try:
            first = follow.stdout.readline()
            second = follow.stdout.readline()
        finally:
            follow.terminate()
            follow.wait(timeout=30)
            follow.stdout.close()
        step = lambda line: int(line.split(" step ")[1].split(" ")[0])  # noqa: E731
        self.assertGreater(step(second), step(first), (first, second))
        bad = self.kubectl("logs", "-n", "workloads", "training-0", "-c", "sidecar", check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("container sidecar is not valid for pod training-0", bad.stderr)

    def test_2_a_training_log_stage_passes_on_the_fault_an_injection_causes(self):
        self.wait_log("training-0", "Starting training")
        run = subprocess.Popen([NVSX, "run", "training-fault", "--plain", "--target-node",
                                "gpu-node-0"], env=self.env, stdout=subprocess.PIPE, text=True)
        events = []
        try:
            for line in run.stdout:
                events.append(json.loads(line))
                if events[-1]["event"] == "stage_start":
                    break
            time.sleep(1.5)  # steps print meanwhile; none matches
            self.assertIsNone(run.poll())
            inject = subprocess.run([NVSENTINEL, "sim", "inject", "--kubeconfig",
                                     self.sim.kubeconfig, "--node", "gpu-node-0", "--gpu", "0",
                                     "--xid", "79"], env=self.env, capture_output=True,
                                    text=True, timeout=60)
            self.assertEqual(inject.returncode, 0, inject.stderr)
            events.extend(json.loads(line) for line in run.stdout)
            self.assertEqual(run.wait(timeout=60), 0, events)
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
            run.stdout.close()
        satisfied = [e for e in events if e["event"] == "watch_satisfied"]
        self.assertEqual(len(satisfied), 2, events)
        by_kind = {s["kind"]: s["detail"] for s in satisfied}
        self.assertIn("pod workloads/training-0 logged", by_kind["training-log"])
        self.assertIn("CUDA error: unspecified launch failure", by_kind["training-log"])
        self.assertIn("unhandled cuda error", by_kind["log"])
        # training-1 runs on the same node: its job failed too; the other node's did not.
        self.assertIn("NCCL error in:", self.wait_log("training-1", "NCCL error in:"))
        self.assertNotIn("CUDA error", self.kubectl("logs", "-n", "workloads", "inference-0").stdout)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1] + sys.argv[3:], verbosity=2)
