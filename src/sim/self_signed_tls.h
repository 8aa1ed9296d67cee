#pragma once

// A certificate authority made up on the spot, and a server certificate it
// signs, so the embedded API server can speak https to clients that trust
// that CA (the kubeconfig carries it). Nothing is written to disk.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nvsx::sim {

struct TlsMaterial {
  std::string ca_pem;           // the CA's certificate: what clients trust
  std::string server_cert_pem;  // signed by the CA
  std::string server_key_pem;
};

// A fresh P-256 CA and a server certificate valid from `now` for `validity`
// for each of `hosts` (IP addresses become IP SANs, other names DNS SANs).
absl::StatusOr<TlsMaterial> MakeSelfSignedTls(const std::vector<std::string>& hosts, absl::Time now,
                                              absl::Duration validity = absl::Hours(24 * 365));

}  // namespace nvsx::sim
