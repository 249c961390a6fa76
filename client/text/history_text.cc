#include "client/text/history_text.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "services/common/proto_time.h"

namespace yoga::client {
namespace {

using yoga::session::v1::PracticeRecord;
using yoga::session::v1::PracticeSummary;

// Fixed English names: the output must not depend on the C locale.
constexpr const char* kWeekdays[] = {"Mon", "Tue", "Wed", "Thu",
                                     "Fri", "Sat", "Sun"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

const char* WeekdayName(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday:
      return kWeekdays[0];
    case absl::Weekday::tuesday:
      return kWeekdays[1];
    case absl::Weekday::wednesday:
      return kWeekdays[2];
    case absl::Weekday::thursday:
      return kWeekdays[3];
    case absl::Weekday::friday:
      return kWeekdays[4];
    case absl::Weekday::saturday:
      return kWeekdays[5];
    case absl::Weekday::sunday:
      return kWeekdays[6];
  }
  return "";
}

// "Mon 16 Nov", or "Mon 16 Nov 2019" outside `current_year`.
std::string DayText(absl::CivilDay day, int64_t current_year) {
  std::string text = absl::StrCat(WeekdayName(day), " ", day.day(), " ",
                                  kMonths[day.month() - 1]);
  if (day.year() != current_year) absl::StrAppend(&text, " ", day.year());
  return text;
}

// Whole minutes, rounded down.
int64_t WholeMinutes(const google::protobuf::Duration& duration) {
  return absl::ToInt64Minutes(FromProtoDuration(duration));
}

std::string Count(int64_t n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

// "2-3 days of 15-20 min; seed 003".
std::string GoalText(const yoga::session::v1::WeeklyGoal& goal) {
  std::string text =
      absl::StrFormat("%d-%d days of %d-%d min", goal.min_days(),
                      goal.max_days(), goal.min_minutes(), goal.max_minutes());
  const std::string& source = goal.source();
  if (!source.empty()) {
    absl::StrAppend(&text, "; seed ", source.substr(0, source.find('_')));
  }
  return text;
}

}  // namespace

std::string FormatWeekLine(const PracticeSummary& summary,
                           const absl::TimeZone& zone) {
  const absl::CivilDay monday =
      absl::ToCivilDay(FromProtoTimestamp(summary.week_start()), zone);
  std::string line =
      absl::StrCat("This week (from ", DayText(monday, monday.year()), "): ");
  if (summary.sessions() == 0) {
    absl::StrAppend(&line, "no practice yet");
  } else {
    absl::StrAppend(&line, Count(summary.sessions(), "session", "sessions"),
                    ", ", WholeMinutes(summary.practised()), " min, on ",
                    Count(summary.days_practised(), "day", "days"));
  }
  if (summary.goal_met()) {
    absl::StrAppend(&line, " — goal met (", GoalText(summary.goal()), ")");
  } else {
    absl::StrAppend(&line, " — ", summary.goal_days(), " of ",
                    summary.goal().min_days(), " goal days so far (",
                    GoalText(summary.goal()), ")");
  }
  return line;
}

std::string FormatStreakLine(const PracticeSummary& summary) {
  return absl::StrCat("Streak: ",
                      Count(summary.streak_weeks(), "week", "weeks"));
}

std::string FormatRecordLine(const PracticeRecord& record,
                             const absl::TimeZone& zone, int64_t current_year) {
  const absl::CivilSecond start =
      absl::ToCivilSecond(FromProtoTimestamp(record.start_time()), zone);
  const std::string& title = record.routine_title().empty()
                                 ? record.routine_id()
                                 : record.routine_title();
  return absl::StrFormat("%s %02d:%02d  %2d min  %-9s  %s",
                         DayText(absl::CivilDay(start), current_year),
                         start.hour(), start.minute(),
                         WholeMinutes(record.practised()),
                         record.completed() ? "completed" : "stopped", title);
}

std::string FormatHistory(
    const PracticeSummary& summary,
    const yoga::session::v1::ListPracticeRecordsResponse& records,
    const absl::TimeZone& zone, absl::Time now) {
  if (records.records().empty()) {
    return absl::StrCat("No practice recorded for profile ",
                        summary.profile_id(), " yet.\n");
  }
  std::string text =
      absl::StrCat(FormatWeekLine(summary, zone), "\n",
                   FormatStreakLine(summary), "\n", "Recent practice:\n");
  const int64_t current_year = absl::ToCivilYear(now, zone).year();
  for (const PracticeRecord& record : records.records())
    absl::StrAppend(&text, "  ", FormatRecordLine(record, zone, current_year),
                    "\n");
  if (!records.next_page_token().empty())
    absl::StrAppend(&text, "  (older practice not shown; raise --limit)\n");
  return text;
}

}  // namespace yoga::client
