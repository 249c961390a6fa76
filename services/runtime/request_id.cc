#include "services/runtime/request_id.h"

#include <atomic>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "openssl/rand.h"

namespace yoga {

bool IsWellFormedRequestId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.')
      return false;
  }
  return true;
}

std::string RequestIdFor(absl::string_view presented) {
  if (IsWellFormedRequestId(presented)) return std::string(presented);
  uint64_t random = 0;
  // Unique enough to find one call in a log; a failed draw (which OpenSSL
  // reports only when it has no entropy at all) still gives a usable id.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&random), sizeof(random)) !=
      1) {
    static std::atomic<uint64_t> counter{0};
    random = ++counter;
  }
  return absl::StrFormat("%016x", random);
}

}  // namespace yoga
