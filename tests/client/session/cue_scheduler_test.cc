#include "client/session/cue_scheduler.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "client/audio/clip.h"
#include "client/audio/dac_time.h"
#include "client/audio/mixer.h"
#include "client/audio/varispeed.h"
#include "client/audio/voice_pack_audio.h"
#include "client/session/class_clock.h"
#include "client/session/clock_sync.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/audio/mixer_fade.h"

namespace yoga::client {
namespace {

using audio::Clip;
using audio::Faded;
using audio::Mixer;
using audio::VoicePackAudio;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using yoga::session::v1::CueEvent;
using yoga::session::v1::CueKind;

constexpr int kRate = 48000;
constexpr int kFramesPerMs = kRate / 1000;
constexpr int kFade = audio::kMixerFadeFrames;
constexpr int kLead = 7200;  // CueScheduler::Options::lead: 150 ms.
constexpr int kBlock = 441;  // Render block: starts fall inside blocks.

// Prompts of the shipped pack, none longer than 2.1 s. The counts are under
// half a second.
constexpr char kChime[] = "chime.hold-end";   // 1.2 s.
constexpr char kTone[] = "tone.breath";       // 2.1 s.
constexpr char kThree[] = "count.down.3";     // 0.40 s.
constexpr char kTwo[] = "count.down.2";       // 0.46 s.
constexpr char kOne[] = "count.down.1";       // 0.46 s.
constexpr char kHalfway[] = "count.halfway";  // 0.81 s.
constexpr char kNext[] = "transition.next";

const VoicePackAudio& Voice() {
  static const VoicePackAudio* voice = [] {
    auto loaded = audio::LoadVoicePackAudio(
        YOGA_SOURCE_DIR "/assets/voice/default", kRate,
        {kChime, kTone, kThree, kTwo, kOne, kHalfway, kNext});
    if (!loaded.ok()) {
      std::cerr << loaded.status() << "\n";
      std::abort();
    }
    return new VoicePackAudio(*std::move(loaded));
  }();
  return *voice;
}

const Clip& ClipOf(const std::string& key) {
  audio::ClipPtr clip = Voice().Find(key);
  if (clip == nullptr) {
    std::cerr << "no clip " << key << "\n";
    std::abort();
  }
  return *clip;
}

int64_t LengthOf(const std::string& key) {
  return static_cast<int64_t>(ClipOf(key).samples.size());
}

CueEvent Cue(int64_t seq, int64_t offset_ms, const std::string& key,
             int64_t session_time_ms = 0) {
  CueEvent cue;
  cue.set_seq(seq);
  cue.set_offset_ms(offset_ms);
  cue.set_kind(yoga::session::v1::CUE_KIND_INSTRUCTION);
  cue.set_prompt_key(key);
  cue.set_session_time_ms(session_time_ms);
  return cue;
}

// A stream-only event (seq 0).
CueEvent Control(CueKind kind, int64_t offset_ms, int64_t session_time_ms) {
  CueEvent event;
  event.set_kind(kind);
  event.set_offset_ms(offset_ms);
  event.set_session_time_ms(session_time_ms);
  return event;
}

CueEvent Heartbeat(int64_t session_time_ms) {
  return Control(yoga::session::v1::CUE_KIND_HEARTBEAT, session_time_ms,
                 session_time_ms);
}

auto StartedAt(int64_t seq, int64_t frame) {
  return AllOf(::testing::Field(&CueScheduler::StartedCue::cue,
                                ::testing::Property(&CueEvent::seq, seq)),
               ::testing::Field(&CueScheduler::StartedCue::frame, frame));
}

// Renders `frames` of `mixer`'s output in blocks, as the callback would, with
// a Pump before each block as the control thread would; gathers the output
// and what started.
void RenderBlocks(CueScheduler& scheduler, Mixer& mixer, int64_t frames,
                  std::vector<float>& output,
                  std::vector<CueScheduler::StartedCue>& started) {
  std::vector<float> block(kBlock);
  for (int64_t done = 0; done < frames;) {
    scheduler.Pump();
    const int n = static_cast<int>(std::min<int64_t>(kBlock, frames - done));
    std::fill(block.begin(), block.end(), 99.0f);
    mixer.Render(block.data(), n, 1);
    output.insert(output.end(), block.begin(), block.begin() + n);
    done += n;
  }
  scheduler.Pump();
  for (auto& cue : scheduler.TakeStarted()) started.push_back(cue);
}

class CueSchedulerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Voice(); }

  // Renders `frames` output frames in blocks, as the callback would, with a
  // Pump before each block as the control thread would; gathers what started.
  // Session time 0 at frame 0, 100 ms played, then PAUSED at 100 ms and
  // another 100 ms rendered while paused.
  void PauseAt100Ms(CueScheduler& scheduler) {
    scheduler.Anchor(0, 0);
    Render(scheduler, kRate / 10);
    scheduler.OnEvent(
        Control(yoga::session::v1::CUE_KIND_PAUSED, 100, /*session=*/100));
    Render(scheduler, kRate / 10);
  }

  void Render(CueScheduler& scheduler, int64_t frames) {
    RenderBlocks(scheduler, mixer_, frames, output_, started_);
  }

