#include "core/net_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/str_cat.h"

namespace nvsx::core {
namespace {

absl::Status AddressError(std::string_view text, std::string_view reason) {
  return absl::InvalidArgumentError(
      StrCat("invalid address \"", text, "\": ", reason, "; use HOST:PORT, e.g. 127.0.0.1:8080"));
}

}  // namespace

std::string HostPort::ToString() const {
  if (host.find(':') != std::string::npos) return StrCat("[", host, "]:", port);
  return StrCat(host, ":", port);
}

absl::StatusOr<HostPort> ParseHostPort(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return AddressError(text, "missing port");
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    in6_addr addr;
    if (::inet_pton(AF_INET6, std::string(host).c_str(), &addr) != 1) {
      return AddressError(text, "not an IPv6 address inside the brackets");
    }
  } else if (host.find(':') != std::string_view::npos) {
    return AddressError(text, "an IPv6 host must be written in brackets, e.g. [::1]:8080");
  }
  if (host.empty()) return AddressError(text, "missing host (use 0.0.0.0 for every interface)");
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return AddressError(text, "the port must be a number from 0 to 65535");
  }
  return HostPort{std::string(host), static_cast<uint16_t>(port)};
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr addr;
  if (::inet_pton(AF_INET, std::string(host).c_str(), &addr) != 1) return false;
  return (ntohl(addr.s_addr) >> 24) == 127;
}

absl::StatusOr<uint16_t> PickFreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(StrCat("socket: ", std::strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  const int error = errno;
  ::close(fd);
  if (!bound)
    return absl::UnavailableError(StrCat("no free port on 127.0.0.1: ", std::strerror(error)));
  return ntohs(address.sin_port);
}

}  // namespace nvsx::core
