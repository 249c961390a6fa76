#include "services/runtime/refusal_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace yoga {
namespace {

// The codes whose lines are limited, as a call's line names them, and the
// summary's fields (the last for calls whose request never arrived).
constexpr absl::string_view kLimitedCodes[] = {
    "UNAUTHENTICATED", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
    "UNIMPLEMENTED"};
constexpr absl::string_view kSummaryFields[] = {
    "unauthenticated", "permission_denied", "resource_exhausted",
    "unimplemented", "no_request"};

// The index of `code` in kLimitedCodes; -1 for another code.
int LimitedIndex(absl::string_view code) {
  for (int i = 0; i < 4; ++i) {
    if (kLimitedCodes[i] == code) return i;
  }
  return -1;
}

}  // namespace

RefusalLog::RefusalLog(int lines_per_second,
                       std::function<void(const LogFields&)> write_summary)
    : lines_per_second_(lines_per_second),
      write_summary_(std::move(write_summary)) {}

RefusalLog::~RefusalLog() {
  absl::MutexLock lock(&mutex_);
  if (held_ > 0) WriteSummary(absl::Now());
}

std::string BoundedForLog(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  return absl::StrCat(text.substr(0, max_bytes), "...(+",
                      text.size() - max_bytes, " bytes)");
}

bool RefusalLog::IsRefusal(absl::string_view code) {
  const int index = LimitedIndex(code);
  return index >= 0 && index < 3;
}

bool RefusalLog::MayWrite(absl::string_view code, bool request_arrived,
                          absl::Time now) {
  int kind = LimitedIndex(code);
  if (kind < 0 && !request_arrived && code != "OK") kind = kKinds - 1;
  if (kind < 0 && !holding_.load(std::memory_order_relaxed)) return true;
  absl::MutexLock lock(&mutex_);
  WriteDueSummary(now);
  if (kind < 0) return true;
  if (now - window_start_ >= absl::Seconds(1)) {
    window_start_ = now;
    written_in_window_ = 0;
  }
  if (written_in_window_ < lines_per_second_) {
    ++written_in_window_;
    return true;
  }
  if (held_ == 0) first_held_ = now;
  ++held_;
  ++held_by_kind_[kind];
  holding_.store(true, std::memory_order_relaxed);
  return false;
}

void RefusalLog::WriteDueSummary(absl::Time now) {
  if (held_ > 0 && now - window_start_ >= absl::Seconds(1)) WriteSummary(now);
}

void RefusalLog::WriteSummary(absl::Time now) {
  LogFields fields = {{"suppressed", absl::StrCat(held_)}};
  for (int i = 0; i < kKinds; ++i) {
    if (held_by_kind_[i] > 0) {
      fields.emplace_back(kSummaryFields[i], absl::StrCat(held_by_kind_[i]));
    }
    held_by_kind_[i] = 0;
  }
  fields.emplace_back(
      "over_ms", absl::StrCat(absl::ToInt64Milliseconds(now - first_held_)));
  held_ = 0;
  holding_.store(false, std::memory_order_relaxed);
  if (write_summary_) {
    write_summary_(fields);
  } else {
    Log(LogLevel::kWarning, "rpc_lines_suppressed", fields);
  }
}

}  // namespace yoga
