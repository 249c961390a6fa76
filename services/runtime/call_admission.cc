#include "services/runtime/call_admission.h"

#include <atomic>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace yoga {
namespace {

struct Decision {
  absl::Status refusal;
  std::string owner;
  unsigned permissions = 0;
};

struct Decisions {
  absl::Mutex mutex;
  absl::flat_hash_map<const grpc::ServerContextBase*, Decision> by_call
      ABSL_GUARDED_BY(mutex);
  // Calls with nothing to record, the usual case on a keyless server, skip
  // the lock.
  std::atomic<int> count{0};
};

Decisions& TheDecisions() {
  // Never destroyed: calls may end while the process exits.
  static Decisions* decisions = new Decisions;
  return *decisions;
}

// The decision on `context`, or null; `decisions.mutex` held.
const Decision* Find(Decisions& decisions,
                     const grpc::ServerContextBase& context)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(decisions.mutex) {
  auto found = decisions.by_call.find(&context);
  return found == decisions.by_call.end() ? nullptr : &found->second;
}

}  // namespace

absl::Status CallAdmission(const grpc::ServerContextBase& context) {
  Decisions& decisions = TheDecisions();
  if (decisions.count.load(std::memory_order_acquire) == 0)
    return absl::OkStatus();
  absl::MutexLock lock(&decisions.mutex);
  const Decision* decision = Find(decisions, context);
  return decision == nullptr ? absl::OkStatus() : decision->refusal;
}

std::string CallOwner(const grpc::ServerContextBase& context) {
  Decisions& decisions = TheDecisions();
  if (decisions.count.load(std::memory_order_acquire) == 0) return "";
  absl::MutexLock lock(&decisions.mutex);
  const Decision* decision = Find(decisions, context);
  return decision == nullptr ? "" : decision->owner;
}

unsigned CallPermissions(const grpc::ServerContextBase& context) {
  Decisions& decisions = TheDecisions();
  if (decisions.count.load(std::memory_order_acquire) == 0) return 0;
  absl::MutexLock lock(&decisions.mutex);
  const Decision* decision = Find(decisions, context);
  return decision == nullptr ? 0 : decision->permissions;
}

void RecordAdmission(const grpc::ServerContextBase* context,
                     absl::Status refusal, std::string owner,
                     unsigned permissions) {
  Decisions& decisions = TheDecisions();
  absl::MutexLock lock(&decisions.mutex);
  if (decisions.by_call
          .insert_or_assign(context, Decision{std::move(refusal),
                                              std::move(owner), permissions})
          .second) {
    decisions.count.fetch_add(1, std::memory_order_release);
  }
}

void ForgetAdmission(const grpc::ServerContextBase* context) {
  Decisions& decisions = TheDecisions();
  if (decisions.count.load(std::memory_order_acquire) == 0) return;
  absl::MutexLock lock(&decisions.mutex);
  if (decisions.by_call.erase(context) > 0)
    decisions.count.fetch_sub(1, std::memory_order_release);
}

}  // namespace yoga
