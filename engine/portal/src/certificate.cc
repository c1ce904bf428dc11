#include "livefire/portal/certificate.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <memory>

#include "livefire/files.h"

namespace livefire::portal {

namespace {

namespace fs = std::filesystem;

struct Free {
  void operator()(BIO* p) const { BIO_free_all(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Free>;

std::string OpenSslError(std::string_view what) {
  const unsigned long e = ERR_get_error();
  char buf[256] = "unknown error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return fmt::format("{}: {}", what, buf);
}

Result<Owned<X509>> ReadCert(const std::string& path) {
  Owned<BIO> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return Status::InvalidArgument(OpenSslError("cannot open certificate " + path));
  Owned<X509> x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!x) return Status::InvalidArgument(OpenSslError("no PEM certificate in " + path));
  return x;
}

Result<Owned<EVP_PKEY>> ReadKey(const std::string& path) {
  Owned<BIO> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return Status::InvalidArgument(OpenSslError("cannot open key " + path));
  Owned<EVP_PKEY> k(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!k) return Status::InvalidArgument(OpenSslError("no PEM private key in " + path));
  return k;
}

std::string Fingerprint(X509* x) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(x, EVP_sha256(), md, &n);
  std::string out;
  for (unsigned int i = 0; i < n; ++i) out += fmt::format("{}{:02X}", i ? ":" : "", md[i]);
  return out;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

// A self-signed EC P-256 certificate for host, valid a year from now.
Status MakeSelfSigned(const std::string& host, const fs::path& cert, const fs::path& key) {
  Owned<EVP_PKEY> pkey(EVP_EC_gen("P-256"));
  if (!pkey) return Status::Internal(OpenSslError("EC key generation"));
  Owned<X509> x(X509_new());
  X509_set_version(x.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // a positive serial
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 365L * 24 * 3600);
  X509_set_pubkey(x.get(), pkey.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  const std::string cn = host.empty() ? "livefire portal" : host;
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("livefire"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  if (!host.empty()) {
    in6_addr a6{};
    in_addr a4{};
    const bool ip = inet_pton(AF_INET, host.c_str(), &a4) == 1 ||
                    inet_pton(AF_INET6, host.c_str(), &a6) == 1;
    const std::string san = (ip ? "IP:" : "DNS:") + host;
    Owned<X509_EXTENSION> ext(
        X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str()));
    if (ext) X509_add_ext(x.get(), ext.get(), -1);
  }
  if (X509_sign(x.get(), pkey.get(), EVP_sha256()) == 0)
    return Status::Internal(OpenSslError("signing the portal certificate"));

  Owned<BIO> kb(BIO_new(BIO_s_mem()));
  Owned<BIO> cb(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(kb.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_X509(cb.get(), x.get()) != 1)
    return Status::Internal(OpenSslError("encoding the portal certificate"));
  // The key first: a certificate without its key would be reused and fail.
  LF_RETURN_IF_ERROR(WriteFileAtomic(key, BioText(kb.get()), 0600));
  return WriteFileAtomic(cert, BioText(cb.get()), 0644);
}

}  // namespace

Result<std::string> CertificateFingerprint(const std::string& cert_file) {
  LF_ASSIGN_OR_RETURN(Owned<X509> x, ReadCert(cert_file));
  return Fingerprint(x.get());
}

Result<CertificateFiles> EnsureCertificate(const std::string& dir, const std::string& cert_file,
                                           const std::string& key_file, const std::string& host) {
  if (cert_file.empty() != key_file.empty())
    return Status::InvalidArgument("--cert and --key go together: give both or neither");
  CertificateFiles out{cert_file, key_file, "", false};
  if (cert_file.empty()) {
    out.cert_file = (fs::path(dir) / "cert.pem").string();
    out.key_file = (fs::path(dir) / "key.pem").string();
    std::error_code ec;
    if (!fs::exists(out.cert_file, ec) || !fs::exists(out.key_file, ec)) {
      fs::create_directories(dir, ec);
      if (ec) return Status::InvalidArgument(fmt::format("cannot create {}: {}", dir, ec.message()));
      fs::permissions(dir, fs::perms::owner_all, ec);
      LF_RETURN_IF_ERROR(MakeSelfSigned(host, out.cert_file, out.key_file));
      out.generated = true;
    }
  }
  LF_ASSIGN_OR_RETURN(Owned<X509> x, ReadCert(out.cert_file));
  LF_ASSIGN_OR_RETURN(Owned<EVP_PKEY> k, ReadKey(out.key_file));
  if (X509_check_private_key(x.get(), k.get()) != 1)
    return Status::InvalidArgument(fmt::format("the key {} does not belong to the certificate {}",
                                               out.key_file, out.cert_file));
  out.fingerprint = Fingerprint(x.get());
  return out;
}

}  // namespace livefire::portal
