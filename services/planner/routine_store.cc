#include "services/planner/routine_store.h"

namespace yoga::planner {

void RoutineStore::Put(const yoga::type::v1::Routine& routine) {
  absl::MutexLock lock(&mutex_);
  if (auto it = slots_.find(routine.id()); it != slots_.end()) {
    order_.splice(order_.begin(), order_, it->second.position);
    return;
  }
  if (capacity_ == 0) return;
  if (slots_.size() >= capacity_) {
    slots_.erase(order_.back());
    order_.pop_back();
  }
  order_.push_front(routine.id());
  slots_.emplace(routine.id(), Slot{routine, order_.begin()});
}

std::optional<yoga::type::v1::Routine> RoutineStore::Get(
    const std::string& id) {
  absl::MutexLock lock(&mutex_);
  auto it = slots_.find(id);
  if (it == slots_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, it->second.position);
  return it->second.routine;
}

size_t RoutineStore::size() const {
  absl::MutexLock lock(&mutex_);
  return slots_.size();
}

}  // namespace yoga::planner
