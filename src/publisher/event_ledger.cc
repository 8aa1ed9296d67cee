#include "publisher/event_ledger.h"

#include "publisher/health_event_spec.h"

namespace nvsx::publisher {
namespace {

std::string Name(const nlohmann::json& event) {
  return event.value("metadata", nlohmann::json::object()).value("name", std::string());
}

std::string Generated(const nlohmann::json& event) {
  return event.value("spec", nlohmann::json::object()).value("generatedTimestamp", std::string());
}

}  // namespace

std::vector<nlohmann::json> EventLedger::Load(const nlohmann::json& list, const std::string& node) {
  open_.clear();
  closed_.clear();
  std::vector<nlohmann::json> extra;
  for (const nlohmann::json& event : list.value("items", nlohmann::json::array())) {
    const nlohmann::json spec = event.value("spec", nlohmann::json::object());
    if (spec.value("nodeName", std::string()) != node) continue;
    const std::string gpu = EventGpuName(event);
    if (gpu.empty()) continue;
    if (!IsOpenHealthEvent(event)) {
      closed_.insert(Name(event));
      continue;
    }
    auto [it, inserted] = open_.emplace(gpu, event);
    if (inserted) continue;
    // RFC 3339 times in one format order as text.
    if (Generated(event) > Generated(it->second)) {
      extra.push_back(it->second);
      it->second = event;
    } else {
      extra.push_back(event);
    }
  }
  loaded_ = true;
  return extra;
}

const nlohmann::json* EventLedger::Open(const std::string& gpu) const {
  auto it = open_.find(gpu);
  return it == open_.end() ? nullptr : &it->second;
}

void EventLedger::Record(const std::string& gpu, const nlohmann::json& event) {
  if (IsOpenHealthEvent(event)) {
    open_[gpu] = event;
    return;
  }
  closed_.insert(Name(event));
  if (auto it = open_.find(gpu); it != open_.end() && Name(it->second) == Name(event)) {
    open_.erase(it);
  }
}

void EventLedger::Forget(const std::string& gpu) { open_.erase(gpu); }

}  // namespace nvsx::publisher
