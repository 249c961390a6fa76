#include "client/session/cue_scheduler.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

namespace yoga::client {

using yoga::session::v1::CueEvent;

namespace {

int64_t FramesIn(absl::Duration duration, int sample_rate) {
  return absl::ToInt64Milliseconds(duration) * sample_rate / 1000;
}

}  // namespace

CueScheduler::CueScheduler(audio::Mixer& mixer,
                           const audio::VoicePackAudio& voice, Options options)
    : mixer_(mixer),
      voice_(voice),
      options_(options),
      clock_(mixer.sample_rate()) {}

void CueScheduler::Anchor(int64_t session_ms, int64_t frame) {
  clock_.Anchor(session_ms, frame);
}

void CueScheduler::FollowClassClock() {
  if (options_.class_clock->anchored() && server_anchor_.has_value()) {
    clock_.Anchor(server_anchor_->session_ms,
                  options_.class_clock->FrameAt(server_anchor_->server_ns));
  }
}

bool CueScheduler::OnClassEvent(const CueEvent& event) {
  if (event.has_server_time()) {
    server_anchor_ = ServerAnchor{
        event.session_time_ms(), event.server_time().seconds() * 1'000'000'000 +
                                     event.server_time().nanos()};
  }
  FollowClassClock();
  switch (event.kind()) {
    case yoga::session::v1::CUE_KIND_HEARTBEAT:
      return true;  // The ClassClock keeps the audio on time.
    case yoga::session::v1::CUE_KIND_PAUSED: {
      paused_ = true;
      paused_at_ms_ = event.offset_ms();
      // What the Mixer holds from the pause on waits here again, for the
      // RESUMED event to place it. From, not after: a NEXT or PREVIOUS
      // while paused starts its step at the very moment the pause took.
      std::deque<CueEvent> back;
      for (auto it = scheduled_.begin(); it != scheduled_.end();) {
        if (it->second.offset_ms() >= paused_at_ms_) {
          back.push_back(std::move(it->second));
          it = scheduled_.erase(it);
        } else {
          ++it;
        }
      }
      if (clock_.anchored()) mixer_.WithdrawFrom(clock_.FrameOf(paused_at_ms_));
      waiting_.insert(waiting_.begin(), back.begin(), back.end());
      return true;
    }
    case yoga::session::v1::CUE_KIND_RESUMED:
      paused_ = false;
      return true;
    default:
      return false;
  }
}

void CueScheduler::OnEvent(const CueEvent& event) {
  if (options_.class_clock != nullptr) {
    if (reconnected_) {
      reconnected_ = false;
      if (event.kind() != yoga::session::v1::CUE_KIND_PAUSED) paused_ = false;
    }
    if (OnClassEvent(event)) return;
  } else if (!clock_.anchored()) {
    clock_.Anchor(event.session_time_ms(),
                  mixer_.frames_rendered() +
                      FramesIn(options_.lead, mixer_.sample_rate()));
  }
  if (reconnected_) {
    reconnected_ = false;
    if (paused_ && event.kind() != yoga::session::v1::CUE_KIND_PAUSED) {
      paused_ = false;
      mixer_.SetPaused(false);
    }
  }
  switch (event.kind()) {
    case yoga::session::v1::CUE_KIND_HEARTBEAT:
      CheckDrift(event.session_time_ms());
      return;
    case yoga::session::v1::CUE_KIND_PAUSED:
      paused_ = true;
      mixer_.SetPaused(true);
      return;
    case yoga::session::v1::CUE_KIND_RESUMED:
      paused_ = false;
      mixer_.SetPaused(false);
      return;
    case yoga::session::v1::CUE_KIND_SKIPPED:
      Withdraw(event.offset_ms());
      return;
    case yoga::session::v1::CUE_KIND_STOPPED:
      Withdraw(event.offset_ms());
      stopped_ = true;
      return;
    default:
      break;
  }
  if (event.seq() <= 0) return;  // A stream-only kind this client not knows.
  if (event.seq() <= last_seq_) {
    ++counters_.duplicates;
    return;
  }
  last_seq_ = event.seq();
  ++counters_.cues;
  if (event.kind() == yoga::session::v1::CUE_KIND_END) end_received_ = true;
  // Offsets rise within the stream, so this stays sorted.
  waiting_.push_back(event);
  Pump();
}

void CueScheduler::Pump() {
  mixer_.Collect();
  // The ClassClock may have anchored, or moved its mapping, since the last
  // event.
  if (options_.class_clock != nullptr) FollowClassClock();
  // A class's mat waits for the server's clock.
  if (!clock_.anchored()) return;
  const int64_t now = mixer_.frames_rendered();
  const int64_t horizon =
      now + FramesIn(options_.horizon, mixer_.sample_rate());
  const int64_t too_late =
      now - FramesIn(options_.too_late, mixer_.sample_rate());
  while (!waiting_.empty()) {
    const CueEvent& cue = waiting_.front();
    if (paused_ && options_.class_clock != nullptr &&
        cue.offset_ms() >= paused_at_ms_)
      break;  // After the class's pause: placed once it resumes.
    const int64_t frame = clock_.FrameOf(cue.offset_ms());
    if (frame > horizon) break;
    if (frame < too_late) {
      ++counters_.too_late;
    } else if (!cue.prompt_key().empty()) {
      audio::ClipPtr clip = voice_.Find(cue.prompt_key());
      if (clip == nullptr) {
        ++counters_.missing_prompts;
      } else if (!mixer_.Schedule(std::move(clip), frame,
                                  static_cast<uint64_t>(cue.seq()))) {
        break;  // Every slot is taken: try again on the next Pump.
      } else {
        scheduled_[cue.seq()] = cue;
      }
    }
    waiting_.pop_front();
  }
}

std::vector<CueScheduler::StartedCue> CueScheduler::TakeStarted() {
  std::vector<StartedCue> started;
  for (const audio::Mixer::Started& event : mixer_.TakeStarted()) {
    auto found = scheduled_.find(static_cast<int64_t>(event.id));
    if (found == scheduled_.end()) continue;
    started.push_back({std::move(found->second), event.frame});
    // Anything scheduled before it that never started was withdrawn.
    scheduled_.erase(scheduled_.begin(), std::next(found));
  }
  return started;
}

bool CueScheduler::idle() const {
  return waiting_.empty() && mixer_.outstanding() == 0;
}

void CueScheduler::Withdraw(int64_t after_offset_ms) {
  const size_t before = waiting_.size();
  std::erase_if(waiting_, [&](const CueEvent& cue) {
    return cue.offset_ms() > after_offset_ms;
  });
  counters_.withdrawn += static_cast<int64_t>(before - waiting_.size());
  std::erase_if(scheduled_, [&](const auto& entry) {
    return entry.second.offset_ms() > after_offset_ms;
  });
  // Frames of later milliseconds are at least one frame later.
  mixer_.WithdrawFrom(clock_.FrameOf(after_offset_ms) + 1);
}

void CueScheduler::CheckDrift(int64_t session_ms) {
  if (paused_) return;
  const int64_t expected =
      mixer_.frames_rendered() + FramesIn(options_.lead, mixer_.sample_rate());
  const int64_t error = clock_.FrameOf(session_ms) - expected;
  if (std::abs(error) >
      FramesIn(options_.drift_tolerance, mixer_.sample_rate())) {
    clock_.Anchor(session_ms, expected);
    ++counters_.reanchors;
  }
}

CueScheduler::Options ClassMatSchedulingOptions(const ClassClock& clock) {
  return {.horizon = absl::Milliseconds(300), .class_clock = &clock};
}

}  // namespace yoga::client
