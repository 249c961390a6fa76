#include "client/audio/mixer.h"

#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <thread>
#include <vector>

#include "client/audio/clip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/audio/mixer_fade.h"

namespace yoga::client::audio {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;

constexpr int kRate = 48000;
constexpr int kFade = kMixerFadeFrames;  // 2.5 ms at kRate.
constexpr int kCut = 240;                // 5 ms at kRate.

ClipPtr MakeClip(std::vector<float> samples, int rate = kRate) {
  auto clip = std::make_shared<Clip>();
  clip->samples = std::move(samples);
  clip->sample_rate = rate;
  return clip;
}

ClipPtr Constant(int frames, float value) {
  return MakeClip(std::vector<float>(frames, value));
}

// Sample i is 0.1 + 0.8 i / frames: every position sounds different.
ClipPtr Ramp(int frames) {
  std::vector<float> samples(frames);
  for (int i = 0; i < frames; ++i) {
    samples[i] =
        0.1f + 0.8f * static_cast<float>(i) / static_cast<float>(frames);
  }
  return MakeClip(std::move(samples));
}

// Renders `frames` frames in buffers of `buffer` frames.
std::vector<float> RenderFrames(Mixer& mixer, int frames, int buffer,
                                int channels = 1) {
  std::vector<float> out(static_cast<size_t>(frames) * channels, 99.0f);
  for (int done = 0; done < frames; done += buffer) {
    const int n = std::min(buffer, frames - done);
    mixer.Render(out.data() + static_cast<size_t>(done) * channels, n,
                 channels);
  }
  return out;
}

auto StartedAt(uint64_t id, int64_t scheduled, int64_t frame) {
  return AllOf(Field(&Mixer::Started::id, id),
               Field(&Mixer::Started::scheduled_frame, scheduled),
               Field(&Mixer::Started::frame, frame));
}

TEST(MixerTest, StartsOnTheExactFrameInsideABuffer) {
  Mixer mixer(kRate);
  ASSERT_TRUE(mixer.Schedule(Constant(1000, 0.5f), 1000, 7));
  // Frame 1000 falls inside the buffer [768, 1024).
  const std::vector<float> out = RenderFrames(mixer, 3000, 256);
  EXPECT_EQ(out[999], 0.0f);
  EXPECT_FLOAT_EQ(out[1000], 0.5f / kFade);
  for (int f = 1000; f < 2000; ++f) {
    ASSERT_FLOAT_EQ(out[f], Faded(0.5f, f - 1000, 1000)) << f;
  }
  EXPECT_EQ(out[1500], 0.5f);
  EXPECT_FLOAT_EQ(out[1999], 0.5f / kFade);
  for (int f = 2000; f < 3000; ++f) ASSERT_EQ(out[f], 0.0f) << f;

  EXPECT_THAT(mixer.TakeStarted(), ElementsAre(StartedAt(7, 1000, 1000)));
  EXPECT_EQ(mixer.frames_rendered(), 3000);
  const Mixer::Stats stats = mixer.stats();
  EXPECT_EQ(stats.started, 1);
  EXPECT_EQ(stats.late, 0);
  EXPECT_EQ(stats.overlaps, 0);
  EXPECT_EQ(mixer.outstanding(), 0);
}

TEST(MixerTest, BufferSizesGiveIdenticalOutput) {
  std::vector<float> impulses(200, 0.0f);
  impulses[0] = 1.0f;
  impulses[150] = -1.0f;
  const ClipPtr clips[] = {Constant(300, 0.1f),  Ramp(3000),
                           Constant(500, 0.25f), MakeClip(impulses),
                           Ramp(2000),           Constant(800, -0.3f)};
  auto render = [&](int buffer, std::vector<Mixer::Started>* started) {
    Mixer mixer(kRate);
    EXPECT_TRUE(mixer.Schedule(clips[0], -100, 1));  // Late, then cut.
    EXPECT_TRUE(mixer.Schedule(clips[1], 5, 2));
    EXPECT_TRUE(mixer.Schedule(clips[2], 3005, 3));  // Back to back.
    EXPECT_TRUE(mixer.Schedule(clips[3], 4000, 4));
    EXPECT_TRUE(mixer.Schedule(clips[4], 6001, 5));
    EXPECT_TRUE(mixer.Schedule(clips[5], 7333, 6));  // Cuts the ramp.
    std::vector<float> out = RenderFrames(mixer, 12000, buffer);
    *started = mixer.TakeStarted();
    return out;
  };
  std::vector<Mixer::Started> started_by_one;
  const std::vector<float> by_one = render(1, &started_by_one);
  ASSERT_EQ(started_by_one.size(), 6u);
  EXPECT_THAT(started_by_one[0], StartedAt(1, -100, 0));
  EXPECT_THAT(started_by_one[5], StartedAt(6, 7333, 7333));
  EXPECT_NE(by_one[7000], 0.0f);
  for (int buffer : {7, 256, 1024}) {
    std::vector<Mixer::Started> started;
    EXPECT_EQ(render(buffer, &started), by_one) << "buffer " << buffer;
    ASSERT_EQ(started.size(), started_by_one.size());
    for (size_t i = 0; i < started.size(); ++i) {
      EXPECT_EQ(started[i].id, started_by_one[i].id);
      EXPECT_EQ(started[i].frame, started_by_one[i].frame);
    }
  }
}

TEST(MixerTest, PlaysBackToBackClipsWithoutOverlap) {
  Mixer mixer(kRate);
  ASSERT_TRUE(mixer.Schedule(Constant(500, 0.5f), 100, 1));
  ASSERT_TRUE(mixer.Schedule(Constant(500, 0.25f), 600, 2));
  const std::vector<float> out = RenderFrames(mixer, 1500, 64);
  for (int f = 0; f < 100; ++f) ASSERT_EQ(out[f], 0.0f);
  for (int f = 100; f < 600; ++f)
    ASSERT_FLOAT_EQ(out[f], Faded(0.5f, f - 100, 500));
  for (int f = 600; f < 1100; ++f) {
    ASSERT_FLOAT_EQ(out[f], Faded(0.25f, f - 600, 500));
  }
  for (int f = 1100; f < 1500; ++f) ASSERT_EQ(out[f], 0.0f);
  EXPECT_THAT(mixer.TakeStarted(),
              ElementsAre(StartedAt(1, 100, 100), StartedAt(2, 600, 600)));
  EXPECT_EQ(mixer.stats().overlaps, 0);
}

TEST(MixerTest, OverlapCutsTheEarlierClipAndCounts) {
  Mixer mixer(kRate);
  ASSERT_TRUE(mixer.Schedule(Constant(10000, 0.5f), 0, 1));
  ASSERT_TRUE(mixer.Schedule(Constant(1000, 0.25f), 2000, 2));
  const std::vector<float> out = RenderFrames(mixer, 12000, 100);
  EXPECT_EQ(out[1999], 0.5f);
  for (int k = 0; k < kCut; ++k) {
    const float cut = 0.5f * static_cast<float>(kCut - k) / kCut;
    ASSERT_NEAR(out[2000 + k], cut + Faded(0.25f, k, 1000), 1e-6) << k;
  }
  for (int f = 2000 + kCut; f < 3000 - kFade; ++f)
    ASSERT_EQ(out[f], 0.25f) << f;
  // The first clip never comes back.
  for (int f = 3000; f < 12000; ++f) ASSERT_EQ(out[f], 0.0f) << f;
  EXPECT_THAT(mixer.TakeStarted(),
              ElementsAre(StartedAt(1, 0, 0), StartedAt(2, 2000, 2000)));
  EXPECT_EQ(mixer.stats().overlaps, 1);
  EXPECT_EQ(mixer.outstanding(), 0);
}

TEST(MixerTest, WithdrawFromDropsExactlyTheLaterClips) {
  Mixer mixer(kRate);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(mixer.Schedule(Constant(400, 0.5f), 1000 * i, i + 1));
  }
  std::vector<float> out = RenderFrames(mixer, 500, 64);
  mixer.WithdrawFrom(2000);
  const std::vector<float> rest = RenderFrames(mixer, 4000, 64);
  out.insert(out.end(), rest.begin(), rest.end());
  for (int f = 1000; f < 1400; ++f)
    ASSERT_FLOAT_EQ(out[f], Faded(0.5f, f - 1000, 400));
  for (int f = 1400; f < 4500; ++f) ASSERT_EQ(out[f], 0.0f) << f;
  EXPECT_THAT(mixer.TakeStarted(),
              ElementsAre(StartedAt(1, 0, 0), StartedAt(2, 1000, 1000)));
  EXPECT_EQ(mixer.stats().withdrawn, 2);
  EXPECT_EQ(mixer.outstanding(), 0);
}

