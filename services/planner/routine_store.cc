#include "services/planner/routine_store.h"

#include "services/storage/store.h"

namespace yoga::planner {

void RoutineStore::Put(absl::string_view owner,
                       const yoga::type::v1::Routine& routine, absl::Time now) {
  Key key(owner, routine.id());
  absl::MutexLock lock(&mutex_);
  if (auto it = slots_.find(key); it != slots_.end()) {
    order_.splice(order_.begin(), order_, it->second.position);
    it->second.put_at = now;
    return;
  }
  if (capacity_ == 0) return;
  if (slots_.size() >= capacity_) {
    slots_.erase(order_.back());
    order_.pop_back();
  }
  order_.push_front(key);
  slots_.emplace(std::move(key), Slot{routine, order_.begin(), now});
}

std::optional<RoutineStore::Held> RoutineStore::Find(absl::string_view owner,
                                                     absl::string_view id) {
  absl::MutexLock lock(&mutex_);
  for (absl::string_view reader :
       {owner, absl::string_view(storage::kEveryOwner)}) {
    auto it = slots_.find(Key(reader, id));
    if (it == slots_.end()) continue;
    order_.splice(order_.begin(), order_, it->second.position);
    return Held{it->second.routine, std::string(reader), it->second.put_at};
  }
  return std::nullopt;
}

size_t RoutineStore::size() const {
  absl::MutexLock lock(&mutex_);
  return slots_.size();
}

}  // namespace yoga::planner
