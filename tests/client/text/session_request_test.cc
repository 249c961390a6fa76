#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/text/plan_request.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace yoga::client {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// A routine of one short hold, as tests/integration/testdata has it.
constexpr char kRoutineText[] = R"pb(# A short routine.
                                     title: "Short audio check"
                                     breath_length { seconds: 3 }
                                     steps {
                                       pose_id: "standing-hamstring-stretch"
                                       hold_count: 10
                                       hold_unit: HOLD_UNIT_SECONDS
                                     }
)pb";

class SessionRequestTest : public ::testing::Test {
 protected:
  SessionRequestTest()
      : dir_(std::filesystem::path(::testing::TempDir()) /
             absl::StrCat("session_request_test.", getpid())) {
    std::filesystem::create_directories(dir_);
  }
  ~SessionRequestTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(SessionRequestTest, APresetIsComposed) {
  SessionRequestOptions options;
  options.plan.preset = "backside-strength";
  auto request = MakeSessionRequest(options);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_TRUE(request->has_compose());
  EXPECT_EQ(request->compose().preset_id(), "backside-strength");
  // Nothing asked: the server's defaults.
  EXPECT_EQ(request->options().verbosity(),
            yoga::session::v1::VERBOSITY_UNSPECIFIED);
  EXPECT_FALSE(request->options().has_lead_in());
}

TEST_F(SessionRequestTest, ConstraintsAreComposedAsForPlan) {
  SessionRequestOptions options;
  options.plan.minutes = 12;
  options.plan.level = "beginner";
  auto request = MakeSessionRequest(options);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->compose().constraints().target_duration().seconds(), 720);
  EXPECT_EQ(request->compose().constraints().max_level(),
            yoga::type::v1::LEVEL_BEGINNER);

  options.plan.minutes = 90;
  EXPECT_EQ(MakeSessionRequest(options).status(),
            absl::InvalidArgumentError("--minutes=90: must be 2 to 60"));
}

TEST_F(SessionRequestTest, VerbosityIsNamedAsOnTheCommandLine) {
  SessionRequestOptions options;
  options.plan.preset = "backside-strength";
  for (const auto& [name, verbosity] :
       {std::pair{"full", yoga::session::v1::VERBOSITY_FULL},
        std::pair{"brief", yoga::session::v1::VERBOSITY_BRIEF},
        std::pair{"Minimal", yoga::session::v1::VERBOSITY_MINIMAL}}) {
    options.verbosity = name;
    auto request = MakeSessionRequest(options);
    ASSERT_TRUE(request.ok()) << name << ": " << request.status();
    EXPECT_EQ(request->options().verbosity(), verbosity) << name;
  }
}

TEST_F(SessionRequestTest, AnUnknownVerbosityNamesTheFlagAndTheChoices) {
  SessionRequestOptions options;
  options.plan.preset = "backside-strength";
  options.verbosity = "chatty";
  const absl::Status status = MakeSessionRequest(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              AllOf(HasSubstr("--verbosity=chatty"),
                    HasSubstr("full, brief, minimal")));
}

TEST_F(SessionRequestTest, LeadInIsSetFromZeroUp) {
  SessionRequestOptions options;
  options.plan.preset = "backside-strength";
  options.lead_in_seconds = 0;
  auto request = MakeSessionRequest(options);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_TRUE(request->options().has_lead_in());
  EXPECT_EQ(request->options().lead_in().seconds(), 0);
  EXPECT_EQ(request->options().lead_in().nanos(), 0);

  options.lead_in_seconds = 2.5;
  request = MakeSessionRequest(options);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->options().lead_in().seconds(), 2);
  EXPECT_EQ(request->options().lead_in().nanos(), 500000000);

  options.lead_in_seconds = -1;  // The server's default.
  request = MakeSessionRequest(options);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_FALSE(request->options().has_lead_in());
}

TEST_F(SessionRequestTest, TheProfileIsSentOnlyWhenGiven) {
  SessionRequestOptions options;
  options.plan.preset = "backside-strength";
  auto request = MakeSessionRequest(options);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->profile_id(), "");  // render: no practice record.

  options.profile_id = "ada";
  request = MakeSessionRequest(options);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->profile_id(), "ada");
}

TEST_F(SessionRequestTest, ARoutineFileIsSentAsTheRoutine) {
  SessionRequestOptions options;
  options.routine_file = Write("short.textproto", kRoutineText);
  options.plan.preset = "backside-strength";  // The file wins.
  options.verbosity = "brief";
  auto request = MakeSessionRequest(options);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_TRUE(request->has_routine());
  EXPECT_FALSE(request->has_compose());
  const auto& routine = request->routine();
  EXPECT_EQ(routine.title(), "Short audio check");
  EXPECT_EQ(routine.breath_length().seconds(), 3);
  ASSERT_EQ(routine.steps_size(), 1);
  EXPECT_EQ(routine.steps(0).pose_id(), "standing-hamstring-stretch");
  EXPECT_EQ(routine.steps(0).hold_count(), 10u);
  EXPECT_EQ(routine.steps(0).hold_unit(), yoga::type::v1::HOLD_UNIT_SECONDS);
  EXPECT_EQ(request->options().verbosity(), yoga::session::v1::VERBOSITY_BRIEF);
}

TEST_F(SessionRequestTest, TheShippedTestRoutineReads) {
  SessionRequestOptions options;
  options.routine_file =
      YOGA_SOURCE_DIR "/tests/integration/testdata/short_routine.textproto";
  auto request = MakeSessionRequest(options);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->routine().steps(0).pose_id(),
            "standing-hamstring-stretch");
}

TEST_F(SessionRequestTest, ASyntaxErrorNamesTheFlagAndTheLine) {
  SessionRequestOptions options;
  options.routine_file = Write("broken.textproto",
                               "title: \"Broken\"\n"
                               "steps {\n"
                               "  pose_id: standing-hamstring-stretch\n"
                               "}\n");
  const absl::Status status = MakeSessionRequest(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              AllOf(HasSubstr("--routine"),
                    HasSubstr(absl::StrCat(options.routine_file, ":3:"))));
}

TEST_F(SessionRequestTest, AnUnknownFieldNamesTheLine) {
  SessionRequestOptions options;
  options.routine_file = Write("unknown.textproto",
                               "title: \"Unknown\"\n"
                               "minutes: 10\n");
  const absl::Status status = MakeSessionRequest(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              AllOf(HasSubstr("--routine"),
                    HasSubstr(absl::StrCat(options.routine_file, ":2:"))));
}

TEST_F(SessionRequestTest, AMissingFileIsNamed) {
  SessionRequestOptions options;
  options.routine_file = (dir_ / "nowhere.textproto").string();
  const absl::Status status = MakeSessionRequest(options).status();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()),
              AllOf(HasSubstr("--routine"), HasSubstr(options.routine_file)));
}

}  // namespace
}  // namespace yoga::client
