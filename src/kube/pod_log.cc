#include "kube/pod_log.h"

#include <algorithm>

#include "core/str_cat.h"

namespace nvsx::kube {

bool LineSplitter::Feed(std::string_view bytes,
                        const std::function<bool(std::string_view)>& on_line) {
  while (!bytes.empty()) {
    const size_t newline = bytes.find('\n');
    const size_t take = std::min(newline == std::string_view::npos ? bytes.size() : newline,
                                 max_line_ - partial_.size());
    partial_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    const bool ends_line = !bytes.empty() && bytes.front() == '\n';
    if (ends_line) bytes.remove_prefix(1);
    if (ends_line || partial_.size() >= max_line_) {
      if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
      const bool more = on_line(partial_);
      partial_.clear();
      if (!more) return false;
    }
  }
  return true;
}

bool LineSplitter::Finish(const std::function<bool(std::string_view)>& on_line) {
  if (partial_.empty()) return true;
  const bool more = on_line(partial_);
  partial_.clear();
  return more;
}

absl::Status StreamPodLog(RestClient& client, const std::string& namespace_name,
                          const std::string& pod, const PodLogOptions& options,
                          const std::function<bool(std::string_view line)>& on_line) {
  QueryParams query;
  if (!options.container.empty()) query.emplace_back("container", options.container);
  if (options.follow) query.emplace_back("follow", "true");
  if (options.previous) query.emplace_back("previous", "true");
  if (options.tail_lines) query.emplace_back("tailLines", core::StrCat(*options.tail_lines));
  if (options.since_seconds) {
    query.emplace_back("sinceSeconds", core::StrCat(*options.since_seconds));
  }
  const std::string path = ResourcePath({"", "v1", "pods", namespace_name, pod, "log"});
  LineSplitter lines;
  bool stopped = false;
  auto on_bytes = [&](std::string_view bytes) {
    stopped = !lines.Feed(bytes, on_line);
    return !stopped;
  };
  // A followed log runs as long as the container does; client-go's own
  // requests take the same two media types.
  const absl::Status streamed =
      client.Stream(path, query,
                    {.timeout = options.follow ? absl::InfiniteDuration() : absl::Minutes(5),
                     .cancel = options.cancel,
                     .accept = "application/json, */*"},
                    on_bytes);
  if (!streamed.ok() || stopped) return streamed;
  lines.Finish(on_line);
  return absl::OkStatus();
}

}  // namespace nvsx::kube
