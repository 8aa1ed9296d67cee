#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace nvsx::janitor {

// How the janitor carries out a request: the seam between the controller
// (which claims the object, watches the node and writes the outcome) and the
// world (the embedded cluster, an IPMI or cloud CLI, or nobody). Called from
// several workers at once: implementations are thread-safe. An error's
// message says what did not happen; it goes into the failed condition.
class JanitorBackend {
 public:
  virtual ~JanitorBackend() = default;

  // "sim", "command", "none": for logs, conditions and Events.
  virtual std::string_view name() const = 0;
  // False for a backend that leaves every request to someone else (none):
  // the janitor then changes nothing.
  virtual bool acts() const { return true; }

  // Asks for `node` to reboot; `force` (the RebootNode's spec.force) asks for
  // it without a graceful shutdown. OK means the reboot was requested; the
  // node goes down and comes back Ready later, which the janitor watches for.
  virtual absl::Status RebootNode(const std::string& node, bool force) = 0;
  // Resets GPUs `gpus` (UUIDs; empty: every GPU) of `node`; OK once done.
  virtual absl::Status ResetGpus(const std::string& node, const std::vector<std::string>& gpus) = 0;
};

}  // namespace nvsx::janitor
