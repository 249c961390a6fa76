// The sessions a server holds: created with a server-made id, found by id,
// bounded in number, and dropped once idle (no stream and no control) for the
// configured time. Thread-safe.
#ifndef YOGA_SERVICES_SESSION_SESSION_REGISTRY_H_
#define YOGA_SERVICES_SESSION_SESSION_REGISTRY_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/session/clock.h"
#include "services/session/session.h"

namespace yoga::session {

struct SessionLimits {
  int max_sessions = 20000;
  int max_streams_per_session = 16;
  absl::Duration idle_timeout = absl::Hours(1);
};

class SessionRegistry {
 public:
  SessionRegistry(const Clock& clock, SessionLimits limits, StreamTiming timing)
      : clock_(clock), limits_(limits), timing_(timing) {}

  const Clock& clock() const { return clock_; }
  const SessionLimits& limits() const { return limits_; }

  // RESOURCE_EXHAUSTED when the server holds max_sessions already (after
  // dropping idle ones).
  absl::StatusOr<std::shared_ptr<Session>> Create(
      yoga::type::v1::Routine routine,
      yoga::session::v1::SessionOptions options,
      std::shared_ptr<const Timeline> timeline);

  // NOT_FOUND naming the id when there is no such session (or it expired).
  absl::StatusOr<std::shared_ptr<Session>> Find(absl::string_view id) const;

  // Drops sessions idle for the idle timeout; returns how many.
  int ExpireIdle();

  size_t size() const;

 private:
  std::string NewId() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const Clock& clock_;
  const SessionLimits limits_;
  const StreamTiming timing_;
  mutable absl::Mutex mutex_;
  absl::BitGen random_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<std::string, std::shared_ptr<Session>> sessions_
      ABSL_GUARDED_BY(mutex_);
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_SESSION_REGISTRY_H_
