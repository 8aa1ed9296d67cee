#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "kube/types/object_view.h"

namespace nvsx::kube {

// What an Event is about (core/v1 ObjectReference).
struct ObjectReference {
  std::string api_version;
  std::string kind;
  std::string namespace_name;
  std::string name;
  std::string uid;
  std::string resource_version;
  std::string field_path;

  // A reference to `object` (apiVersion, kind, namespace, name, uid, resourceVersion).
  static ObjectReference To(const ObjectView& object);
  nlohmann::json ToJson() const;  // empty fields left out
  static ObjectReference FromJson(const nlohmann::json* reference);
  bool operator==(const ObjectReference&) const = default;
};

// A Kubernetes Event, read the same way from events.k8s.io/v1 (regarding,
// note, series) and core/v1 (involvedObject, message, count).
class Event : public ObjectView {
 public:
  using ObjectView::ObjectView;

  bool IsEventsV1() const;  // apiVersion events.k8s.io/v1
  ObjectReference regarding() const;
  std::string reason() const;
  std::string note() const;  // core/v1: message
  std::string type() const;  // "Normal" or "Warning"
  std::string action() const;
  std::string reporting_controller() const;  // core/v1: reportingComponent, else source.component
  std::string reporting_instance() const;
  // How many times it happened: series.count / count (deprecated fields as
  // the other API writes them), at least 1.
  int64_t count() const;
  // When it first and last happened.
  std::optional<absl::Time> first_time() const;
  std::optional<absl::Time> last_time() const;

  absl::Status Validate() const;
};

}  // namespace nvsx::kube
