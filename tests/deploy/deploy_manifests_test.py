#!/usr/bin/python3
"""deploy/ renders with stock kubectl kustomize, every program is started with
flags it knows, every workload runs under a ServiceAccount the manifests
define, and `kubectl apply --dry-run=server` accepts it all on the embedded
cluster (then a real apply creates it).
Usage: deploy_manifests_test.py NVSENTINEL_BINARY NVSX_BINARY REPO_ROOT"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test_support"))
from sim_process import SimProcess  # noqa: E402

NVSENTINEL, NVSX, ROOT = sys.argv[1:4]
NAMESPACE = "nvsentinel"


def render():
    out = subprocess.run(["kubectl", "kustomize", f"{ROOT}/deploy"], check=True,
                         capture_output=True, text=True).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def containers(objects):
    for obj in objects:
        if obj["kind"] in ("Deployment", "DaemonSet"):
            for container in obj["spec"]["template"]["spec"]["containers"]:
                yield obj, container


def help_text(*command):
    return subprocess.run(list(command) + ["--help"], capture_output=True, text=True,
                          check=True).stdout


class RenderedManifestsTest(unittest.TestCase):
    def setUp(self):
        self.objects = render()

    def test_every_program_and_the_crds_are_there(self):
        kinds = {(o["kind"], o["metadata"]["name"]) for o in self.objects}
        for expected in [("Namespace", NAMESPACE),
                         ("DaemonSet", "nvsentinel-node-agent"),
                         ("Deployment", "nvsentinel-controller"),
                         ("Deployment", "nvsentinel-janitor"),
                         ("Deployment", "nvsx-serve"),
                         ("CustomResourceDefinition", "healthevents.nvsentinel.nvidia.com")]:
            self.assertIn(expected, kinds)
        controller = next(o for o in self.objects if o["metadata"]["name"] == "nvsentinel-controller"
                          and o["kind"] == "Deployment")
        self.assertEqual(controller["spec"]["replicas"], 2)

    def test_namespaced_objects_live_in_the_nvsentinel_namespace(self):
        cluster_scoped = {"Namespace", "CustomResourceDefinition", "ClusterRole",
                          "ClusterRoleBinding"}
        for obj in self.objects:
            if obj["kind"] not in cluster_scoped:
                self.assertEqual(obj["metadata"].get("namespace"), NAMESPACE,
                                 f'{obj["kind"]}/{obj["metadata"]["name"]}')

    def test_workloads_run_as_service_accounts_the_manifests_bind(self):
        accounts = {o["metadata"]["name"] for o in self.objects if o["kind"] == "ServiceAccount"}
        bound = {s["name"] for o in self.objects if o["kind"] in ("RoleBinding", "ClusterRoleBinding")
                 for s in o["subjects"]}
        roles = {(o["kind"], o["metadata"]["name"]) for o in self.objects
                 if o["kind"] in ("Role", "ClusterRole")}
        for obj in self.objects:
            if obj["kind"] in ("RoleBinding", "ClusterRoleBinding"):
                self.assertIn((obj["roleRef"]["kind"], obj["roleRef"]["name"]), roles)
        for obj, _ in containers(self.objects):
            account = obj["spec"]["template"]["spec"]["serviceAccountName"]
            self.assertIn(account, accounts)
            self.assertIn(account, bound)

    def test_every_container_starts_a_real_subcommand_with_flags_it_knows(self):
        for obj, container in containers(self.objects):
            self.assertEqual(container["image"], "ghcr.io/nvsx/nvsx:0.1.0")
            command = container.get("command", [])
            binary = NVSX if command[:1] and command[0].endswith("/nvsx") else NVSENTINEL
            args = container["args"]
            text = help_text(binary, args[0])
            for flag in (a.split("=")[0] for a in args if a.startswith("--")):
                self.assertRegex(text, re.escape(flag) + r"\b",
                                 f"{obj['metadata']['name']}/{container['name']}: {flag}")


class ApplyToTheEmbeddedClusterTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.sim = SimProcess(NVSENTINEL, self.dir, "--nodes", "2")
        self.env = dict(os.environ, KUBECONFIG=self.sim.kubeconfig)

    def tearDown(self):
        self.sim.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def kubectl(self, *args):
        return subprocess.run(["kubectl", *args], env=self.env, capture_output=True, text=True,
                              timeout=60)

    def test_a_server_side_dry_run_accepts_everything_and_creates_nothing(self):
        dry = self.kubectl("apply", "--dry-run=server", "-k", f"{ROOT}/deploy")
        self.assertEqual(dry.returncode, 0, dry.stderr)
        self.assertIn("deployment.apps/nvsentinel-controller created (server dry run)", dry.stdout)
        missing = self.kubectl("get", "deployment", "-n", NAMESPACE, "nvsentinel-controller")
        self.assertNotEqual(missing.returncode, 0, "a dry run must not create the Deployment")

        applied = self.kubectl("apply", "-k", f"{ROOT}/deploy")
        self.assertEqual(applied.returncode, 0, applied.stderr)
        listed = self.kubectl("get", "daemonsets,deployments,serviceaccounts", "-n", NAMESPACE,
                              "-o", "name")
        for name in ["daemonset.apps/nvsentinel-node-agent",
                     "deployment.apps/nvsentinel-controller", "deployment.apps/nvsentinel-janitor",
                     "deployment.apps/nvsx-serve", "serviceaccount/nvsentinel-controller"]:
            self.assertIn(name, listed.stdout)
        # Applying again changes nothing and still succeeds.
        again = self.kubectl("apply", "-k", f"{ROOT}/deploy")
        self.assertEqual(again.returncode, 0, again.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
