#include "nvsx/mongo_shell.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "core/str_cat.h"
#include "core/subprocess.h"
#include "core/text.h"

namespace nvsx::op {
namespace {

using nlohmann::json;

constexpr size_t kOutputLimit = 4 * 1024 * 1024;

// A JavaScript string literal holding `text`.
std::string JsString(std::string_view text) { return json(std::string(text)).dump(); }

std::string Collection(std::string_view database, std::string_view collection) {
  return core::StrCat("db.getSiblingDB(", JsString(database), ").getCollection(",
                      JsString(collection), ")");
}

// The last line with something on it.
std::string_view LastLine(std::string_view output) {
  output = core::TrimWhitespace(output);
  const size_t newline = output.rfind('\n');
  return core::TrimWhitespace(newline == std::string_view::npos ? output
                                                                : output.substr(newline + 1));
}

std::string Quoted(std::string_view output) {
  std::string_view tail = core::TrimWhitespace(output);
  if (tail.size() > 200) tail = tail.substr(tail.size() - 200);
  return tail.empty() ? "nothing" : core::StrCat("\"", tail, "\"");
}

bool IsHex24(std::string_view text) {
  return text.size() == 24 && std::all_of(text.begin(), text.end(), [](char c) {
           return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

MongoShell::MongoShell(MongoShellOptions options, kube::RestClient* client)
    : options_(std::move(options)), client_(client) {}

std::vector<std::string> MongoShell::ExecArgv(const std::string& pod,
                                              const std::string& expression) const {
  std::vector<std::string> argv = {options_.kubectl};
  if (!options_.kubeconfig.empty()) argv.insert(argv.end(), {"--kubeconfig", options_.kubeconfig});
  if (!options_.context.empty()) argv.insert(argv.end(), {"--context", options_.context});
  argv.insert(argv.end(), {"exec", "-n", options_.namespace_name, pod});
  if (!options_.container.empty()) argv.insert(argv.end(), {"-c", options_.container});
  argv.insert(argv.end(), {"--", "mongosh", "--quiet", "--eval", expression});
  return argv;
}

absl::StatusOr<std::string> MongoShell::Pod() {
  if (!options_.pod.empty()) return options_.pod;
  {
    std::lock_guard lock(mu_);
    if (!found_pod_.empty()) return found_pod_;
  }
  const std::string where = core::StrCat("no Running pod matches ", options_.pod_selector,
                                         " in namespace ", options_.namespace_name);
  if (client_ == nullptr) {
    return absl::FailedPreconditionError(
        core::StrCat("no cluster connection to find the MongoDB pod; name the pod"));
  }
  kube::ListOptions list;
  list.label_selector = options_.pod_selector;
  absl::StatusOr<json> pods =
      client_->List({"", "v1", "pods", options_.namespace_name, "", ""}, list);
  if (!pods.ok()) return core::Annotate(pods.status(), "finding NVSentinel's MongoDB pod");
  std::vector<std::string> running;
  for (const json& pod : pods->value("items", json::array())) {
    if (pod.value("status", json::object()).value("phase", "") != "Running") continue;
    running.push_back(pod.value("metadata", json::object()).value("name", ""));
  }
  std::sort(running.begin(), running.end());
  if (running.empty() || running.front().empty()) {
    return absl::NotFoundError(
        core::StrCat(where, " (is NVSentinel's MongoDB installed? or name its pod)"));
  }
  std::lock_guard lock(mu_);
  found_pod_ = running.front();
  return found_pod_;
}

absl::StatusOr<std::string> MongoShell::Eval(const std::string& expression) {
  absl::StatusOr<std::string> pod = Pod();
  if (!pod.ok()) return pod.status();
  core::SubprocessOptions options;
  options.argv = ExecArgv(*pod, expression);
  options.env = options_.env;
  options.timeout = options_.timeout;
  options.capture_limit = kOutputLimit;
  absl::StatusOr<core::SubprocessResult> ran = core::RunSubprocess(options);
  if (!ran.ok()) {
    return core::Annotate(ran.status(), core::StrCat("running ", options_.kubectl));
  }
  if (!ran->Succeeded()) {
    std::lock_guard lock(mu_);
    found_pod_.clear();  // the pod may have moved: look it up again next time
    return absl::UnavailableError(core::StrCat("kubectl exec ", *pod, " -- mongosh ",
                                               ran->Describe(), ": ", Quoted(ran->stderr_text)));
  }
  if (ran->stdout_truncated) {
    return absl::ResourceExhaustedError(
        core::StrCat("mongosh printed more than ", kOutputLimit, " bytes"));
  }
  return ran->stdout_text;
}

absl::StatusOr<int64_t> MongoShell::CountDocuments(const std::string& collection,
                                                   const std::string& filter) {
  absl::StatusOr<std::string> output = Eval(CountExpression(options_.database, collection, filter));
  if (!output.ok()) return output.status();
  return ParseCount(*output);
}

absl::StatusOr<std::vector<json>> MongoShell::FindAfter(const std::string& collection,
                                                        const std::string& after_id, int limit) {
  absl::StatusOr<std::string> output =
      Eval(FindAfterExpression(options_.database, collection, after_id, limit));
  if (!output.ok()) return output.status();
  return ParseDocuments(*output);
}

std::string CountExpression(std::string_view database, std::string_view collection,
                            std::string_view filter) {
  return core::StrCat(Collection(database, collection), ".countDocuments(",
                      filter.empty() ? "{}" : filter, ")");
}

std::string FindAfterExpression(std::string_view database, std::string_view collection,
                                std::string_view after_id, int limit) {
  return core::StrCat("JSON.stringify(", Collection(database, collection),
                      ".find({_id: {$gt: ObjectId(", JsString(after_id),
                      ")}}).sort({_id: 1}).limit(", limit, ").toArray())");
}

absl::StatusOr<int64_t> ParseCount(std::string_view output) {
  int64_t count = 0;
  const std::string_view line = LastLine(output);
  if (!absl::SimpleAtoi(absl::string_view(line.data(), line.size()), &count) || count < 0) {
    return absl::InvalidArgumentError(core::StrCat("mongosh printed no count: ", Quoted(output)));
  }
  return count;
}

absl::StatusOr<std::vector<json>> ParseDocuments(std::string_view output) {
  const std::string_view line = LastLine(output);
  json parsed = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) {
    return absl::InvalidArgumentError(
        core::StrCat("mongosh printed no JSON array of documents: ", Quoted(output)));
  }
  return parsed.get<std::vector<json>>();
}

std::string ObjectIdAt(absl::Time time) {
  const int64_t seconds = std::clamp<int64_t>(absl::ToUnixSeconds(time), 0, 0xffffffffLL);
  return absl::StrFormat("%08x0000000000000000", seconds);
}

std::string DocumentId(const json& document) {
  if (!document.is_object()) return "";
  auto id = document.find("_id");
  if (id == document.end()) return "";
  std::string text;
  if (id->is_string()) text = id->get<std::string>();
  if (id->is_object() && id->value("$oid", json()).is_string()) {
    text = id->at("$oid").get<std::string>();
  }
  text = absl::AsciiStrToLower(text);
  return IsHex24(text) ? text : "";
}

absl::Status CheckMongoCollection(std::string_view collection) {
  if (collection.empty()) return absl::InvalidArgumentError("must not be empty");
  if (collection.find('$') != std::string_view::npos ||
      collection.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError("MongoDB collection names contain no '$' or NUL");
  }
  if (collection.starts_with("system.")) {
    return absl::InvalidArgumentError("system.* collections are MongoDB's own");
  }
  return absl::OkStatus();
}

}  // namespace nvsx::op
