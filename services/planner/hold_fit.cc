#include "services/planner/hold_fit.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "services/planner/routine_timing.h"

namespace yoga::planner {
namespace {

// One hold as the fit sees it: its spoken counts and what each costs, in
// plain milliseconds because this loop runs often.
struct Choice {
  HoldToFit* hold;
  std::vector<uint32_t> counts;
  std::vector<int64_t> ms;  // Over all occurrences, per count.
  size_t at = 0;            // Index of the chosen count.
};

Choice MakeChoice(HoldToFit& hold, absl::Duration breath) {
  Choice choice{&hold, SpokenCounts(*hold.range), {}, 0};
  for (uint32_t count : choice.counts) {
    choice.ms.push_back(
        hold.occurrences *
        absl::ToInt64Milliseconds(HoldDuration(*hold.range, count, breath)));
  }
  const uint32_t start = NearestSpokenCount(
      *hold.range, hold.count != 0 ? hold.count : hold.range->default_count());
  choice.at = static_cast<size_t>(
      std::find(choice.counts.begin(), choice.counts.end(), start) -
      choice.counts.begin());
  return choice;
}

}  // namespace

std::vector<uint32_t> SpokenCounts(const yoga::type::v1::HoldRange& range) {
  const uint32_t low = std::min(range.min_count(), range.max_count());
  const uint32_t high = std::max(range.min_count(), range.max_count());
  std::vector<uint32_t> counts;
  if (range.unit() != yoga::type::v1::HOLD_UNIT_SECONDS) {
    for (uint32_t count = std::max<uint32_t>(low, 1); count <= high; ++count)
      counts.push_back(count);
  } else {
    const uint32_t first = (low + kSpokenSecondsStep - 1) / kSpokenSecondsStep *
                           kSpokenSecondsStep;
    for (uint32_t count = std::max(first, kSpokenSecondsStep); count <= high;
         count += kSpokenSecondsStep) {
      counts.push_back(count);
    }
  }
  if (counts.empty()) counts.push_back(std::max<uint32_t>(low, 1));
  return counts;
}

uint32_t NearestSpokenCount(const yoga::type::v1::HoldRange& range,
                            uint32_t count) {
  // The spoken counts run evenly from `first` to `last` in `step`s
  // (SpokenCounts), so the nearest is worked out rather than searched for:
  // this is asked for every hold each time a plan is measured.
  const uint32_t low = std::min(range.min_count(), range.max_count());
  const uint32_t high = std::max(range.min_count(), range.max_count());
  uint32_t first = std::max<uint32_t>(low, 1);
  uint32_t last = high;
  uint32_t step = 1;
  if (range.unit() == yoga::type::v1::HOLD_UNIT_SECONDS) {
    step = kSpokenSecondsStep;
    first = std::max((low + step - 1) / step * step, step);
    last = high / step * step;
  }
  if (first > last) return std::max<uint32_t>(low, 1);  // The only count.
  if (count <= first) return first;
  if (count >= last) return last;
  const uint32_t below = count - (count - first) % step;
  // The shorter one on a tie.
  return count - below <= below + step - count ? below : below + step;
}

absl::Duration HoldsAtLimit(const std::vector<HoldToFit>& holds,
                            absl::Duration breath, bool longest) {
  absl::Duration total;
  for (const HoldToFit& hold : holds) {
    const std::vector<uint32_t> counts = SpokenCounts(*hold.range);
    total += hold.occurrences *
             HoldDuration(*hold.range, longest ? counts.back() : counts.front(),
                          breath);
  }
  return total;
}

HoldFit FitHolds(std::vector<HoldToFit>& holds, absl::Duration budget,
                 absl::Duration tolerance, absl::Duration breath) {
  std::vector<Choice> choices;
  choices.reserve(holds.size());
  for (HoldToFit& hold : holds) choices.push_back(MakeChoice(hold, breath));
  const int64_t target = absl::ToInt64Milliseconds(budget);
  const int64_t slack = absl::ToInt64Milliseconds(tolerance);
  int64_t shortest = 0, longest = 0, usual = 0;
  for (const Choice& choice : choices) {
    shortest += choice.ms.front();
    longest += choice.ms.back();
    usual += choice.ms[choice.at];
  }
  auto write_back = [&] {
    for (Choice& choice : choices)
      choice.hold->count = choice.counts[choice.at];
  };
  if (shortest > target + slack) {
    for (Choice& choice : choices) choice.at = 0;
    write_back();
    return HoldFit::kTooLong;
  }
  if (longest < target - slack) {
    for (Choice& choice : choices) choice.at = choice.counts.size() - 1;
    write_back();
    return HoldFit::kTooShort;
  }
  // Every hold the same share of the way towards its limit, so no pose is
  // stretched to its longest while another stays at its default...
  const bool longer = target > usual;
  const int64_t room = longer ? longest - usual : usual - shortest;
  const double share =
      room <= 0 ? 0.0
                : std::clamp(static_cast<double>(std::abs(target - usual)) /
                                 static_cast<double>(room),
                             0.0, 1.0);
  int64_t total = 0;
  for (Choice& choice : choices) {
    const int64_t from = choice.ms[choice.at];
    const int64_t limit = longer ? choice.ms.back() : choice.ms.front();
    const double wanted =
        static_cast<double>(from) + share * static_cast<double>(limit - from);
    size_t nearest = choice.at;
    for (size_t i = 0; i < choice.ms.size(); ++i) {
      if (std::abs(static_cast<double>(choice.ms[i]) - wanted) <
          std::abs(static_cast<double>(choice.ms[nearest]) - wanted)) {
        nearest = i;
      }
    }
    choice.at = nearest;
    total += choice.ms[choice.at];
  }
  // ...then single spoken steps, each the one that lands nearest the budget.
  for (int step = 0; step < 1000 && std::abs(target - total) > slack / 2;
       ++step) {
    const int64_t missing = target - total;
    Choice* best = nullptr;
    size_t best_at = 0;
    int64_t best_miss = std::abs(missing);
    for (Choice& choice : choices) {
      const bool grow = missing > 0;
      if (grow ? choice.at + 1 >= choice.ms.size() : choice.at == 0) continue;
      const size_t next = grow ? choice.at + 1 : choice.at - 1;
      const int64_t miss =
          std::abs(missing - (choice.ms[next] - choice.ms[choice.at]));
      if (miss < best_miss) {
        best = &choice;
        best_at = next;
        best_miss = miss;
      }
    }
    if (best == nullptr) break;
    total += best->ms[best_at] - best->ms[best->at];
    best->at = best_at;
  }
  write_back();
  if (std::abs(target - total) <= slack) return HoldFit::kFitted;
  return total < target ? HoldFit::kTooShort : HoldFit::kTooLong;
}

}  // namespace yoga::planner
