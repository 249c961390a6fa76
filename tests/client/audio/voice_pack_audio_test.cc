#include "client/audio/voice_pack_audio.h"

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/audio/clip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/proto_time.h"
#include "services/common/text_proto_file.h"
#include "yoga/session/v1/voice_pack.pb.h"

namespace yoga::client::audio {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::yoga::session::v1::VoicePackManifest;

constexpr double kPi = 3.14159265358979323846;
constexpr char kDefaultPack[] = YOGA_SOURCE_DIR "/assets/voice/default";

double Rms(const Clip& clip) {
  double sum = 0.0;
  for (float sample : clip.samples) sum += double{sample} * sample;
  return std::sqrt(sum / static_cast<double>(clip.samples.size()));
}

VoicePackManifest ShippedManifest() {
  auto file = ReadTextProtoFile<VoicePackManifest>(
      absl::StrCat(kDefaultPack, "/manifest.textproto"));
  EXPECT_TRUE(file.ok()) << file.status();
  return file.ok() ? file->message : VoicePackManifest();
}

// Loads the shipped pack at `rate` and checks every prompt of its manifest:
// a clip at `rate`, not silent, `frames_per_second_slack` frames a second of
// the manifest's duration (plus one for rounding). Prints the load time.
void CheckShippedPack(int rate, double frames_per_second_slack) {
  const VoicePackManifest manifest = ShippedManifest();
  EXPECT_GT(manifest.prompts_size(), 700);
  absl::StatusOr<VoicePackAudio> pack = LoadVoicePackAudio(kDefaultPack, rate);
  EXPECT_TRUE(pack.ok()) << pack.status();
  if (!pack.ok()) return;
  EXPECT_EQ(pack->pack_id(), "default");
  EXPECT_EQ(pack->sample_rate(), rate);
  EXPECT_EQ(pack->prompts().size(),
            static_cast<size_t>(manifest.prompts_size()));
  double quietest = 1.0;
  double worst_slack = 0.0;
  int64_t frames = 0;
  for (const auto& prompt : manifest.prompts()) {
    SCOPED_TRACE(prompt.key());
    const ClipPtr clip = pack->Find(prompt.key());
    ASSERT_NE(clip, nullptr);
    EXPECT_EQ(clip->sample_rate, rate);
    const absl::Duration duration = FromProtoDuration(prompt.duration());
    EXPECT_EQ(pack->DurationOf(prompt.key()), duration);
    const double seconds = absl::ToDoubleSeconds(duration);
    const double slack =
        std::abs(static_cast<double>(clip->samples.size()) - seconds * rate);
    EXPECT_LE(slack, 1.0 + frames_per_second_slack * seconds)
        << clip->samples.size() << " frames";
    worst_slack = std::max(worst_slack, slack);
    const double rms = Rms(*clip);
    EXPECT_GT(rms, 0.01) << "silent";
    quietest = std::min(quietest, rms);
    frames += static_cast<int64_t>(clip->samples.size());
  }
  EXPECT_EQ(pack->bytes(), frames * static_cast<int64_t>(sizeof(float)));
  EXPECT_NE(pack->Find("chime.hold-end"), nullptr);
  EXPECT_EQ(pack->Find("no.such.prompt"), nullptr);
  EXPECT_EQ(pack->DurationOf("no.such.prompt"), absl::ZeroDuration());
  std::cout << manifest.prompts_size() << " prompts at " << rate << " Hz in "
            << absl::FormatDuration(pack->load_time()) << ", "
            << pack->bytes() / (1 << 20) << " MiB; lengths within "
            << worst_slack << " frames of the manifest; quietest RMS "
            << quietest << "\n";
  ::testing::Test::RecordProperty(
      absl::StrCat("load_ms_", rate),
      absl::StrCat(absl::ToInt64Milliseconds(pack->load_time())));
}

TEST(ShippedVoicePackTest, EveryPromptDecodesAt48kHzToItsManifestLength) {
  // The pack is 48 kHz: no resampling, decoded length within 1 ms.
  CheckShippedPack(48000, 0.0);
}

TEST(ShippedVoicePackTest, ResampledTo44_1kHzLengthsScale) {
  CheckShippedPack(44100, 2.0);
}

TEST(ShippedVoicePackTest, LoadsOnlyTheKeysAskedForAndNamesTheMissingOnes) {
  const std::string dir = YOGA_SOURCE_DIR "/assets/voice/default";
  auto some = LoadVoicePackAudio(dir, 48000, {"tone.breath", "chime.hold-end"});
  ASSERT_TRUE(some.ok()) << some.status();
  EXPECT_EQ(some->prompts().size(), 2u);
  EXPECT_NE(some->Find("chime.hold-end"), nullptr);
  EXPECT_EQ(some->Find("phrase.welcome"), nullptr);

  auto missing =
      LoadVoicePackAudio(dir, 48000, {"tone.breath", "zz.nope", "aa.nope"});
  ASSERT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(),
              ::testing::HasSubstr("no prompt \"aa.nope\", \"zz.nope\""));
}

