#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace nvsx::publisher {

// The HealthEvents this publisher's node has open, one per GPU (by device API
// name), as last read or written; and the names of events it saw closed, so a
// fault episode that was reported and closed is not reported again.
// Not thread-safe: the publisher's sync worker owns it.
class EventLedger {
 public:
  // Replaces the contents with the events of `list` (a HealthEventList) whose
  // spec.nodeName is `node`. When a GPU has several open events (left by an
  // older publisher) the newest by generatedTimestamp is kept as its own;
  // the others are returned so the caller can close them.
  std::vector<nlohmann::json> Load(const nlohmann::json& list, const std::string& node);
  bool loaded() const { return loaded_; }

  // The open event of `gpu`, or nullptr.
  const nlohmann::json* Open(const std::string& gpu) const;
  // Records `event` as read or written: open, or closed (and forgotten for `gpu`).
  void Record(const std::string& gpu, const nlohmann::json& event);
  // Forgets `gpu`'s open event (it was deleted).
  void Forget(const std::string& gpu);
  bool WasClosed(const std::string& name) const { return closed_.contains(name); }

 private:
  bool loaded_ = false;
  std::map<std::string, nlohmann::json> open_;
  std::set<std::string> closed_;
};

}  // namespace nvsx::publisher
