// The routines this process made, by id, so GetRoutine can return them.
// Bounded: when full, the routine unused for longest is forgotten. Thread-safe.
#ifndef YOGA_SERVICES_PLANNER_ROUTINE_STORE_H_
#define YOGA_SERVICES_PLANNER_ROUTINE_STORE_H_

#include <list>
#include <map>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga::planner {

class RoutineStore {
 public:
  explicit RoutineStore(size_t capacity) : capacity_(capacity) {}

  void Put(const yoga::type::v1::Routine& routine);
  std::optional<yoga::type::v1::Routine> Get(const std::string& id);
  size_t size() const;

 private:
  using Order = std::list<std::string>;  // Most recently used first.
  struct Slot {
    yoga::type::v1::Routine routine;
    Order::iterator position;
  };
  const size_t capacity_;
  mutable absl::Mutex mutex_;
  Order order_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, Slot> slots_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_ROUTINE_STORE_H_