// A fresh folder for one test's pack, below the test temp dir.
class VoicePackAudioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           absl::StrCat("voice_pack_audio_test.", info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir() const { return dir_.string(); }
  std::string PathOf(const std::string& name) const {
    return (dir_ / name).string();
  }

  // A manifest of pack "test" with one prompt "p" in `file`, lasting
  // `duration`: `file` is on line 4, the duration on line 5.
  void WriteManifest(const std::string& file, absl::Duration duration) {
    const google::protobuf::Duration proto = ToProtoDuration(duration);
    std::ofstream(PathOf("manifest.textproto"))
        << "id: \"test\"\n"
        << "sample_rate: 48000\n"
        << "prompts { key: \"p\" text: \"P.\"\n"
        << "  file: \"" << file << "\"\n"
        << "  duration { seconds: " << proto.seconds()
        << " nanos: " << proto.nanos() << " }\n"
        << "}\n";
  }

  // Writes a float WAV of interleaved `samples`.
  void WriteWav(const std::string& name, int channels, int rate,
                const std::vector<float>& samples) {
    SF_INFO info = {};
    info.channels = channels;
    info.samplerate = rate;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE* file = sf_open(PathOf(name).c_str(), SFM_WRITE, &info);
    ASSERT_NE(file, nullptr) << sf_strerror(nullptr);
    EXPECT_EQ(
        sf_writef_float(file, samples.data(),
                        static_cast<sf_count_t>(samples.size()) / channels),
        static_cast<sf_count_t>(samples.size()) / channels);
    sf_close(file);
  }

  std::string manifest_path() const { return PathOf("manifest.textproto"); }

 private:
  std::filesystem::path dir_;
};

TEST_F(VoicePackAudioTest, StereoFileIsAveragedToMono) {
  std::vector<float> stereo;
  for (int i = 0; i < 4800; ++i) {
    const float left = 0.5f * std::sin(0.05f * static_cast<float>(i));
    const float right = (i % 2 == 0) ? 0.25f : -0.25f;
    stereo.push_back(left);
    stereo.push_back(right);
  }
  WriteWav("p.wav", 2, 48000, stereo);
  WriteManifest("p.wav", absl::Milliseconds(100));
  absl::StatusOr<VoicePackAudio> pack = LoadVoicePackAudio(dir(), 48000);
  ASSERT_TRUE(pack.ok()) << pack.status();
  EXPECT_EQ(pack->pack_id(), "test");
  const ClipPtr clip = pack->Find("p");
  ASSERT_NE(clip, nullptr);
  ASSERT_EQ(clip->samples.size(), 4800u);
  for (int i = 0; i < 4800; ++i) {
    ASSERT_FLOAT_EQ(clip->samples[i], (stereo[2 * i] + stereo[2 * i + 1]) / 2)
        << "frame " << i;
  }
}

TEST_F(VoicePackAudioTest, FileAtAnotherRateIsCheckedAtItsOwnRateAndResampled) {
  // 0.5 s of a 1 kHz sine at 24 kHz, loaded at 48 kHz: 24000 frames of the
  // same sine.
  std::vector<float> mono(12000);
  for (int i = 0; i < 12000; ++i)
    mono[i] =
        0.5f * std::sin(static_cast<float>(2.0 * kPi * 1000.0 * i / 24000.0));
  WriteWav("p.wav", 1, 24000, mono);
  WriteManifest("p.wav", absl::Milliseconds(500));
  absl::StatusOr<VoicePackAudio> pack = LoadVoicePackAudio(dir(), 48000);
  ASSERT_TRUE(pack.ok()) << pack.status();
  const ClipPtr clip = pack->Find("p");
  ASSERT_NE(clip, nullptr);
  EXPECT_EQ(clip->sample_rate, 48000);
  ASSERT_EQ(clip->samples.size(), 24000u);
  // Away from the ends, the sine at the new rate.
  double worst = 0.0;
  for (int i = 2400; i < 21600; ++i) {
    const double want = 0.5 * std::sin(2.0 * kPi * 1000.0 * i / 48000.0);
    worst = std::max(worst, std::abs(clip->samples[i] - want));
  }
  EXPECT_LT(worst, 0.01);
}

