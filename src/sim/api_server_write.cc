// create, update, patch, apply, delete, deletecollection and eviction, with
// the built-in behaviour around them (validation, CRDs, namespaces, grace periods).

#include "core/json_load.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "core/yaml_load.h"
#include "sim/api_call.h"
#include "sim/api_error.h"
#include "sim/api_server.h"
#include "sim/eviction.h"
#include "sim/grace_period.h"
#include "sim/json_patch.h"
#include "sim/schema_validation.h"
#include "sim/strategic_merge_patch.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

json StatusSuccess(const ResourceInfo& resource, const json& object) {
  const json metadata = object.value("metadata", json::object());
  json details = {{"name", metadata.value("name", "")}, {"kind", resource.resource}};
  if (!resource.group.empty()) details["group"] = resource.group;
  if (metadata.contains("uid")) details["uid"] = metadata["uid"];
  return {{"kind", "Status"},
          {"apiVersion", "v1"},
          {"metadata", json::object()},
          {"status", "Success"},
          {"details", std::move(details)}};
}

}  // namespace

absl::Status ApiServer::RequireNamespace(const std::string& namespace_name) {
  absl::StatusOr<json> found = store_.Get(Builtin("", "namespaces"), "", namespace_name);
  return found.ok() ? absl::OkStatus() : found.status();
}

absl::Status ApiServer::Validate(const ResourceInfo& resource, json& object, bool strict) {
  if (object.contains("kind") && object["kind"].is_string() &&
      object["kind"].get<std::string>() != resource.kind) {
    return BadRequest(core::StrCat("the object's kind \"", object["kind"].get<std::string>(),
                                   "\" does not match the resource \"", resource.resource,
                                   "\" (kind ", resource.kind, ")"));
  }
  if (resource.crd_name.empty()) {
    if (resource.resource == "customresourcedefinitions") {
      absl::StatusOr<std::vector<ResourceInfo>> infos = ResourcesFromCrd(object);
      const std::string name = object.value("metadata", json::object()).value("name", "");
      if (!infos.ok()) {
        return Invalid(resource.group, resource.kind, name,
                       {{"FieldValueInvalid", "spec", std::string(infos.status().message())}});
      }
      const json& spec = object["spec"];
      const std::string expected =
          core::StrCat(spec["names"].value("plural", ""), ".", spec.value("group", ""));
      if (name != expected) {
        return Invalid(resource.group, resource.kind, name,
                       {{"FieldValueInvalid", "metadata.name",
                         core::StrCat("Invalid value: \"", name,
                                      "\": must be spec.names.plural+\".\"+spec.group")}});
      }
    }
    return absl::OkStatus();
  }
  if (resource.schema == nullptr) return absl::OkStatus();
  std::vector<std::string> unknown = PruneUnknownFields(object, *resource.schema);
  if (!unknown.empty() && strict) {
    std::string fields;
    for (const std::string& field : unknown) {
      core::StrAppend(&fields, fields.empty() ? "" : ", ", "unknown field \"", field, "\"");
    }
    return BadRequest(core::StrCat("strict decoding error: ", fields));
  }
  std::vector<FieldCause> causes = ValidateAgainstSchema(object, *resource.schema);
  if (causes.empty()) return absl::OkStatus();
  return Invalid(resource.group, resource.kind,
                 object.value("metadata", json::object()).value("name", ""), causes);
}

