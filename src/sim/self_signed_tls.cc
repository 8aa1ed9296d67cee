#include "sim/self_signed_tls.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "core/str_cat.h"

namespace nvsx::sim {
namespace {

struct Free {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(X509* cert) const { X509_free(cert); }
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;

absl::Status OpenSslError(std::string_view what) {
  char text[256] = "unknown error";
  if (unsigned long code = ERR_get_error(); code != 0) ERR_error_string_n(code, text, sizeof text);
  return absl::InternalError(
      core::StrCat("generating the sim's TLS certificates: ", what, ": ", text));
}

bool IsIpAddress(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

bool AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(cert, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

// A certificate for `key`, named `common_name`, not yet signed.
Cert NewCertificate(EVP_PKEY* key, const std::string& common_name, absl::Time now,
                    absl::Duration validity) {
  Cert cert(X509_new());
  if (!cert) return nullptr;
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return nullptr;
  serial[0] &= 0x7f;  // a positive serial number
  BIGNUM* number = BN_bin2bn(serial, sizeof serial, nullptr);
  time_t start = absl::ToTimeT(now);
  const bool ok =
      number != nullptr && BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert.get())) &&
      X509_set_version(cert.get(), 2) == 1 &&
      // An hour's slack for clocks that disagree a little.
      X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -3600, &start) != nullptr &&
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), 0,
                       static_cast<long>(absl::ToInt64Seconds(validity)), &start) != nullptr &&
      X509_set_pubkey(cert.get(), key) == 1;
  BN_free(number);
  if (!ok) return nullptr;
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("nvsx sim"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  return cert;
}

absl::StatusOr<std::string> ToPem(X509* cert, EVP_PKEY* key) {
  std::unique_ptr<BIO, Free> bio(BIO_new(BIO_s_mem()));
  if (!bio) return OpenSslError("BIO_new");
  const bool ok = cert != nullptr ? PEM_write_bio_X509(bio.get(), cert) == 1
                                  : PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0,
                                                             nullptr, nullptr) == 1;
  if (!ok) return OpenSslError("PEM_write");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

absl::StatusOr<TlsMaterial> MakeSelfSignedTls(const std::vector<std::string>& hosts, absl::Time now,
                                              absl::Duration validity) {
  Key ca_key(EVP_EC_gen("P-256"));
  Key server_key(EVP_EC_gen("P-256"));
  if (!ca_key || !server_key) return OpenSslError("EVP_EC_gen");

  Cert ca = NewCertificate(ca_key.get(), "nvsx-sim-ca", now, validity);
  if (!ca || X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())) != 1 ||
      !AddExtension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExtension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !AddExtension(ca.get(), ca.get(), NID_subject_key_identifier, "hash") ||
      X509_sign(ca.get(), ca_key.get(), EVP_sha256()) == 0) {
    return OpenSslError("the CA certificate");
  }

  std::string names;
  for (const std::string& host : hosts) {
    core::StrAppend(&names, names.empty() ? "" : ",", IsIpAddress(host) ? "IP:" : "DNS:", host);
  }
  Cert server = NewCertificate(server_key.get(), "nvsx-sim-apiserver", now, validity);
  if (!server || X509_set_issuer_name(server.get(), X509_get_subject_name(ca.get())) != 1 ||
      !AddExtension(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExtension(server.get(), ca.get(), NID_key_usage, "critical,digitalSignature") ||
      !AddExtension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth") ||
      !AddExtension(server.get(), ca.get(), NID_subject_key_identifier, "hash") ||
      !AddExtension(server.get(), ca.get(), NID_authority_key_identifier, "keyid:always") ||
      (!names.empty() && !AddExtension(server.get(), ca.get(), NID_subject_alt_name, names)) ||
      X509_sign(server.get(), ca_key.get(), EVP_sha256()) == 0) {
    return OpenSslError("the server certificate");
  }
  TlsMaterial material;
  absl::StatusOr<std::string> pem = ToPem(ca.get(), nullptr);
  if (!pem.ok()) return pem.status();
  material.ca_pem = *std::move(pem);
  pem = ToPem(server.get(), nullptr);
  if (!pem.ok()) return pem.status();
  material.server_cert_pem = *std::move(pem);
  pem = ToPem(nullptr, server_key.get());
  if (!pem.ok()) return pem.status();
  material.server_key_pem = *std::move(pem);
  return material;
}

}  // namespace nvsx::sim
