#include "services/session/practice_history.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "services/common/content_hash.h"
#include "services/common/page_token.h"
#include "services/common/profile_id.h"
#include "services/common/proto_time.h"

namespace yoga::session {
namespace {

using yoga::session::v1::GetPracticeSummaryRequest;
using yoga::session::v1::ListPracticeRecordsRequest;
using yoga::session::v1::ListPracticeRecordsResponse;
using yoga::session::v1::PracticeSummary;

// IANA names are at most 32 characters ("America/Argentina/ComodRivadavia").
constexpr size_t kMaxTimeZoneLength = 64;

// Whether `name` looks like an IANA zone name ("Europe/Berlin", "Etc/GMT+2").
// Checked before loading: absl reads any file a name points to, and a path
// ("/dev/stdin", "../x") must not reach the file system.
bool LooksLikeZoneName(absl::string_view name) {
  return !name.empty() && name.size() <= kMaxTimeZoneLength &&
         name.front() != '/' &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                  (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '+' ||
                  c == '-';
         });
}

// The zone `name`, if it is one. absl keeps every zone it is asked to load,
// found or not, for the life of the process (about 80 bytes each): only
// names of files in the zone folder (TZDIR, as absl reads it) reach it, so
// callers cannot grow the server's memory with made-up names.
std::optional<absl::TimeZone> LoadZone(const std::string& name) {
  absl::TimeZone zone = absl::UTCTimeZone();
  if (name == "UTC") return zone;  // Known to absl without tzdata.
  if (!LooksLikeZoneName(name)) return std::nullopt;
  const char* tzdir = std::getenv("TZDIR");
  const std::filesystem::path folder =
      tzdir != nullptr && *tzdir != '\0' ? tzdir : "/usr/share/zoneinfo";
  std::error_code error;
  if (!std::filesystem::is_regular_file(folder / name, error) ||
      !absl::LoadTimeZone(name, &zone)) {
    return std::nullopt;
  }
  return zone;
}

absl::CivilDay MondayOf(absl::CivilDay day) {
  return absl::PrevWeekday(day + 1, absl::Weekday::monday);
}

// The first instant of `day` in `zone`.
absl::Time StartOfDay(absl::CivilDay day, const absl::TimeZone& zone) {
  const absl::TimeZone::TimeInfo midnight = zone.At(absl::CivilSecond(day));
  // Skipped (clocks jump over midnight): the day starts at the jump.
  // Repeated: the earlier of the two midnights.
  return midnight.kind == absl::TimeZone::TimeInfo::SKIPPED ? midnight.trans
                                                            : midnight.pre;
}

// A page starts after the record at this position: "MICROS:SESSION_ID".
std::string PagePosition(const storage::PracticeRecord& last) {
  return absl::StrCat(absl::ToUnixMicros(last.start_time), ":",
                      last.session_id);
}

// The records of one owner's profile are one listing.
std::string PageScope(absl::string_view owner, absl::string_view profile_id) {
  return ContentHash(absl::StrCat(owner, "/", profile_id));
}

// (start time, session id) of a position PagePosition wrote.
std::optional<std::pair<absl::Time, std::string>> ReadPagePosition(
    absl::string_view position) {
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(position, absl::MaxSplits(':', 1));
  int64_t micros = 0;
  if (!absl::SimpleAtoi(parts.first, &micros) || parts.second.empty())
    return std::nullopt;
  return std::make_pair(absl::FromUnixMicros(micros),
                        std::string(parts.second));
}

}  // namespace

void CheckProfileId(absl::string_view id, absl::string_view field,
                    ProfileIdRule rule, FieldViolations& violations) {
  if (id.empty()) {
    if (rule == ProfileIdRule::kRequired)
      violations.Add(std::string(field), "is required");
    return;
  }
  if (id.size() > kMaxProfileIdLength) {
    violations.Add(std::string(field),
                   absl::StrCat("must be at most ", kMaxProfileIdLength,
                                " characters (is ", id.size(), ")"));
    return;
  }
  const auto bad = std::find_if_not(id.begin(), id.end(), IsProfileIdChar);
  if (bad != id.end()) {
    violations.Add(
        std::string(field),
        absl::StrCat("may hold only A-Z a-z 0-9 . _ @ + - (character ",
                     bad - id.begin() + 1, " is not one of them)"));
  }
}