  // The clip of `key` plays in full from output frame `at`, faded in and out
  // by the mixer and otherwise sample for sample.
  ::testing::AssertionResult PlaysAt(const std::string& key, int64_t at) const {
    const Clip& clip = ClipOf(key);
    const int64_t length = static_cast<int64_t>(clip.samples.size());
    if (at < 0 || at + length > static_cast<int64_t>(output_.size())) {
      return ::testing::AssertionFailure()
             << key << " at " << at << " does not fit in " << output_.size()
             << " frames of output";
    }
    if (at > 0 && output_[at - 1] != 0.0f) {
      return ::testing::AssertionFailure()
             << "output frame " << at - 1 << " before " << key << " is "
             << output_[at - 1] << ", not silence";
    }
    int64_t loud = 0;
    for (int64_t p = 0; p < length; ++p) {
      const float want = Faded(clip.samples[p], p, length);
      if (output_[at + p] != want) {
        return ::testing::AssertionFailure()
               << key << " from " << at << ": sample " << p << " is "
               << output_[at + p] << ", want " << want;
      }
      if (std::abs(want) > 0.01f) ++loud;
    }
    if (loud < length / 10) {
      return ::testing::AssertionFailure() << key << " is nearly silent";
    }
    return ::testing::AssertionSuccess();
  }

  // Output frames [from, to) are exactly zero.
  ::testing::AssertionResult SilentOver(int64_t from, int64_t to) const {
    if (to > static_cast<int64_t>(output_.size())) {
      return ::testing::AssertionFailure()
             << "only " << output_.size() << " frames rendered, not " << to;
    }
    for (int64_t f = from; f < to; ++f) {
      if (output_[f] != 0.0f) {
        return ::testing::AssertionFailure()
               << "output frame " << f << " is " << output_[f]
               << ", not silence (silent over [" << from << ", " << to << "))";
      }
    }
    return ::testing::AssertionSuccess();
  }

  Mixer mixer_{kRate};
  std::vector<float> output_;  // Every output frame rendered, paused or not.
  std::vector<CueScheduler::StartedCue> started_;
};

TEST_F(CueSchedulerTest, AnchoredAtZeroEveryPromptStartsOnItsFrame) {
  CueScheduler scheduler(mixer_, Voice());
  scheduler.Anchor(0, 0);
  scheduler.OnEvent(Cue(1, 100, kChime));
  scheduler.OnEvent(Cue(2, 1500, kThree));
  scheduler.OnEvent(Cue(3, 2101, kTone));
  Render(scheduler, 5 * kRate);

  EXPECT_THAT(started_, ElementsAre(StartedAt(1, 4800), StartedAt(2, 72000),
                                    StartedAt(3, 100848)));
  EXPECT_TRUE(SilentOver(0, 4800));
  EXPECT_TRUE(PlaysAt(kChime, 4800));
  EXPECT_TRUE(SilentOver(4800 + LengthOf(kChime), 72000));
  EXPECT_TRUE(PlaysAt(kThree, 72000));
  EXPECT_TRUE(SilentOver(72000 + LengthOf(kThree), 100848));
  EXPECT_TRUE(PlaysAt(kTone, 100848));
  EXPECT_TRUE(SilentOver(100848 + LengthOf(kTone), 5 * kRate));

  EXPECT_EQ(scheduler.counters().cues, 3);
  EXPECT_EQ(scheduler.last_seq(), 3);
  const Mixer::Stats stats = mixer_.stats();
  EXPECT_EQ(stats.started, 3);
  EXPECT_EQ(stats.late, 0);
  EXPECT_EQ(stats.overlaps, 0);
}

TEST_F(CueSchedulerTest, TheFirstEventAnchorsItsSessionTimeALeadAhead) {
  CueScheduler scheduler(mixer_, Voice());
  Render(scheduler, 1000);  // The callback has been running a while.
  // Sent at session time 5000, for 5000: it plays a lead after the callback.
  scheduler.OnEvent(Cue(1, 5000, kOne, /*session_time_ms=*/5000));
  scheduler.OnEvent(Cue(2, 6000, kTwo, /*session_time_ms=*/5000));
  EXPECT_TRUE(scheduler.clock().anchored());
  EXPECT_EQ(scheduler.clock().anchor_ms(), 5000);
  EXPECT_EQ(scheduler.clock().anchor_frame(), 1000 + kLead);
  EXPECT_EQ(scheduler.SessionMsAt(1000 + kLead), 5000);
  Render(scheduler, 2 * kRate);

  EXPECT_THAT(started_, ElementsAre(StartedAt(1, 1000 + kLead),
                                    StartedAt(2, 1000 + kLead + kRate)));
  EXPECT_TRUE(SilentOver(0, 1000 + kLead));
  EXPECT_TRUE(PlaysAt(kOne, 1000 + kLead));
  EXPECT_TRUE(PlaysAt(kTwo, 1000 + kLead + kRate));
  EXPECT_EQ(mixer_.stats().late, 0);
}

TEST_F(CueSchedulerTest, ACueAlreadyHadIsIgnored) {
  CueScheduler scheduler(mixer_, Voice());
  scheduler.Anchor(0, 0);
  scheduler.OnEvent(Cue(1, 100, kThree));
  scheduler.OnEvent(Cue(2, 700, kTwo));
  Render(scheduler, kRate / 2);
  // The stream broke and was opened again, and the new stream repeats seqs 1
  // and 2 before the new seq 3: neither plays twice.
  scheduler.OnReconnect();
  scheduler.OnEvent(Cue(1, 100, kThree, 500));
  scheduler.OnEvent(Cue(2, 700, kTwo, 500));
  scheduler.OnEvent(Cue(3, 1300, kOne, 500));
  Render(scheduler, 2 * kRate);

  EXPECT_EQ(scheduler.counters().duplicates, 2);
  EXPECT_EQ(scheduler.counters().cues, 3);
  EXPECT_EQ(scheduler.last_seq(), 3);
  EXPECT_THAT(started_, ElementsAre(StartedAt(1, 100 * kFramesPerMs),
                                    StartedAt(2, 700 * kFramesPerMs),
                                    StartedAt(3, 1300 * kFramesPerMs)));
  EXPECT_EQ(mixer_.stats().started, 3);
  EXPECT_EQ(mixer_.stats().overlaps, 0);
  EXPECT_TRUE(PlaysAt(kTwo, 700 * kFramesPerMs));
  EXPECT_TRUE(PlaysAt(kOne, 1300 * kFramesPerMs));
}

