#include "nvsx/convert/messages_client.h"

#include "core/str_cat.h"
#include "nlohmann/json.hpp"

namespace nvsx::convert {
namespace {

using nlohmann::json;

// The API's own words: {"type":"error","error":{"type":"...","message":"..."}}.
std::string ApiMessage(const std::string& body) {
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
    const json& error = parsed["error"];
    return core::StrCat(error.value("type", "error"), ": ", error.value("message", ""));
  }
  return body.substr(0, 200);
}

absl::Status HttpError(const kube::HttpResponse& response, const std::string& url) {
  const std::string said = ApiMessage(response.body);
  const std::string where = core::StrCat(url, " answered HTTP ", response.status, " (", said, ")");
  switch (response.status) {
    case 401:
      return absl::UnauthenticatedError(core::StrCat(
          where, ": the API key was rejected; check ANTHROPIC_API_KEY, or use --offline"));
    case 403:
      return absl::PermissionDeniedError(
          core::StrCat(where, ": this key may not use the model or endpoint; try --model"));
    case 429: {
      const std::string retry = response.Header("retry-after");
      return absl::ResourceExhaustedError(core::StrCat(
          where, ": rate limited; try again",
          retry.empty() ? " later" : core::StrCat(" in ", retry, " s"), ", or use --offline"));
    }
    default:
      break;
  }
  if (response.status >= 500) {
    return absl::UnavailableError(core::StrCat(
        where, ": the API is failing or overloaded; try again later, or use --offline"));
  }
  return absl::InvalidArgumentError(
      core::StrCat(where, ": the request was refused; check --model and --endpoint"));
}

}  // namespace

MessagesClient::MessagesClient(MessagesOptions options)
    : options_(std::move(options)), transport_(kube::TlsConfig{}, options_.connect_timeout) {}

absl::StatusOr<std::string> MessagesClient::Send(std::string_view system,
                                                 const std::vector<ChatMessage>& messages) {
  json body = {{"model", options_.model},
               {"max_tokens", options_.max_tokens},
               {"system", std::string(system)},
               {"messages", json::array()}};
  for (const ChatMessage& message : messages) {
    body["messages"].push_back({{"role", message.role}, {"content", message.text}});
  }
  std::string endpoint = options_.endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  kube::HttpRequest request;
  request.method = "POST";
  request.url = core::StrCat(endpoint, "/v1/messages");
  request.headers = {{"x-api-key", options_.api_key},
                     {"anthropic-version", "2023-06-01"},
                     {"content-type", "application/json"}};
  request.body = body.dump();
  request.timeout = options_.timeout;
  bool maybe_sent = false;
  absl::StatusOr<kube::HttpResponse> response = transport_.Do(request, {}, &maybe_sent);
  if (!response.ok()) {
    return absl::UnavailableError(
        core::StrCat(request.url, ": no answer (", response.status().message(),
                     "); check --endpoint and the network, or use --offline"));
  }
  if (response->status != 200) return HttpError(*response, request.url);
  const json answer = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!answer.is_object() || !answer.contains("content") || !answer["content"].is_array() ||
      answer["content"].empty() || !answer["content"][0].is_object() ||
      !answer["content"][0].contains("text") || !answer["content"][0]["text"].is_string()) {
    return absl::DataLossError(core::StrCat(
        request.url, ": the answer has no content[0].text: ", response->body.substr(0, 200)));
  }
  if (answer.value("stop_reason", "") == "max_tokens") {
    return absl::ResourceExhaustedError(
        core::StrCat("the model's answer was cut off at max_tokens (", options_.max_tokens,
                     "); the Markdown may be too long to convert in one answer"));
  }
  return answer["content"][0]["text"].get<std::string>();
}

}  // namespace nvsx::convert
