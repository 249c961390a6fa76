// One-line structured logging on stderr, in logfmt:
//   ts=2026-11-21T09:40:00.123Z level=info event=rpc
//   method=/yoga.catalog.v1.CatalogService/GetPose code=OK latency_ms=0.21
// Each record is written with a single write, so lines from different threads
// never mix.
#ifndef YOGA_SERVICES_COMMON_LOG_H_
#define YOGA_SERVICES_COMMON_LOG_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace yoga {

enum class LogLevel { kInfo, kWarning, kError };

// Key/value pairs of one record, in the order they are written.
using LogFields = std::vector<std::pair<absl::string_view, std::string>>;

// Formats one record (without the trailing newline). Values with spaces, quotes
// or '=' are quoted and escaped. Exposed for tests.
std::string FormatLogRecord(LogLevel level, absl::string_view event,
                            const LogFields& fields);

// Writes one record to stderr.
void Log(LogLevel level, absl::string_view event, const LogFields& fields = {});

}  // namespace yoga

#endif  // YOGA_SERVICES_COMMON_LOG_H_
