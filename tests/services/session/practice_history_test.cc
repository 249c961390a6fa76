#include "services/session/practice_history.h"

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/errors.h"
#include "tests/testing/forwarding_store.h"

namespace yoga::session {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using yoga::session::v1::GetPracticeSummaryRequest;
using yoga::session::v1::ListPracticeRecordsRequest;
using yoga::session::v1::PracticeSummary;

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name;
  return zone;
}

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::Duration FromProto(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

// A session of `minutes` that started at `start`.
storage::PracticeRecord Practice(absl::Time start, double minutes,
                                 const std::string& session_id = "s") {
  storage::PracticeRecord record;
  record.session_id = session_id;
  record.profile_id = "runner";
  record.routine_id = "r1";
  record.routine_title = "Lower back relief session";
  record.start_time = start;
  record.practised = absl::Minutes(minutes);
  record.end_time = start + record.practised;
  record.completed = true;
  return record;
}

// The field of each violation in the BadRequest of `status`.
std::vector<std::string> BadFields(const absl::Status& status) {
  std::vector<std::string> fields;
  if (auto bad_request = BadRequestOf(status)) {
    for (const auto& violation : bad_request->field_violations())
      fields.push_back(violation.field());
  }
  return fields;
}

std::string FirstDescription(const absl::Status& status) {
  auto bad_request = BadRequestOf(status);
  if (!bad_request || bad_request->field_violations_size() == 0) return "";
  return bad_request->field_violations(0).description();
}

// -- Profile ids --------------------------------------------------------------

TEST(ValidateProfileIdTest, AcceptsTheDocumentedCharacters) {
  EXPECT_TRUE(
      ValidateProfileId("runner", "profile_id", ProfileIdRule::kRequired).ok());
  EXPECT_TRUE(
      ValidateProfileId("A.z_0@9+x-Y", "profile_id", ProfileIdRule::kRequired)
          .ok());
  EXPECT_TRUE(ValidateProfileId(std::string(128, 'a'), "profile_id",
                                ProfileIdRule::kRequired)
                  .ok());
}

TEST(ValidateProfileIdTest, EmptyIsFineOnlyWhenOptional) {
  EXPECT_TRUE(
      ValidateProfileId("", "profile_id", ProfileIdRule::kOptional).ok());
  absl::Status status =
      ValidateProfileId("", "profile_id", ProfileIdRule::kRequired);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(status), ElementsAre("profile_id"));
  EXPECT_EQ(FirstDescription(status), "is required");
}

