#include "sim/object_store.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "core/str_cat.h"
#include "core/time_format.h"
#include "sim/api_error.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;

std::string Key(const std::string& namespace_name, const std::string& name) {
  return core::StrCat(namespace_name, "/", name);
}

// A DNS-1123 subdomain, the rule for most object names.
std::string NameProblem(const std::string& name) {
  if (name.size() > 253) return "must be no more than 253 characters";
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  bool ok = !name.empty() && alnum(name.front()) && alnum(name.back());
  for (char c : name) ok &= alnum(c) || c == '-' || c == '.';
  if (ok) return "";
  return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
         "'-' or '.', and must start and end with an alphanumeric character (e.g. "
         "'example.com', regex used for validation is "
         "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
}

json& Metadata(json& object) {
  if (!object.contains("metadata") || !object["metadata"].is_object()) {
    object["metadata"] = json::object();
  }
  return object["metadata"];
}

const json& MetadataOf(const json& object) {
  static const json* const kEmpty = new json(json::object());
  auto it = object.find("metadata");
  return it != object.end() && it->is_object() ? *it : *kEmpty;
}

// Everything but metadata and status: a change here bumps generation.
json SpecPart(const json& object) {
  json part = object;
  part.erase("metadata");
  part.erase("status");
  return part;
}

bool HasFinalizers(const json& object) {
  const json& metadata = MetadataOf(object);
  auto it = metadata.find("finalizers");
  return it != metadata.end() && it->is_array() && !it->empty();
}

int64_t ParseVersion(const std::string& text, bool* ok) {
  *ok = !text.empty();
  int64_t value = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || value > (INT64_MAX - 9) / 10) {
      *ok = false;
      return 0;
    }
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

ObjectStore::Entry ObjectStore::MakeEntry(json object) {
  auto text = std::make_shared<const std::string>(object.dump());
  return {std::make_shared<const json>(std::move(object)), std::move(text)};
}

ObjectStore::ObjectStore(const core::Clock* clock, ObjectStoreOptions options)
    : clock_(clock), options_(options), random_(options.seed) {}

std::string ObjectStore::Timestamp() { return core::FormatTimestamp(clock_->Now()); }

std::string ObjectStore::CurrentResourceVersion() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::to_string(resource_version_);
}

std::string ObjectStore::NewUidLocked() {
  uint64_t high = random_();
  uint64_t low = random_();
  std::string hex = fmt::format("{:016x}{:016x}", high, low);
  hex[12] = '4';
  return core::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                      hex.substr(16, 4), "-", hex.substr(20, 12));
}