// Six cues: 1 plays around the first second, 2, 3 and 4 are within the 3 s
// horizon at 1 s (in the Mixer), 5 and 6 are beyond it (still waiting here).
void GiveSixCues(CueScheduler& scheduler) {
  scheduler.OnEvent(Cue(1, 100, kChime));   // Until 1300 ms.
  scheduler.OnEvent(Cue(2, 1500, kThree));  // Until 1905 ms.
  scheduler.OnEvent(Cue(3, 2000, kTwo));    // Until 2463 ms.
  scheduler.OnEvent(Cue(4, 2500, kOne));
  scheduler.OnEvent(Cue(5, 5000, kTone));
  scheduler.OnEvent(Cue(6, 8000, kHalfway));
}

TEST_F(CueSchedulerTest, SkippedWithdrawsLaterCuesHereAndInTheMixer) {
  CueScheduler scheduler(mixer_, Voice());
  scheduler.Anchor(0, 0);
  GiveSixCues(scheduler);
  Render(scheduler, kRate);  // 1 s: cue 1 plays, 2 to 4 wait in the Mixer.
  EXPECT_EQ(mixer_.outstanding(), 4);

  // NEXT at session time 1000: everything after offset 2000 is replaced. Cue
  // 3, exactly at 2000, is not later, so it stays.
  scheduler.OnEvent(
      Control(yoga::session::v1::CUE_KIND_SKIPPED, 2000, /*session=*/1000));
  scheduler.OnEvent(Cue(7, 3000, kNext, 1000));
  scheduler.OnEvent(Cue(8, 6000, kTone, 1000));
  Render(scheduler, 9 * kRate);

  EXPECT_THAT(started_, ElementsAre(StartedAt(1, 4800), StartedAt(2, 72000),
                                    StartedAt(3, 96000), StartedAt(7, 144000),
                                    StartedAt(8, 288000)));
  EXPECT_EQ(scheduler.counters().withdrawn, 2);  // 5 and 6, waiting here.
  EXPECT_EQ(mixer_.stats().withdrawn, 1);        // 4, in the Mixer.
  EXPECT_EQ(mixer_.stats().overlaps, 0);
  EXPECT_TRUE(PlaysAt(kChime, 4800));
  EXPECT_TRUE(PlaysAt(kThree, 72000));
  EXPECT_TRUE(PlaysAt(kTwo, 96000));
  // Nothing where cue 4 (2500 ms) would have played, nor cue 5 (5000 ms).
  EXPECT_TRUE(SilentOver(96000 + LengthOf(kTwo), 144000));
  EXPECT_TRUE(PlaysAt(kNext, 144000));
  EXPECT_TRUE(SilentOver(144000 + LengthOf(kNext), 288000));
  EXPECT_TRUE(PlaysAt(kTone, 288000));
  EXPECT_TRUE(SilentOver(288000 + LengthOf(kTone), 10 * kRate));
  EXPECT_FALSE(scheduler.stopped());
  EXPECT_TRUE(scheduler.idle());
}

TEST_F(CueSchedulerTest, StoppedWithdrawsLaterCuesAndSaysSo) {
  CueScheduler scheduler(mixer_, Voice());
  scheduler.Anchor(0, 0);
  GiveSixCues(scheduler);
  Render(scheduler, kRate);
  EXPECT_FALSE(scheduler.stopped());

  // Stopped at 1000 ms, while cue 1 (from 100 ms) plays: it plays on.
  scheduler.OnEvent(
      Control(yoga::session::v1::CUE_KIND_STOPPED, 1000, /*session=*/1000));
  EXPECT_TRUE(scheduler.stopped());
  Render(scheduler, 9 * kRate);

  EXPECT_THAT(started_, ElementsAre(StartedAt(1, 4800)));
  EXPECT_TRUE(PlaysAt(kChime, 4800));
  EXPECT_TRUE(SilentOver(4800 + LengthOf(kChime), 10 * kRate));
  EXPECT_EQ(scheduler.counters().withdrawn, 2);  // 5 and 6.
  EXPECT_EQ(mixer_.stats().withdrawn, 3);        // 2, 3 and 4.
  EXPECT_EQ(mixer_.stats().started, 1);
  EXPECT_TRUE(scheduler.idle());
}

