#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace nvsx::core {

// A TCP listen or connect address.
struct HostPort {
  std::string host;  // "127.0.0.1", "::1", "0.0.0.0", "localhost"; IPv6 without brackets
  uint16_t port = 0;

  // "127.0.0.1:8080", "[::1]:8080".
  std::string ToString() const;
};

// Parses "HOST:PORT" or "[IPV6]:PORT"; port 0 means "pick a free one". The host
// is required: an empty host (":8080") would mean every interface, which our
// daemons only bind when told so explicitly.
absl::StatusOr<HostPort> ParseHostPort(std::string_view text);

// True for 127.0.0.0/8, ::1 and "localhost": addresses no other machine can reach.
bool IsLoopbackHost(std::string_view host);

// A TCP port on 127.0.0.1 that was free a moment ago: for a program that must
// be told its port on the command line. Another process may take it before
// the program binds it; the program then fails to start and says so.
absl::StatusOr<uint16_t> PickFreeLoopbackPort();

}  // namespace nvsx::core