TEST(ValidateProfileIdTest, NamesTheFieldItWasGiven) {
  for (ProfileIdRule rule :
       {ProfileIdRule::kOptional, ProfileIdRule::kRequired}) {
    absl::Status too_long =
        ValidateProfileId(std::string(129, 'a'), "start.profile_id", rule);
    EXPECT_EQ(too_long.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(BadFields(too_long), ElementsAre("start.profile_id"));
    EXPECT_THAT(FirstDescription(too_long), HasSubstr("at most 128"));

    absl::Status space = ValidateProfileId("my runner", "who", rule);
    EXPECT_THAT(BadFields(space), ElementsAre("who"));
    EXPECT_THAT(FirstDescription(space),
                HasSubstr("A-Z a-z 0-9 . _ @ + - (character 3"));
  }
  for (const char* bad : {"a/b", "a:b", "ü", "a\nb", "a b"}) {
    EXPECT_FALSE(
        ValidateProfileId(bad, "profile_id", ProfileIdRule::kRequired).ok())
        << bad;
  }
}

// -- Protos -------------------------------------------------------------------

TEST(RecordToProtoTest, CopiesEveryField) {
  storage::PracticeRecord record =
      Practice(absl::FromUnixMicros(1605942600123456), 20, "sess-1");
  record.completed = false;
  const auto proto = RecordToProto(record);
  EXPECT_EQ(proto.session_id(), "sess-1");
  EXPECT_EQ(proto.profile_id(), "runner");
  EXPECT_EQ(proto.routine_id(), "r1");
  EXPECT_EQ(proto.routine_title(), "Lower back relief session");
  EXPECT_EQ(proto.start_time().seconds(), 1605942600);
  EXPECT_EQ(proto.start_time().nanos(), 123456000);
  EXPECT_EQ(FromProto(proto.end_time()), record.end_time);
  EXPECT_EQ(FromProto(proto.practised()), absl::Minutes(20));
  EXPECT_FALSE(proto.completed());
}

TEST(GoalToProtoTest, IsTheAdviceOfSeed003) {
  const auto goal = GoalToProto();
  EXPECT_EQ(goal.min_days(), 2);
  EXPECT_EQ(goal.max_days(), 3);
  EXPECT_EQ(goal.min_minutes(), 15);
  EXPECT_EQ(goal.max_minutes(), 20);
  EXPECT_EQ(goal.source(), "003_6249dd4ea48a27e2.txt");
}

// -- Weeks --------------------------------------------------------------------

TEST(StartOfWeekTest, IsMondayMidnightInTheZone) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  // Wednesday 18 November 2020.
  const absl::Time wednesday =
      absl::FromCivil(absl::CivilSecond(2020, 11, 18, 12, 0, 0), utc);
  EXPECT_EQ(StartOfWeek(wednesday, utc),
            absl::FromCivil(absl::CivilDay(2020, 11, 16), utc));
  EXPECT_EQ(StartOfWeek(wednesday, utc, 2),
            absl::FromCivil(absl::CivilDay(2020, 11, 2), utc));
  // Monday 00:00 itself starts its week; Sunday 23:59 is the week before.
  const absl::Time monday = absl::FromCivil(absl::CivilDay(2020, 11, 16), utc);
  EXPECT_EQ(StartOfWeek(monday, utc), monday);
  EXPECT_EQ(StartOfWeek(monday - absl::Minutes(1), utc),
            absl::FromCivil(absl::CivilDay(2020, 11, 9), utc));

  const absl::TimeZone new_york = Zone("America/New_York");
  EXPECT_EQ(StartOfWeek(wednesday, new_york),
            absl::FromCivil(absl::CivilSecond(2020, 11, 16, 5, 0, 0), utc));
}

TEST(StartOfWeekTest, CountsCivilWeeksAcrossDaylightSavingChanges) {
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  const absl::TimeZone utc = absl::UTCTimeZone();
  // Summer time ended on Sunday 25 October 2020, 03:00 -> 02:00.
  const absl::Time after =
      absl::FromCivil(absl::CivilSecond(2020, 10, 28, 12, 0, 0), berlin);
  EXPECT_EQ(StartOfWeek(after, berlin),
            absl::FromCivil(absl::CivilSecond(2020, 10, 25, 23, 0, 0), utc));
  EXPECT_EQ(StartOfWeek(after, berlin, 1),
            absl::FromCivil(absl::CivilSecond(2020, 10, 18, 22, 0, 0), utc));
  // The week with the change is 169 hours long.
  EXPECT_EQ(StartOfWeek(after, berlin) - StartOfWeek(after, berlin, 1),
            absl::Hours(169));
}

TEST(StartOfWeekTest, AWeekWhoseMidnightWasSkippedStartsAtTheJump) {
  // São Paulo moved its clocks from Monday 6 October 1997 00:00 to 01:00.
  const absl::TimeZone sao_paulo = Zone("America/Sao_Paulo");
  const absl::Time wednesday =
      absl::FromCivil(absl::CivilSecond(1997, 10, 8, 12, 0, 0), sao_paulo);
  const absl::Time start = StartOfWeek(wednesday, sao_paulo);
  EXPECT_EQ(start, absl::FromCivil(absl::CivilSecond(1997, 10, 6, 3, 0, 0),
                                   absl::UTCTimeZone()));
  EXPECT_EQ(absl::ToCivilDay(start, sao_paulo), absl::CivilDay(1997, 10, 6));
  EXPECT_EQ(absl::ToCivilDay(start - absl::Seconds(1), sao_paulo),
            absl::CivilDay(1997, 10, 5));
}

