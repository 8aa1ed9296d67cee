#!/usr/bin/python3
"""The CRDs under deploy/ render with stock kubectl kustomize and are structural:
every schema node has a type, and every printer column points at a field the
schema defines. Usage: crd_manifest_test.py REPO_ROOT"""
import subprocess
import sys
import unittest

import yaml

ROOT = sys.argv[1]


def render(path):
    out = subprocess.run(["kubectl", "kustomize", f"{ROOT}/{path}"], check=True,
                         capture_output=True, text=True).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def untyped_nodes(schema, path="$"):
    """Paths of schema nodes without a type (a structural schema forbids them)."""
    bad = [] if "type" in schema else [path]
    for name, child in schema.get("properties", {}).items():
        bad += untyped_nodes(child, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        bad += untyped_nodes(schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        bad += untyped_nodes(schema["additionalProperties"], f"{path}{{}}")
    return bad


def resolves(schema, json_path):
    node = schema
    for part in json_path.lstrip(".").split("."):
        name = part.split("[")[0]
        if name in ("metadata",) and node is schema:
            return True  # ObjectMeta is defined by the API server
        node = node.get("properties", {}).get(name)
        if node is None:
            return False
        if "[" in part:
            node = node.get("items", {})
    return True


class CrdManifestTest(unittest.TestCase):
    def test_crds_are_structural_and_columns_resolve(self):
        crds = render("deploy/crds")
        names = sorted(c["metadata"]["name"] for c in crds)
        self.assertEqual(names, ["gpuresets.janitor.dgxc.nvidia.com",
                                 "healthevents.nvsentinel.nvidia.com",
                                 "rebootnodes.janitor.dgxc.nvidia.com"])
        for crd in crds:
            spec = crd["spec"]
            self.assertEqual(crd["metadata"]["name"], f"{spec['names']['plural']}.{spec['group']}")
            for version in spec["versions"]:
                schema = version["schema"]["openAPIV3Schema"]
                self.assertEqual(untyped_nodes(schema), [], crd["metadata"]["name"])
                self.assertIn("status", version.get("subresources", {}))
                for column in version.get("additionalPrinterColumns", []):
                    self.assertTrue(resolves(schema, column["jsonPath"]),
                                    f"{crd['metadata']['name']}: {column['jsonPath']}")

    def test_healthevent_matches_the_contract(self):
        crd = next(c for c in render("deploy/crds")
                   if c["spec"]["names"]["kind"] == "HealthEvent")
        self.assertEqual(crd["spec"]["scope"], "Cluster")
        version = crd["spec"]["versions"][0]
        self.assertEqual(version["name"], "v1alpha1")
        columns = [c["name"] for c in version["additionalPrinterColumns"]]
        self.assertEqual(columns, ["Node", "Check", "XID", "Phase", "Age"])
        props = version["schema"]["openAPIV3Schema"]["properties"]
        self.assertEqual(props["status"]["properties"]["phase"]["enum"],
                         ["New", "Quarantined", "Drained", "Remediated", "Resolved", "Failed",
                          "Cancelled"])
        self.assertIn("RESTART_BM", props["spec"]["properties"]["recommendedAction"]["enum"])
        self.assertEqual(props["spec"]["properties"]["processingStrategy"]["enum"],
                         ["UNSPECIFIED", "EXECUTE_REMEDIATION", "STORE_ONLY"])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
