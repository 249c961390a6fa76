#include "client/text/history_text.h"

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "services/common/proto_time.h"

namespace yoga::client {
namespace {

using ::testing::HasSubstr;
using yoga::session::v1::ListPracticeRecordsResponse;
using yoga::session::v1::PracticeRecord;
using yoga::session::v1::PracticeSummary;

absl::TimeZone Berlin() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Berlin", &zone));
  return zone;
}

absl::Time At(const absl::TimeZone& zone, int year, int month, int day,
              int hour = 0, int minute = 0, int second = 0) {
  return absl::FromCivil(
      absl::CivilSecond(year, month, day, hour, minute, second), zone);
}

// This week in Berlin from Monday 16 November 2020: as the brief's example.
PracticeSummary Summary(int sessions, int minutes, int days, int goal_days,
                        bool goal_met, int streak) {
  PracticeSummary summary;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(profile_id: "ada"
           goal {
             min_days: 2
             max_days: 3
             min_minutes: 15
             max_minutes: 20
             source: "003_6249dd4ea48a27e2.txt"
           })pb",
      &summary));
  *summary.mutable_week_start() = ToProtoTimestamp(At(Berlin(), 2020, 11, 16));
  summary.set_sessions(sessions);
  *summary.mutable_practised() = ToProtoDuration(absl::Minutes(minutes));
  summary.set_days_practised(days);
  summary.set_goal_days(goal_days);
  summary.set_goal_met(goal_met);
  summary.set_streak_weeks(streak);
  return summary;
}

PracticeRecord Record(absl::Time start, absl::Duration practised,
                      bool completed, const std::string& title) {
  PracticeRecord record;
  record.set_session_id("s");
  record.set_profile_id("ada");
  record.set_routine_id("lower-back-relief-session");
  record.set_routine_title(title);
  *record.mutable_start_time() = ToProtoTimestamp(start);
  *record.mutable_end_time() = ToProtoTimestamp(start + practised);
  *record.mutable_practised() = ToProtoDuration(practised);
  record.set_completed(completed);
  return record;
}

TEST(HistoryTextTest, ShowsTheWeekTheStreakAndRecentPractice) {
  const absl::TimeZone berlin = Berlin();
  ListPracticeRecordsResponse records;
  *records.add_records() =
      Record(At(berlin, 2020, 11, 21, 7, 10), absl::Minutes(20), true,
             "Lower back relief session");
  *records.add_records() = Record(At(berlin, 2020, 11, 19, 18, 2),
                                  absl::Minutes(14) + absl::Seconds(50), false,
                                  "Runners' lower back four");
  EXPECT_EQ(
      FormatHistory(Summary(2, 34, 2, 2, true, 3), records, berlin,
                    At(berlin, 2020, 11, 21, 9)),
      "This week (from Mon 16 Nov): 2 sessions, 34 min, on 2 days — goal met "
      "(2-3 days of 15-20 min; seed 003)\n"
      "Streak: 3 weeks\n"
      "Recent practice:\n"
      "  Sat 21 Nov 07:10  20 min  completed  Lower back relief session\n"
      "  Thu 19 Nov 18:02  14 min  stopped    Runners' lower back four\n");
}

TEST(HistoryTextTest, NothingRecordedYet) {
  EXPECT_EQ(FormatHistory(Summary(0, 0, 0, 0, false, 0), {}, Berlin(),
                          At(Berlin(), 2020, 11, 18)),
            "No practice recorded for profile ada yet.\n");
}

TEST(HistoryTextTest, AWeekShortOfTheGoalSaysHowFarItIs) {
  EXPECT_EQ(FormatWeekLine(Summary(1, 20, 1, 1, false, 0), Berlin()),
            "This week (from Mon 16 Nov): 1 session, 20 min, on 1 day — 1 of "
            "2 goal days so far (2-3 days of 15-20 min; seed 003)");
  EXPECT_EQ(FormatWeekLine(Summary(0, 0, 0, 0, false, 4), Berlin()),
            "This week (from Mon 16 Nov): no practice yet — 0 of 2 goal days "
            "so far (2-3 days of 15-20 min; seed 003)");
}

TEST(HistoryTextTest, StreakIsCountedInWeeks) {
  EXPECT_EQ(FormatStreakLine(Summary(0, 0, 0, 0, false, 0)), "Streak: 0 weeks");
  EXPECT_EQ(FormatStreakLine(Summary(0, 0, 0, 0, false, 1)), "Streak: 1 week");
}

TEST(HistoryTextTest, TimesAreInTheGivenZone) {
  // 23:30 UTC on Sunday is already Monday in Berlin.
  const PracticeRecord record =
      Record(At(absl::UTCTimeZone(), 2020, 11, 15, 23, 30), absl::Minutes(5),
             true, "Short");
  EXPECT_EQ(FormatRecordLine(record, Berlin(), 2020),
            "Mon 16 Nov 00:30   5 min  completed  Short");
  EXPECT_EQ(FormatRecordLine(record, absl::UTCTimeZone(), 2020),
            "Sun 15 Nov 23:30   5 min  completed  Short");
}

TEST(HistoryTextTest, OtherYearsAreNamedAndUntitledRoutinesShowTheirId) {
  const PracticeRecord record =
      Record(At(Berlin(), 2019, 12, 30, 8, 0), absl::Minutes(16), false, "");
  EXPECT_EQ(FormatRecordLine(record, Berlin(), 2020),
            "Mon 30 Dec 2019 08:00  16 min  stopped    "
            "lower-back-relief-session");
}

TEST(HistoryTextTest, SaysWhenOlderRecordsWereLeftOut) {
  ListPracticeRecordsResponse records;
  *records.add_records() =
      Record(At(Berlin(), 2020, 11, 17, 7), absl::Minutes(15), true, "A");
  records.set_next_page_token("more");
  EXPECT_THAT(FormatHistory(Summary(1, 15, 1, 1, false, 0), records, Berlin(),
                            At(Berlin(), 2020, 11, 18)),
              HasSubstr("older practice not shown; raise --limit"));
}

}  // namespace
}  // namespace yoga::client
