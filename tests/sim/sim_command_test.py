#!/usr/bin/python3
"""`nvsentinel sim` as a user runs it: it prints how to use the cluster, and stock
kubectl and the Python client see GPU nodes, our CRDs and a running workload there,
over https with a token; --state keeps the objects across a restart.
Usage: sim_command_test.py NVSENTINEL_BINARY"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import unittest

NVSENTINEL = sys.argv[1]
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: default}\ndata: {%s}\n"


class SimCommandTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="nvsx-sim-cmd-")
        self.start("--nodes", "5", "--gpus-per-node", "4")

    def start(self, *flags):
        self.proc = subprocess.Popen(
            [NVSENTINEL, "sim", *flags], cwd=self.dir.name,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.banner = [self.proc.stdout.readline() for _ in range(3)]
        match = re.search(r"export KUBECONFIG=(\S+)", "".join(self.banner))
        self.assertIsNotNone(match, self.banner)
        self.kubeconfig = match.group(1)
        self.env = dict(os.environ, KUBECONFIG=self.kubeconfig, HOME=self.dir.name)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()

    def tearDown(self):
        self.stop()
        self.dir.cleanup()

    def kubectl(self, *args, input=None):
        return subprocess.run(["kubectl", *args], env=self.env, capture_output=True, text=True,
                              timeout=60, input=input)

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

    def test_serves_https_with_a_token_in_the_kubeconfig(self):
        self.assertIn("serving https://127.0.0.1:", self.banner[0])
        with open(self.kubeconfig) as f:
            text = f.read()
        self.assertIn("certificate-authority-data:", text)
        self.assertIn("token:", text)
        result = self.kubectl("--token", "wrong", "get", "nodes")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("You must be logged in", result.stderr)

    def test_workload_pods_run_with_a_daemonset_pod_per_node(self):
        from kubernetes import client, config
        config.load_kube_config(config_file=self.kubeconfig)
        core = client.CoreV1Api()
        deadline = time.time() + 30
        while time.time() < deadline:
            pods = core.list_pod_for_all_namespaces().items
            if pods and all(p.status.phase == "Running" for p in pods):
                break
            time.sleep(0.05)
        gpu = [p for p in pods if p.metadata.namespace == "workloads"]
        agents = [p for p in pods if p.metadata.namespace == "kube-system"]
        self.assertEqual(len(gpu), 8)
        self.assertEqual(len(agents), 5)
        self.assertTrue(all(p.status.phase == "Running" for p in pods))
        self.assertEqual(agents[0].metadata.owner_references[0].kind, "DaemonSet")
        pdbs = client.PolicyV1Api().list_namespaced_pod_disruption_budget("workloads").items
        self.assertEqual([b.metadata.name for b in pdbs], ["inference"])
        leases = client.CoordinationV1Api().list_namespaced_lease("kube-node-lease").items
        self.assertEqual(len(leases), 5)

    def test_plain_http_on_request(self):
        self.stop()
        self.start("--plain-http", "--workload-pods", "0")
        self.assertIn("serving http://127.0.0.1:", self.banner[0])
        result = self.kubectl("get", "pods", "-A", "-o", "name")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(result.stdout.split()), 4)  # the DaemonSet's pods only

    def test_max_connections_serves_more_watches_than_the_default(self):
        self.stop()
        self.start("--plain-http", "--workload-pods", "0", "--max-connections", "200")
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)", self.banner[0]).group(1))
        watches = []
        try:
            # 100 open watches: past the default of 64 they would hold every
            # worker and the get below would wait for one.
            for _ in range(100):
                sock = socket.create_connection(("127.0.0.1", port), timeout=10)
                sock.sendall(b"GET /api/v1/nodes?watch=1 HTTP/1.1\r\nHost: x\r\n\r\n")
                watches.append(sock)
            for sock in watches:
                self.assertTrue(sock.recv(4096).startswith(b"HTTP/1.1 200"))
            result = self.kubectl("get", "nodes", "-o", "name", "--request-timeout", "10s")
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(len(result.stdout.split()), 4)
        finally:
            for sock in watches:
                sock.close()

    def test_max_connections_out_of_range_is_refused(self):
        result = subprocess.run([NVSENTINEL, "sim", "--max-connections", "2"], cwd=self.dir.name,
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("--max-connections", result.stderr)

    def test_state_file_keeps_objects_across_a_restart(self):
        self.stop()
        self.start("--state", "sim.db", "--workload-pods", "2")
        result = self.kubectl("apply", "-o", "json", "-f", "-", input=CONFIGMAP % ("kept", "a: '1'"))
        self.assertEqual(result.returncode, 0, result.stderr)
        before = int(json.loads(result.stdout)["metadata"]["resourceVersion"])
        self.stop()
        self.start("--state", "sim.db", "--workload-pods", "2")
        result = self.kubectl("get", "configmap", "kept", "-o", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)["data"], {"a": "1"})
        result = self.kubectl("get", "pods", "-n", "workloads", "-o", "name")
        self.assertEqual(result.stdout.split(), ["pod/inference-0", "pod/training-0"])
        result = self.kubectl("apply", "-o", "json", "-f", "-", input=CONFIGMAP % ("after", "b: '2'"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertGreater(int(json.loads(result.stdout)["metadata"]["resourceVersion"]), before)

    def test_refuses_to_listen_beyond_loopback(self):
        result = subprocess.run([NVSENTINEL, "sim", "--listen", "0.0.0.0:0"], cwd=self.dir.name,
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 2)
        self.assertIn("only on loopback", result.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
