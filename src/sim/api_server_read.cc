// get, list and watch.

#include "core/status_macros.h"
#include "core/str_cat.h"
#include "sim/api_call.h"
#include "sim/api_error.h"
#include "sim/api_server.h"
#include "sim/table.h"

namespace nvsx::sim {

using nlohmann::json;

absl::Status ApiServer::Get(Call& call) {
  NVSX_ASSIGN_OR_RETURN(
      json object,
      store_.Get(call.resource, DefaultNamespaceFor(call.resource, call.path), call.path.name));
  if (WantsTable(call.http)) {
    TableOptions options{clock_->Now(), object["metadata"].value("resourceVersion", ""), "",
                         call.http.get_param_value("includeObject") == "Object"};
    call.response.status = 200;
    call.response.set_content(
        RenderTableText(call.resource, {std::make_shared<const json>(object)}, options),
        kJsonMediaType);
    return absl::OkStatus();
  }
  call.Reply(200, object);
  return absl::OkStatus();
}

absl::Status ApiServer::List(Call& call) {
  NVSX_ASSIGN_OR_RETURN(ListOptions options, ParseListOptions(call.http));
  NVSX_ASSIGN_OR_RETURN(ListResult result,
                        store_.List(call.resource, call.path.namespace_name, options));
  if (WantsTable(call.http)) {
    TableOptions table{clock_->Now(), result.resource_version, result.continue_token,
                       call.http.get_param_value("includeObject") == "Object"};
    call.response.status = 200;
    call.response.set_content(RenderTableText(call.resource, result.items, table), kJsonMediaType);
    return absl::OkStatus();
  }
  std::string body = core::StrCat(R"({"kind":")", call.resource.kind, R"(List","apiVersion":")",
                                  call.resource.ApiVersion(), R"(","metadata":)");
  json metadata = {{"resourceVersion", result.resource_version}};
  if (!result.continue_token.empty()) {
    metadata["continue"] = result.continue_token;
    metadata["remainingItemCount"] = result.remaining;
  }
  size_t size = body.size() + 64;
  for (const auto& text : result.texts) size += text->size() + 1;
  body.reserve(size);
  core::StrAppend(&body, metadata.dump(), R"(,"items":[)");
  for (size_t i = 0; i < result.items.size(); ++i) {
    if (i > 0) body += ',';
    body += *result.texts[i];
  }
  body += "]}";
  call.response.status = 200;
  call.response.set_content(std::move(body), kJsonMediaType);
  return absl::OkStatus();
}

absl::Status ApiServer::Watch(Call& call) {
  NVSX_ASSIGN_OR_RETURN(ListOptions list, ParseListOptions(call.http));
  WatchFilter filter{call.resource.GroupResource(), call.path.namespace_name,
                     std::move(list.labels), std::move(list.fields)};
  absl::Duration timeout = options_.default_watch_timeout;
  if (std::optional<int64_t> seconds = IntParam(call.http, "timeoutSeconds")) {
    timeout = absl::Seconds(*seconds);
  }
  const bool bookmarks = Truthy(call.http.get_param_value("allowWatchBookmarks"));
  const bool table = WantsTable(call.http);
  absl::StatusOr<std::shared_ptr<WatchStream>> stream =
      store_.Watch(std::move(filter), call.http.get_param_value("resourceVersion"));
  std::shared_ptr<WatchStream> watch;
  json first_error;
  if (stream.ok()) {
    watch = *std::move(stream);
  } else if (HttpCodeOf(stream.status()) == 410) {
    // As the real server's watch cache does: the watch opens, then says why it ends.
    first_error = ToKubeStatus(stream.status());
  } else {
    return stream.status();
  }
  const ResourceInfo resource = call.resource;
  const absl::Time deadline = absl::Now() + timeout;
  auto last_bookmark = std::make_shared<absl::Time>(absl::Now());
  call.response.status = 200;
  // The real server's watch media type; httplib also leaves it uncompressed,
  // so each event reaches the client when it is written.
  call.response.set_chunked_content_provider(
      "application/json;stream=watch",
      [this, watch, first_error, resource, deadline, bookmarks, table, last_bookmark](
          size_t, httplib::DataSink& sink) {
        auto send = [&](const std::string& type, const json& object,
                        const std::shared_ptr<const std::string>& text = nullptr) {
          std::string line;
          if (table && type != "ERROR" && type != "BOOKMARK") {
            line = core::StrCat(R"({"type":")", type, R"(","object":)",
                                RenderTableText(resource, {std::make_shared<const json>(object)},
                                                {clock_->Now(), "", "", false}),
                                "}");
          } else if (text != nullptr) {
            line = core::StrCat(R"({"type":")", type, R"(","object":)", *text, "}");
          } else {
            line = json{{"type", type}, {"object", object}}.dump();
          }
          line += '\n';
          return sink.write(line.data(), line.size());
        };
        if (!first_error.is_null()) {
          send("ERROR", first_error);
          sink.done();
          return true;
        }
        while (!stopping_ && absl::Now() < deadline) {
          std::optional<WatchEvent> event = watch->Next(absl::Milliseconds(200));
          if (event.has_value()) {
            if (!send(event->type, *event->object, event->text)) {
              watch->Close();
              return false;
            }
            if (event->type == "ERROR") break;
            return true;
          }
          if (watch->done()) break;
          if (bookmarks && absl::Now() - *last_bookmark >= options_.bookmark_interval) {
            *last_bookmark = absl::Now();
            if (std::optional<WatchEvent> mark =
                    store_.Bookmark(*watch, resource.ApiVersion(), resource.kind)) {
              if (!send(mark->type, *mark->object)) {
                watch->Close();
                return false;
              }
              return true;
            }
          }
          if (sink.is_writable && !sink.is_writable()) {
            watch->Close();
            return false;
          }
        }
        watch ? watch->Close() : void();
        sink.done();
        return true;
      },
      [watch](bool) {
        if (watch) watch->Close();
      });
  return absl::OkStatus();
}

}  // namespace nvsx::sim
