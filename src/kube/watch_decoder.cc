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

WatchDecoder::WatchDecoder(size_t max_event_bytes,
                           std::shared_ptr<const core::JsonProjection> object_projection)
    : max_event_bytes_(max_event_bytes), object_projection_(std::move(object_projection)) {
  if (object_projection_) {
    envelope_projection_.keep = core::JsonProjection::Keep::kAllBut;
    envelope_projection_.fields.push_back({"object", *object_projection_});
  }
}

absl::Status WatchDecoder::Fail(std::string message) {
  error_ =
      absl::DataLossError(core::StrCat("watch stream: event ", events_seen_ + 1, ": ", message));
  return error_;
}

size_t WatchDecoder::EndScanner::Scan(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (in_string_) {
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
      } else {
        // Most of an event is string bytes: skip the plain ones in bulk.
        i += core::PlainStringBytes(bytes.substr(i + 1));
      }
    } else if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if ((c == '}' || c == ']') && --depth_ == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

std::optional<nlohmann::json> WatchDecoder::DecodeIfWhole(std::string_view text,
                                                          size_t* used) const {
  core::JsonDecodeOptions options;
  if (object_projection_) options.projection = &envelope_projection_;
  absl::StatusOr<nlohmann::json> envelope = core::DecodeJsonPrefix(text, used, options);
  if (!envelope.ok()) return std::nullopt;
  return *std::move(envelope);
}

absl::Status WatchDecoder::DecodeExactly(std::string_view text, std::vector<WatchEvent>* events) {
  core::JsonDecodeOptions options;
  if (object_projection_) options.projection = &envelope_projection_;
  absl::StatusOr<nlohmann::json> envelope = core::DecodeJson(text, options);
  if (!envelope.ok()) return Fail(std::string(envelope.status().message()));
  return Emit(*std::move(envelope), text, events);
}

absl::Status WatchDecoder::Emit(nlohmann::json envelope, std::string_view text,
                                std::vector<WatchEvent>* events) {
  auto type = envelope.find("type");
  auto object = envelope.find("object");
  if (type == envelope.end() || !type->is_string()) return Fail("no \"type\"");
  if (object == envelope.end() || !object->is_object()) return Fail("no \"object\"");
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
  const bool narrowed_kind = kind != WatchEventType::kBookmark && kind != WatchEventType::kError;
  if (object_projection_ && (!narrowed_kind || object->empty())) {
    // Narrowed while decoded, but this object stays whole, or it kept
    // nothing (which a non-object does too): decode it again, whole (rare).
    absl::StatusOr<nlohmann::json> whole = core::DecodeJson(text);
    if (!whole.ok()) return Fail(std::string(whole.status().message()));
    object = whole->find("object");
    if (object == whole->end() || !object->is_object()) return Fail("no \"object\"");
    nlohmann::json kept =
        narrowed_kind ? core::Project(std::move(*object), *object_projection_) : std::move(*object);
    events->push_back(WatchEvent{kind, std::move(kept)});
  } else {
    events->push_back(WatchEvent{kind, std::move(*object)});
  }
  ++events_seen_;
  return absl::OkStatus();
}

absl::Status WatchDecoder::Feed(std::string_view bytes, std::vector<WatchEvent>* events) {
  if (!error_.ok()) return error_;
  if (!pending_.empty()) {
    const size_t end = pending_end_.Scan(bytes);
    if (end == std::string_view::npos) {
      pending_.append(bytes);
      if (pending_.size() > max_event_bytes_) {
        return Fail(core::StrCat("larger than ", max_event_bytes_, " bytes"));
      }
      return absl::OkStatus();
    }
    pending_.append(bytes.substr(0, end + 1));
    bytes.remove_prefix(end + 1);
    absl::Status status = DecodeExactly(pending_, events);
    pending_.clear();
    if (!status.ok()) return status;
  }
  // Where the last newline is: an event that starts before it is most
  // likely whole (a server ends each event with one).
  const size_t newline = bytes.rfind('\n');
  const char* const last_newline = newline == std::string_view::npos ? nullptr : &bytes[newline];
  while (true) {
    const size_t start = bytes.find_first_not_of(" \n\r\t");
    if (start == std::string_view::npos) return absl::OkStatus();
    bytes.remove_prefix(start);
    if (bytes.front() != '{') {
      return Fail(core::StrCat("unexpected character '", std::string(1, bytes.front()), "'"));
    }
    // Decoding a whole event where it lies also finds its end.
    if (last_newline != nullptr && last_newline > bytes.data()) {
      size_t used = 0;
      if (std::optional<nlohmann::json> envelope = DecodeIfWhole(bytes, &used)) {
        absl::Status status = Emit(*std::move(envelope), bytes.substr(0, used), events);
        if (!status.ok()) return status;
        bytes.remove_prefix(used);
        continue;
      }
    }
    // Not whole (or not valid: DecodeExactly says why once it ends).
    EndScanner scanner;
    const size_t end = scanner.Scan(bytes);
    if (end == std::string_view::npos) {
      pending_.assign(bytes);
      pending_end_ = scanner;
      if (pending_.size() > max_event_bytes_) {
        return Fail(core::StrCat("larger than ", max_event_bytes_, " bytes"));
      }
      return absl::OkStatus();
    }
    absl::Status status = DecodeExactly(bytes.substr(0, end + 1), events);
    if (!status.ok()) return status;
    bytes.remove_prefix(end + 1);
  }
}

absl::Status WatchDecoder::Finish() const {
  if (!error_.ok()) return error_;
  if (!pending_.empty()) {
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