absl::StatusOr<json> ObjectStore::Create(const ResourceInfo& resource,
                                         const std::string& namespace_name, json object) {
  if (!object.is_object()) return BadRequest("the object to create must be a JSON object");
  json& metadata = Metadata(object);
  std::string name = metadata.value("name", "");
  const std::string generate_name = metadata.value("generateName", "");
  if (name.empty() && generate_name.empty()) {
    return Invalid(resource.group, resource.kind, "",
                   {{"FieldValueRequired", "metadata.name", "name or generateName is required"}});
  }
  if (!name.empty()) {
    if (std::string problem = NameProblem(name); !problem.empty()) {
      return Invalid(resource.group, resource.kind, name,
                     {{"FieldValueInvalid", "metadata.name",
                       core::StrCat("Invalid value: \"", name, "\": ", problem)}});
    }
  }
  if (resource.namespaced) {
    const std::string body_namespace = metadata.value("namespace", "");
    if (!body_namespace.empty() && body_namespace != namespace_name) {
      return BadRequest(
          "the namespace of the provided object does not match the namespace sent on the request");
    }
    metadata["namespace"] = namespace_name;
  } else {
    metadata.erase("namespace");
  }
  object["apiVersion"] = resource.ApiVersion();
  object["kind"] = resource.kind;
  metadata.erase("deletionTimestamp");
  metadata.erase("deletionGracePeriodSeconds");
  metadata["creationTimestamp"] = Timestamp();
  metadata["generation"] = 1;

  std::lock_guard<std::mutex> lock(mu_);
  Bucket& bucket = buckets_[resource.GroupResource()];
  if (name.empty()) {
    static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    for (int attempt = 0; attempt < 16; ++attempt) {
      std::string candidate = generate_name;
      for (int i = 0; i < 5; ++i) candidate += kAlphabet[random_() % (sizeof(kAlphabet) - 1)];
      if (!bucket.contains(Key(namespace_name, candidate))) {
        name = std::move(candidate);
        break;
      }
    }
    if (name.empty()) return AlreadyExists(resource.group, resource.resource, generate_name);
    if (std::string problem = NameProblem(name); !problem.empty()) {
      return Invalid(resource.group, resource.kind, name,
                     {{"FieldValueInvalid", "metadata.generateName",
                       core::StrCat("Invalid value: \"", generate_name, "\": ", problem)}});
    }
    metadata["name"] = name;
  }
  const std::string key = Key(resource.namespaced ? namespace_name : "", name);
  if (bucket.contains(key)) return AlreadyExists(resource.group, resource.resource, name);
  metadata["uid"] = NewUidLocked();
  metadata["resourceVersion"] = std::to_string(++resource_version_);
  Entry stored = MakeEntry(std::move(object));
  bucket[key] = stored;
  RecordLocked({resource_version_, resource.GroupResource(), "ADDED", stored, nullptr});
  return *stored.object;
}

absl::StatusOr<json> ObjectStore::Get(const ResourceInfo& resource,
                                      const std::string& namespace_name, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& bucket = buckets_[resource.GroupResource()];
  auto it = bucket.find(Key(resource.namespaced ? namespace_name : "", name));
  if (it == bucket.end()) return NotFound(resource.group, resource.resource, name);
  return *it->second.object;
}

absl::StatusOr<ListResult> ObjectStore::List(const ResourceInfo& resource,
                                             const std::string& namespace_name,
                                             const ListOptions& options) {
  std::string start;
  if (!options.continue_token.empty()) {
    std::string decoded;
    json token;
    if (absl::Base64Unescape(options.continue_token, &decoded)) {
      token = json::parse(decoded, nullptr, false);
    }
    if (!token.is_object() || !token.contains("start") || !token["start"].is_string()) {
      return BadRequest("continue key is not valid: the token is malformed");
    }
    start = token["start"].get<std::string>();
  }
  const std::string prefix = namespace_name.empty() ? "" : Key(namespace_name, "");
  ListResult result;
  std::vector<Entry> candidates;
  {
    std::lock_guard<std::mutex> lock(mu_);
    result.resource_version = std::to_string(resource_version_);
    Bucket& bucket = buckets_[resource.GroupResource()];
    auto it = start.empty() ? bucket.lower_bound(prefix) : bucket.upper_bound(start);
    for (; it != bucket.end() && it->first.starts_with(prefix); ++it) {
      candidates.push_back(it->second);
    }
  }
  std::string last_key;
  for (const Entry& entry : candidates) {
    const std::shared_ptr<const json>& object = entry.object;
    const json& metadata = MetadataOf(*object);
    auto labels = metadata.find("labels");
    if (!options.labels.Matches(labels != metadata.end() ? *labels : json())) continue;
    if (!options.fields.Matches(*object)) continue;
    if (options.limit > 0 && static_cast<int64_t>(result.items.size()) >= options.limit) {
      ++result.remaining;
      continue;
    }
    result.items.push_back(object);
    result.texts.push_back(entry.text);
    last_key = Key(metadata.value("namespace", ""), metadata.value("name", ""));
  }
  if (result.remaining > 0) {
    result.continue_token = absl::Base64Escape(json({{"start", last_key}}).dump());
  }
  return result;
}