TEST_F(CueSchedulerTest, APauseDelaysLaterPromptsByItsLength) {
  CueScheduler scheduler(mixer_, Voice());
  scheduler.Anchor(0, 0);
  scheduler.OnEvent(Cue(1, 1000, kThree));  // In the Mixer before the pause.
  Render(scheduler, kRate / 2);
  EXPECT_FALSE(scheduler.paused());

  scheduler.OnEvent(
      Control(yoga::session::v1::CUE_KIND_PAUSED, 500, /*session=*/500));
  EXPECT_TRUE(scheduler.paused());
  constexpr int64_t kPause = 9600 + 17;  // Output frames spent paused.
  Render(scheduler, kPause / 2);
  // Heartbeats while paused carry the stopped session time: no re-anchoring.
  scheduler.OnEvent(Heartbeat(500));
  Render(scheduler, kPause - kPause / 2);
  EXPECT_EQ(mixer_.frames_rendered(), kRate / 2);  // The clock stood still.
  EXPECT_EQ(scheduler.counters().reanchors, 0);
  EXPECT_TRUE(scheduler.paused());

  scheduler.OnEvent(
      Control(yoga::session::v1::CUE_KIND_RESUMED, 500, /*session=*/500));
  EXPECT_FALSE(scheduler.paused());
  scheduler.OnEvent(Cue(2, 1500, kTwo, 500));  // Given after the pause.
  Render(scheduler, 2 * kRate);
  EXPECT_EQ(mixer_.frames_rendered(), kRate / 2 + 2 * kRate);

  // On the schedule clock, as if there had been no pause...
  EXPECT_THAT(started_, ElementsAre(StartedAt(1, 48000), StartedAt(2, 72000)));
  // ...and in the output, exactly kPause frames later.
  EXPECT_TRUE(SilentOver(0, 48000 + kPause));
  EXPECT_TRUE(PlaysAt(kThree, 48000 + kPause));
  EXPECT_TRUE(PlaysAt(kTwo, 72000 + kPause));
  EXPECT_EQ(scheduler.SessionMsAt(mixer_.frames_rendered()), 2500);
}

TEST_F(CueSchedulerTest, AReconnectThatDoesNotSayPausedEndsAStalePause) {
  CueScheduler scheduler(mixer_, Voice());
  PauseAt100Ms(scheduler);
  // Without a reconnect, a heartbeat does not end the pause.
  scheduler.OnEvent(Heartbeat(100));
  EXPECT_TRUE(scheduler.paused());
  Render(scheduler, kRate / 10);
  EXPECT_EQ(mixer_.frames_rendered(), kRate / 10);

  // RESUMED was sent while the stream was down; the new stream starts with a
  // heartbeat.
  scheduler.OnReconnect();
  EXPECT_TRUE(scheduler.paused());
  scheduler.OnEvent(Heartbeat(100));
  EXPECT_FALSE(scheduler.paused());
  scheduler.OnEvent(Cue(1, 300, kOne, 100));
  Render(scheduler, kRate);
  EXPECT_EQ(mixer_.frames_rendered(), kRate / 10 + kRate);
  EXPECT_THAT(started_, ElementsAre(StartedAt(1, 300 * kFramesPerMs)));
  EXPECT_TRUE(PlaysAt(kOne, 300 * kFramesPerMs + 2 * kRate / 10));
}

TEST_F(CueSchedulerTest, AfterAStalePauseTheFirstHeartbeatReanchors) {
  CueScheduler scheduler(mixer_, Voice());
  Render(scheduler, 4800);
  scheduler.OnEvent(Heartbeat(20000));  // 20000 ms at frame 12000.
  Render(scheduler, kRate);             // 21000 ms is a lead ahead.
  scheduler.OnEvent(
      Control(yoga::session::v1::CUE_KIND_PAUSED, 21000, /*session=*/21000));
  Render(scheduler, kRate);
  EXPECT_EQ(mixer_.frames_rendered(), 52800);

  // Resumed while the stream was down, and run on for 5 s since: the audio
  // clock, which stood still, is 5 s behind.
  scheduler.OnReconnect();
  scheduler.OnEvent(Heartbeat(26000));
  EXPECT_FALSE(scheduler.paused());
  EXPECT_EQ(scheduler.counters().reanchors, 1);
  EXPECT_EQ(scheduler.clock().anchor_ms(), 26000);
  EXPECT_EQ(scheduler.clock().anchor_frame(), 52800 + kLead);
  scheduler.OnEvent(Cue(1, 26500, kOne, 26000));
  Render(scheduler, 2 * kRate);

  constexpr int64_t kFrame = 52800 + kLead + 500 * kFramesPerMs;
  EXPECT_THAT(started_, ElementsAre(StartedAt(1, kFrame)));
  EXPECT_TRUE(SilentOver(0, kFrame + kRate));
  EXPECT_TRUE(PlaysAt(kOne, kFrame + kRate));  // After a second paused.
}

TEST_F(CueSchedulerTest, AReconnectToAPausedSessionStaysPaused) {
  CueScheduler scheduler(mixer_, Voice());
  PauseAt100Ms(scheduler);

  scheduler.OnReconnect();
  scheduler.OnEvent(
      Control(yoga::session::v1::CUE_KIND_PAUSED, 100, /*session=*/100));
  EXPECT_TRUE(scheduler.paused());
  // Later events of the same stream do not end it either.
  scheduler.OnEvent(Heartbeat(100));
  EXPECT_TRUE(scheduler.paused());
  Render(scheduler, kRate / 10);
  EXPECT_EQ(mixer_.frames_rendered(), kRate / 10);

  scheduler.OnEvent(
      Control(yoga::session::v1::CUE_KIND_RESUMED, 100, /*session=*/100));
  EXPECT_FALSE(scheduler.paused());
  Render(scheduler, kRate / 10);
  EXPECT_EQ(mixer_.frames_rendered(), 2 * kRate / 10);
}

