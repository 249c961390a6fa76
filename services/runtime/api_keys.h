// Partner API keys, read from the file given to --api_keys. The file holds
// hashes, never keys. One key a line; '#' starts a comment:
//
//   # KEY_ID   sha256 of the key                permissions        quota
//   acme-run   sha256=9f86d081884c7d65...(64 hex) permissions=planner rate=5
//   burst=10 coachco    sha256=...  permissions=planner,sessions  rate=20
//   burst=40
//
// Make a key with `openssl rand -hex 32` and its hash with
// `printf %s "$KEY" | sha256sum`. `rate` (calls a second) and `burst` default
// to kDefaultRate and kDefaultBurst. Errors name the file and line.
#ifndef YOGA_SERVICES_RUNTIME_API_KEYS_H_
#define YOGA_SERVICES_RUNTIME_API_KEYS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace yoga {

// What a key may call. kPlanner: the planner and the catalog it plans from;
// kSessions: the session service. kPeer is for our own services' keys only
// (--peer_api_key_file): it lets a call act for the partner key it names in
// "yoga-on-behalf-of" (call_admission.h), so the session service can fetch
// the routine a partner composed. Never give it to a partner. kTeach lets a
// key with kSessions control its classes without the teacher's token (a
// studio's front desk); other callers need the token StartSession gave.
enum Permission : unsigned {
  kPlannerPermission = 1u << 0,
  kSessionsPermission = 1u << 1,
  kPeerPermission = 1u << 2,
  kTeachPermission = 1u << 3,
};

inline constexpr double kDefaultRate = 10;
inline constexpr int kDefaultBurst = 20;

struct ApiKey {
  std::string id;
  std::string sha256_hex;  // 64 lowercase hex digits.
  unsigned permissions = 0;
  double rate = kDefaultRate;  // Calls a second, > 0.
  int burst = kDefaultBurst;   // Calls at once, >= 1.
};

// A key id: 1 to 64 letters, digits, '-', '_' or '.'.
bool IsKeyId(absl::string_view id);

// Parses the text of a key file; `path` is used in messages only.
absl::StatusOr<std::vector<ApiKey>> ParseApiKeys(absl::string_view path,
                                                 absl::string_view text);

// Reads and parses a key file.
absl::StatusOr<std::vector<ApiKey>> ReadApiKeys(const std::string& path);

// "planner", "sessions", "planner,sessions,peer"...: for messages.
std::string PermissionNames(unsigned permissions);

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_API_KEYS_H_
