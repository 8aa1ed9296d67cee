#include "kube/http_transport.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include "core/str_cat.h"
#include "kube/api_error.h"
#include "kube/curl_library.h"

namespace nvsx::kube {
namespace {

struct Exchange {
  const CurlFunctions* curl = nullptr;
  HttpResponse response;
  CURL* handle = nullptr;
  const std::function<bool(std::string_view)>* sink = nullptr;
  bool stopped_by_sink = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  if (exchange->sink != nullptr && *exchange->sink) {
    long status = 0;
    exchange->curl->easy_getinfo(exchange->handle, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      if ((*exchange->sink)(std::string_view(data, size * count))) return size * count;
      exchange->stopped_by_sink = true;
      return 0;  // curl ends the transfer with CURLE_WRITE_ERROR
    }
  }
  exchange->response.body.append(data, size * count);
  return size * count;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    exchange->response.headers.clear();  // a new response (after 100 Continue or a redirect)
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  exchange->response.headers[name] = std::string(value);
  return size * count;
}

}  // namespace

// The sockets of one easy handle's connections. curl opens and closes them
// through these callbacks, and a cancel shuts them down, which wakes curl out
// of poll() at once (a handle serves one request at a time, so they are that
// request's, or idle connections that are simply opened again). All three
// hold `mu`, so a shutdown never reaches a descriptor that was closed and
// perhaps reused by another thread.
struct HttpTransport::Sockets {
  std::mutex mu;
  std::vector<curl_socket_t> open;
  bool woken = false;  // the current request was cancelled

  void Wake() {
    std::lock_guard<std::mutex> guard(mu);
    woken = true;
    for (curl_socket_t fd : open) shutdown(fd, SHUT_RDWR);
  }
  void Rearm() {
    std::lock_guard<std::mutex> guard(mu);
    woken = false;
  }

  static curl_socket_t Open(void* user, curlsocktype purpose, curl_sockaddr* address) {
    auto* sockets = static_cast<Sockets*>(user);
    if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
    std::lock_guard<std::mutex> guard(sockets->mu);
    if (sockets->woken) return CURL_SOCKET_BAD;  // curl gives up connecting
    curl_socket_t fd = socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    if (fd != CURL_SOCKET_BAD) sockets->open.push_back(fd);
    return fd;
  }