absl::StatusOr<json> ObjectStore::Update(const ResourceInfo& resource,
                                         const std::string& namespace_name, const std::string& name,
                                         json object, Subresource subresource) {
  if (!object.is_object()) return BadRequest("the object must be a JSON object");
  const std::string body_name = MetadataOf(object).value("name", "");
  if (body_name != name) {
    return BadRequest(core::StrCat("the name of the object (", body_name,
                                   ") does not match the name on the URL (", name, ")"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& bucket = buckets_[resource.GroupResource()];
  const std::string key = Key(resource.namespaced ? namespace_name : "", name);
  if (!bucket.contains(key)) return NotFound(resource.group, resource.resource, name);
  return WriteLocked(resource, bucket, key, std::move(object), subresource);
}

absl::StatusOr<json> ObjectStore::Mutate(const ResourceInfo& resource,
                                         const std::string& namespace_name, const std::string& name,
                                         const Mutation& mutate, Subresource subresource) {
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& bucket = buckets_[resource.GroupResource()];
  const std::string key = Key(resource.namespaced ? namespace_name : "", name);
  auto it = bucket.find(key);
  if (it == bucket.end()) return NotFound(resource.group, resource.resource, name);
  absl::StatusOr<json> mutated = mutate(*it->second.object);
  if (!mutated.ok()) return mutated.status();
  if (!mutated->is_object()) return BadRequest("the patched object must be a JSON object");
  json& metadata = Metadata(*mutated);
  if (metadata.value("name", "") != name) {
    return BadRequest(core::StrCat("the name of the patched object (", metadata.value("name", ""),
                                   ") does not match the name on the URL (", name, ")"));
  }
  return WriteLocked(resource, bucket, key, *std::move(mutated), subresource);
}

absl::StatusOr<json> ObjectStore::WriteLocked(const ResourceInfo& resource, Bucket& bucket,
                                              const std::string& key, json object,
                                              Subresource subresource) {
  const std::shared_ptr<const json> current = bucket[key].object;
  const json& current_metadata = MetadataOf(*current);
  const std::string name = current_metadata.value("name", "");
  json& metadata = Metadata(object);
  const std::string precondition = metadata.value("resourceVersion", "");
  if (!precondition.empty() && precondition != current_metadata.value("resourceVersion", "")) {
    return Conflict(resource.group, resource.resource, name,
                    "the object has been modified; please apply your changes to the latest "
                    "version and try again");
  }
  json next;
  if (subresource == Subresource::kStatus) {
    next = *current;
    if (object.contains("status")) {
      next["status"] = object["status"];
    } else {
      next.erase("status");
    }
  } else {
    next = std::move(object);
    if (resource.has_status) {
      if (current->contains("status")) {
        next["status"] = (*current)["status"];
      } else {
        next.erase("status");
      }
    }
    json& next_metadata = Metadata(next);
    for (const char* kept : {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                             "deletionGracePeriodSeconds", "generation"}) {
      if (current_metadata.contains(kept)) {
        next_metadata[kept] = current_metadata[kept];
      } else {
        next_metadata.erase(kept);
      }
    }
  }
  next["apiVersion"] = resource.ApiVersion();
  next["kind"] = resource.kind;
  json& next_metadata = Metadata(next);
  next_metadata["resourceVersion"] = current_metadata.value("resourceVersion", "");
  if (SpecPart(next) != SpecPart(*current)) {
    next_metadata["generation"] = current_metadata.value("generation", int64_t{0}) + 1;
  }
  if (next == *current) return next;  // a no-op write keeps its resourceVersion

  next_metadata["resourceVersion"] = std::to_string(++resource_version_);
  Entry stored = MakeEntry(std::move(next));
  // Only an object that waits for nothing but its finalizers goes when they
  // are emptied; one in its grace period waits for its final delete.
  if (current_metadata.contains("deletionTimestamp") && !HasFinalizers(*stored.object) &&
      current_metadata.value("deletionGracePeriodSeconds", int64_t{0}) == 0) {
    bucket.erase(key);
    RecordLocked({resource_version_, resource.GroupResource(), "DELETED", stored, nullptr});
    return *stored.object;
  }
  bucket[key] = stored;
  RecordLocked({resource_version_, resource.GroupResource(), "MODIFIED", stored, current});
  return *stored.object;
}

absl::StatusOr<json> ObjectStore::Delete(const ResourceInfo& resource,
                                         const std::string& namespace_name, const std::string& name,
                                         const DeleteOptions& options) {
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& bucket = buckets_[resource.GroupResource()];
  const std::string key = Key(resource.namespaced ? namespace_name : "", name);
  auto it = bucket.find(key);
  if (it == bucket.end()) return NotFound(resource.group, resource.resource, name);
  const std::shared_ptr<const json> current = it->second.object;
  const json& metadata = MetadataOf(*current);
  if (options.resource_version.has_value() &&
      *options.resource_version != metadata.value("resourceVersion", "")) {
    return Conflict(
        resource.group, resource.resource, name,
        core::StrCat("the ResourceVersion in the precondition (", *options.resource_version,
                     ") does not match the ResourceVersion in record (",
                     metadata.value("resourceVersion", ""),
                     "). The object might have been modified"));
  }
  if (options.uid.has_value() && *options.uid != metadata.value("uid", "")) {
    return Conflict(resource.group, resource.resource, name,
                    core::StrCat("the UID in the precondition (", *options.uid,
                                 ") does not match the UID in record (", metadata.value("uid", ""),
                                 "). The object might have been deleted and then recreated"));
  }
  const int64_t grace = std::max<int64_t>(0, options.grace_period_seconds);
  if (grace > 0 || HasFinalizers(*current)) {
    if (metadata.contains("deletionTimestamp") &&
        grace >= metadata.value("deletionGracePeriodSeconds", int64_t{0})) {
      return *current;
    }
    json marked = *current;
    marked["metadata"]["deletionTimestamp"] =
        core::FormatTimestamp(clock_->Now() + absl::Seconds(grace));
    marked["metadata"]["deletionGracePeriodSeconds"] = grace;
    marked["metadata"]["resourceVersion"] = std::to_string(++resource_version_);
    Entry stored = MakeEntry(std::move(marked));
    it->second = stored;
    RecordLocked({resource_version_, resource.GroupResource(), "MODIFIED", stored, current});
    return *stored.object;
  }
  json deleted = *current;
  deleted["metadata"]["resourceVersion"] = std::to_string(++resource_version_);
  Entry stored = MakeEntry(std::move(deleted));
  bucket.erase(it);
  RecordLocked({resource_version_, resource.GroupResource(), "DELETED", stored, nullptr});
  return *stored.object;
}

absl::Status ObjectStore::Restore(const std::vector<SavedObject>& objects,
                                  int64_t resource_version) {
  std::lock_guard<std::mutex> lock(mu_);
  if (resource_version_ != 0) {
    return absl::FailedPreconditionError("the store can only be restored before it is used");
  }
  for (const SavedObject& saved : objects) {
    json object = json::parse(saved.text, nullptr, false);
    if (!object.is_object()) {
      return absl::DataLossError(core::StrCat("saved object ", saved.group_resource, " ", saved.key,
                                              " is not a JSON object"));
    }
    bool ok = false;
    const int64_t version = ParseVersion(MetadataOf(object).value("resourceVersion", ""), &ok);
    if (ok) resource_version = std::max(resource_version, version);
    buckets_[saved.group_resource][saved.key] = MakeEntry(std::move(object));
  }
  resource_version_ = resource_version;
  compacted_ = resource_version;
  return absl::OkStatus();
}

void ObjectStore::SetJournal(ObjectJournal* journal) {
  std::lock_guard<std::mutex> lock(mu_);
  journal_ = journal;
}

void ObjectStore::RecordLocked(Change change) {
  if (journal_ != nullptr) {
    const json& metadata = MetadataOf(*change.entry.object);
    const std::string key = Key(metadata.value("namespace", ""), metadata.value("name", ""));
    if (change.type == "DELETED") {
      journal_->Remove(change.group_resource, key, change.resource_version);
    } else {
      journal_->Put({change.group_resource, key, *change.entry.text}, change.resource_version);
    }
  }
  DeliverLocked(change);
  history_.push_back(std::move(change));
  while (history_.size() > options_.history_limit) {
    compacted_ = history_.front().resource_version;
    history_.pop_front();
  }
}

namespace {

// The event a watcher with `filter` sees for a change, or "" for none: a
// modification that moves an object into the selection reads as ADDED, out
// of it as DELETED, as the real server's watch cache reports it.
std::string EventTypeFor(const WatchFilter& filter, const std::string& type, const json& object,
                         const json* previous) {
  const bool now = filter.Matches(object);
  if (type != "MODIFIED" || previous == nullptr) return now ? type : "";
  const bool before = filter.Matches(*previous);
  if (now && before) return "MODIFIED";
  if (now) return "ADDED";
  if (before) return "DELETED";
  return "";
}

}  // namespace

void ObjectStore::DeliverLocked(const Change& change) {
  auto found = watchers_.find(change.group_resource);
  if (found == watchers_.end()) return;
  std::vector<std::weak_ptr<WatchStream>>& streams = found->second;
  for (size_t i = 0; i < streams.size();) {
    std::shared_ptr<WatchStream> stream = streams[i].lock();
    bool keep = stream != nullptr;
    if (stream) {
      std::string type =
          EventTypeFor(stream->filter(), change.type, *change.entry.object, change.previous.get());
      if (!type.empty()) {
        keep = stream->Offer({std::move(type), change.entry.object, change.entry.text});
      }
    }
    if (keep) {
      ++i;
    } else {
      streams[i] = std::move(streams.back());
      streams.pop_back();
    }
  }
}

absl::StatusOr<std::shared_ptr<WatchStream>> ObjectStore::Watch(
    WatchFilter filter, const std::string& resource_version) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<WatchEvent> initial;
  if (resource_version.empty() || resource_version == "0") {
    const std::string prefix = filter.namespace_name.empty() ? "" : Key(filter.namespace_name, "");
    Bucket& bucket = buckets_[filter.group_resource];
    for (auto it = bucket.lower_bound(prefix); it != bucket.end() && it->first.starts_with(prefix);
         ++it) {
      if (filter.Matches(*it->second.object)) {
        initial.push_back({"ADDED", it->second.object, it->second.text});
      }
    }
  } else {
    bool ok = false;
    const int64_t from = ParseVersion(resource_version, &ok);
    if (!ok) {
      return BadRequest(
          core::StrCat("invalid resource version \"", resource_version, "\": not a number"));
    }
    if (from < compacted_) {
      return Gone(core::StrCat("too old resource version: ", from, " (", compacted_ + 1, ")"));
    }
    auto it = std::upper_bound(
        history_.begin(), history_.end(), from,
        [](int64_t version, const Change& change) { return version < change.resource_version; });
    for (; it != history_.end(); ++it) {
      if (it->group_resource != filter.group_resource) continue;
      std::string type = EventTypeFor(filter, it->type, *it->entry.object, it->previous.get());
      if (!type.empty()) initial.push_back({std::move(type), it->entry.object, it->entry.text});
    }
  }
  auto stream =
      std::make_shared<WatchStream>(std::move(filter), options_.watch_queue_limit + initial.size());
  for (WatchEvent& event : initial) stream->Offer(std::move(event));
  watchers_[stream->filter().group_resource].push_back(stream);
  return stream;
}

std::optional<WatchEvent> ObjectStore::Bookmark(WatchStream& stream, const std::string& api_version,
                                                const std::string& kind) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!stream.Idle()) return std::nullopt;
  auto object = std::make_shared<const json>(
      json{{"kind", kind},
           {"apiVersion", api_version},
           {"metadata", {{"resourceVersion", std::to_string(resource_version_)}}}});
  return WatchEvent{"BOOKMARK", std::move(object)};
}

}  // namespace nvsx::sim