TEST(MixerTest, WithdrawFromFadesOutAPlayingClip) {
  Mixer mixer(kRate);
  ASSERT_TRUE(mixer.Schedule(Constant(5000, 0.5f), 1000, 1));
  ASSERT_TRUE(mixer.Schedule(Constant(5000, 0.5f), 500, 2));
  RenderFrames(mixer, 2000, 64);
  mixer.WithdrawFrom(1000);  // Clip 1 is playing; clip 2 began earlier.
  mixer.WithdrawFrom(1001);  // Nothing left to drop.
  const std::vector<float> out = RenderFrames(mixer, 1000, 64);
  for (int k = 0; k < kCut; ++k) {
    ASSERT_FLOAT_EQ(out[k], 0.5f * static_cast<float>(kCut - k) / kCut) << k;
  }
  for (int f = kCut; f < 1000; ++f) ASSERT_EQ(out[f], 0.0f) << f;
  EXPECT_EQ(mixer.stats().withdrawn, 1);
  EXPECT_EQ(mixer.stats().overlaps, 1);  // Clip 1 cut clip 2 at frame 1000.
  mixer.Collect();
  EXPECT_EQ(mixer.outstanding(), 0);
}

TEST(MixerTest, StopAllDropsWaitingAndPlayingClips) {
  Mixer mixer(kRate);
  ASSERT_TRUE(mixer.Schedule(Constant(5000, 0.5f), 0, 1));
  ASSERT_TRUE(mixer.Schedule(Constant(500, 0.5f), 6000, 2));
  RenderFrames(mixer, 1000, 64);
  mixer.StopAll();
  const std::vector<float> out = RenderFrames(mixer, 8000, 64);
  EXPECT_EQ(out[0], 0.5f);
  for (int f = kCut; f < 8000; ++f) ASSERT_EQ(out[f], 0.0f) << f;
  EXPECT_THAT(mixer.TakeStarted(), ElementsAre(StartedAt(1, 0, 0)));
  EXPECT_EQ(mixer.stats().withdrawn, 2);
  EXPECT_EQ(mixer.outstanding(), 0);
}