// -- SummarizePractice --------------------------------------------------------

class SummarizePracticeTest : public ::testing::Test {
 protected:
  // Wednesday 18 November 2020, 12:00 UTC; the week began Monday 16th.
  const absl::TimeZone utc_ = absl::UTCTimeZone();
  const absl::Time now_ =
      absl::FromCivil(absl::CivilSecond(2020, 11, 18, 12, 0, 0), utc_);
  const absl::CivilDay this_monday_{2020, 11, 16};

  absl::Time On(absl::CivilDay day, int hour = 7, int minute = 0) const {
    return absl::FromCivil(
        absl::CivilSecond(day.year(), day.month(), day.day(), hour, minute, 0),
        utc_);
  }

  // Two days of 15 minutes (Monday and Tuesday) in the week `weeks_ago`.
  void AddGoalWeek(int weeks_ago,
                   std::vector<storage::PracticeRecord>& records) const {
    const absl::CivilDay monday = this_monday_ - 7 * weeks_ago;
    records.push_back(Practice(On(monday), 15));
    records.push_back(Practice(On(monday + 1), 15));
  }

  PracticeSummary Summarize(
      const std::vector<storage::PracticeRecord>& records) const {
    return SummarizePractice("runner", records, now_, utc_);
  }
};

TEST_F(SummarizePracticeTest, EmptyHistory) {
  const PracticeSummary summary = Summarize({});
  EXPECT_EQ(summary.profile_id(), "runner");
  EXPECT_EQ(FromProto(summary.week_start()),
            absl::FromCivil(this_monday_, utc_));
  EXPECT_EQ(summary.sessions(), 0);
  EXPECT_EQ(FromProto(summary.practised()), absl::ZeroDuration());
  EXPECT_EQ(summary.days_practised(), 0);
  EXPECT_EQ(summary.goal_days(), 0);
  EXPECT_FALSE(summary.goal_met());
  EXPECT_EQ(summary.streak_weeks(), 0);
  EXPECT_EQ(summary.goal().min_days(), 2);
  EXPECT_EQ(summary.goal().source(), "003_6249dd4ea48a27e2.txt");
}

TEST_F(SummarizePracticeTest, OneTwentyMinuteSession) {
  const PracticeSummary summary =
      Summarize({Practice(On(this_monday_ + 1), 20)});
  EXPECT_EQ(summary.sessions(), 1);
  EXPECT_EQ(FromProto(summary.practised()), absl::Minutes(20));
  EXPECT_EQ(summary.days_practised(), 1);
  EXPECT_EQ(summary.goal_days(), 1);
  EXPECT_FALSE(summary.goal_met());
  EXPECT_EQ(summary.streak_weeks(), 0);
}

TEST_F(SummarizePracticeTest, TwoTenMinuteSessionsTheSameDayAreOneGoalDay) {
  const PracticeSummary summary =
      Summarize({Practice(On(this_monday_, 7), 10, "a"),
                 Practice(On(this_monday_, 19), 10, "b")});
  EXPECT_EQ(summary.sessions(), 2);
  EXPECT_EQ(FromProto(summary.practised()), absl::Minutes(20));
  EXPECT_EQ(summary.days_practised(), 1);
  EXPECT_EQ(summary.goal_days(), 1);
  EXPECT_FALSE(summary.goal_met());
}

TEST_F(SummarizePracticeTest, ShortDaysDoNotCountButFifteenMinutesDo) {
  PracticeSummary summary = Summarize(
      {Practice(On(this_monday_), 14.9), Practice(On(this_monday_ + 1), 14.9)});
  EXPECT_EQ(summary.days_practised(), 2);
  EXPECT_EQ(summary.goal_days(), 0);
  EXPECT_FALSE(summary.goal_met());

  summary = Summarize(
      {Practice(On(this_monday_), 15), Practice(On(this_monday_ + 1), 15)});
  EXPECT_EQ(summary.goal_days(), 2);
  EXPECT_TRUE(summary.goal_met());
  EXPECT_EQ(summary.streak_weeks(), 1);
}