TEST_F(CueSchedulerTest, CuesDueLongBeforeTheCallbackAreNotPlayed) {
  CueScheduler scheduler(mixer_, Voice());
  scheduler.Anchor(0, 0);
  Render(scheduler, kRate);  // The callback is at 1000 ms.
  // 500 ms back: past the 250 ms too_late bound, not played at all.
  scheduler.OnEvent(Cue(1, 500, kOne, 1000));
  EXPECT_EQ(scheduler.counters().too_late, 1);
  // 100 ms back: played at once, its first 100 ms cut.
  scheduler.OnEvent(Cue(2, 900, kTwo, 1000));
  EXPECT_EQ(scheduler.counters().too_late, 1);
  Render(scheduler, kRate);

  EXPECT_EQ(scheduler.last_seq(), 2);
  EXPECT_EQ(scheduler.counters().cues, 2);
  EXPECT_THAT(started_, ElementsAre(StartedAt(2, kRate)));
  EXPECT_EQ(mixer_.stats().late, 1);
  EXPECT_EQ(mixer_.stats().started, 1);
  // Cue 2 from its 4800th sample, under a fresh fade-in, at output frame
  // 48000.
  const Clip& two = ClipOf(kTwo);
  const int64_t length = static_cast<int64_t>(two.samples.size());
  for (int64_t p = 4800; p < length - kFade; ++p) {
    float gain = 1.0f;
    if (p - 4800 < kFade) gain *= static_cast<float>(p - 4800 + 1) / kFade;
    ASSERT_EQ(output_[kRate + p - 4800], two.samples[p] * gain) << p;
  }
  EXPECT_TRUE(SilentOver(0, kRate));
  EXPECT_TRUE(SilentOver(kRate + length - 4800, 2 * kRate));
}

TEST_F(CueSchedulerTest, APromptTheVoiceLacksIsCountedAndSkipped) {
  CueScheduler scheduler(mixer_, Voice());
  scheduler.Anchor(0, 0);
  scheduler.OnEvent(Cue(1, 100, "no.such.prompt"));
  scheduler.OnEvent(Cue(2, 200, kOne));
  Render(scheduler, kRate);
  EXPECT_EQ(scheduler.counters().missing_prompts, 1);
  EXPECT_EQ(scheduler.counters().cues, 2);
  EXPECT_EQ(scheduler.last_seq(), 2);
  EXPECT_THAT(started_, ElementsAre(StartedAt(2, 200 * kFramesPerMs)));
  EXPECT_TRUE(SilentOver(0, 200 * kFramesPerMs));
  EXPECT_TRUE(PlaysAt(kOne, 200 * kFramesPerMs));
  EXPECT_TRUE(scheduler.idle());
}

// A whole timeline of more cues than the Mixer has slots, given at once, as
// offline rendering does; the parameter is the horizon in seconds.
class LongTimelineTest : public CueSchedulerTest,
                         public ::testing::WithParamInterface<int> {};

TEST_P(LongTimelineTest, EveryCuePlaysInOrderOnItsFrame) {
  constexpr int kCues = 2 * Mixer::kMaxClips + 7;  // 135.
  const std::string keys[] = {kThree, kTwo, kOne};
  CueScheduler::Options options;
  // 3 s keeps six cues in the Mixer; an hour offers it all of them, so it
  // refuses the 65th and later until clips finish.
  options.horizon = absl::Seconds(GetParam());
  CueScheduler scheduler(mixer_, Voice(), options);
  scheduler.Anchor(0, 0);
  for (int i = 0; i < kCues; ++i) {
    scheduler.OnEvent(Cue(i + 1, 100 + 500 * i, keys[i % 3]));
  }
  EXPECT_FALSE(scheduler.idle());
  EXPECT_LE(mixer_.outstanding(), Mixer::kMaxClips);
  const int64_t end = (100 + 500 * kCues) * kFramesPerMs;
  while (static_cast<int64_t>(output_.size()) < end) {
    Render(scheduler, kRate / 4);
    ASSERT_LE(mixer_.outstanding(), Mixer::kMaxClips);
  }

  ASSERT_EQ(started_.size(), static_cast<size_t>(kCues));
  for (int i = 0; i < kCues; ++i) {
    const int64_t frame = (100 + 500 * i) * kFramesPerMs;
    EXPECT_THAT(started_[i], StartedAt(i + 1, frame));
    EXPECT_TRUE(PlaysAt(keys[i % 3], frame)) << "cue " << i + 1;
  }
  EXPECT_EQ(scheduler.counters().cues, kCues);
  EXPECT_EQ(scheduler.counters().too_late, 0);
  const Mixer::Stats stats = mixer_.stats();
  EXPECT_EQ(stats.started, kCues);
  EXPECT_EQ(stats.late, 0);
  EXPECT_EQ(stats.overlaps, 0);
  EXPECT_TRUE(scheduler.idle());
}

INSTANTIATE_TEST_SUITE_P(Horizons, LongTimelineTest,
                         ::testing::Values(3, 3600));

