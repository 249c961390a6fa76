// A runner's practice history: the records the store keeps of sessions
// practised, listed page by page, and summed up week by week against the
// advice of seed 003_6249dd4ea48a27e2.txt ("at least 15-20 minutes per session
// ... regularly stretching 2-3 days per week").
//
// Contract:
//  - Weeks run from Monday 00:00 to the next Monday 00:00 in the caller's time
//    zone (civil time, so a week with a DST change is 167 or 169 hours long).
//    A record belongs to the day and the week its start_time falls in.
//  - A day counts towards the goal when the time practised on it, summed over
//    its sessions, is at least PracticeGoal::min_minutes; a week meets the goal
//    with at least PracticeGoal::min_days such days.
//  - The summary looks back at most kLookBackWeeks weeks before this week.
//  - Validation errors are INVALID_ARGUMENT with a google.rpc.BadRequest
//    naming every bad field of the request; store errors pass through as the
//    store returned them.
#ifndef YOGA_SERVICES_SESSION_PRACTICE_HISTORY_H_
#define YOGA_SERVICES_SESSION_PRACTICE_HISTORY_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/errors.h"
#include "services/storage/store.h"
#include "yoga/session/v1/session_service.pb.h"

namespace yoga::session {

// The weekly goal of the advice, in the units of yoga.session.v1.WeeklyGoal.
struct PracticeGoal {
  int min_days;
  int max_days;
  int min_minutes;
  int max_minutes;
  absl::string_view source;  // Seed file the advice comes from.
};

inline constexpr PracticeGoal kWeeklyGoal{
    .min_days = 2,
    .max_days = 3,
    .min_minutes = 15,
    .max_minutes = 20,
    .source = "003_6249dd4ea48a27e2.txt",
};

// How many weeks before this one the summary (and its streak) looks at.
inline constexpr int kLookBackWeeks = 104;

// ListPracticeRecords: page size when the request gives none, and the most.
inline constexpr int kDefaultPracticePageSize = 50;
inline constexpr int kMaxPracticePageSize = 500;

// GetPracticeSummary reads at most this many records (newest first, so this
// week is always complete; only a streak of a runner practising more than ~13
// times a day for two years could be cut short).
inline constexpr int kSummaryRecordLimit = 10000;

// Whether a profile id is required: StartSession takes an empty one (the
// session then leaves no record); the history RPCs do not.
enum class ProfileIdRule { kOptional, kRequired };

// Checks a profile id: 1 to 128 of A-Z a-z 0-9 . _ @ + -, or empty when
// `rule` is kOptional. Adds one violation naming `field` when it is bad.
void CheckProfileId(absl::string_view id, absl::string_view field,
                    ProfileIdRule rule, FieldViolations& violations);

// The same as a status: OK, or INVALID_ARGUMENT whose BadRequest names
// `field`.
absl::Status ValidateProfileId(absl::string_view id, absl::string_view field,
                               ProfileIdRule rule);

// The goal as the API sends it.
yoga::session::v1::WeeklyGoal GoalToProto(
    const PracticeGoal& goal = kWeeklyGoal);

// A stored record as the API sends it.
yoga::session::v1::PracticeRecord RecordToProto(
    const storage::PracticeRecord& record);

// Midnight starting the Monday of the week `t` falls in, `weeks_back` weeks
// earlier, in `zone`. When a DST change skips that midnight, the first
// instant of the day.
absl::Time StartOfWeek(absl::Time t, const absl::TimeZone& zone,
                       int weeks_back = 0);

// Sums up `records` (any order; those of other profiles are not filtered) for
// the week `now` falls in, in `zone`, with the streak of weeks meeting
// kWeeklyGoal that ends with this week if it has met the goal, else with last
// week (a week still in progress does not break a streak). Records older than
// kLookBackWeeks weeks before this week, or in a later week than this one,
// are ignored. days_practised counts days whose summed time practised is more
// than zero.
yoga::session::v1::PracticeSummary SummarizePractice(
    absl::string_view profile_id,
    const std::vector<storage::PracticeRecord>& records, absl::Time now,
    const absl::TimeZone& zone);

// ListPracticeRecords: the profile's records among `owner`'s (the calling
// API key's; another key's users are not these, whatever their ids), newest
// first, a page at a time.
// page_size 0 means kDefaultPracticePageSize; negative or more than
// kMaxPracticePageSize is INVALID_ARGUMENT on page_size. page_token is the
// opaque next_page_token of a previous page for the same profile_id.
absl::StatusOr<yoga::session::v1::ListPracticeRecordsResponse>
ListPracticeRecords(
    storage::Store& store,
    const yoga::session::v1::ListPracticeRecordsRequest& request,
    absl::string_view owner = "");

// GetPracticeSummary: SummarizePractice over the profile's stored records
// among `owner`'s
// since StartOfWeek(now, zone, kLookBackWeeks), in the request's IANA
// time_zone (empty: UTC). A zone is at most 64 of A-Z a-z 0-9 / _ + - naming
// a file of the zone folder (TZDIR, else /usr/share/zoneinfo; without tzdata
// only "UTC" is known): no paths, and no made-up names reach absl, which
// keeps every name it was asked for.
absl::StatusOr<yoga::session::v1::PracticeSummary> GetPracticeSummary(
    storage::Store& store,
    const yoga::session::v1::GetPracticeSummaryRequest& request, absl::Time now,
    absl::string_view owner = "");

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_PRACTICE_HISTORY_H_
