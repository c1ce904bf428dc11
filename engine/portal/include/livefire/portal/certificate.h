#pragma once
// The portal's TLS certificate: given by the white cell (--cert/--key), or a
// self-signed one the portal makes once per exercise and keeps in
// <exercise dir>/portal/ (key mode 0600), so that the fingerprint handed out
// stays valid across restarts.

#include <string>

#include "livefire/status.h"

namespace livefire::portal {

struct CertificateFiles {
  std::string cert_file;
  std::string key_file;
  std::string fingerprint;  // SHA-256 of the DER certificate, "AB:CD:..."
  bool generated = false;   // made by this call
};

// cert_file and key_file both given: checks that they load and belong
// together. Both empty: <dir>/cert.pem and <dir>/key.pem, made (EC P-256,
// valid 1 year, CN and subjectAltName = host) when absent. One alone is an
// InvalidArgument error.
Result<CertificateFiles> EnsureCertificate(const std::string& dir, const std::string& cert_file,
                                           const std::string& key_file, const std::string& host);

// The fingerprint of the first certificate in a PEM file.
Result<std::string> CertificateFingerprint(const std::string& cert_file);

}  // namespace livefire::portal