TEST_F(SummarizePracticeTest, ASessionWithNoTimePractisedIsNoDayPractised) {
  const PracticeSummary summary = Summarize({Practice(On(this_monday_), 0)});
  EXPECT_EQ(summary.sessions(), 1);
  EXPECT_EQ(summary.days_practised(), 0);
}

TEST_F(SummarizePracticeTest, OnlyThisWeekIsSummedAndOrderDoesNotMatter) {
  std::vector<storage::PracticeRecord> records = {
      Practice(On(this_monday_ - 1, 23, 59), 30),  // Last Sunday.
      Practice(On(this_monday_ + 1), 16),
      Practice(On(this_monday_ + 7), 40),  // Next Monday: not yet.
      Practice(On(this_monday_, 0, 0), 17),
  };
  const PracticeSummary summary = Summarize(records);
  EXPECT_EQ(summary.sessions(), 2);
  EXPECT_EQ(FromProto(summary.practised()), absl::Minutes(33));
  EXPECT_EQ(summary.goal_days(), 2);
  EXPECT_TRUE(summary.goal_met());
}

TEST_F(SummarizePracticeTest, WeeksStartOnMondayMidnightInTheGivenZone) {
  const absl::TimeZone new_york = Zone("America/New_York");
  // Sunday 15 November 23:30 in New York is Monday 04:30 UTC.
  const absl::Time sunday_night =
      absl::FromCivil(absl::CivilSecond(2020, 11, 15, 23, 30, 0), new_york);
  const absl::Time monday_midnight =
      absl::FromCivil(absl::CivilDay(2020, 11, 16), new_york);
  const absl::Time now =
      absl::FromCivil(absl::CivilSecond(2020, 11, 18, 12, 0, 0), new_york);
  const std::vector<storage::PracticeRecord> records = {
      Practice(sunday_night, 20, "sunday"),
      Practice(monday_midnight, 20, "monday")};

  const PracticeSummary in_new_york =
      SummarizePractice("runner", records, now, new_york);
  EXPECT_EQ(FromProto(in_new_york.week_start()), monday_midnight);
  EXPECT_EQ(in_new_york.sessions(), 1);
  EXPECT_EQ(in_new_york.goal_days(), 1);
  EXPECT_FALSE(in_new_york.goal_met());

  // In UTC both are on Monday 16th: one day, two sessions.
  const PracticeSummary in_utc =
      SummarizePractice("runner", records, now, absl::UTCTimeZone());
  EXPECT_EQ(in_utc.sessions(), 2);
  EXPECT_EQ(in_utc.days_practised(), 1);
  EXPECT_EQ(in_utc.goal_days(), 1);
}

TEST_F(SummarizePracticeTest, AWeekWithTheEndOfSummerTimeIsOneWeek) {
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  auto at = [&](int month, int day, int hour, int minute) {
    return absl::FromCivil(absl::CivilSecond(2020, month, day, hour, minute, 0),
                           berlin);
  };
  // Summer time ended on Sunday 25 October 2020 (03:00 CEST -> 02:00 CET).
  // Monday 19 October 00:30 and Sunday 25 October 23:30 are the same week,
  // though 24 * 7 hours after the first minute of the week is already
  // Sunday 23:00.
  const std::vector<storage::PracticeRecord> records = {
      Practice(at(10, 19, 0, 30), 15, "first"),
      Practice(at(10, 25, 23, 30), 15, "last"),
      Practice(at(10, 26, 0, 10), 20, "next-week"),
  };
  const PracticeSummary sunday =
      SummarizePractice("runner", records, at(10, 25, 23, 45), berlin);
  EXPECT_EQ(FromProto(sunday.week_start()), at(10, 19, 0, 0));
  EXPECT_EQ(sunday.sessions(), 2);
  EXPECT_EQ(sunday.goal_days(), 2);
  EXPECT_TRUE(sunday.goal_met());
  EXPECT_EQ(sunday.streak_weeks(), 1);

  const PracticeSummary monday =
      SummarizePractice("runner", records, at(10, 26, 0, 45), berlin);
  EXPECT_EQ(FromProto(monday.week_start()), at(10, 26, 0, 0));
  EXPECT_EQ(FromProto(monday.week_start()) - FromProto(sunday.week_start()),
            absl::Hours(169));
  EXPECT_EQ(monday.sessions(), 1);
  EXPECT_FALSE(monday.goal_met());
  EXPECT_EQ(monday.streak_weeks(), 1);  // Last week's.
}

