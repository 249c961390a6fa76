// Fuzzes ParseApiKeys (services/runtime/api_keys.h), the --api_keys file.
// Invariants: a file it accepts has at least one key, every key well formed
// (id, 64 lowercase hex digits, known permissions, rate and burst in range),
// ids and hashes unique, and the keys written back as a key file parse to the
// same keys; a file it refuses is INVALID_ARGUMENT naming "path:line:".
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "services/runtime/api_keys.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using yoga::fuzz::Check;

constexpr absl::string_view kPath = "keys.txt";

void CheckWellFormed(const yoga::ApiKey& key) {
  Check(!key.id.empty() && key.id.size() <= 64, "a key id is 1 to 64 long",
        key.id);
  for (char c : key.id) {
    Check(absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.',
          "a key id holds letters, digits, '-', '_' or '.'", key.id);
  }
  Check(key.sha256_hex.size() == 64, "a hash is 64 digits", key.sha256_hex);
  for (char c : key.sha256_hex) {
    Check(absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'),
          "a hash is lowercase hex", key.sha256_hex);
  }
  Check(key.permissions != 0 &&
            (key.permissions &
             ~(yoga::kPlannerPermission | yoga::kSessionsPermission)) == 0,
        "permissions are known and at least one");
  Check(std::isfinite(key.rate) && key.rate > 0 && key.rate <= 100000,
        "rate is above 0 and at most 100000", absl::StrCat(key.rate));
  Check(key.burst >= 1 && key.burst <= 100000, "burst is 1 to 100000",
        absl::StrCat(key.burst));
}

// The keys as a key file, every field spelled out.
std::string Written(const std::vector<yoga::ApiKey>& keys) {
  std::string text = "# written back by the fuzz target\n";
  for (const yoga::ApiKey& key : keys) {
    absl::StrAppend(&text, key.id, "\tsha256=", key.sha256_hex,
                    " permissions=", yoga::PermissionNames(key.permissions),
                    absl::StrFormat(" rate=%.17g", key.rate),
                    " burst=", key.burst, "\n");
  }
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<yoga::ApiKey>> keys =
      yoga::ParseApiKeys(kPath, text);
  if (!keys.ok()) {
    Check(absl::IsInvalidArgument(keys.status()),
          "a refused key file is INVALID_ARGUMENT", keys.status().ToString());
    // "keys.txt:LINE: why", LINE within the file.
    const absl::string_view message = keys.status().message();
    Check(absl::StartsWith(message, absl::StrCat(kPath, ":")),
          "a refusal names the file", message);
    const std::vector<absl::string_view> location =
        absl::StrSplit(message, absl::MaxSplits(':', 2));
    int line = 0;
    Check(location.size() == 3 && absl::SimpleAtoi(location[1], &line) &&
              line >= 1 &&
              line <= 1 + static_cast<int>(
                              std::count(text.begin(), text.end(), '\n')),
          "a refusal names a line of the file", message);
    return 0;
  }
  Check(!keys->empty(), "an accepted key file has a key");
  absl::flat_hash_set<std::string> ids;
  absl::flat_hash_set<std::string> hashes;
  for (const yoga::ApiKey& key : *keys) {
    CheckWellFormed(key);
    Check(ids.insert(key.id).second, "key ids are unique", key.id);
    Check(hashes.insert(key.sha256_hex).second, "hashes are unique");
  }
  const std::string written = Written(*keys);
  absl::StatusOr<std::vector<yoga::ApiKey>> again =
      yoga::ParseApiKeys(kPath, written);
  Check(again.ok(), "the keys written back parse",
        absl::StrCat(written, "\n", again.status().ToString()));
  Check(again->size() == keys->size(), "the keys written back are as many");
  for (size_t i = 0; i < keys->size(); ++i) {
    const yoga::ApiKey& a = (*keys)[i];
    const yoga::ApiKey& b = (*again)[i];
    Check(a.id == b.id && a.sha256_hex == b.sha256_hex &&
              a.permissions == b.permissions && a.rate == b.rate &&
              a.burst == b.burst,
          "the keys written back are the same keys", written);
  }
  return 0;
}