absl::Status ApiServer::PrepareCreate(const ResourceInfo& resource, json& object) {
  if (!object.is_object()) return BadRequest("the object to create must be a JSON object");
  if (object.contains("metadata") && object["metadata"].is_object()) {
    object["metadata"].erase("managedFields");
    object["metadata"].erase("resourceVersion");
  }
  if (resource.group.empty() && resource.resource == "pods") {
    object["status"] = {{"phase", "Pending"}};
  } else if (resource.group.empty() && resource.resource == "namespaces") {
    object["status"] = {{"phase", "Active"}};
  } else if (resource.resource == "customresourcedefinitions") {
    const json& spec = object["spec"];
    json versions = json::array();
    for (const json& version : spec["versions"]) {
      if (version.value("storage", false)) versions.push_back(version.value("name", ""));
    }
    object["status"] = {{"acceptedNames", spec["names"]},
                        {"storedVersions", versions},
                        {"conditions",
                         {{{"type", "NamesAccepted"},
                           {"status", "True"},
                           {"reason", "NoConflicts"},
                           {"message", "no conflicts found"},
                           {"lastTransitionTime", store_.Timestamp()}},
                          {{"type", "Established"},
                           {"status", "True"},
                           {"reason", "InitialNamesAccepted"},
                           {"message", "the initial names have been accepted"},
                           {"lastTransitionTime", store_.Timestamp()}}}}};
  } else if (!resource.crd_name.empty() && resource.has_status) {
    object.erase("status");
  }
  return absl::OkStatus();
}

absl::Status ApiServer::AfterWrite(const ResourceInfo& resource, const json& object) {
  if (resource.resource == "customresourcedefinitions" && resource.crd_name.empty()) {
    return registry_.AddCrd(object);
  }
  return absl::OkStatus();
}

