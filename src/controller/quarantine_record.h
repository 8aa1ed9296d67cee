#pragma once

// What quarantine records on a Node (annotations, see names.h), so a later
// reader — recovery, a runbook, a person with kubectl — knows which events
// hold the node, since when, which taints are ours, and whether the cordon
// is ours to undo: a node someone else cordoned must stay cordoned.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kube/types/node.h"
#include "kube/types/object_patch.h"

namespace nvsx::controller {

struct QuarantineRecord {
  bool present = false;             // the node carries our record
  std::vector<std::string> events;  // HealthEvents holding the quarantine
  std::optional<absl::Time> since;  // when we first quarantined it
  // False: the node was already cordoned (by someone else) when we came.
  bool cordoned_by_us = false;
  std::vector<std::string> taints;  // the taints we added, "key=value:effect"
  std::string reason;               // the latest event's cause

  static QuarantineRecord FromNode(const kube::Node& node);
  bool Holds(const std::string& event) const;
};

// "key=value:effect" (kubectl's spelling).
std::string TaintString(const kube::Taint& taint);

// One strategic merge patch of nodes/NAME that quarantines the node for
// `event`: cordons it, adds `taint`, and adds the event to the record. One
// write, so a controller killed at any point leaves the node either
// untouched or fully recorded; it carries the node's resourceVersion, so a
// concurrent change is a 409 Conflict (re-read and call again). nullopt when
// the node is already cordoned, tainted and holds `event`.
std::optional<kube::ObjectPatch> QuarantinePatch(const kube::Node& node, const std::string& event,
                                                 const kube::Taint& taint,
                                                 const std::string& reason, absl::Time now);

// One strategic merge patch of nodes/NAME that lifts `event`'s part of the
// quarantine. With `release` (no other fault holds the node) it undoes what
// the record says we did: removes our taints, uncordons the node only when
// the cordon was ours, and removes our annotations. Without it, it only takes
// `event` off the record's list, so the node stays quarantined for the
// others. Carries the resourceVersion (a 409 Conflict: re-read, call again).
// nullopt when there is nothing to do.
std::optional<kube::ObjectPatch> ReleasePatch(const kube::Node& node, const std::string& event,
                                              bool release);

}  // namespace nvsx::controller
