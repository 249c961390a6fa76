// Timelines already built, shared by every session playing the same routine
// with the same options, voice pack and catalog: ten thousand runners on one
// preset hold one timeline between them. Bounded; thread-safe.
#ifndef YOGA_SERVICES_SESSION_TIMELINE_CACHE_H_
#define YOGA_SERVICES_SESSION_TIMELINE_CACHE_H_

#include <deque>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/session/timeline_builder.h"

namespace yoga::session {

class TimelineCache {
 public:
  explicit TimelineCache(size_t capacity = 512) : capacity_(capacity) {}

  absl::StatusOr<std::shared_ptr<const Timeline>> Get(
      const catalog::Catalog& catalog, const PromptDurations& durations,
      const yoga::type::v1::Routine& routine, const TimelineOptions& options);

 private:
  const size_t capacity_;
  absl::Mutex mutex_;
  absl::flat_hash_map<std::string, std::shared_ptr<const Timeline>> timelines_
      ABSL_GUARDED_BY(mutex_);
  std::deque<std::string> order_ ABSL_GUARDED_BY(mutex_);  // Oldest first.
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_TIMELINE_CACHE_H_