TEST_F(CueSchedulerTest, HeartbeatsReanchorOnlyBeyondTheDriftTolerance) {
  CueScheduler scheduler(mixer_, Voice());
  Render(scheduler, 4800);
  // The first event anchors: 10000 ms at 4800 + lead.
  scheduler.OnEvent(Heartbeat(10000));
  EXPECT_EQ(scheduler.clock().anchor_frame(), 4800 + kLead);
  EXPECT_EQ(scheduler.counters().reanchors, 0);
  Render(scheduler, kRate);  // The callback at 52800, session time 11000.

  // Within 300 ms either way, and exactly 300 ms: left alone.
  for (int64_t drift : {0, 250, -250, 300, -300}) {
    scheduler.OnEvent(Heartbeat(11000 + drift));
    EXPECT_EQ(scheduler.counters().reanchors, 0) << drift;
    EXPECT_EQ(scheduler.clock().anchor_ms(), 10000);
  }
  // 301 ms ahead: the session clock ran faster than the sound card.
  scheduler.OnEvent(Heartbeat(11301));
  EXPECT_EQ(scheduler.counters().reanchors, 1);
  EXPECT_EQ(scheduler.clock().anchor_ms(), 11301);
  EXPECT_EQ(scheduler.clock().anchor_frame(), 52800 + kLead);
  // Cues given after play on the new anchor.
  scheduler.OnEvent(Cue(1, 12301, kOne, 11301));
  Render(scheduler, kRate);  // The callback at 100800.
  // 400 ms behind.
  scheduler.OnEvent(Heartbeat(12301 - 400));
  EXPECT_EQ(scheduler.counters().reanchors, 2);
  EXPECT_EQ(scheduler.clock().anchor_frame(), 100800 + kLead);
  scheduler.OnEvent(Cue(2, 12401, kTwo, 11901));
  Render(scheduler, 2 * kRate);

  EXPECT_THAT(started_,
              ElementsAre(StartedAt(1, 52800 + kLead + kRate),
                          StartedAt(2, 100800 + kLead + 500 * kFramesPerMs)));
  EXPECT_TRUE(PlaysAt(kOne, 52800 + kLead + kRate));
  EXPECT_TRUE(PlaysAt(kTwo, 100800 + kLead + 500 * kFramesPerMs));
}

TEST_F(CueSchedulerTest, IdleOnlyOnceEverythingReceivedHasPlayed) {
  CueScheduler scheduler(mixer_, Voice());
  EXPECT_TRUE(scheduler.idle());
  scheduler.Anchor(0, 0);
  scheduler.OnEvent(Cue(1, 100, kOne));
  EXPECT_FALSE(scheduler.idle());  // In the Mixer.
  Render(scheduler, kRate / 4);
  EXPECT_FALSE(scheduler.idle());  // Playing.
  Render(scheduler, kRate / 2);
  EXPECT_TRUE(scheduler.idle());  // Played, and collected by Pump.

  scheduler.OnEvent(Cue(2, 10000, kTwo));  // Beyond the horizon: waits here.
  EXPECT_EQ(mixer_.outstanding(), 0);
  EXPECT_FALSE(scheduler.idle());
  CueEvent end = Cue(3, 10600, "");
  end.set_kind(yoga::session::v1::CUE_KIND_END);
  scheduler.OnEvent(end);
  EXPECT_TRUE(scheduler.end_received());
  Render(scheduler, 9 * kRate);    // To 468000.
  EXPECT_FALSE(scheduler.idle());  // Cue 2 waits in the Mixer.
  EXPECT_EQ(mixer_.outstanding(), 1);
  Render(scheduler, kRate);  // Cue 2 plays from 480000, and END passes.
  EXPECT_TRUE(scheduler.idle());
  EXPECT_THAT(started_, ElementsAre(StartedAt(1, 4800), StartedAt(2, 480000)));
  EXPECT_THAT(scheduler.TakeStarted(), IsEmpty());
}

// --- A class's mat: session time placed by the server's clock. ---

// The server's clock (unix ns) minus the mat's monotonic clock.
constexpr int64_t kServerAheadNs = 1'750'000'000'000'000'000 - 9'000'000'000;
// When the mat's schedule frame 0 is heard, on its clock.
constexpr int64_t kFrameZeroPlaysNs = 9'000'000'000;
// The class's session time 0 on the server's clock: 123.456789 ms after
// frame 0 is heard, between frames 5925 and 5926.
constexpr int64_t kClassStartNs =
    kFrameZeroPlaysNs + kServerAheadNs + 123'456'789;
constexpr int64_t kClassStartFrame = 5926;  // To the nearest frame.

// The frame heard `server_ms` after the class's start.
int64_t ClassFrame(int64_t server_ms) {
  return kClassStartFrame + server_ms * kFramesPerMs;
}

