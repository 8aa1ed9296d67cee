#include "kube/watch_decoder.h"

#include "core/json_decode.h"
#include "core/str_cat.h"
#include "kube/api_error.h"

namespace nvsx::kube {

std::string_view WatchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
    case WatchEventType::kError:
      return "ERROR";
  }
  return "ERROR";
}

WatchDecoder::WatchDecoder(size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

absl::Status WatchDecoder::Fail(std::string message) {
  error_ =
      absl::DataLossError(core::StrCat("watch stream: event ", events_seen_ + 1, ": ", message));
  return error_;
}

absl::Status WatchDecoder::Emit(std::string_view text, std::vector<WatchEvent>* events) {
  absl::StatusOr<nlohmann::json> decoded = core::DecodeJson(text);
  if (!decoded.ok()) return Fail(std::string(decoded.status().message()));
  nlohmann::json& doc = *decoded;
  auto type = doc.find("type");
  auto object = doc.find("object");
  if (type == doc.end() || !type->is_string()) return Fail("no \"type\"");
  if (object == doc.end() || !object->is_object()) return Fail("no \"object\"");
  const std::string& name = type->get_ref<const std::string&>();
  WatchEventType kind;
  if (name == "ADDED") {
    kind = WatchEventType::kAdded;
  } else if (name == "MODIFIED") {
    kind = WatchEventType::kModified;
  } else if (name == "DELETED") {
    kind = WatchEventType::kDeleted;
  } else if (name == "BOOKMARK") {
    kind = WatchEventType::kBookmark;
  } else if (name == "ERROR") {
    kind = WatchEventType::kError;
  } else {
    return Fail(core::StrCat("unknown type \"", name, "\""));
  }
  events->push_back(WatchEvent{kind, std::move(*object)});
  ++events_seen_;
  return absl::OkStatus();
}

absl::Status WatchDecoder::Feed(std::string_view bytes, std::vector<WatchEvent>* events) {
  if (!error_.ok()) return error_;
  buffer_.append(bytes.data(), bytes.size());
  size_t consumed = 0;  // bytes of buffer_ fully decoded
  for (size_t i = scan_; i < buffer_.size(); ++i) {
    char c = buffer_[i];
    if (depth_ == 0) {
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        consumed = i + 1;
        continue;
      }
      if (c != '{') return Fail(core::StrCat("unexpected character '", std::string(1, c), "'"));
      depth_ = 1;
      continue;
    }
    if (in_string_) {
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
      } else {
        // Most of an event is string bytes: skip the plain ones in bulk.
        i += core::PlainStringBytes(std::string_view(buffer_).substr(i + 1));
      }
      continue;
    }
    if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if (c == '}' || c == ']') {
      if (--depth_ == 0) {
        absl::Status status =
            Emit(std::string_view(buffer_).substr(consumed, i + 1 - consumed), events);
        if (!status.ok()) return status;
        consumed = i + 1;
      }
    }
  }
  buffer_.erase(0, consumed);
  scan_ = buffer_.size();
  if (buffer_.size() > max_event_bytes_) {
    return Fail(core::StrCat("larger than ", max_event_bytes_, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status WatchDecoder::Finish() const {
  if (!error_.ok()) return error_;
  if (depth_ != 0) {
    return absl::DataLossError(core::StrCat("watch stream: ended inside event ", events_seen_ + 1));
  }
  return absl::OkStatus();
}

absl::Status WatchErrorStatus(const nlohmann::json& status_object) {
  int code = 500;
  if (auto it = status_object.find("code"); it != status_object.end() && it->is_number_integer()) {
    code = it->get<int>();
  }
  return DecodeApiError(code, status_object.dump(), "").ToStatus();
}

}  // namespace nvsx::kube