TEST_F(VoicePackAudioTest, MissingFileIsNamedWithTheManifestLine) {
  WriteManifest("gone.opus", absl::Seconds(1));
  absl::StatusOr<VoicePackAudio> pack = LoadVoicePackAudio(dir(), 48000);
  ASSERT_FALSE(pack.ok());
  EXPECT_EQ(pack.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(pack.status().message(),
              AllOf(HasSubstr(PathOf("gone.opus") + ": cannot open the file"),
                    HasSubstr(manifest_path() + ":4")));
}

TEST_F(VoicePackAudioTest, CorruptFileIsNamed) {
  std::ofstream(PathOf("bad.opus"))
      << "OggS? no, just words. " << std::string(4096, 'x');
  WriteManifest("bad.opus", absl::Seconds(1));
  absl::StatusOr<VoicePackAudio> pack = LoadVoicePackAudio(dir(), 48000);
  ASSERT_FALSE(pack.ok());
  EXPECT_EQ(pack.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      pack.status().message(),
      AllOf(HasSubstr(PathOf("bad.opus") + ": cannot decode the audio: "),
            HasSubstr(manifest_path() + ":4")));
}

TEST_F(VoicePackAudioTest, TruncatedOpusFileIsNamed) {
  // The first half of a shipped prompt, as an interrupted copy leaves it.
  std::ifstream in(absl::StrCat(kDefaultPack, "/chime.hold-end.opus"),
                   std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  std::ofstream(PathOf("chime.opus"), std::ios::binary)
      << bytes.substr(0, bytes.size() / 2);
  WriteManifest("chime.opus", absl::Milliseconds(1200));
  absl::StatusOr<VoicePackAudio> pack = LoadVoicePackAudio(dir(), 48000);
  ASSERT_FALSE(pack.ok());
  EXPECT_EQ(pack.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(pack.status().message(),
              AllOf(HasSubstr(PathOf("chime.opus") + ": "),
                    HasSubstr(manifest_path() + ":")));
}

TEST_F(VoicePackAudioTest, LengthDifferingFromTheManifestIsAnError) {
  WriteWav("p.wav", 1, 48000, std::vector<float>(4800 + 49, 0.1f));
  WriteManifest("p.wav", absl::Milliseconds(100));
  absl::StatusOr<VoicePackAudio> pack = LoadVoicePackAudio(dir(), 48000);
  ASSERT_FALSE(pack.ok());
  EXPECT_EQ(pack.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      pack.status().message(),
      AllOf(HasSubstr(PathOf("p.wav") +
                      ": decodes to 4849 frames at 48000 Hz (101.02ms)"),
            HasSubstr("the manifest says 100ms"),
            HasSubstr(manifest_path() + ":5")));

  // Within 1 ms is fine.
  WriteWav("p.wav", 1, 48000, std::vector<float>(4800 + 48, 0.1f));
  EXPECT_TRUE(LoadVoicePackAudio(dir(), 48000).ok());
}

TEST_F(VoicePackAudioTest, EmptyAudioIsAnError) {
  WriteWav("p.wav", 1, 48000, {});
  WriteManifest("p.wav", absl::Milliseconds(100));
  absl::StatusOr<VoicePackAudio> pack = LoadVoicePackAudio(dir(), 48000);
  ASSERT_FALSE(pack.ok());
  EXPECT_THAT(pack.status().message(),
              HasSubstr(PathOf("p.wav") + ": has no audio"));
}

TEST_F(VoicePackAudioTest, ManifestFaultsNameItsLine) {
  WriteWav("p.wav", 1, 48000, std::vector<float>(4800, 0.1f));
  std::ofstream(PathOf("manifest.textproto"))
      << "id: \"test\"\n"
      << "prompts { key: \"p\" file: \"p.wav\" duration { nanos: 100000000 } "
         "}\n"
      << "prompts { key: \"p\" file: \"p.wav\" duration { nanos: 100000000 } "
         "}\n";
  absl::StatusOr<VoicePackAudio> pack = LoadVoicePackAudio(dir(), 48000);
  ASSERT_FALSE(pack.ok());
  EXPECT_THAT(pack.status().message(),
              HasSubstr(manifest_path() +
                        ":3: key \"p\" is listed twice (also at line 2)"));

  std::ofstream(PathOf("manifest.textproto"))
      << "id: \"test\"\nprompts { key: \"p\" file: \"p.wav\" }\n";
  pack = LoadVoicePackAudio(dir(), 48000);
  ASSERT_FALSE(pack.ok());
  EXPECT_THAT(pack.status().message(),
              HasSubstr(manifest_path() +
                        ":2: prompt \"p\" needs a positive duration"));

  std::ofstream(PathOf("manifest.textproto")) << "id: \"test\" bogus: 1\n";
  EXPECT_THAT(LoadVoicePackAudio(dir(), 48000).status().message(),
              HasSubstr(manifest_path() + ":1:"));
}

TEST_F(VoicePackAudioTest, MissingManifestOrBadRateIsAnError) {
  EXPECT_EQ(LoadVoicePackAudio(dir(), 48000).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(LoadVoicePackAudio(kDefaultPack, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace yoga::client::audio
