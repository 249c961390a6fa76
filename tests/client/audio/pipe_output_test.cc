// PipeOutput on real files and FIFOs in a temporary folder: what it writes
// is the Mixer's signal as 16-bit little-endian stereo, frame for frame
// (checked against the same schedule rendered offline), and every way a pipe
// fails ends in a status that says why. Pacing is real time, but nothing
// here asserts a duration: only frame counts and content.
#include "client/audio/pipe_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace yoga::client::audio {
namespace {

using ::testing::HasSubstr;

constexpr int kRate = kPipeSampleRate;

// A path of the running test's own: ctest runs these tests side by side.
std::string TempPath(const std::string& name) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "pipe_output_test" /
      ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::filesystem::create_directories(dir);
  const std::filesystem::path path = dir / name;
  std::filesystem::remove(path);
  return path;
}

std::string MakeFifo(const std::string& name) {
  const std::string path = TempPath(name);
  EXPECT_EQ(mkfifo(path.c_str(), 0600), 0) << std::strerror(errno);
  return path;
}

// 100 ms of a 440 Hz tone at half scale, then a stretch above full scale
// (the mixer clamps it).
ClipPtr TestClip() {
  auto clip = std::make_shared<Clip>();
  clip->sample_rate = kRate;
  for (int i = 0; i < kRate / 10; ++i) {
    clip->samples.push_back(
        0.5f * static_cast<float>(std::sin(2 * M_PI * 440 * i / kRate)));
  }
  clip->samples.insert(clip->samples.end(), 480, 1.5f);
  return clip;
}

constexpr int64_t kClipFrame = 2400;  // 50 ms in.

// Two mixers with the same schedule: one for the output, one to render the
// expected signal offline.
struct Mixers {
  Mixers() {
    EXPECT_TRUE(live.Schedule(TestClip(), kClipFrame, 1));
    EXPECT_TRUE(offline.Schedule(TestClip(), kClipFrame, 1));
  }
  // The first `frames` frames as the pipe should carry them.
  std::vector<int16_t> Expected(int64_t frames) {
    std::vector<float> mono(frames);
    offline.Render(mono.data(), static_cast<int>(frames), 1);
    std::vector<uint8_t> bytes(frames * kPipeBytesPerFrame);
    MonoToS16leStereo(mono.data(), static_cast<int>(frames), bytes.data());
    return Samples(bytes);
  }
  static std::vector<int16_t> Samples(const std::vector<uint8_t>& bytes) {
    std::vector<int16_t> samples(bytes.size() / 2);
    for (size_t i = 0; i < samples.size(); ++i) {
      samples[i] = static_cast<int16_t>(bytes[2 * i] | bytes[2 * i + 1] << 8);
    }
    return samples;
  }
  Mixer live{kRate};
  Mixer offline{kRate};
};

// The clip and a little after it.
const int64_t kEnough =
    kClipFrame + static_cast<int64_t>(TestClip()->samples.size()) + 960;

// Waits (bounded) until `done`.
bool WaitFor(const std::function<bool()>& done,
             absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time give_up = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

// Counts samples that are not silence.
int64_t Sounding(const std::vector<int16_t>& samples) {
  return std::count_if(samples.begin(), samples.end(),
                       [](int16_t sample) { return sample != 0; });
}

TEST(MonoToS16leStereoTest, ClampsRoundsAndWritesBothChannelsLittleEndian) {
  const float mono[] = {0.0f,  1.0f, -1.0f, 2.0f,
                        -3.0f, 0.5f, -0.5f, 1.6f / 32767};
  std::vector<uint8_t> bytes(std::size(mono) * kPipeBytesPerFrame, 0xaa);
  MonoToS16leStereo(mono, std::size(mono), bytes.data());
  const std::vector<int16_t> expected = {0,      32767, -32767, 32767,
                                         -32767, 16384, -16384, 2};
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto bits = static_cast<uint16_t>(expected[i]);
    for (int channel = 0; channel < 2; ++channel) {
      EXPECT_EQ(bytes[4 * i + 2 * channel], bits & 0xff) << i;
      EXPECT_EQ(bytes[4 * i + 2 * channel + 1], bits >> 8) << i;
    }
  }
}

TEST(PipeOutputTest, WritesTheMixToARegularFileFrameForFrame) {
  const std::string path = TempPath("session.raw");
  std::ofstream(path) << "left over from before";
  Mixers mixers;
  {
    auto output = PipeOutput::Open(mixers.live, path);
    ASSERT_TRUE(output.ok()) << output.status();
    EXPECT_EQ((*output)->device_name(), "pipe:" + path);
    EXPECT_EQ((*output)->output_latency(), PipeOutputOptions().ahead);
    ASSERT_TRUE(
        WaitFor([&] { return (*output)->frames_written() >= kEnough; }));
    EXPECT_TRUE((*output)->status().ok()) << (*output)->status();
  }
  // Everything rendered was written, whole frames only, and nothing else.
  const auto size = static_cast<int64_t>(std::filesystem::file_size(path));
  ASSERT_EQ(size % kPipeBytesPerFrame, 0);
  const int64_t frames = size / kPipeBytesPerFrame;
  EXPECT_EQ(frames, mixers.live.frames_rendered());
  ASSERT_GE(frames, kEnough);
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  const std::vector<int16_t> written = Mixers::Samples(bytes);
  const std::vector<int16_t> expected = mixers.Expected(frames);
  ASSERT_EQ(written.size(), expected.size());
  EXPECT_TRUE(written == expected);
  // Silence until the clip's frame, then the clip, clamped at the end.
  EXPECT_EQ(Sounding({written.begin(), written.begin() + 2 * kClipFrame}), 0);
  EXPECT_GT(Sounding(written), kRate / 10);
  EXPECT_EQ(*std::max_element(written.begin(), written.end()), 32767);
}

