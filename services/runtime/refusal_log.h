// Keeps the log lines that cost a caller nothing to cause cheap for the
// server too. A flood of calls without a key (or with a bad one, or over
// quota), or of streams reset before their request (HTTP/2 "rapid reset"),
// would otherwise write one line each and let anyone fill the disk and drown
// the lines that matter. Such lines are
//   refusals:   UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED
//   unknown:    UNIMPLEMENTED (a method this server does not have)
//   no request: any other error of a call whose request never arrived whole
//               (cancelled or reset first, or bytes that do not decode)
// and at most `lines_per_second` of them are written in any one second. The
// rest are counted, and the count is written as one line with the next line
// of any call after that second, or when the log is destroyed (at shutdown):
//   level=warning event=rpc_lines_suppressed suppressed=4990
//   unauthenticated=10 no_request=4980 over_ms=1000
// Other calls' lines are never held back. Thread-safe.
//
// A method the server does not have is named by the caller, up to gRPC's
// 8 KiB header limit, and HPACK lets a caller repeat it for a few bytes a
// call: BoundedForLog keeps such text short in a log line.
#ifndef YOGA_SERVICES_RUNTIME_REFUSAL_LOG_H_
#define YOGA_SERVICES_RUNTIME_REFUSAL_LOG_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/log.h"

namespace yoga {

inline constexpr int kRefusalLinesPerSecond = 10;
inline constexpr size_t kMaxLoggedTextBytes = 200;

// `text` if it has at most `max_bytes` bytes; otherwise its first max_bytes
// and "...(+N bytes)".
std::string BoundedForLog(absl::string_view text,
                          size_t max_bytes = kMaxLoggedTextBytes);

class RefusalLog {
 public:
  // `write_summary` gets the fields of each summary line; by default they
  // are logged as event=rpc_lines_suppressed.
  explicit RefusalLog(
      int lines_per_second = kRefusalLinesPerSecond,
      std::function<void(const LogFields&)> write_summary = nullptr);
  ~RefusalLog();  // Writes the summary of what is still counted.

  RefusalLog(const RefusalLog&) = delete;
  RefusalLog& operator=(const RefusalLog&) = delete;

  // Whether the line of a call that ended with `code` (gRPC's name for it:
  // "UNAUTHENTICATED") may be written now; `request_arrived` says whether
  // its request came whole. Writes a due summary first.
  bool MayWrite(absl::string_view code, bool request_arrived, absl::Time now);

  static bool IsRefusal(absl::string_view code);

 private:
  // The refusal codes, UNIMPLEMENTED, then "no request".
  static constexpr int kKinds = 5;

  // Writes the summary when lines were held back in a second that is over.
  void WriteDueSummary(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void WriteSummary(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const int lines_per_second_;
  const std::function<void(const LogFields&)> write_summary_;
  // Lets other calls skip the lock while nothing is counted.
  std::atomic<bool> holding_{false};
  absl::Mutex mutex_;
  absl::Time window_start_ ABSL_GUARDED_BY(mutex_) = absl::InfinitePast();
  int written_in_window_ ABSL_GUARDED_BY(mutex_) = 0;
  absl::Time first_held_ ABSL_GUARDED_BY(mutex_);
  int64_t held_ ABSL_GUARDED_BY(mutex_) = 0;
  int64_t held_by_kind_[kKinds] ABSL_GUARDED_BY(mutex_) = {};
};

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_REFUSAL_LOG_H_