TEST(MixerTest, PauseOutputsSilenceAndDelaysLaterClipsByThePausedFrames) {
  auto schedule = [](Mixer& mixer) {
    ASSERT_TRUE(mixer.Schedule(Ramp(1000), 0, 1));
    ASSERT_TRUE(mixer.Schedule(Constant(500, 0.25f), 3000, 2));
  };
  Mixer reference(kRate);
  schedule(reference);
  const std::vector<float> ref = RenderFrames(reference, 5000, 100);

  Mixer mixer(kRate);
  schedule(mixer);
  const std::vector<float> before = RenderFrames(mixer, 500, 100);
  mixer.SetPaused(true);
  const std::vector<float> paused = RenderFrames(mixer, 2000, 100);
  EXPECT_EQ(mixer.frames_rendered(), 500);
  mixer.SetPaused(false);
  const std::vector<float> after = RenderFrames(mixer, 4500, 100);
  EXPECT_EQ(mixer.frames_rendered(), 5000);

  for (int f = 0; f < 500; ++f) ASSERT_EQ(before[f], ref[f]) << f;
  // The voice fades out over 5 ms, without moving on, then silence.
  for (int k = 0; k < kCut; ++k) {
    ASSERT_FLOAT_EQ(paused[k],
                    ref[500 + k] * static_cast<float>(kCut - k) / kCut);
  }
  for (int k = kCut; k < 2000; ++k) ASSERT_EQ(paused[k], 0.0f) << k;
  // It resumes from frame 500 of the clip under a fresh fade-in...
  for (int k = 0; k < kFade; ++k) {
    ASSERT_FLOAT_EQ(after[k], ref[500 + k] * static_cast<float>(k + 1) / kFade);
  }
  // ...then everything is the reference, 2000 output frames later.
  for (int k = kFade; k < 4500; ++k) ASSERT_EQ(after[k], ref[500 + k]) << k;
  EXPECT_NE(after[2600], 0.0f);  // The second clip.
  EXPECT_THAT(mixer.TakeStarted(),
              ElementsAre(StartedAt(1, 0, 0), StartedAt(2, 3000, 3000)));
}

TEST(MixerTest, ClipsDueWhilePausedWaitForTheResume) {
  Mixer mixer(kRate);
  mixer.SetPaused(true);
  ASSERT_TRUE(mixer.Schedule(Constant(1000, 0.5f), 0, 1));
  const std::vector<float> paused = RenderFrames(mixer, 1000, 64);
  for (float sample : paused) ASSERT_EQ(sample, 0.0f);
  EXPECT_TRUE(mixer.TakeStarted().empty());
  mixer.SetPaused(false);
  mixer.SetPaused(false);  // Twice is once.
  const std::vector<float> out = RenderFrames(mixer, 200, 64);
  EXPECT_FLOAT_EQ(out[0], 0.5f / kFade);
  EXPECT_THAT(mixer.TakeStarted(), ElementsAre(StartedAt(1, 0, 0)));
  EXPECT_EQ(mixer.stats().late, 0);
}

