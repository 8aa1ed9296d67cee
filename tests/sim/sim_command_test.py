#!/usr/bin/python3
"""`nvsentinel sim` as a user runs it: it prints how to use the cluster, and stock
kubectl and the Python client see GPU nodes and our CRDs there.
Usage: sim_command_test.py NVSENTINEL_BINARY"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

NVSENTINEL = sys.argv[1]


class SimCommandTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="nvsx-sim-cmd-")
        self.proc = subprocess.Popen(
            [NVSENTINEL, "sim", "--nodes", "5", "--gpus-per-node", "4"], cwd=self.dir.name,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.banner = [self.proc.stdout.readline() for _ in range(3)]
        match = re.search(r"export KUBECONFIG=(\S+)", "".join(self.banner))
        self.assertIsNotNone(match, self.banner)
        self.kubeconfig = match.group(1)
        self.env = dict(os.environ, KUBECONFIG=self.kubeconfig, HOME=self.dir.name)

    def tearDown(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.dir.cleanup()

    def kubectl(self, *args):
        return subprocess.run(["kubectl", *args], env=self.env, capture_output=True, text=True,
                              timeout=60)

    def test_prints_how_to_use_it_and_writes_the_kubeconfig(self):
        self.assertIn("with 5 GPU nodes (4 GPUs each)", self.banner[0])
        self.assertEqual(self.kubeconfig, os.path.join(self.dir.name, ".nvsx/sim.kubeconfig"))
        self.assertTrue(os.path.isfile(self.kubeconfig))
        self.assertEqual(self.banner[2].strip(), "kubectl get nodes")

    def test_kubectl_sees_ready_gpu_nodes(self):
        result = self.kubectl("get", "nodes", "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        nodes = json.loads(result.stdout)["items"]
        self.assertEqual([n["metadata"]["name"] for n in nodes],
                         [f"gpu-node-{i}" for i in range(5)])
        for node in nodes:
            self.assertEqual(node["status"]["capacity"]["nvidia.com/gpu"], "4")
            self.assertEqual(node["metadata"]["labels"]["nvidia.com/gpu.present"], "true")
            ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
            self.assertEqual(ready[0]["status"], "True")
        self.assertEqual(nodes[4]["metadata"]["labels"]["nvsx.io/rack"], "rack-1")

    def test_our_crds_are_served(self):
        result = self.kubectl("get", "healthevents,rebootnodes,gpuresets")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("No resources found", result.stderr)
        from kubernetes import client, config
        config.load_kube_config(config_file=self.kubeconfig)
        crds = client.ApiextensionsV1Api().list_custom_resource_definition()
        self.assertEqual(sorted(c.metadata.name for c in crds.items),
                         ["gpuresets.janitor.dgxc.nvidia.com",
                          "healthevents.nvsentinel.nvidia.com",
                          "rebootnodes.janitor.dgxc.nvidia.com"])

    def test_refuses_to_listen_beyond_loopback(self):
        result = subprocess.run([NVSENTINEL, "sim", "--listen", "0.0.0.0:0"], cwd=self.dir.name,
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 2)
        self.assertIn("only on loopback", result.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
