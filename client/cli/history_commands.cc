#include "client/cli/history_commands.h"

#include <cstdio>

#include "absl/time/time.h"
#include "client/cli/command_support.h"
#include "client/session/session_setup.h"
#include "client/text/history_text.h"

namespace yoga::client::cli {

int History(const GuideOptions& options,
            yoga::session::v1::SessionService::StubInterface& sessions) {
  auto zone = CheckHistoryOptions(options);
  if (!zone.ok()) return UsageError(zone.status());
  auto history =
      FetchPracticeHistory(sessions, options.profile, options.time_zone,
                           options.limit, CallOptions(options));
  if (!history.ok()) return Fail(options, history.status());
  std::fputs(
      FormatHistory(history->summary, history->records, *zone, absl::Now())
          .c_str(),
      stdout);
  return 0;
}

}  // namespace yoga::client::cli