TEST(MixerTest, VolumeScalesAndRampsSmoothly) {
  Mixer mixer(kRate);
  mixer.SetVolume(0.5f);  // Before the first Render: at once.
  ASSERT_TRUE(mixer.Schedule(Constant(100000, 0.5f), 0, 1));
  const std::vector<float> start = RenderFrames(mixer, 1000, 64);
  for (int f = kFade; f < 1000; ++f) ASSERT_EQ(start[f], 0.25f) << f;

  mixer.SetVolume(0.25f);
  const std::vector<float> ramp = RenderFrames(mixer, 1000, 64);
  EXPECT_LT(ramp[0], 0.25f);
  const float step = 0.5f / 480;  // Full scale over 10 ms.
  for (int f = 1; f < 1000; ++f) {
    ASSERT_LE(ramp[f], ramp[f - 1]);
    ASSERT_LE(ramp[f - 1] - ramp[f], step * 1.01f) << f;
  }
  EXPECT_FLOAT_EQ(ramp[999], 0.125f);

  mixer.SetVolume(7.0f);  // Clamped to 1.
  EXPECT_FLOAT_EQ(RenderFrames(mixer, 1000, 64)[999], 0.5f);
  mixer.SetVolume(-1.0f);
  EXPECT_EQ(RenderFrames(mixer, 1000, 64)[999], 0.0f);
  mixer.SetVolume(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(RenderFrames(mixer, 1000, 64)[999], 0.0f);
}

TEST(MixerTest, StereoDuplicatesTheMonoSignal) {
  Mixer mono(kRate);
  Mixer stereo(kRate);
  for (Mixer* mixer : {&mono, &stereo}) {
    ASSERT_TRUE(mixer->Schedule(Ramp(700), 50, 1));
    ASSERT_TRUE(mixer->Schedule(Constant(300, -0.4f), 900, 2));
  }
  const std::vector<float> one = RenderFrames(mono, 1500, 100, 1);
  const std::vector<float> two = RenderFrames(stereo, 1500, 100, 2);
  for (int f = 0; f < 1500; ++f) {
    ASSERT_EQ(two[2 * f], one[f]) << f;
    ASSERT_EQ(two[2 * f + 1], one[f]) << f;
  }
}

TEST(MixerTest, LateClipsAreCountedAndTrimmed) {
  Mixer mixer(kRate);
  RenderFrames(mixer, 1000, 128);
  const ClipPtr ramp = Ramp(2000);
  ASSERT_TRUE(mixer.Schedule(ramp, 500, 9));
  const std::vector<float> out = RenderFrames(mixer, 2000, 128);
  // Frames 500..999 of the clip are past; it starts at once from sample 500.
  EXPECT_FLOAT_EQ(out[0], ramp->samples[500] / kFade);
  for (int k = kFade; k < 1500 - kFade; ++k) {
    ASSERT_EQ(out[k], ramp->samples[500 + k]) << k;
  }
  EXPECT_FLOAT_EQ(out[1499], ramp->samples[1999] / kFade);
  for (int k = 1500; k < 2000; ++k) ASSERT_EQ(out[k], 0.0f) << k;
  EXPECT_THAT(mixer.TakeStarted(), ElementsAre(StartedAt(9, 500, 1000)));
  EXPECT_EQ(mixer.stats().late, 1);

  // Entirely in the past: counted, never played.
  ASSERT_TRUE(mixer.Schedule(Constant(100, 0.5f), 2000, 10));
  for (float sample : RenderFrames(mixer, 500, 128)) ASSERT_EQ(sample, 0.0f);
  EXPECT_TRUE(mixer.TakeStarted().empty());
  EXPECT_EQ(mixer.stats().late, 2);
  EXPECT_EQ(mixer.stats().started, 1);
  EXPECT_EQ(mixer.outstanding(), 0);
}

TEST(MixerTest, ScheduleRefusesBadClipsAndTooManyClips) {
  Mixer mixer(kRate);
  EXPECT_FALSE(mixer.Schedule(nullptr, 0, 1));
  EXPECT_FALSE(mixer.Schedule(MakeClip({}), 0, 1));
  EXPECT_FALSE(mixer.Schedule(MakeClip({0.5f}, 44100), 0, 1));
  for (int i = 0; i < Mixer::kMaxClips; ++i) {
    ASSERT_TRUE(mixer.Schedule(Constant(5, 0.5f), 10 * i, i));
  }
  EXPECT_FALSE(mixer.Schedule(Constant(5, 0.5f), 10000, 99));
  EXPECT_EQ(mixer.outstanding(), Mixer::kMaxClips);
  RenderFrames(mixer, 1000, 256);
  EXPECT_TRUE(mixer.Schedule(Constant(5, 0.5f), 10000, 99));
  EXPECT_EQ(mixer.outstanding(), 1);
  EXPECT_EQ(mixer.TakeStarted().size(), static_cast<size_t>(Mixer::kMaxClips));
}

TEST(MixerTest, FinishedClipsAreFreedOnlyByTheControlThread) {
  Mixer mixer(kRate);
  const ClipPtr clip = Constant(100, 0.5f);
  ASSERT_TRUE(mixer.Schedule(clip, 0, 1));
  RenderFrames(mixer, 1000, 64);
  // Done playing, but the callback only handed its reference back...
  EXPECT_EQ(clip.use_count(), 2);
  EXPECT_EQ(mixer.outstanding(), 1);
  // ...and the control thread drops it.
  mixer.Collect();
  EXPECT_EQ(clip.use_count(), 1);
  EXPECT_EQ(mixer.outstanding(), 0);
}

TEST(MixerTest, CommandsWaitInOrderWhileTheCallbackIsStopped) {
  Mixer mixer(kRate);
  ASSERT_TRUE(mixer.Schedule(Constant(100, 0.5f), 100, 1));
  // More commands than the queue holds, before any Render.
  for (int i = 0; i < 300; ++i) mixer.SetPaused(i % 2 == 0);  // Ends resumed.
  ASSERT_TRUE(mixer.Schedule(Constant(100, 0.5f), 2000, 2));
  RenderFrames(mixer, 1000, 256);  // Ends paused: the last commands wait.
  EXPECT_EQ(mixer.frames_rendered(), 0);
  mixer.Collect();
  RenderFrames(mixer, 3000, 256);
  EXPECT_EQ(mixer.frames_rendered(), 3000);
  EXPECT_THAT(mixer.TakeStarted(),
              ElementsAre(StartedAt(1, 100, 100), StartedAt(2, 2000, 2000)));
}

TEST(MixerTest, RendersWhileTheControlThreadSchedules) {
  constexpr int kClips = 300;
  Mixer mixer(kRate);
  // The callback may render up to `allowed`, so no clip can be late however
  // the threads are scheduled.
  std::atomic<int64_t> allowed{0};
  std::atomic<bool> done{false};
  std::thread audio([&] {
    std::vector<float> buffer(2 * 64);
    while (!done.load()) {
      const int64_t room = allowed.load() - mixer.frames_rendered();
      if (room <= 0) {
        std::this_thread::yield();
        continue;
      }
      mixer.Render(buffer.data(), static_cast<int>(std::min<int64_t>(room, 64)),
                   2);
    }
  });
  const ClipPtr clip = Constant(200, 0.5f);
  for (int i = 0; i < kClips; ++i) {
    const int64_t start = 1000 + 300 * i;
    while (!mixer.Schedule(clip, start, i)) std::this_thread::yield();
    mixer.SetVolume(i % 2 ? 0.5f : 1.0f);
    allowed.store(start);
  }
  allowed.store(std::numeric_limits<int64_t>::max());
  std::vector<Mixer::Started> started;
  while (started.size() < kClips || mixer.outstanding() > 0) {
    std::vector<Mixer::Started> more = mixer.TakeStarted();
    started.insert(started.end(), more.begin(), more.end());
    std::this_thread::yield();
  }
  done.store(true);
  audio.join();

  ASSERT_EQ(started.size(), static_cast<size_t>(kClips));
  for (int i = 0; i < kClips; ++i) {
    EXPECT_EQ(started[i].id, static_cast<uint64_t>(i));
    EXPECT_EQ(started[i].frame, 1000 + 300 * i);
  }
  const Mixer::Stats stats = mixer.stats();
  EXPECT_EQ(stats.started, kClips);
  EXPECT_EQ(stats.late, 0);
  EXPECT_EQ(stats.overlaps, 0);
  EXPECT_EQ(clip.use_count(), 1);
}

}  // namespace
}  // namespace yoga::client::audio