absl::Status ApiServer::AfterDelete(const ResourceInfo& resource, const json& object) {
  const std::string name = object["metadata"].value("name", "");
  if (resource.crd_name.empty() && resource.resource == "customresourcedefinitions") {
    // The CRD's objects go with it.
    std::vector<ResourceInfo> defined;
    for (const ResourceInfo& info : registry_.All()) {
      if (info.crd_name == name) defined.push_back(info);
    }
    registry_.RemoveCrd(name);
    if (!defined.empty()) {
      NVSX_ASSIGN_OR_RETURN(ListResult all, store_.List(defined[0], "", {}));
      for (const auto& item : all.items) {
        const json& metadata = (*item)["metadata"];
        store_.Delete(defined[0], metadata.value("namespace", ""), metadata.value("name", ""), {})
            .IgnoreError();
      }
    }
  }
  if (resource.group.empty() && resource.resource == "namespaces") {
    for (const ResourceInfo& info : registry_.All()) {
      if (!info.namespaced) continue;
      NVSX_ASSIGN_OR_RETURN(ListResult all, store_.List(info, name, {}));
      for (const auto& item : all.items) {
        store_.Delete(info, name, (*item)["metadata"].value("name", ""), {}).IgnoreError();
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ApiServer::Create(Call& call) {
  if (!call.path.subresource.empty()) return MethodNotSupported(call.resource.kind, "create");
  NVSX_ASSIGN_OR_RETURN(json object, call.Body());
  if (call.resource.namespaced) NVSX_RETURN_IF_ERROR(RequireNamespace(call.path.namespace_name));
  NVSX_RETURN_IF_ERROR(Validate(call.resource, object, StrictFields(call.http)));
  NVSX_RETURN_IF_ERROR(PrepareCreate(call.resource, object));
  if (DryRun(call.http)) {
    call.Reply(201, object);
    return absl::OkStatus();
  }
  NVSX_ASSIGN_OR_RETURN(json created,
                        store_.Create(call.resource, call.path.namespace_name, std::move(object)));
  if (absl::Status registered = AfterWrite(call.resource, created); !registered.ok()) {
    store_.Delete(call.resource, "", created["metadata"].value("name", ""), {}).IgnoreError();
    return Invalid(call.resource.group, call.resource.kind, created["metadata"].value("name", ""),
                   {{"FieldValueInvalid", "spec", std::string(registered.message())}});
  }
  call.Reply(201, created);
  return absl::OkStatus();
}

absl::Status ApiServer::Update(Call& call) {
  NVSX_ASSIGN_OR_RETURN(json object, call.Body());
  if (!object.is_object()) return BadRequest("the object must be a JSON object");
  NVSX_RETURN_IF_ERROR(Validate(call.resource, object, StrictFields(call.http)));
  if (DryRun(call.http)) {
    call.Reply(200, object);
    return absl::OkStatus();
  }
  const Subresource sub =
      call.path.subresource == "status" ? Subresource::kStatus : Subresource::kMain;
  NVSX_ASSIGN_OR_RETURN(json updated,
                        store_.Update(call.resource, DefaultNamespaceFor(call.resource, call.path),
                                      call.path.name, std::move(object), sub));
  NVSX_RETURN_IF_ERROR(AfterWrite(call.resource, updated));
  call.Reply(200, updated);
  return absl::OkStatus();
}

absl::Status ApiServer::Patch(Call& call) {
  const std::string type = MediaType(call.http);
  enum class Kind { kMerge, kJson, kStrategic } kind;
  if (type == "application/merge-patch+json") {
    kind = Kind::kMerge;
  } else if (type == "application/json-patch+json") {
    kind = Kind::kJson;
  } else if (type == "application/strategic-merge-patch+json") {
    if (!call.resource.crd_name.empty()) {
      return ApiError(415, "UnsupportedMediaType",
                      "strategic merge patch is not supported for custom resources; use "
                      "application/merge-patch+json or application/json-patch+json");
    }
    kind = Kind::kStrategic;
  } else if (type == "application/apply-patch+yaml") {
    return Apply(call);
  } else {
    return UnsupportedMediaType(type);
  }
  absl::StatusOr<json> patch = core::ParseJson(call.http.body, "patch");
  if (!patch.ok()) {
    return BadRequest(core::StrCat("the patch is not valid JSON: ", patch.status().message()));
  }
  const ResourceInfo& resource = call.resource;
  const bool strict = StrictFields(call.http);
  auto mutate = [&](const json& current) -> absl::StatusOr<json> {
    absl::StatusOr<json> patched;
    switch (kind) {
      case Kind::kMerge:
        if (!patch->is_object()) return BadRequest("a merge patch must be a JSON object");
        patched = ApplyMergePatch(current, *patch);
        break;
      case Kind::kJson:
        patched = ApplyJsonPatch(current, *patch);
        if (!patched.ok() && patched.status().code() == absl::StatusCode::kFailedPrecondition) {
          return ApiError(422, "Invalid", core::ToStd(patched.status().message()));
        }
        break;
      case Kind::kStrategic:
        patched = ApplyStrategicMergePatch(current, *patch, DefaultPatchMergeKeys());
        break;
    }
    if (!patched.ok()) {
      return HttpCodeOf(patched.status()) == 400 || HttpCodeOf(patched.status()) == 500
                 ? BadRequest(core::ToStd(patched.status().message()))
                 : patched.status();
    }
    NVSX_RETURN_IF_ERROR(Validate(resource, *patched, strict));
    return patched;
  };
  if (DryRun(call.http)) {
    NVSX_ASSIGN_OR_RETURN(
        json current,
        store_.Get(resource, DefaultNamespaceFor(resource, call.path), call.path.name));
    NVSX_ASSIGN_OR_RETURN(json patched, mutate(current));
    call.Reply(200, patched);
    return absl::OkStatus();
  }
  const Subresource sub =
      call.path.subresource == "status" ? Subresource::kStatus : Subresource::kMain;
  NVSX_ASSIGN_OR_RETURN(json updated,
                        store_.Mutate(resource, DefaultNamespaceFor(resource, call.path),
                                      call.path.name, mutate, sub));
  NVSX_RETURN_IF_ERROR(AfterWrite(resource, updated));
  call.Reply(200, updated);
  return absl::OkStatus();
}

absl::Status ApiServer::Apply(Call& call) {
  if (call.http.get_param_value("fieldManager").empty()) {
    return BadRequest("PATCH, application/apply-patch+yaml requires fieldManager parameter");
  }
  absl::StatusOr<YAML::Node> yaml = core::ParseYaml(call.http.body, "applied configuration");
  if (!yaml.ok()) return BadRequest(core::ToStd(yaml.status().message()));
  json applied = core::YamlToJson(*yaml);
  if (!applied.is_object()) return BadRequest("the applied configuration must be an object");
  const std::string name = applied.value("metadata", json::object()).value("name", "");
  if (name != call.path.name) {
    return BadRequest(core::StrCat("the name of the applied configuration (", name,
                                   ") does not match the name on the URL (", call.path.name, ")"));
  }
  applied["metadata"].erase("resourceVersion");
  applied["metadata"].erase("managedFields");
  const ResourceInfo& resource = call.resource;
  const std::string namespace_name = DefaultNamespaceFor(resource, call.path);
  const bool strict = StrictFields(call.http);
  const Subresource sub =
      call.path.subresource == "status" ? Subresource::kStatus : Subresource::kMain;
  absl::StatusOr<json> current = store_.Get(resource, namespace_name, call.path.name);
  if (!current.ok() && current.status().code() == absl::StatusCode::kNotFound &&
      sub == Subresource::kMain) {
    // Applying what is not there creates it.
    if (resource.namespaced) NVSX_RETURN_IF_ERROR(RequireNamespace(namespace_name));
    NVSX_RETURN_IF_ERROR(Validate(resource, applied, strict));
    NVSX_RETURN_IF_ERROR(PrepareCreate(resource, applied));
    NVSX_ASSIGN_OR_RETURN(json created,
                          store_.Create(resource, namespace_name, std::move(applied)));
    NVSX_RETURN_IF_ERROR(AfterWrite(resource, created));
    call.Reply(201, created);
    return absl::OkStatus();
  }
  NVSX_RETURN_IF_ERROR(current.status());
  auto merge = [&](const json& stored) -> absl::StatusOr<json> {
    json patched = ApplyMergePatch(stored, applied);
    NVSX_RETURN_IF_ERROR(Validate(resource, patched, strict));
    return patched;
  };
  NVSX_ASSIGN_OR_RETURN(json updated,
                        store_.Mutate(resource, namespace_name, call.path.name, merge, sub));
  NVSX_RETURN_IF_ERROR(AfterWrite(resource, updated));
  call.Reply(200, updated);
  return absl::OkStatus();
}

absl::Status ApiServer::Delete(Call& call) {
  if (!call.path.subresource.empty()) return MethodNotSupported(call.resource.kind, "delete");
  DeleteOptions options;
  json delete_options;
  if (!call.http.body.empty()) {
    absl::StatusOr<json> body = core::ParseJson(call.http.body, "delete options");
    if (!body.ok()) return BadRequest(core::ToStd(body.status().message()));
    delete_options = *body;
    if (body->contains("preconditions") && (*body)["preconditions"].is_object()) {
      const json& preconditions = (*body)["preconditions"];
      if (preconditions.contains("resourceVersion") &&
          preconditions["resourceVersion"].is_string()) {
        options.resource_version = preconditions["resourceVersion"].get<std::string>();
      }
      if (preconditions.contains("uid") && preconditions["uid"].is_string()) {
        options.uid = preconditions["uid"].get<std::string>();
      }
    }
  }
  const std::string namespace_name = DefaultNamespaceFor(call.resource, call.path);
  if (DryRun(call.http)) {
    NVSX_ASSIGN_OR_RETURN(json current, store_.Get(call.resource, namespace_name, call.path.name));
    call.Reply(200, current);
    return absl::OkStatus();
  }
  NVSX_ASSIGN_OR_RETURN(options.grace_period_seconds,
                        GracePeriodFor(call.resource, namespace_name, call.path.name,
                                       RequestedGracePeriod(delete_options, call.http)));
  NVSX_ASSIGN_OR_RETURN(json deleted,
                        store_.Delete(call.resource, namespace_name, call.path.name, options));
  // Marked for a grace period or held by finalizers: it is still there.
  const bool pending = deleted["metadata"].contains("deletionTimestamp") &&
                       store_.Get(call.resource, namespace_name, call.path.name).ok();
  if (!pending) NVSX_RETURN_IF_ERROR(AfterDelete(call.resource, deleted));
  if (pending || call.resource.resource == "pods") {
    call.Reply(200, deleted);
  } else {
    call.Reply(200, StatusSuccess(call.resource, deleted));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ApiServer::GracePeriodFor(const ResourceInfo& resource,
                                                  const std::string& namespace_name,
                                                  const std::string& name,
                                                  std::optional<int64_t> requested) {
  if (!IsPods(resource) || !options_.pod_grace_periods) return 0;
  NVSX_ASSIGN_OR_RETURN(json pod, store_.Get(resource, namespace_name, name));
  return PodGracePeriod(pod, requested);
}

absl::Status ApiServer::DeleteCollection(Call& call) {
  NVSX_ASSIGN_OR_RETURN(ListOptions options, ParseListOptions(call.http));
  options.limit = 0;
  NVSX_ASSIGN_OR_RETURN(ListResult result,
                        store_.List(call.resource, call.path.namespace_name, options));
  json items = json::array();
  const std::optional<int64_t> requested = RequestedGracePeriod(json(), call.http);
  for (const auto& item : result.items) {
    const json& metadata = (*item)["metadata"];
    DeleteOptions delete_options;
    if (IsPods(call.resource) && options_.pod_grace_periods) {
      delete_options.grace_period_seconds = PodGracePeriod(*item, requested);
    }
    absl::StatusOr<json> deleted = store_.Delete(call.resource, metadata.value("namespace", ""),
                                                 metadata.value("name", ""), delete_options);
    if (!deleted.ok()) continue;  // gone meanwhile
    if (delete_options.grace_period_seconds == 0) {
      NVSX_RETURN_IF_ERROR(AfterDelete(call.resource, *deleted));
    }
    items.push_back(*deleted);
  }
  call.Reply(200, {{"kind", core::StrCat(call.resource.kind, "List")},
                   {"apiVersion", call.resource.ApiVersion()},
                   {"metadata", {{"resourceVersion", store_.CurrentResourceVersion()}}},
                   {"items", std::move(items)}});
  return absl::OkStatus();
}

absl::Status ApiServer::Evict(Call& call) {
  NVSX_ASSIGN_OR_RETURN(json eviction, call.Body());
  if (!eviction.is_object()) return BadRequest("an Eviction must be a JSON object");
  const std::string body_name =
      eviction.value("metadata", json::object()).value("name", call.path.name);
  if (body_name != call.path.name) {
    return BadRequest(core::StrCat("name in URL does not match name in Eviction object"));
  }
  std::lock_guard<std::mutex> lock(eviction_mu_);
  NVSX_ASSIGN_OR_RETURN(json pod,
                        store_.Get(call.resource, call.path.namespace_name, call.path.name));
  ResourceInfo budgets_info = Builtin("policy", "poddisruptionbudgets");
  NVSX_ASSIGN_OR_RETURN(ListResult budgets,
                        store_.List(budgets_info, call.path.namespace_name, {}));
  std::vector<json> budget_objects;
  for (const auto& budget : budgets.items) budget_objects.push_back(*budget);
  std::vector<json> pods;
  if (!budget_objects.empty()) {
    NVSX_ASSIGN_OR_RETURN(ListResult all, store_.List(call.resource, call.path.namespace_name, {}));
    for (const auto& other : all.items) pods.push_back(*other);
  }
  NVSX_RETURN_IF_ERROR(CheckEviction(pod, budget_objects, pods));
  DeleteOptions options;
  if (options_.pod_grace_periods) {
    options.grace_period_seconds = PodGracePeriod(
        pod, RequestedGracePeriod(eviction.value("deleteOptions", json()), call.http));
  }
  NVSX_ASSIGN_OR_RETURN(json deleted, store_.Delete(call.resource, call.path.namespace_name,
                                                    call.path.name, options));
  call.Reply(201, {{"kind", "Status"},
                   {"apiVersion", "v1"},
                   {"metadata", json::object()},
                   {"status", "Success"},
                   {"code", 201}});
  return absl::OkStatus();
}

}  // namespace nvsx::sim
