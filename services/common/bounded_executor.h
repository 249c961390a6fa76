// A few threads of its own for blocking work (database calls) that must not
// run on gRPC's callback threads, which every call of the server shares. The
// queue is bounded: past it, Schedule refuses at once, so a database that
// stops answering costs a quick UNAVAILABLE, not an ever longer queue.
//
//   BoundedExecutor database("database", /*threads=*/16, /*max_queued=*/1024);
//   if (absl::Status queued = database.Schedule([=] { ... }); !queued.ok())
//     ... answer `queued` ...
//
// Work queued when the executor is destroyed still runs; then the threads
// are joined. Thread-safe.
#ifndef YOGA_SERVICES_COMMON_BOUNDED_EXECUTOR_H_
#define YOGA_SERVICES_COMMON_BOUNDED_EXECUTOR_H_

#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace yoga {

class BoundedExecutor {
 public:
  // `name` is for messages ("the database queue is full").
  BoundedExecutor(std::string name, int threads, int max_queued);
  ~BoundedExecutor();
  BoundedExecutor(const BoundedExecutor&) = delete;
  BoundedExecutor& operator=(const BoundedExecutor&) = delete;

  // Queues `work` to run on one of the threads; UNAVAILABLE (reason
  // SERVER_BUSY) when max_queued items wait already, or
  // (SERVER_SHUTTING_DOWN) once the executor is being destroyed.
  absl::Status Schedule(absl::AnyInvocable<void() &&> work);

  // Items waiting now (not those running).
  int queued() const;

 private:
  void Run();
  bool HasWorkOrStop() const ABSL_SHARED_LOCKS_REQUIRED(mutex_) {
    return stopping_ || !queue_.empty();
  }

  const std::string name_;
  const int max_queued_;
  mutable absl::Mutex mutex_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace yoga

#endif  // YOGA_SERVICES_COMMON_BOUNDED_EXECUTOR_H_
