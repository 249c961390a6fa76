// Certificates for TLS tests, made with openssl at test time in a fresh
// folder: a CA, a server certificate for localhost and 127.0.0.1 signed by it,
// a client certificate signed by it, and a client certificate signed by a
// stranger CA (which a server trusting only the first must refuse).
#ifndef YOGA_TESTS_TESTING_TEST_CERTIFICATES_H_
#define YOGA_TESTS_TESTING_TEST_CERTIFICATES_H_

#include <string>

#include "absl/status/statusor.h"

namespace yoga::testing {

struct TestCertificates {
  std::string dir;
  // Paths of PEM files in `dir`.
  std::string ca() const { return dir + "/ca.pem"; }
  std::string server_cert() const { return dir + "/server.pem"; }
  std::string server_key() const { return dir + "/server.key"; }
  std::string client_cert() const { return dir + "/client.pem"; }
  std::string client_key() const { return dir + "/client.key"; }
  std::string stranger_cert() const { return dir + "/stranger.pem"; }
  std::string stranger_key() const { return dir + "/stranger.key"; }
};

absl::StatusOr<TestCertificates> MakeTestCertificates();

}  // namespace yoga::testing

#endif  // YOGA_TESTS_TESTING_TEST_CERTIFICATES_H_
