#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/cancel_token.h"
#include "kube/credential_provider.h"
#include "kube/rest_config.h"

typedef void CURL;  // as curl.h has it; the header stays out of ours

namespace nvsx::kube {

class CurlLibrary;
struct CurlFunctions;

// The libcurl a transport loads: Debian's libcurl4 (OpenSSL flavour).
inline constexpr char kLibcurlSoname[] = "libcurl.so.4";

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  absl::Duration timeout = absl::Seconds(30);  // whole request; InfiniteDuration: none
  // When set, the body of a 2xx response is handed here chunk by chunk as it
  // arrives instead of being collected (for watch streams); returning false
  // ends the request early, which is not an error. Error bodies are collected.
  std::function<bool(std::string_view)> on_body;
  // When set, Cancel() on it ends the request promptly (even a stream that
  // is idle, by shutting its socket down) with a Cancelled status.
  const CancelToken* cancel = nullptr;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string Header(const std::string& lower_name) const;
};

// HTTP(S) over libcurl (loaded when the transport is made) with keep-alive:
// easy handles (each with its own connection cache) are pooled and reused
// across requests; HTTP/2 is negotiated over TLS when the server offers it.
// Thread-safe.
class HttpTransport {
 public:
  // `connect_timeout` bounds connecting (TCP and TLS) for every request;
  // `libcurl` is what CurlLibrary::Open loads.
  explicit HttpTransport(TlsConfig tls, absl::Duration connect_timeout = absl::Seconds(10),
                         const std::string& libcurl = kLibcurlSoname);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Sends `request` with `credentials`. Any HTTP answer is a response (4xx and
  // 5xx included); a request that got none fails with a ConnectionError
  // status, and *maybe_sent tells whether the server may have received it
  // (false only when the connection itself could not be made). A request
  // whose cancel token fired fails with a Cancelled status; without a
  // loadable libcurl, every request fails with CurlLibrary::Open's status.
  absl::StatusOr<HttpResponse> Do(const HttpRequest& request, const Credentials& credentials,
                                  bool* maybe_sent);

 private:
  struct Sockets;  // the sockets a handle's connections use
  // An easy handle with its connections and the record of their sockets,
  // which lives as long as they do.
  struct Handle {
    CURL* curl = nullptr;
    std::unique_ptr<Sockets> sockets;
  };
  Handle Acquire(const CurlFunctions& curl);
  void Release(Handle handle);

  const TlsConfig tls_;
  const absl::Duration connect_timeout_;
  const absl::StatusOr<std::unique_ptr<CurlLibrary>> libcurl_;  // or why it could not be loaded
  std::mutex mu_;
  std::vector<Handle> idle_;
};

}  // namespace nvsx::kube