TEST_F(SummarizePracticeTest, AWeekWithTheStartOfSummerTimeIsOneWeek) {
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  auto at = [&](int month, int day, int hour, int minute) {
    return absl::FromCivil(absl::CivilSecond(2020, month, day, hour, minute, 0),
                           berlin);
  };
  // Summer time began on Sunday 29 March 2020 (02:00 CET -> 03:00 CEST): the
  // week is 167 hours; Sunday 23:30 is still in it.
  const std::vector<storage::PracticeRecord> records = {
      Practice(at(3, 28, 9, 0), 15, "saturday"),
      Practice(at(3, 29, 23, 30), 15, "sunday"),
  };
  const PracticeSummary summary =
      SummarizePractice("runner", records, at(3, 29, 23, 50), berlin);
  EXPECT_EQ(FromProto(summary.week_start()), at(3, 23, 0, 0));
  EXPECT_EQ(summary.sessions(), 2);
  EXPECT_EQ(summary.goal_days(), 2);
  EXPECT_TRUE(summary.goal_met());
}

TEST_F(SummarizePracticeTest, StreakOfThreeWeeks) {
  std::vector<storage::PracticeRecord> records;
  for (int weeks_ago : {0, 1, 2}) AddGoalWeek(weeks_ago, records);
  // Four weeks ago also met the goal, but three weeks ago did not.
  AddGoalWeek(4, records);
  const PracticeSummary summary = Summarize(records);
  EXPECT_TRUE(summary.goal_met());
  EXPECT_EQ(summary.streak_weeks(), 3);
}

TEST_F(SummarizePracticeTest, AWeekInProgressDoesNotBreakTheStreak) {
  std::vector<storage::PracticeRecord> records;
  for (int weeks_ago : {1, 2, 3}) AddGoalWeek(weeks_ago, records);
  PracticeSummary summary = Summarize(records);
  EXPECT_EQ(summary.sessions(), 0);
  EXPECT_FALSE(summary.goal_met());
  EXPECT_EQ(summary.streak_weeks(), 3);

  // One goal day so far this week: still last week's streak.
  records.push_back(Practice(On(this_monday_), 20));
  summary = Summarize(records);
  EXPECT_EQ(summary.goal_days(), 1);
  EXPECT_EQ(summary.streak_weeks(), 3);

  // The second goal day makes it four.
  records.push_back(Practice(On(this_monday_ + 2, 8), 20));
  summary = Summarize(records);
  EXPECT_TRUE(summary.goal_met());
  EXPECT_EQ(summary.streak_weeks(), 4);
}

TEST_F(SummarizePracticeTest, AWeekWithOneGoalDayBreaksTheStreak) {
  std::vector<storage::PracticeRecord> records;
  AddGoalWeek(0, records);
  // Last week: one day of 40 minutes and one of 10.
  records.push_back(Practice(On(this_monday_ - 7), 40));
  records.push_back(Practice(On(this_monday_ - 6), 10));
  AddGoalWeek(2, records);
  AddGoalWeek(3, records);
  EXPECT_EQ(Summarize(records).streak_weeks(), 1);

  records.erase(records.begin(), records.begin() + 2);  // This week's.
  EXPECT_EQ(Summarize(records).streak_weeks(), 0);
}