absl::Status ValidateProfileId(absl::string_view id, absl::string_view field,
                               ProfileIdRule rule) {
  FieldViolations violations;
  CheckProfileId(id, field, rule, violations);
  return violations.ToStatus();
}

yoga::session::v1::WeeklyGoal GoalToProto(const PracticeGoal& goal) {
  yoga::session::v1::WeeklyGoal proto;
  proto.set_min_days(goal.min_days);
  proto.set_max_days(goal.max_days);
  proto.set_min_minutes(goal.min_minutes);
  proto.set_max_minutes(goal.max_minutes);
  proto.set_source(std::string(goal.source));
  return proto;
}

yoga::session::v1::PracticeRecord RecordToProto(
    const storage::PracticeRecord& record) {
  yoga::session::v1::PracticeRecord proto;
  proto.set_session_id(record.session_id);
  proto.set_profile_id(record.profile_id);
  proto.set_routine_id(record.routine_id);
  proto.set_routine_title(record.routine_title);
  *proto.mutable_start_time() = ToProtoTimestamp(record.start_time);
  *proto.mutable_end_time() = ToProtoTimestamp(record.end_time);
  *proto.mutable_practised() = ToProtoDuration(record.practised);
  proto.set_completed(record.completed);
  return proto;
}

absl::Time StartOfWeek(absl::Time t, const absl::TimeZone& zone,
                       int weeks_back) {
  return StartOfDay(MondayOf(absl::ToCivilDay(t, zone)) - 7 * weeks_back, zone);
}

PracticeSummary SummarizePractice(
    absl::string_view profile_id,
    const std::vector<storage::PracticeRecord>& records, absl::Time now,
    const absl::TimeZone& zone) {
  const absl::CivilDay this_monday = MondayOf(absl::ToCivilDay(now, zone));
  // Time practised per day, for the days of the weeks looked at.
  std::map<absl::CivilDay, absl::Duration> practised_on;
  int sessions_this_week = 0;
  absl::Duration practised_this_week;
  for (const storage::PracticeRecord& record : records) {
    const absl::CivilDay day = absl::ToCivilDay(record.start_time, zone);
    const int64_t weeks_ago = (this_monday - MondayOf(day)) / 7;
    if (weeks_ago < 0 || weeks_ago > kLookBackWeeks) continue;
    practised_on[day] += record.practised;
    if (weeks_ago == 0) {
      ++sessions_this_week;
      practised_this_week += record.practised;
    }
  }

  const absl::Duration goal_per_day = absl::Minutes(kWeeklyGoal.min_minutes);
  // Days meeting the goal, and days with any practice, by weeks ago.
  std::map<int64_t, int> goal_days;
  int days_practised_this_week = 0;
  for (const auto& [day, practised] : practised_on) {
    const int64_t weeks_ago = (this_monday - MondayOf(day)) / 7;
    if (practised >= goal_per_day) ++goal_days[weeks_ago];
    if (weeks_ago == 0 && practised > absl::ZeroDuration())
      ++days_practised_this_week;
  }
  auto meets_goal = [&](int64_t weeks_ago) {
    auto it = goal_days.find(weeks_ago);
    return it != goal_days.end() && it->second >= kWeeklyGoal.min_days;
  };

  PracticeSummary summary;
  summary.set_profile_id(std::string(profile_id));
  *summary.mutable_week_start() =
      ToProtoTimestamp(StartOfDay(this_monday, zone));
  summary.set_sessions(sessions_this_week);
  *summary.mutable_practised() = ToProtoDuration(practised_this_week);
  summary.set_days_practised(days_practised_this_week);
  summary.set_goal_days(goal_days.contains(0) ? goal_days[0] : 0);
  *summary.mutable_goal() = GoalToProto();
  summary.set_goal_met(meets_goal(0));
  int streak = 0;
  for (int64_t weeks_ago = summary.goal_met() ? 0 : 1;
       weeks_ago <= kLookBackWeeks && meets_goal(weeks_ago); ++weeks_ago) {
    ++streak;
  }
  summary.set_streak_weeks(streak);
  return summary;
}

