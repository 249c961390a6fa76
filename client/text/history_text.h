// `yoga-guide history` as text: this week against the weekly goal, the
// streak, and the most recent sessions, in the runner's time zone.
//
//   This week (from Mon 16 Nov): 2 sessions, 34 min, on 2 days — goal met (2-3
//   days of 15-20 min; seed 003) Streak: 3 weeks Recent practice:
//     Sat 21 Nov 07:10  20 min  completed  Lower back relief session
//     Thu 19 Nov 18:02  14 min  stopped    Runners' lower back four
//
// Minutes are whole minutes practised, rounded down (14:50 is 14 min: it
// does not reach a 15-minute goal). Dates in another year than now carry
// their year.
#ifndef YOGA_CLIENT_TEXT_HISTORY_TEXT_H_
#define YOGA_CLIENT_TEXT_HISTORY_TEXT_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "yoga/session/v1/session_service.pb.h"

namespace yoga::client {

// The first line: this week's sessions, time and days, and the goal.
std::string FormatWeekLine(const yoga::session::v1::PracticeSummary& summary,
                           const absl::TimeZone& zone);

// "Streak: 3 weeks".
std::string FormatStreakLine(const yoga::session::v1::PracticeSummary& summary);

// One record: start, minutes, how it ended, routine title (its id when it
// has none). The year is shown when it is not `current_year`.
std::string FormatRecordLine(const yoga::session::v1::PracticeRecord& record,
                             const absl::TimeZone& zone, int64_t current_year);

// The whole report, "\n"-terminated lines. With no records at all: "No
// practice recorded for profile X yet.". `records` is the newest page; a
// next_page_token adds a line saying older records were left out.
std::string FormatHistory(
    const yoga::session::v1::PracticeSummary& summary,
    const yoga::session::v1::ListPracticeRecordsResponse& records,
    const absl::TimeZone& zone, absl::Time now);

}  // namespace yoga::client

#endif  // YOGA_CLIENT_TEXT_HISTORY_TEXT_H_
