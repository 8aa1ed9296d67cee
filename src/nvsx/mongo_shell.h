#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/environment.h"
#include "kube/rest_client.h"
#include "nlohmann/json.hpp"

namespace nvsx::op {

// Where NVSentinel's legacy MongoDB is and how to reach it.
struct MongoShellOptions {
  std::string kubectl = "kubectl";  // looked up in env's PATH unless it is a path
  std::string kubeconfig;           // passed as --kubeconfig when set
  std::string context;              // passed as --context when set
  std::string namespace_name = "nvsentinel";
  // Empty: the first Running pod (by name) that pod_selector matches.
  std::string pod;
  std::string pod_selector = "app.kubernetes.io/name=mongodb";
  std::string container;  // passed as -c when set
  std::string database = "nvsentinel";
  absl::Duration timeout = absl::Seconds(10);  // per kubectl exec
  core::Environment env;                       // what kubectl runs with
};

// NVSentinel's legacy MongoDB, read as the original nvsx read it: `kubectl
// exec` into the MongoDB pod and `mongosh --quiet --eval EXPRESSION`, so the
// database need not be reachable from where nvsx runs and no driver is needed.
// kubectl is started with an argv (no shell); collection and database names
// go into the expression as JSON strings. Thread-safe.
class MongoShell {
 public:
  // `client` finds the pod when options.pod is empty (null: it must be set)
  // and must outlive this.
  MongoShell(MongoShellOptions options, kube::RestClient* client);

  // db.getSiblingDB(DATABASE).getCollection(COLLECTION).countDocuments(FILTER);
  // `filter` is a mongosh object literal (see CheckMongoFilter).
  absl::StatusOr<int64_t> CountDocuments(const std::string& collection, const std::string& filter);

  // The documents of `collection` whose _id is an ObjectId above `after_id`
  // (24 hex digits), in _id order, at most `limit`.
  absl::StatusOr<std::vector<nlohmann::json>> FindAfter(const std::string& collection,
                                                        const std::string& after_id, int limit);

  // The kubectl command line that evaluates `expression` in `pod`.
  std::vector<std::string> ExecArgv(const std::string& pod, const std::string& expression) const;

 private:
  absl::StatusOr<std::string> Eval(const std::string& expression);
  absl::StatusOr<std::string> Pod();

  const MongoShellOptions options_;
  kube::RestClient* const client_;
  std::mutex mu_;
  std::string found_pod_;  // the looked-up pod, until an exec in it fails
};

// The expressions MongoShell evaluates.
std::string CountExpression(std::string_view database, std::string_view collection,
                            std::string_view filter);
std::string FindAfterExpression(std::string_view database, std::string_view collection,
                                std::string_view after_id, int limit);

// What mongosh printed for them: the count (the last line, an integer), and
// the documents (the last line, a JSON array).
absl::StatusOr<int64_t> ParseCount(std::string_view output);
absl::StatusOr<std::vector<nlohmann::json>> ParseDocuments(std::string_view output);

// The smallest ObjectId created at `time` ("65a1b2c3" + 16 zeros).
std::string ObjectIdAt(absl::Time time);
// A document's _id as 24 hex digits, whether JSON.stringify wrote it as a
// string or EJSON as {"$oid": ...}; "" when it is no ObjectId.
std::string DocumentId(const nlohmann::json& document);

// A collection name MongoDB accepts: not empty, no '$' or NUL, not system.*.
absl::Status CheckMongoCollection(std::string_view collection);

}  // namespace nvsx::op
