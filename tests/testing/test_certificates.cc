#include "tests/testing/test_certificates.h"

#include <stdlib.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"

namespace yoga::testing {

absl::StatusOr<TestCertificates> MakeTestCertificates() {
  char pattern[] = "/tmp/yoga-certs-XXXXXX";
  if (mkdtemp(pattern) == nullptr)
    return absl::InternalError("cannot make a temporary folder");
  TestCertificates certificates{pattern};
  // P-256 keys: quick to make, and gRPC's TLS takes them.
  const std::string script = absl::StrCat(
      "set -e; cd '", certificates.dir, "'\n",
      R"(key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1"; }
ca() { key "$1.key"; openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 2 -subj "/CN=$1"; }
signed() {  # name ca extensions
  key "$1.key"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$1"
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
    -out "$1.pem" -days 2 -extfile "$1.ext"
}
ca ca
ca stranger-ca
signed server ca "subjectAltName=DNS:localhost,IP:127.0.0.1"
signed client ca "extendedKeyUsage=clientAuth"
signed stranger stranger-ca "extendedKeyUsage=clientAuth"
)");
  const std::string command = absl::StrCat(
      "bash -c '",
      [&] {
        std::string quoted;
        for (char c : script) {
          if (c == '\'')
            quoted += "'\\''";
          else
            quoted += c;
        }
        return quoted;
      }(),
      "' >'", certificates.dir, "/openssl.log' 2>&1");
  if (std::system(command.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat("openssl could not make test certificates; see ",
                     certificates.dir, "/openssl.log"));
  }
  return certificates;
}

}  // namespace yoga::testing
