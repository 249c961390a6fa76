// The routines this process made, by owner and id, so GetRoutine can return
// them to the API key that made them (storage::kEveryOwner: to anyone).
// Bounded: when full, the routine unused for longest is forgotten. Each
// routine remembers when it was last put (when its database copy was last
// written or read), so the planner can renew the database's mark of use
// (storage::kRoutineUseRefresh) for routines it serves from here. Thread-safe.
#ifndef YOGA_SERVICES_PLANNER_ROUTINE_STORE_H_
#define YOGA_SERVICES_PLANNER_ROUTINE_STORE_H_

#include <list>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga::planner {

class RoutineStore {
 public:
  explicit RoutineStore(size_t capacity) : capacity_(capacity) {}

  // Holds `routine` for `owner`, put at `now` (again, if held already).
  void Put(absl::string_view owner, const yoga::type::v1::Routine& routine,
           absl::Time now = absl::Now());
  struct Held {
    yoga::type::v1::Routine routine;
    std::string owner;  // `owner`, or kEveryOwner.
    absl::Time put_at;
  };
  // The routine `owner` or kEveryOwner put, if still held.
  std::optional<Held> Find(absl::string_view owner, absl::string_view id);
  std::optional<yoga::type::v1::Routine> Get(absl::string_view owner,
                                             absl::string_view id) {
    std::optional<Held> held = Find(owner, id);
    if (!held.has_value()) return std::nullopt;
    return std::move(held->routine);
  }
  size_t size() const;

 private:
  using Key = std::pair<std::string, std::string>;  // Owner, id.
  using Order = std::list<Key>;                     // Most recently used first.
  struct Slot {
    yoga::type::v1::Routine routine;
    Order::iterator position;
    absl::Time put_at;
  };
  const size_t capacity_;
  mutable absl::Mutex mutex_;
  Order order_ ABSL_GUARDED_BY(mutex_);
  std::map<Key, Slot> slots_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_ROUTINE_STORE_H_