  static int Close(void* user, curl_socket_t fd) {
    auto* sockets = static_cast<Sockets*>(user);
    std::lock_guard<std::mutex> guard(sockets->mu);
    std::erase(sockets->open, fd);
    return close(fd);
  }
};

namespace {

// Polled by curl while the transfer runs; catches a cancel that came between
// two socket operations.
int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const CancelToken*>(user)->cancelled() ? 1 : 0;
}

void SetBlob(const CurlFunctions& curl, CURL* handle, CURLoption option, const std::string& pem) {
  curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
  curl.easy_setopt(handle, option, &blob);
}

struct SlistDeleter {
  const CurlFunctions* curl;
  void operator()(curl_slist* list) const { curl->slist_free_all(list); }
};

// For tls-server-name: the URL's host becomes `server_name` (the name TLS
// verifies and SNI sends) while CONNECT_TO keeps connecting to the real host.
std::string RewriteForServerName(const CurlFunctions& curl, const std::string& url,
                                 const std::string& server_name, std::string* connect_to) {
  CURLU* parsed = curl.url();
  std::string out = url;
  char* host = nullptr;
  char* port = nullptr;
  if (curl.url_set(parsed, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl.url_get(parsed, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl.url_get(parsed, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
      curl.url_set(parsed, CURLUPART_HOST, server_name.c_str(), 0) == CURLUE_OK) {
    char* rewritten = nullptr;
    if (curl.url_get(parsed, CURLUPART_URL, &rewritten, 0) == CURLUE_OK) {
      out = rewritten;
      *connect_to = core::StrCat(server_name, ":", port, ":", host, ":", port);
      curl.free(rewritten);
    }
  }
  curl.free(host);
  curl.free(port);
  curl.url_cleanup(parsed);
  return out;
}

}  // namespace

std::string HttpResponse::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

HttpTransport::HttpTransport(TlsConfig tls, absl::Duration connect_timeout,
                             const std::string& libcurl)
    : tls_(std::move(tls)),
      connect_timeout_(connect_timeout),
      libcurl_(CurlLibrary::Open(libcurl)) {}

HttpTransport::~HttpTransport() {
  // Each handle closes its connections before their Sockets record goes.
  if (libcurl_.ok()) {
    for (Handle& handle : idle_) (*libcurl_)->fn().easy_cleanup(handle.curl);
  }
  idle_.clear();
}

HttpTransport::Handle HttpTransport::Acquire(const CurlFunctions& curl) {
  Handle handle;
  {
    std::lock_guard<std::mutex> guard(mu_);
    if (!idle_.empty()) {
      handle = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (handle.curl != nullptr) {
    curl.easy_reset(handle.curl);  // keeps the handle's live connections
    handle.sockets->Rearm();
  } else {
    handle.curl = curl.easy_init();
    handle.sockets = std::make_unique<Sockets>();
  }
  // Set on every request: curl_easy_reset() clears them, and each new
  // connection must be recorded.
  curl.easy_setopt(handle.curl, CURLOPT_OPENSOCKETFUNCTION, &Sockets::Open);
  curl.easy_setopt(handle.curl, CURLOPT_OPENSOCKETDATA, handle.sockets.get());
  curl.easy_setopt(handle.curl, CURLOPT_CLOSESOCKETFUNCTION, &Sockets::Close);
  curl.easy_setopt(handle.curl, CURLOPT_CLOSESOCKETDATA, handle.sockets.get());
  return handle;
}

void HttpTransport::Release(Handle handle) {
  std::lock_guard<std::mutex> guard(mu_);
  idle_.push_back(std::move(handle));
}

absl::StatusOr<HttpResponse> HttpTransport::Do(const HttpRequest& request,
                                               const Credentials& credentials, bool* maybe_sent) {
  *maybe_sent = false;
  const CancelToken* cancel = request.cancel;
  if (cancel != nullptr && cancel->cancelled()) {
    return absl::CancelledError(core::StrCat(request.method, " ", request.url, ": cancelled"));
  }
  if (!libcurl_.ok()) return libcurl_.status();
  const CurlFunctions& curl = (*libcurl_)->fn();
  Handle pooled = Acquire(curl);
  CURL* handle = pooled.curl;
  if (handle == nullptr) return absl::InternalError("curl_easy_init() failed");
  uint64_t waker = 0;
  if (cancel != nullptr) {
    curl.easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
    curl.easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl.easy_setopt(handle, CURLOPT_XFERINFODATA, cancel);
    Sockets* sockets = pooled.sockets.get();
    waker = cancel->AddWaker([sockets] { sockets->Wake(); });
  }
  Exchange exchange;
  exchange.curl = &curl;
  exchange.handle = handle;
  exchange.sink = &request.on_body;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  std::string url = request.url;
  std::string connect_to;
  if (!tls_.server_name.empty()) {
    url = RewriteForServerName(curl, url, tls_.server_name, &connect_to);
  }
  std::unique_ptr<curl_slist, SlistDeleter> connect_list(nullptr, SlistDeleter{&curl});
  if (!connect_to.empty()) {
    connect_list.reset(curl.slist_append(nullptr, connect_to.c_str()));
    curl.easy_setopt(handle, CURLOPT_CONNECT_TO, connect_list.get());
  }

  curl.easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl.easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl.easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
  curl.easy_setopt(handle, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl.easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
  curl.easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(connect_timeout_)));
  if (request.timeout != absl::InfiniteDuration()) {
    curl.easy_setopt(handle, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(absl::ToInt64Milliseconds(request.timeout)));
  }
  curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, OnBody);
  curl.easy_setopt(handle, CURLOPT_WRITEDATA, &exchange);
  curl.easy_setopt(handle, CURLOPT_HEADERFUNCTION, OnHeader);
  curl.easy_setopt(handle, CURLOPT_HEADERDATA, &exchange);

  if (request.method == "GET") {
    curl.easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl.easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else {
    curl.easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    curl.easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl.easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.c_str());
  }

  // TLS: the cluster's CA (or the system store), optional client certificate.
  if (tls_.insecure_skip_verify) {
    curl.easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 0L);
    curl.easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 0L);
  } else if (!tls_.ca_pem.empty()) {
    SetBlob(curl, handle, CURLOPT_CAINFO_BLOB, tls_.ca_pem);
  }
  const std::string& cert =
      credentials.client_cert_pem.empty() ? tls_.client_cert_pem : credentials.client_cert_pem;
  const std::string& key =
      credentials.client_cert_pem.empty() ? tls_.client_key_pem : credentials.client_key_pem;
  if (!cert.empty()) {
    curl.easy_setopt(handle, CURLOPT_SSLCERTTYPE, "PEM");
    SetBlob(curl, handle, CURLOPT_SSLCERT_BLOB, cert);
    curl.easy_setopt(handle, CURLOPT_SSLKEYTYPE, "PEM");
    SetBlob(curl, handle, CURLOPT_SSLKEY_BLOB, key);
  }

  curl_slist* raw_headers = curl.slist_append(nullptr, "Expect:");
  for (const auto& [name, value] : request.headers) {
    raw_headers = curl.slist_append(raw_headers, core::StrCat(name, ": ", value).c_str());
  }
  if (!credentials.authorization.empty()) {
    raw_headers = curl.slist_append(
        raw_headers, core::StrCat("Authorization: ", credentials.authorization).c_str());
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers(raw_headers, SlistDeleter{&curl});
  curl.easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());

  CURLcode code = curl.easy_perform(handle);
  long status = 0;
  curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  // Drop pointers into this call's buffers before the handle goes back to the pool.
  curl.easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
  curl.easy_setopt(handle, CURLOPT_HTTPHEADER, nullptr);
  curl.easy_setopt(handle, CURLOPT_CONNECT_TO, nullptr);
  if (cancel != nullptr) cancel->RemoveWaker(waker);
  Release(std::move(pooled));
  if (cancel != nullptr && code != CURLE_OK && cancel->cancelled()) {
    return absl::CancelledError(core::StrCat(request.method, " ", request.url, ": cancelled"));
  }
  if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CERTPROBLEM ||
      code == CURLE_SSL_CACERT_BADFILE) {
    // Not transient: retrying cannot help until the configuration changes.
    return absl::FailedPreconditionError(
        core::StrCat(request.method, " ", request.url,
                     ": TLS: ", error_buffer[0] != '\0' ? error_buffer : curl.easy_strerror(code)));
  }
  if (code == CURLE_WRITE_ERROR && exchange.stopped_by_sink) code = CURLE_OK;
  if (code != CURLE_OK) {
    *maybe_sent = !(code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
                    code == CURLE_COULDNT_RESOLVE_PROXY);
    std::string detail = error_buffer[0] != '\0' ? error_buffer : curl.easy_strerror(code);
    return ConnectionError(core::StrCat(request.method, " ", request.url, ": ", detail));
  }
  *maybe_sent = true;
  exchange.response.status = static_cast<int>(status);
  return std::move(exchange.response);
}

}  // namespace nvsx::kube
