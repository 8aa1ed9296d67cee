#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/sim_server_fixture.h"

namespace nvsx::sim {
namespace {

using ::testing::HasSubstr;

class PythonClientTest : public testing::SimServerTest {
 protected:
  void Customize(ApiServerOptions& options) override {
    // A short history, so a watch from an old version is provably too old.
    options.store.history_limit = 20;
  }
  // Runs `body` after a preamble that loads the kubeconfig and defines `v1`,
  // `custom` and `expect_status(code, fn)`; the script prints "OK" at the end.
  core::SubprocessResult Run(const std::string& body) {
    const std::string script = R"(
import os, sys
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException
config.load_kube_config(config_file=os.environ["KUBECONFIG"])
v1 = client.CoreV1Api()
policy = client.PolicyV1Api()
custom = client.CustomObjectsApi()
def expect_status(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ApiException as e:
        assert e.status == code, (e.status, e.body)
        return e
    raise AssertionError("expected HTTP %d" % code)
)" + body + "\nprint('OK')\n";
    core::SubprocessResult result = Python(script);
    EXPECT_TRUE(result.Succeeded()) << result.stderr_text << result.stdout_text;
    EXPECT_THAT(result.stdout_text, HasSubstr("OK"));
    return result;
  }
};

TEST_F(PythonClientTest, CreateListPatchDelete) {
  Run(R"(
cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cfg", labels={"app": "x"}), data={"a": "1"})
created = v1.create_namespaced_config_map("default", cm)
assert created.metadata.resource_version
gen = v1.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(generate_name="gen-")))
assert gen.metadata.name.startswith("gen-") and len(gen.metadata.name) == 9, gen.metadata.name
items = v1.list_namespaced_config_map("default", label_selector="app=x").items
assert [i.metadata.name for i in items] == ["cfg"], items
patched = v1.patch_namespaced_config_map("cfg", "default", {"data": {"b": "2"}})
assert patched.data == {"a": "1", "b": "2"}, patched.data
v1.delete_namespaced_config_map("cfg", "default")
expect_status(404, v1.read_namespaced_config_map, "cfg", "default")
page = v1.list_namespaced_config_map("default", limit=1)
assert len(page.items) == 1 and not page.metadata._continue
)");
}

TEST_F(PythonClientTest, NodesCordonViaPatchAndStatus) {
  Run(R"(
node = client.V1Node(metadata=client.V1ObjectMeta(name="n1", labels={"nvidia.com/gpu.present": "true"}))
v1.create_node(node)
v1.patch_node("n1", {"spec": {"unschedulable": True}})
assert v1.read_node("n1").spec.unschedulable is True
v1.patch_node_status("n1", {"status": {"conditions": [{"type": "Ready", "status": "False"}]}})
got = v1.read_node("n1")
assert got.status.conditions[0].status == "False"
assert got.spec.unschedulable is True
assert [n.metadata.name for n in v1.list_node(label_selector="nvidia.com/gpu.present").items] == ["n1"]
assert v1.list_node(field_selector="metadata.name=zz").items == []
)");
}

TEST_F(PythonClientTest, ConflictsAndAlreadyExists) {
  Run(R"(
v1.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="ml")))
cm = v1.create_namespaced_config_map("ml", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="c")))
e = expect_status(409, v1.create_namespaced_config_map, "ml", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="c")))
assert '"reason":"AlreadyExists"' in e.body.replace(" ", ""), e.body
stale = cm.metadata.resource_version
cm.data = {"x": "1"}
v1.replace_namespaced_config_map("c", "ml", cm)
cm.metadata.resource_version = stale
e = expect_status(409, v1.replace_namespaced_config_map, "c", "ml", cm)
assert "Conflict" in e.body and "the object has been modified" in e.body, e.body
expect_status(404, v1.create_namespaced_config_map, "nope", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="c")))
)");
}

TEST_F(PythonClientTest, WatchFromResourceVersionAndGone) {
  Run(R"(
start = v1.list_namespaced_config_map("default").metadata.resource_version
for i in range(3):
    v1.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="w%d" % i)))
v1.delete_namespaced_config_map("w0", "default")
seen = []
w = watch.Watch()
for event in w.stream(v1.list_namespaced_config_map, "default", resource_version=start, timeout_seconds=5):
    seen.append((event["type"], event["object"].metadata.name))
    if len(seen) == 4:
        w.stop()