// `event` as a class's server sends it: at session time `session_ms`, which
// stands at `server_ms` after the class's start (equal until a pause).
CueEvent OnServerClock(CueEvent event, int64_t session_ms, int64_t server_ms) {
  const int64_t ns = kClassStartNs + server_ms * 1'000'000;
  event.set_session_time_ms(session_ms);
  event.mutable_server_time()->set_seconds(ns / 1'000'000'000);
  event.mutable_server_time()->set_nanos(
      static_cast<int32_t>(ns % 1'000'000'000));
  return event;
}

// What a class's mat adds to its Mixer: the server's clock on its frames.
// The output here never renders through the Varispeed, so a reading of
// output frame n places schedule frame n: frame 0 is heard at
// kFrameZeroPlaysNs on the mat's clock once the clock sync knows the server.
struct ServerClockOn {
  explicit ServerClockOn(Mixer& mixer)
      : speed(NewVarispeed(mixer)),
        clock([this] { return estimate; }, *speed, kRate, {}) {}

  static std::unique_ptr<audio::Varispeed> NewVarispeed(Mixer& mixer) {
    auto created = audio::Varispeed::Create(mixer);
    if (!created.ok()) {
      std::cerr << created.status() << "\n";
      std::abort();
    }
    return *std::move(created);
  }

  void KnowTheServer() {
    estimate = ClockEstimate{.offset_ns = kServerAheadNs, .samples = 10};
  }
  // The output reports when `frame` plays.
  void Read(int64_t frame) {
    const int64_t plays_ns =
        kFrameZeroPlaysNs + frame * 1'000'000 / kFramesPerMs;
    clock.Tick(audio::DacTime{frame, plays_ns}, absl::FromUnixNanos(plays_ns));
  }
  void Sync() {
    KnowTheServer();
    Read(0);
  }
  CueScheduler::Options Options() const {
    CueScheduler::Options options;
    options.class_clock = &clock;
    return options;
  }

  std::unique_ptr<audio::Varispeed> speed;
  absl::StatusOr<ClockEstimate> estimate =
      absl::UnavailableError("no clock sync yet");
  ClassClock clock;
};

class ClassCueSchedulerTest : public CueSchedulerTest {
 protected:
  ServerClockOn mat_{mixer_};
};

TEST_F(ClassCueSchedulerTest, CuesArePlacedByServerTimeWheneverTheyArrive) {
  // Two mats whose clocks agree, one hearing the stream 600 ms after the
  // other (and a heartbeat later still).
  mat_.Sync();
  Mixer late_mixer(kRate);
  ServerClockOn late_mat(late_mixer);
  late_mat.Sync();
  CueScheduler early(mixer_, Voice(), mat_.Options());
  CueScheduler late(late_mixer, Voice(), late_mat.Options());
  std::vector<float> late_output;
  std::vector<CueScheduler::StartedCue> late_started;

  // Sent at session time 100.
  const std::vector<CueEvent> events = {
      OnServerClock(Cue(1, 1000, kChime), 100, 100),
      OnServerClock(Cue(2, 2500, kThree), 100, 100),
      OnServerClock(Cue(3, 3000, kTwo), 100, 100)};
  for (const CueEvent& event : events) early.OnEvent(event);
  RenderBlocks(late, late_mixer, 600 * kFramesPerMs, late_output, late_started);
  for (const CueEvent& event : events) late.OnEvent(event);
  RenderBlocks(late, late_mixer, kRate, late_output, late_started);
  late.OnEvent(OnServerClock(Heartbeat(300), 300, 300));  // 1.3 s late.
  RenderBlocks(late, late_mixer, 3 * kRate - 600 * kFramesPerMs, late_output,
               late_started);
  Render(early, 4 * kRate);

  const auto on_the_server_clock = ElementsAre(StartedAt(1, ClassFrame(1000)),
                                               StartedAt(2, ClassFrame(2500)),
                                               StartedAt(3, ClassFrame(3000)));
  EXPECT_THAT(started_, on_the_server_clock);
  EXPECT_THAT(late_started, on_the_server_clock);
  EXPECT_TRUE(SilentOver(0, ClassFrame(1000)));
  EXPECT_TRUE(PlaysAt(kChime, ClassFrame(1000)));
  EXPECT_TRUE(PlaysAt(kThree, ClassFrame(2500)));
  EXPECT_TRUE(PlaysAt(kTwo, ClassFrame(3000)));
  EXPECT_TRUE(late_output == output_) << "the mats' outputs differ";
  EXPECT_EQ(early.counters().reanchors, 0);
  EXPECT_EQ(late.counters().reanchors, 0);
}

TEST_F(ClassCueSchedulerTest, PausedTakesLaterCuesBackAndResumedPlacesThem) {
  mat_.Sync();
  CueScheduler scheduler(mixer_, Voice(), mat_.Options());
  scheduler.OnEvent(OnServerClock(Cue(1, 500, kThree), 0, 0));
  scheduler.OnEvent(OnServerClock(Cue(2, 1000, kChime), 0, 0));  // To 2200.
  scheduler.OnEvent(OnServerClock(Cue(3, 2500, kTwo), 0, 0));
  scheduler.OnEvent(OnServerClock(Cue(4, 3000, kOne), 0, 0));
  scheduler.OnEvent(OnServerClock(Cue(5, 6000, kTone), 0, 0));
  Render(scheduler, ClassFrame(1200));
  EXPECT_EQ(mixer_.outstanding(), 3);  // 2 playing, 3 and 4; 5 waits here.

  // The teacher pauses at 1200 ms; it takes effect at 1500, in the middle
  // of cue 2, which plays on. Cues 3 and 4 leave the Mixer.
  scheduler.OnEvent(OnServerClock(
      Control(yoga::session::v1::CUE_KIND_PAUSED, 1500, 1200), 1200, 1200));
  EXPECT_TRUE(scheduler.paused());
  Render(scheduler, ClassFrame(3000) - ClassFrame(1200));
  // While paused, heartbeats carry no server time.
  scheduler.OnEvent(Heartbeat(1500));
  Render(scheduler, ClassFrame(5000) - ClassFrame(3000));
  EXPECT_TRUE(scheduler.paused());
  EXPECT_EQ(mixer_.outstanding(), 0);

  // Resumed at 5000 ms, taking effect at 5500: session time 1500 then.
  scheduler.OnEvent(OnServerClock(
      Control(yoga::session::v1::CUE_KIND_RESUMED, 1500, 1500), 1500, 5500));
  EXPECT_FALSE(scheduler.paused());
  Render(scheduler, ClassFrame(12500) - ClassFrame(5000));

  // Session time 2500 is heard at 6500 ms, 3000 at 7000 and 6000 at 10000.
  EXPECT_THAT(started_, ElementsAre(StartedAt(1, ClassFrame(500)),
                                    StartedAt(2, ClassFrame(1000)),
                                    StartedAt(3, ClassFrame(6500)),
                                    StartedAt(4, ClassFrame(7000)),
                                    StartedAt(5, ClassFrame(10000))));
  EXPECT_TRUE(PlaysAt(kThree, ClassFrame(500)));
  EXPECT_TRUE(PlaysAt(kChime, ClassFrame(1000)));  // Whole.
  EXPECT_TRUE(
      SilentOver(ClassFrame(1000) + LengthOf(kChime), ClassFrame(6500)));
  EXPECT_TRUE(PlaysAt(kTwo, ClassFrame(6500)));
  EXPECT_TRUE(PlaysAt(kOne, ClassFrame(7000)));
  EXPECT_TRUE(PlaysAt(kTone, ClassFrame(10000)));
  // Taken back, not dropped; the Mixer itself never paused.
  EXPECT_EQ(mixer_.stats().withdrawn, 2);
  EXPECT_EQ(scheduler.counters().withdrawn, 0);
  EXPECT_EQ(mixer_.stats().started, 5);
  EXPECT_EQ(mixer_.stats().overlaps, 0);
  EXPECT_EQ(mixer_.stats().late, 0);
  EXPECT_EQ(mixer_.frames_rendered(), static_cast<int64_t>(output_.size()));
}

TEST_F(ClassCueSchedulerTest, ASkipWhilePausedStartsItsStepWhenResumed) {
  // NEXT while paused: the server starts the new step at the very moment
  // the pause took effect, so its first cue's offset is the pause's.
  mat_.Sync();
  CueScheduler scheduler(mixer_, Voice(), mat_.Options());
  scheduler.OnEvent(OnServerClock(Cue(1, 500, kThree), 0, 0));
  Render(scheduler, ClassFrame(1200));
  scheduler.OnEvent(OnServerClock(
      Control(yoga::session::v1::CUE_KIND_PAUSED, 1500, 1200), 1200, 1200));
  Render(scheduler, ClassFrame(4000) - ClassFrame(1200));
  yoga::session::v1::CueEvent skipped =
      Control(yoga::session::v1::CUE_KIND_SKIPPED, 1500, 1500);
  scheduler.OnEvent(skipped);
  scheduler.OnEvent(Cue(2, 1500, kTwo));  // The next step, at the pause.
  Render(scheduler, ClassFrame(5000) - ClassFrame(4000));
  EXPECT_EQ(mixer_.stats().started, 1);  // Nothing during the pause.
  // Resumed at 5000 ms, taking effect at 5500: session time 1500 then.
  scheduler.OnEvent(OnServerClock(
      Control(yoga::session::v1::CUE_KIND_RESUMED, 1500, 1500), 1500, 5500));
  Render(scheduler, ClassFrame(8000) - ClassFrame(5000));
  EXPECT_THAT(started_, ElementsAre(StartedAt(1, ClassFrame(500)),
                                    StartedAt(2, ClassFrame(5500))));
  EXPECT_TRUE(PlaysAt(kTwo, ClassFrame(5500)));
  EXPECT_EQ(scheduler.counters().too_late, 0);
}

TEST_F(ClassCueSchedulerTest, HeartbeatsNeverReanchor) {
  mat_.Sync();
  CueScheduler scheduler(mixer_, Voice(), mat_.Options());
  scheduler.OnEvent(OnServerClock(Cue(1, 500, kThree), 0, 0));
  Render(scheduler, ClassFrame(1900));
  // Sent at 1000 ms and heard 900 ms later: in a session of its own, far
  // beyond the drift tolerance.
  scheduler.OnEvent(OnServerClock(Heartbeat(1000), 1000, 1000));
  scheduler.OnEvent(OnServerClock(Cue(2, 2500, kTwo), 1000, 1000));
  Render(scheduler, 2 * kRate);

  EXPECT_EQ(scheduler.counters().reanchors, 0);
  EXPECT_THAT(started_, ElementsAre(StartedAt(1, ClassFrame(500)),
                                    StartedAt(2, ClassFrame(2500))));
  EXPECT_TRUE(PlaysAt(kThree, ClassFrame(500)));
  EXPECT_TRUE(PlaysAt(kTwo, ClassFrame(2500)));
}

TEST_F(ClassCueSchedulerTest, NothingIsScheduledBeforeTheClassClockIsAnchored) {
  CueScheduler scheduler(mixer_, Voice(), mat_.Options());
  mat_.Read(0);  // The output runs; the clock sync has no estimate yet.
  ASSERT_FALSE(mat_.clock.anchored());
  scheduler.OnEvent(OnServerClock(Cue(1, 1000, kThree), 0, 0));
  scheduler.OnEvent(OnServerClock(Cue(2, 2000, kTwo), 0, 0));
  Render(scheduler, 600 * kFramesPerMs);
  EXPECT_FALSE(scheduler.clock().anchored());
  EXPECT_EQ(mixer_.outstanding(), 0);
  EXPECT_THAT(started_, IsEmpty());

  // The estimate comes, and the next reading anchors the clock: the cues
  // already here go on their frames, with no further event.
  mat_.KnowTheServer();
  mat_.Read(600 * kFramesPerMs);
  ASSERT_TRUE(mat_.clock.anchored());
  Render(scheduler, ClassFrame(3000) - 600 * kFramesPerMs);
  EXPECT_THAT(started_, ElementsAre(StartedAt(1, ClassFrame(1000)),
                                    StartedAt(2, ClassFrame(2000))));
  EXPECT_TRUE(SilentOver(0, ClassFrame(1000)));
  EXPECT_TRUE(PlaysAt(kThree, ClassFrame(1000)));
  EXPECT_TRUE(PlaysAt(kTwo, ClassFrame(2000)));
}

}  // namespace
}  // namespace yoga::client