TEST(PipeOutputTest, WritesTheMixIntoAFifoForItsReader) {
  const std::string path = MakeFifo("fifo");
  Mixers mixers;
  const size_t wanted = kEnough * kPipeBytesPerFrame;
  std::vector<uint8_t> read_bytes;
  int reader = -1;
  // The reader's open waits for the writer, and the writer's for a reader.
  std::thread read([&] {
    reader = open(path.c_str(), O_RDONLY);
    std::vector<uint8_t> chunk(4096);
    while (read_bytes.size() < wanted) {
      const ssize_t n = ::read(reader, chunk.data(), chunk.size());
      if (n <= 0) break;
      read_bytes.insert(read_bytes.end(), chunk.begin(), chunk.begin() + n);
    }
  });
  auto output = PipeOutput::Open(mixers.live, path);
  read.join();
  ASSERT_TRUE(output.ok()) << output.status();
  EXPECT_TRUE((*output)->status().ok()) << (*output)->status();
  output->reset();
  close(reader);
  ASSERT_GE(read_bytes.size(), wanted);
  read_bytes.resize(wanted);
  EXPECT_TRUE(Mixers::Samples(read_bytes) == mixers.Expected(kEnough));
  EXPECT_GT(Sounding(Mixers::Samples(read_bytes)), kRate / 10);
}

TEST(PipeOutputTest, AReaderThatGoesAwayStopsTheOutputWithAClearError) {
  const std::string path = MakeFifo("fifo");
  Mixer mixer(kRate);
  int reader = -1;
  std::thread read([&] {
    reader = open(path.c_str(), O_RDONLY);
    std::vector<uint8_t> chunk(4096);
    (void)::read(reader, chunk.data(), chunk.size());
  });
  auto output = PipeOutput::Open(mixer, path);
  read.join();
  ASSERT_TRUE(output.ok()) << output.status();
  close(reader);
  // The next write meets no reader: EPIPE, and no SIGPIPE kills the test.
  ASSERT_TRUE(WaitFor([&] { return !(*output)->status().ok(); }));
  EXPECT_EQ((*output)->status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT((*output)->status().message(),
              HasSubstr("the reader of " + path + " went away"));
  const int64_t written = (*output)->frames_written();
  absl::SleepFor(absl::Milliseconds(30));
  EXPECT_EQ((*output)->frames_written(), written);  // It has stopped.
}

TEST(PipeOutputTest, AReaderThatTakesNothingCountsAsGone) {
  const std::string path = MakeFifo("fifo");
  Mixer mixer(kRate);
  int reader = -1;
  std::thread open_reader([&] { reader = open(path.c_str(), O_RDONLY); });
  PipeOutputOptions options;
  options.ahead = absl::Seconds(1);  // More than the pipe holds: full at once.
  options.stall_limit = absl::Milliseconds(100);
  auto output = PipeOutput::Open(mixer, path, options);
  open_reader.join();
  ASSERT_TRUE(output.ok()) << output.status();
  ASSERT_TRUE(WaitFor([&] { return !(*output)->status().ok(); }));
  EXPECT_THAT((*output)->status().message(),
              HasSubstr("nothing has read " + path + " for 100ms"));
  output->reset();
  close(reader);
}

TEST(PipeOutputTest, AFifoNobodyReadsIsRefusedAfterTheWait) {
  const std::string path = MakeFifo("fifo");
  Mixer mixer(kRate);
  PipeOutputOptions options;
  options.wait_for_reader = absl::Milliseconds(100);
  auto output = PipeOutput::Open(mixer, path, options);
  ASSERT_FALSE(output.ok());
  EXPECT_EQ(output.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(output.status().message(),
            "nothing reads the FIFO " + path +
                " (waited 100ms): is snapserver running with `source = "
                "pipe://" +
                path + "?name=Yoga class&sampleformat=48000:16:2`?");
  // The abandoned open is released: a writer and a reader meet as usual.
  std::thread open_reader([&] { close(open(path.c_str(), O_RDONLY)); });
  const int writer = open(path.c_str(), O_WRONLY);
  EXPECT_GE(writer, 0);
  close(writer);
  open_reader.join();
}

TEST(PipeOutputTest, AMissingPathIsNotCreated) {
  const std::string path = TempPath("snapfifo");
  Mixer mixer(kRate);
  auto output = PipeOutput::Open(mixer, path);
  ASSERT_FALSE(output.ok());
  EXPECT_EQ(output.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(output.status().message(),
              HasSubstr(path + " does not exist: snapserver's pipe source "
                               "makes it when it starts"));
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(PipeOutputTest, RefusesAFolderAndAnotherRate) {
  Mixer mixer(kRate);
  const std::string folder = TempPath("folder");
  std::filesystem::create_directories(folder);
  auto output = PipeOutput::Open(mixer, folder);
  EXPECT_EQ(output.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(output.status().message(),
              HasSubstr("is neither a FIFO nor a regular file"));

  Mixer other_rate(44100);
  output = PipeOutput::Open(other_rate, TempPath("any.raw"));
  EXPECT_EQ(output.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(OpenPipePlaybackTest, PlaysAMixerAtThePipesRate) {
  const std::string path = TempPath("playback.raw");
  std::ofstream(path).flush();
  auto playback = OpenPipePlayback(path);
  ASSERT_TRUE(playback.ok()) << playback.status();
  EXPECT_EQ(playback->mixer->sample_rate(), kPipeSampleRate);
  EXPECT_TRUE(playback->output->WaitUntilFlowing(absl::Seconds(5)));
  EXPECT_TRUE(playback->output->status().ok());
}

}  // namespace
}  // namespace yoga::client::audio
