#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "kube/cancel_token.h"
#include "kube/rest_client.h"

namespace nvsx::kube {

// What `kubectl logs` asks of GET /api/v1/namespaces/NS/pods/NAME/log.
struct PodLogOptions {
  std::string container;  // empty: the pod's only container
  bool follow = false;    // stream new lines until the container ends
  bool previous = false;  // the instance before the last restart
  std::optional<int64_t> tail_lines;
  std::optional<int64_t> since_seconds;
  // When set and cancelled, a followed log ends promptly (Cancelled).
  const CancelToken* cancel = nullptr;
};

// Hands `on_line` each line of a pod's container log (without its newline) as
// it arrives; a last line without a newline comes at the end. Lines longer
// than kMaxPodLogLine arrive in pieces of that size. Returns OK when the log
// ends (a followed one: when the container ends) or `on_line` returns false;
// the API error otherwise (NotFound for no such pod, BadRequest for a
// container it does not have or one not started yet).
absl::Status StreamPodLog(RestClient& client, const std::string& namespace_name,
                          const std::string& pod, const PodLogOptions& options,
                          const std::function<bool(std::string_view line)>& on_line);

inline constexpr size_t kMaxPodLogLine = 64 * 1024;

// Cuts a byte stream into lines; what StreamPodLog does with the body.
class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line = kMaxPodLogLine) : max_line_(max_line) {}
  // Hands out every line `bytes` completes; false when `on_line` said stop.
  bool Feed(std::string_view bytes, const std::function<bool(std::string_view)>& on_line);
  // Hands out the unterminated rest, if any.
  bool Finish(const std::function<bool(std::string_view)>& on_line);

 private:
  const size_t max_line_;
  std::string partial_;
};

}  // namespace nvsx::kube
