// Who may call what when a server runs with --api_keys. A call presents its
// key in the "x-api-key" metadata; the policy finds the key by its SHA-256,
// checks the key's permissions against the service called and takes a token
// from the key's bucket:
//   no or unknown key           UNAUTHENTICATED
//   key without the permission  PERMISSION_DENIED, naming the permission
//   bucket empty                RESOURCE_EXHAUSTED with a RetryInfo delay
// Health checks and reflection are open to everyone (probes and tools).
// Thread-safe.
#ifndef YOGA_SERVICES_RUNTIME_ACCESS_POLICY_H_
#define YOGA_SERVICES_RUNTIME_ACCESS_POLICY_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/runtime/api_keys.h"
#include "services/runtime/token_bucket.h"

namespace yoga {

inline constexpr char kApiKeyMetadata[] = "x-api-key";
// Carries a host's random per-process token on its in-process channel.
inline constexpr char kInProcessTokenMetadata[] = "yoga-in-process-token";

class AccessPolicy {
 public:
  AccessPolicy(std::vector<ApiKey> keys, absl::Time now);

  struct Decision {
    absl::Status status;
    std::string key_id;        // The presented key's id, once recognised.
    unsigned permissions = 0;  // The recognised key's.
  };

  // `method` as gRPC names it: "/yoga.planner.v1.PlannerService/GetRoutine".
  // `presented_key` is empty when the call has none.
  Decision Admit(absl::string_view method, absl::string_view presented_key,
                 absl::Time now);

 private:
  struct Entry {
    ApiKey key;
    TokenBucket bucket;
  };

  absl::Mutex mutex_;
  // By the key's SHA-256 in hex.
  absl::flat_hash_map<std::string, Entry> keys_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_ACCESS_POLICY_H_