TEST_F(SummarizePracticeTest, LooksBackAtMostOneHundredAndFourWeeks) {
  std::vector<storage::PracticeRecord> records;
  for (int weeks_ago = 0; weeks_ago < 200; ++weeks_ago)
    AddGoalWeek(weeks_ago, records);
  EXPECT_EQ(Summarize(records).streak_weeks(), kLookBackWeeks + 1);

  records.erase(records.begin(), records.begin() + 2);  // This week's.
  EXPECT_EQ(Summarize(records).streak_weeks(), kLookBackWeeks);
}

// -- The store-backed handlers, on the real SQLite store ----------------------

// Forwards to a real store, remembering the last practice query; fails the
// practice queries with `failure` when it is set.
class RecordingStore final : public testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;

  storage::PracticeQuery last_query;
  absl::Status failure;

  absl::StatusOr<std::vector<storage::PracticeRecord>> ListPracticeRecords(
      const storage::PracticeQuery& query) override {
    last_query = query;
    if (!failure.ok()) return failure;
    return ForwardingStore::ListPracticeRecords(query);
  }
};

class PracticeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::path(::testing::TempDir()) /
            absl::StrCat(
                "practice_history_test.", getpid(), ".",
                ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                ".db");
    std::filesystem::remove(path_);
    auto store = storage::OpenStore({.url = "sqlite:" + path_.string()});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::make_unique<RecordingStore>(*std::move(store));
  }
  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::filesystem::remove(path_.string() + suffix, ignored);
  }

  // Stores `record` the way the session service does: a session row, then
  // its end with the record.
  void Store(const storage::PracticeRecord& record) {
    storage::SessionRow row;
    row.id = record.session_id;
    row.profile_id = record.profile_id;
    row.updated_at = record.start_time;
    row.ends_at = record.end_time;
    ASSERT_TRUE(store_->CreateSession(row).ok());
    row.version = 2;
    row.phase = record.completed ? storage::SessionPhase::kCompleted
                                 : storage::SessionPhase::kStopped;
    row.ends_at = absl::InfiniteFuture();
    row.updated_at = record.end_time;
    row.finished = true;
    absl::Status status = store_->UpdateSession(row, &record);
    ASSERT_TRUE(status.ok()) << status;
  }

  std::filesystem::path path_;
  std::unique_ptr<RecordingStore> store_;
  // Wednesday 18 November 2020, 12:00 UTC.
  const absl::Time now_ = absl::FromCivil(
      absl::CivilSecond(2020, 11, 18, 12, 0, 0), absl::UTCTimeZone());
};

TEST_F(PracticeStoreTest, ListNamesEveryBadField) {
  ListPracticeRecordsRequest request;
  request.set_page_size(-1);
  request.set_page_token("%%%");
  auto response = ListPracticeRecords(*store_, request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(response.status()),
              ElementsAre("profile_id", "page_size", "page_token"));

  request.set_profile_id("runner one");
  request.set_page_size(10);
  request.clear_page_token();
  EXPECT_THAT(BadFields(ListPracticeRecords(*store_, request).status()),
              ElementsAre("profile_id"));
}

