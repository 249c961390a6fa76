// Stable content hashes for etags and content-addressed ids: the first 16 hex
// digits (64 bits) of SHA-256. Equal bytes give equal hashes on every machine.
#ifndef YOGA_SERVICES_COMMON_CONTENT_HASH_H_
#define YOGA_SERVICES_COMMON_CONTENT_HASH_H_

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message_lite.h"

namespace yoga {

std::string ContentHash(absl::string_view bytes);

// All 64 lowercase hex digits of the SHA-256 of `bytes` (API key hashes).
std::string Sha256Hex(absl::string_view bytes);

// Whether two secrets (tokens, keys) are equal, in time that depends on their
// lengths only, so a caller cannot find a secret byte by byte from timings.
bool SameSecret(absl::string_view a, absl::string_view b);

// A new secret of `bytes` random bytes from OpenSSL's generator, as lowercase
// hex (a class's teacher token); empty if the generator fails.
std::string NewSecretHex(int bytes);

// Hash of a message's deterministic serialization (map order fixed).
std::string ContentHashOf(const google::protobuf::MessageLite& message);

}  // namespace yoga

#endif  // YOGA_SERVICES_COMMON_CONTENT_HASH_H_