absl::StatusOr<ListPracticeRecordsResponse> ListPracticeRecords(
    storage::Store& store, const ListPracticeRecordsRequest& request,
    absl::string_view owner) {
  FieldViolations violations;
  CheckProfileId(request.profile_id(), "profile_id", ProfileIdRule::kRequired,
                 violations);
  if (request.page_size() < 0) {
    violations.Add("page_size", "must not be negative");
  } else if (request.page_size() > kMaxPracticePageSize) {
    // Refused rather than cut, as the API promises "at most 500": a caller
    // asking for more learns it at once instead of missing records.
    violations.Add("page_size",
                   absl::StrCat("must be at most ", kMaxPracticePageSize,
                                ", not ", request.page_size()));
  }
  std::optional<std::pair<absl::Time, std::string>> page_start;
  if (std::optional<std::string> position = ReadPageToken(
          request.page_token(), PageScope(owner, request.profile_id()),
          "was made for another profile_id; start again without it",
          violations)) {
    page_start = ReadPagePosition(*position);
    if (!page_start.has_value())
      violations.Add("page_token", "is not a token this server made");
  }
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;

  const int page_size =
      request.page_size() == 0 ? kDefaultPracticePageSize : request.page_size();
  storage::PracticeQuery query;
  query.owner = std::string(owner);
  query.profile_id = request.profile_id();
  query.before = page_start;
  query.limit = page_size + 1;  // One more tells whether a next page exists.
  absl::StatusOr<std::vector<storage::PracticeRecord>> records =
      store.ListPracticeRecords(query);
  if (!records.ok()) return records.status();

  ListPracticeRecordsResponse response;
  const int shown = std::min<int>(page_size, static_cast<int>(records->size()));
  for (int i = 0; i < shown; ++i)
    *response.add_records() = RecordToProto((*records)[i]);
  if (static_cast<int>(records->size()) > page_size)
    response.set_next_page_token(
        MakePageToken(PageScope(owner, request.profile_id()),
                      PagePosition((*records)[shown - 1])));
  return response;
}

absl::StatusOr<PracticeSummary> GetPracticeSummary(
    storage::Store& store, const GetPracticeSummaryRequest& request,
    absl::Time now, absl::string_view owner) {
  FieldViolations violations;
  CheckProfileId(request.profile_id(), "profile_id", ProfileIdRule::kRequired,
                 violations);
  absl::TimeZone zone = absl::UTCTimeZone();
  const std::string& zone_name = request.time_zone();
  if (zone_name.size() > kMaxTimeZoneLength) {
    // Not echoed: the error must stay small.
    violations.Add("time_zone",
                   absl::StrCat("must be at most ", kMaxTimeZoneLength,
                                " characters; use an IANA name such as "
                                "Europe/Berlin"));
  } else if (!zone_name.empty()) {
    if (std::optional<absl::TimeZone> loaded = LoadZone(zone_name)) {
      zone = *loaded;
    } else {
      violations.Add(
          "time_zone",
          absl::StrCat("unknown time zone \"", absl::CHexEscape(zone_name),
                       "\"; use an IANA name such as Europe/Berlin"));
    }
  }
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;

  storage::PracticeQuery query;
  query.owner = std::string(owner);
  query.profile_id = request.profile_id();
  query.since = StartOfWeek(now, zone, kLookBackWeeks);
  query.limit = kSummaryRecordLimit;
  absl::StatusOr<std::vector<storage::PracticeRecord>> records =
      store.ListPracticeRecords(query);
  if (!records.ok()) return records.status();
  return SummarizePractice(request.profile_id(), *records, now, zone);
}

}  // namespace yoga::session