TEST_F(PracticeStoreTest, ListPagesNewestFirstAcrossThreePages) {
  const absl::Time base = now_ - absl::Hours(24 * 5);
  for (int i = 0; i < 7; ++i) {
    // s3 and s4 start at the same instant: ordered by session id.
    const absl::Time start = base + absl::Hours(i == 4 ? 3 : i);
    Store(Practice(start, 10 + i, absl::StrCat("s", i)));
  }
  Store(Practice(base - absl::Hours(1), 20, "s-oldest"));
  storage::PracticeRecord other = Practice(base, 20, "x");
  other.profile_id = "someone-else";
  Store(other);

  ListPracticeRecordsRequest request;
  request.set_profile_id("runner");
  request.set_page_size(3);
  std::vector<std::string> seen;
  int pages = 0;
  std::string first_token;
  do {
    auto response = ListPracticeRecords(*store_, request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(store_->last_query.limit, 4);
    ++pages;
    for (const auto& record : response->records()) {
      EXPECT_EQ(record.profile_id(), "runner");
      seen.push_back(record.session_id());
    }
    if (pages == 1) first_token = response->next_page_token();
    request.set_page_token(response->next_page_token());
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(
      seen, ElementsAre("s6", "s5", "s4", "s3", "s2", "s1", "s0", "s-oldest"));

  // The same token gives the same page again.
  request.set_page_token(first_token);
  auto again = ListPracticeRecords(*store_, request);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->records_size(), 3);
  EXPECT_EQ(again->records(0).session_id(), "s3");
}

TEST_F(PracticeStoreTest, ListReturnsTheRecordsAsStored) {
  storage::PracticeRecord record =
      Practice(now_ - absl::Hours(1), 14, "stopped-one");
  record.completed = false;
  record.routine_title = "Runners' lower back four";
  Store(record);
  ListPracticeRecordsRequest request;
  request.set_profile_id("runner");
  auto response = ListPracticeRecords(*store_, request);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->records_size(), 1);
  const auto& got = response->records(0);
  EXPECT_EQ(got.session_id(), "stopped-one");
  EXPECT_EQ(got.routine_title(), "Runners' lower back four");
  EXPECT_EQ(FromProto(got.start_time()), record.start_time);
  EXPECT_EQ(FromProto(got.end_time()), record.end_time);
  EXPECT_EQ(FromProto(got.practised()), absl::Minutes(14));
  EXPECT_FALSE(got.completed());
  EXPECT_TRUE(response->next_page_token().empty());
}

TEST_F(PracticeStoreTest, ListPageSizeDefaultsAndRefusesMoreThanTheMost) {
  ListPracticeRecordsRequest request;
  request.set_profile_id("runner");
  ASSERT_TRUE(ListPracticeRecords(*store_, request).ok());
  EXPECT_EQ(store_->last_query.limit, kDefaultPracticePageSize + 1);
  EXPECT_EQ(store_->last_query.profile_id, "runner");
  EXPECT_FALSE(store_->last_query.before.has_value());

  request.set_page_size(kMaxPracticePageSize);
  ASSERT_TRUE(ListPracticeRecords(*store_, request).ok());
  EXPECT_EQ(store_->last_query.limit, kMaxPracticePageSize + 1);

  // The documented most is 500: one more is a field error, not a cut page.
  for (int size : {kMaxPracticePageSize + 1, 100000}) {
    request.set_page_size(size);
    const absl::Status refused = ListPracticeRecords(*store_, request).status();
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << size;
    EXPECT_THAT(BadFields(refused), ElementsAre("page_size")) << size;
    EXPECT_THAT(std::string(refused.message()),
                ::testing::HasSubstr("at most 500"));
  }
}

TEST_F(PracticeStoreTest, ListRefusesTokensItDidNotMake) {
  Store(Practice(now_ - absl::Hours(2), 15, "a"));
  Store(Practice(now_ - absl::Hours(1), 15, "b"));
  ListPracticeRecordsRequest request;
  request.set_profile_id("runner");
  request.set_page_size(1);
  auto first = ListPracticeRecords(*store_, request);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token().empty());

  for (const std::string& token :
       {std::string("not a token"), std::string("bm90IGEgdG9rZW4"),
        first->next_page_token() + "x", first->next_page_token().substr(1),
        absl::WebSafeBase64Escape("p1:0123abcd:1605697200000000:runner:b")}) {
    request.set_page_token(token);
    auto response = ListPracticeRecords(*store_, request);
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument)
        << token;
    EXPECT_THAT(BadFields(response.status()), ElementsAre("page_token"));
    EXPECT_EQ(FirstDescription(response.status()),
              "is not a token this server made");
  }

  // A token is for the profile it was made for.
  request.set_profile_id("someone-else");
  request.set_page_token(first->next_page_token());
  auto other = ListPracticeRecords(*store_, request);
  EXPECT_THAT(BadFields(other.status()), ElementsAre("page_token"));
  EXPECT_THAT(FirstDescription(other.status()), HasSubstr("another profile"));
}

