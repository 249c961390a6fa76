#include "services/runtime/call_admission.h"

#include <atomic>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace yoga {
namespace {

struct Refusals {
  absl::Mutex mutex;
  absl::flat_hash_map<const grpc::ServerContextBase*, absl::Status> by_call
      ABSL_GUARDED_BY(mutex);
  // Admitted calls, the usual case, skip the lock.
  std::atomic<int> count{0};
};

Refusals& TheRefusals() {
  // Never destroyed: calls may end while the process exits.
  static Refusals* refusals = new Refusals;
  return *refusals;
}

}  // namespace

absl::Status CallAdmission(const grpc::ServerContextBase& context) {
  Refusals& refusals = TheRefusals();
  if (refusals.count.load(std::memory_order_acquire) == 0)
    return absl::OkStatus();
  absl::MutexLock lock(&refusals.mutex);
  auto found = refusals.by_call.find(&context);
  return found == refusals.by_call.end() ? absl::OkStatus() : found->second;
}

void RecordRefusal(const grpc::ServerContextBase* context,
                   absl::Status refusal) {
  Refusals& refusals = TheRefusals();
  absl::MutexLock lock(&refusals.mutex);
  if (refusals.by_call.insert_or_assign(context, std::move(refusal)).second)
    refusals.count.fetch_add(1, std::memory_order_release);
}

void ForgetRefusal(const grpc::ServerContextBase* context) {
  Refusals& refusals = TheRefusals();
  if (refusals.count.load(std::memory_order_acquire) == 0) return;
  absl::MutexLock lock(&refusals.mutex);
  if (refusals.by_call.erase(context) > 0)
    refusals.count.fetch_sub(1, std::memory_order_release);
}

}  // namespace yoga
