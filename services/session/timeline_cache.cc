#include "services/session/timeline_cache.h"

#include "absl/strings/str_cat.h"

namespace yoga::session {

absl::StatusOr<std::shared_ptr<const Timeline>> TimelineCache::Get(
    const catalog::Catalog& catalog, const PromptDurations& durations,
    const yoga::type::v1::Routine& routine, const TimelineOptions& options) {
  // Routine ids are content hashes, so the id stands for the whole routine.
  const std::string key =
      absl::StrCat(routine.id(), "|", options.verbosity, "|",
                   absl::ToInt64Milliseconds(options.lead_in), "|",
                   durations.pack_id(), "|", catalog.etag());
  {
    absl::MutexLock lock(&mutex_);
    auto found = timelines_.find(key);
    if (found != timelines_.end()) return found->second;
  }
  absl::StatusOr<Timeline> built =
      TimelineBuilder(catalog, durations).Build(routine, options);
  if (!built.ok()) return built.status();
  auto timeline = std::make_shared<const Timeline>(*std::move(built));
  absl::MutexLock lock(&mutex_);
  if (timelines_.emplace(key, timeline).second) {
    order_.push_back(key);
    if (order_.size() > capacity_) {
      timelines_.erase(order_.front());
      order_.pop_front();
    }
  }
  return timelines_.at(key);
}

}  // namespace yoga::session