TEST_F(PracticeStoreTest, StoreErrorsPassThrough) {
  store_->failure = absl::UnavailableError("database is locked");
  ListPracticeRecordsRequest list;
  list.set_profile_id("runner");
  EXPECT_EQ(ListPracticeRecords(*store_, list).status(), store_->failure);
  GetPracticeSummaryRequest summary;
  summary.set_profile_id("runner");
  EXPECT_EQ(GetPracticeSummary(*store_, summary, now_).status(),
            store_->failure);
}

TEST_F(PracticeStoreTest, SummaryNamesEveryBadField) {
  GetPracticeSummaryRequest request;
  request.set_time_zone("Mars/Base");
  auto summary = GetPracticeSummary(*store_, request, now_);
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(summary.status()),
              ElementsAre("profile_id", "time_zone"));
  const auto bad_request = BadRequestOf(summary.status());
  ASSERT_TRUE(bad_request.has_value());
  EXPECT_EQ(bad_request->field_violations(1).description(),
            "unknown time zone \"Mars/Base\"; use an IANA name such as "
            "Europe/Berlin");

  request.set_profile_id("runner");
  for (const std::string& zone :
       {std::string("/etc/passwd"), std::string("../zoneinfo/UTC"),
        std::string("file:/etc/localtime"), std::string("Europe"),
        std::string("localtime "), std::string(200, 'A')}) {
    request.set_time_zone(zone);
    EXPECT_THAT(BadFields(GetPracticeSummary(*store_, request, now_).status()),
                ElementsAre("time_zone"))
        << zone;
  }
  for (const char* zone : {"UTC", "Etc/GMT+2", "America/Argentina/Salta"}) {
    request.set_time_zone(zone);
    EXPECT_TRUE(GetPracticeSummary(*store_, request, now_).ok()) << zone;
  }
}

TEST_F(PracticeStoreTest, SummaryIsOfTheStoredRecordsInTheRequestsZone) {
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  auto at = [&](int day, int hour, int minute) {
    return absl::FromCivil(absl::CivilSecond(2020, 11, day, hour, minute, 0),
                           berlin);
  };
  // Last week in Berlin: Monday and Sunday.
  Store(Practice(at(9, 7, 0), 15, "last-monday"));
  Store(Practice(at(15, 20, 0), 20, "last-sunday"));
  // Monday 0:30 in Berlin, still Sunday (23:30) in UTC.
  Store(Practice(at(16, 0, 30), 16, "monday-night"));

  GetPracticeSummaryRequest request;
  request.set_profile_id("runner");
  request.set_time_zone("Europe/Berlin");
  auto summary = GetPracticeSummary(*store_, request, now_);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(store_->last_query.profile_id, "runner");
  EXPECT_EQ(store_->last_query.since,
            StartOfWeek(now_, berlin, kLookBackWeeks));
  EXPECT_EQ(store_->last_query.limit, kSummaryRecordLimit);
  EXPECT_EQ(FromProto(summary->week_start()), at(16, 0, 0));
  EXPECT_EQ(summary->sessions(), 1);
  EXPECT_EQ(FromProto(summary->practised()), absl::Minutes(16));
  EXPECT_EQ(summary->goal_days(), 1);
  EXPECT_FALSE(summary->goal_met());
  EXPECT_EQ(summary->streak_weeks(), 1);

  // In UTC (no time_zone) the Monday-night session is last Sunday's.
  request.clear_time_zone();
  summary = GetPracticeSummary(*store_, request, now_);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(FromProto(summary->week_start()),
            absl::FromCivil(absl::CivilDay(2020, 11, 16), absl::UTCTimeZone()));
  EXPECT_EQ(summary->sessions(), 0);
  EXPECT_EQ(summary->streak_weeks(), 1);
}

}  // namespace
}  // namespace yoga::session