assert seen == [("ADDED", "w0"), ("ADDED", "w1"), ("ADDED", "w2"), ("DELETED", "w0")], seen
# Push the history window (20 changes) past `start`.
for i in range(25):
    v1.patch_namespaced_config_map("w1", "default", {"data": {"i": str(i)}})
try:
    for event in watch.Watch().stream(v1.list_namespaced_config_map, "default", resource_version=start, timeout_seconds=5):
        raise AssertionError("expected 410, got %r" % (event,))
except ApiException as e:
    assert e.status == 410, e
)");
}

TEST_F(PythonClientTest, CustomResourcesValidatedWith422) {
  Run(R"(
ext = client.ApiextensionsV1Api()
crd = {
  "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {"name": "rebootnodes.janitor.dgxc.nvidia.com"},
  "spec": {"group": "janitor.dgxc.nvidia.com", "scope": "Namespaced",
           "names": {"plural": "rebootnodes", "kind": "RebootNode", "singular": "rebootnode"},
           "versions": [{"name": "v1alpha1", "served": True, "storage": True,
                         "subresources": {"status": {}},
                         "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                             "spec": {"type": "object", "required": ["nodeName"], "properties": {
                                 "nodeName": {"type": "string"}, "force": {"type": "boolean"}}},
                             "status": {"type": "object", "properties": {"phase": {"type": "string"}}}}}}}]}}
ext.create_custom_resource_definition(crd)
g, v, p = "janitor.dgxc.nvidia.com", "v1alpha1", "rebootnodes"
obj = {"apiVersion": g + "/" + v, "kind": "RebootNode", "metadata": {"name": "r1"},
       "spec": {"nodeName": "n1"}, "status": {"phase": "ignored"}}
made = custom.create_namespaced_custom_object(g, v, "default", p, obj)
assert "status" not in made, made
e = expect_status(422, custom.create_namespaced_custom_object, g, v, "default", p,
                  {"apiVersion": g + "/" + v, "kind": "RebootNode", "metadata": {"name": "r2"},
                   "spec": {"force": "yes"}})
assert "spec.nodeName" in e.body and "spec.force" in e.body, e.body
custom.patch_namespaced_custom_object_status(g, v, "default", p, "r1", {"status": {"phase": "Done"}})
got = custom.get_namespaced_custom_object(g, v, "default", p, "r1")
assert got["status"]["phase"] == "Done", got
listed = custom.list_cluster_custom_object(g, v, p)
assert [i["metadata"]["name"] for i in listed["items"]] == ["r1"], listed
custom.delete_namespaced_custom_object(g, v, "default", p, "r1")
expect_status(404, custom.get_namespaced_custom_object, g, v, "default", p, "r1")
)");
}

TEST_F(PythonClientTest, EvictionHonoursDisruptionBudgetWith429) {
  Run(R"(
labels = {"app": "train"}
for name in ["a", "b"]:
    v1.create_namespaced_pod("default", client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1PodSpec(node_name="n1", containers=[client.V1Container(name="c", image="i")])))
    v1.patch_namespaced_pod_status(name, "default", {"status": {"phase": "Running"}})
policy.create_namespaced_pod_disruption_budget("default", client.V1PodDisruptionBudget(
    metadata=client.V1ObjectMeta(name="train-pdb"),
    spec=client.V1PodDisruptionBudgetSpec(min_available=2, selector=client.V1LabelSelector(match_labels=labels))))
body = client.V1Eviction(metadata=client.V1ObjectMeta(name="a", namespace="default"))
e = expect_status(429, v1.create_namespaced_pod_eviction, "a", "default", body)
assert "disruption budget" in e.body and "train-pdb" in e.body, e.body
policy.patch_namespaced_pod_disruption_budget("train-pdb", "default", {"spec": {"minAvailable": 1}})
v1.create_namespaced_pod_eviction("a", "default", body)
expect_status(404, v1.read_namespaced_pod, "a", "default")
assert [p.metadata.name for p in v1.list_pod_for_all_namespaces(field_selector="spec.nodeName=n1").items] == ["b"]
)");
}

}  // namespace
}  // namespace nvsx::sim
