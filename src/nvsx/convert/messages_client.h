#pragma once

// A client of the Anthropic Messages API (POST {endpoint}/v1/messages), just
// enough for `nvsx convert`: a system prompt, a conversation, the text answer.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/http_transport.h"

namespace nvsx::convert {

struct MessagesOptions {
  std::string endpoint = "https://api.anthropic.com";  // no trailing /v1
  std::string model = "claude-sonnet-4-5";
  std::string api_key;
  int max_tokens = 8192;
  absl::Duration timeout = absl::Seconds(180);  // the whole request: answers take a while
  absl::Duration connect_timeout = absl::Seconds(10);
};

struct ChatMessage {
  std::string role;  // "user" or "assistant"
  std::string text;
};

class MessagesClient {
 public:
  explicit MessagesClient(MessagesOptions options);

  // The text of the answer's first content block. Errors name the cause:
  // Unauthenticated for 401 (the key), PermissionDenied for 403,
  // ResourceExhausted for 429 (with retry-after when given), Unavailable for
  // 5xx and for no answer at all, InvalidArgument for other 4xx; each with
  // the API's own error message.
  absl::StatusOr<std::string> Send(std::string_view system,
                                   const std::vector<ChatMessage>& messages);

  const MessagesOptions& options() const { return options_; }

 private:
  MessagesOptions options_;
  kube::HttpTransport transport_;
};

}  // namespace nvsx::convert
