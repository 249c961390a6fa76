#include "services/session/voice_pack.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/content_hash.h"
#include "services/common/proto_time.h"
#include "services/common/text_proto_file.h"
#include "tests/services/session/session_test_routines.h"

namespace yoga::session {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Key;

// A fresh folder of voice packs for one test, below the test temp dir.
class VoicePackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = std::filesystem::path(::testing::TempDir()) /
            absl::StrCat("voice_pack_test.", info->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // Writes <root>/<pack>/manifest.textproto; returns its path.
  std::string WriteManifest(const std::string& pack, const std::string& text) {
    const std::filesystem::path folder = root_ / pack;
    std::filesystem::create_directories(folder);
    const std::string path = (folder / "manifest.textproto").string();
    std::ofstream(path) << text;
    return path;
  }

  std::string root() const { return root_.string(); }

  // The INVALID_ARGUMENT LoadVoicePacks gives for a manifest of pack "default".
  absl::Status ErrorOf(const std::string& manifest) {
    WriteManifest("default", manifest);
    absl::StatusOr<VoicePacks> packs = LoadVoicePacks(root());
    EXPECT_FALSE(packs.ok());
    return packs.status();
  }

 private:
  std::filesystem::path root_;
};

const Phrase kChime = {"chime.hold-end", "A soft bell: the hold is over."};

TEST(EstimatedDurationTest, FourHundredMillisecondsAWordAndChimesFixed) {
  EXPECT_EQ(EstimatedDuration(
                {"session.end", "Well done. Your practice is complete."}),
            absl::Milliseconds(2400));
  EXPECT_EQ(EstimatedDuration({"count.down.3", "Three."}),
            absl::Milliseconds(400));
  EXPECT_EQ(EstimatedDuration({"x", "  Two   words "}),
            absl::Milliseconds(800));
  EXPECT_EQ(EstimatedDuration(kChime), absl::Milliseconds(1200));
}

TEST_F(VoicePackTest, MissingDirectoryGivesTheEstimatedDefaultPack) {
  absl::StatusOr<VoicePacks> packs = LoadVoicePacks(root() + "/nowhere");
  ASSERT_TRUE(packs.ok()) << packs.status();
  ASSERT_THAT(*packs, ElementsAre(Key(kDefaultVoicePack)));
  const PromptDurations& durations = *packs->at(kDefaultVoicePack);
  EXPECT_EQ(durations.pack_id(), kDefaultVoicePack);
  const Phrase start = phrases::SessionStart();
  EXPECT_EQ(durations.Of(start), EstimatedDuration(start));
  EXPECT_EQ(durations.Of(kChime), absl::Milliseconds(1200));
}

TEST_F(VoicePackTest, RecordedDurationsWinAndAbsentKeysAreEstimated) {
  WriteManifest("default", R"pb(
    id: "default"
    language: "en-US"
    voice: "festival us_slt_hts"
    sample_rate: 48000
    prompts {
      key: "session.start"
      text: "Welcome. Let's begin your practice."
      file: "session.start.opus"
      duration { seconds: 2 nanos: 750000000 }
    }
    prompts {
      key: "chime.hold-end"
      text: "A soft bell: the hold is over."
      file: "chime.hold-end.opus"
      duration { nanos: 900000000 }
    }
  )pb");
  WriteManifest("studio", R"pb(
    id: "studio"
    prompts {
      key: "session.start"
      duration { seconds: 4 }
    }
  )pb");
  // Neither a folder without a manifest nor a plain file is a pack.
  std::filesystem::create_directories(root() + "/empty");
  std::ofstream(root() + "/phrases.tsv") << "session.start\tWelcome.\n";

  absl::StatusOr<VoicePacks> packs = LoadVoicePacks(root());
  ASSERT_TRUE(packs.ok()) << packs.status();
  ASSERT_THAT(*packs, ElementsAre(Key("default"), Key("studio")));
  const PromptDurations& pack = *packs->at("default");
  EXPECT_EQ(pack.pack_id(), "default");
  EXPECT_EQ(pack.Of(phrases::SessionStart()), absl::Milliseconds(2750));
  EXPECT_EQ(pack.Of(phrases::HoldEndChime()), absl::Milliseconds(900));
  // Not in the manifest: the estimate, 6 words.
  EXPECT_EQ(pack.Of(phrases::SessionEnd()), absl::Milliseconds(2400));
  EXPECT_EQ(pack.Of(phrases::SessionEnd()),
            EstimatedDuration(phrases::SessionEnd()));
  EXPECT_EQ(pack.Of({"chime.other", "Another bell."}),
            absl::Milliseconds(1200));

  const PromptDurations& studio = *packs->at("studio");
  EXPECT_EQ(studio.pack_id(), "studio");
  EXPECT_EQ(studio.Of(phrases::SessionStart()), absl::Seconds(4));
  EXPECT_EQ(studio.Of(phrases::Countdown(3)), absl::Milliseconds(400));
}

TEST_F(VoicePackTest, OtherPacksAloneStillGiveAnEstimatedDefault) {
  WriteManifest("studio", "id: \"studio\"\n");
  absl::StatusOr<VoicePacks> packs = LoadVoicePacks(root());
  ASSERT_TRUE(packs.ok()) << packs.status();
  ASSERT_THAT(*packs, ElementsAre(Key("default"), Key("studio")));
  EXPECT_EQ(packs->at("default")->Of(phrases::SessionStart()),
            EstimatedDuration(phrases::SessionStart()));
}

TEST_F(VoicePackTest, IdOtherThanTheFolderNamesItsLine) {
  const std::string path = WriteManifest("default",
                                         "# A pack.\n"
                                         "language: \"en-US\"\n"
                                         "id: \"studio\"\n");
  absl::StatusOr<VoicePacks> packs = LoadVoicePacks(root());
  ASSERT_EQ(packs.status().code(), absl::StatusCode::kInvalidArgument)
      << packs.status();
  EXPECT_THAT(std::string(packs.status().message()), HasSubstr(path + ":3: "));
  EXPECT_THAT(std::string(packs.status().message()), HasSubstr("\"studio\""));
  EXPECT_THAT(std::string(packs.status().message()), HasSubstr("\"default\""));
}

TEST_F(VoicePackTest, EmptyKeyNamesItsLine) {
  const absl::Status status = ErrorOf(
      "id: \"default\"\n"            // 1
      "prompts {\n"                  // 2
      "  key: \"session.start\"\n"   // 3
      "  duration { seconds: 1 }\n"  // 4
      "}\n"                          // 5
      "prompts {\n"                  // 6
      "  duration { seconds: 1 }\n"  // 7
      "  key: \"\"\n"                // 8
      "}\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("default/manifest.textproto:8: "));
  EXPECT_THAT(std::string(status.message()), HasSubstr("key is empty"));
}

TEST_F(VoicePackTest, ZeroDurationNamesItsLine) {
  const absl::Status status = ErrorOf(
      "id: \"default\"\n"            // 1
      "prompts {\n"                  // 2
      "  key: \"session.start\"\n"   // 3
      "  duration { seconds: 1 }\n"  // 4
      "}\n"                          // 5
      "prompts {\n"                  // 6
      "  key: \"session.end\"\n"     // 7
      "  text: \"Well done.\"\n"     // 8
      "  duration { seconds: 0 }\n"  // 9
      "}\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("default/manifest.textproto:9: "));
  EXPECT_THAT(std::string(status.message()), HasSubstr("\"session.end\""));
}

TEST_F(VoicePackTest, NegativeDurationIsAnError) {
  const absl::Status status = ErrorOf(
      "id: \"default\"\n"
      "prompts { key: \"session.end\" duration { nanos: -5 } }\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("default/manifest.textproto:2: "));
}

TEST_F(VoicePackTest, MissingDurationNamesThePromptsLine) {
  const absl::Status status = ErrorOf(
      "id: \"default\"\n"           // 1
      "\n"                          // 2
      "prompts {\n"                 // 3
      "  key: \"session.start\"\n"  // 4
      "  text: \"Welcome.\"\n"      // 5
      "}\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("default/manifest.textproto:3: "));
  EXPECT_THAT(std::string(status.message()), HasSubstr("\"session.start\""));
}

TEST_F(VoicePackTest, SyntaxErrorNamesFileAndLine) {
  const std::string path = WriteManifest("default",
                                         "id: \"default\"\n"
                                         "prompts {\n"
                                         "  key: \"session.start\"\n"
                                         "  duration { seconds: one }\n"
                                         "}\n");
  absl::StatusOr<VoicePacks> packs = LoadVoicePacks(root());
  ASSERT_EQ(packs.status().code(), absl::StatusCode::kInvalidArgument)
      << packs.status();
  EXPECT_THAT(std::string(packs.status().message()), HasSubstr(path + ":4:"));
}

TEST_F(VoicePackTest, UnknownFieldIsAnError) {
  const std::string path = WriteManifest("default",
                                         "id: \"default\"\n"
                                         "speed: 2\n");
  absl::StatusOr<VoicePacks> packs = LoadVoicePacks(root());
  ASSERT_EQ(packs.status().code(), absl::StatusCode::kInvalidArgument)
      << packs.status();
  EXPECT_THAT(std::string(packs.status().message()), HasSubstr(path + ":2:"));
}

// The voice pack shipped in the source tree (rendered by ./dev voice).
const std::string kShippedVoiceDir = YOGA_SOURCE_DIR "/assets/voice";
const std::string kShippedDefaultPack =
    kShippedVoiceDir + "/" + kDefaultVoicePack;

const v1::VoicePackManifest& ShippedDefaultManifest() {
  static const auto* manifest = [] {
    auto file = ReadTextProtoFile<v1::VoicePackManifest>(
        kShippedDefaultPack + "/manifest.textproto");
    EXPECT_TRUE(file.ok()) << file.status() << " (run ./dev voice)";
    return new v1::VoicePackManifest(
        file.ok() ? file->message : v1::VoicePackManifest());
  }();
  return *manifest;
}

TEST(ShippedVoicePackTest, LoadsAsTheDefaultPackWithRecordedDurations) {
  absl::StatusOr<VoicePacks> packs = LoadVoicePacks(kShippedVoiceDir);
  ASSERT_TRUE(packs.ok()) << packs.status();
  ASSERT_TRUE(packs->contains(kDefaultVoicePack));
  const PromptDurations& pack = *packs->at(kDefaultVoicePack);
  EXPECT_EQ(pack.pack_id(), kDefaultVoicePack);
  const v1::VoicePackManifest& manifest = ShippedDefaultManifest();
  EXPECT_EQ(manifest.id(), kDefaultVoicePack);
  EXPECT_EQ(manifest.sample_rate(), 48000);
  ASSERT_GT(manifest.prompts_size(), 0);
  for (const auto& prompt : manifest.prompts()) {
    EXPECT_EQ(pack.Of({prompt.key(), prompt.text()}),
              FromProtoDuration(prompt.duration()))
        << prompt.key();
  }
}

// Every key the timeline can emit has a recording of today's words: a missing
// or stale prompt (its text changed in the catalog or in phrases.cc) fails.
TEST(ShippedVoicePackTest, EveryPhraseHasAnUpToDatePrompt) {
  std::map<std::string, const v1::VoicePrompt*> by_key;
  for (const auto& prompt : ShippedDefaultManifest().prompts())
    by_key.emplace(prompt.key(), &prompt);
  const std::vector<Phrase> phrases = PhraseList(testing::ShippedCatalog());
  ASSERT_FALSE(phrases.empty());
  int missing = 0;
  int stale = 0;
  for (const Phrase& phrase : phrases) {
    auto found = by_key.find(phrase.key);
    if (found == by_key.end()) {
      ++missing;
      ADD_FAILURE() << "the default voice pack has no prompt \"" << phrase.key
                    << "\" (\"" << phrase.text << "\"): run ./dev voice";
      continue;
    }
    const v1::VoicePrompt& prompt = *found->second;
    if (prompt.text() != phrase.text ||
        prompt.text_hash() != ContentHash(phrase.text)) {
      ++stale;
      ADD_FAILURE() << "prompt \"" << phrase.key << "\" of the default voice "
                    << "pack is stale: recorded \"" << prompt.text()
                    << "\" (hash " << prompt.text_hash() << "), the list says \""
                    << phrase.text << "\" (hash " << ContentHash(phrase.text)
                    << "): run ./dev voice";
    }
  }
  EXPECT_EQ(missing + stale, 0)
      << missing << " missing and " << stale << " stale prompts of "
      << phrases.size() << ": run ./dev voice";
}

TEST(ShippedVoicePackTest, EveryPromptHasItsFileAndAPlausibleDuration) {
  const v1::VoicePackManifest& manifest = ShippedDefaultManifest();
  for (const auto& prompt : manifest.prompts()) {
    EXPECT_EQ(prompt.text_hash(), ContentHash(prompt.text())) << prompt.key();
    ASSERT_FALSE(prompt.file().empty()) << prompt.key();
    EXPECT_FALSE(absl::StrContains(prompt.file(), "/")) << prompt.file();
    const std::filesystem::path file =
        std::filesystem::path(kShippedDefaultPack) / prompt.file();
    std::error_code error;
    const auto size = std::filesystem::file_size(file, error);
    EXPECT_FALSE(error) << file << " of prompt \"" << prompt.key()
                        << "\" is missing: run ./dev voice";
    if (!error) {
      EXPECT_GT(size, 0u) << file << " is empty";
    }
    // Every recording ends with 100 ms of silence, and none is a speech.
    const absl::Duration duration = FromProtoDuration(prompt.duration());
    EXPECT_GE(duration, absl::Milliseconds(100)) << prompt.key();
    EXPECT_LT(duration, absl::Seconds(20)) << prompt.key();
  }
}

}  // namespace
}  // namespace yoga::session
