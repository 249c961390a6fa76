#include "client/audio/mixer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace yoga::client::audio {
namespace {

// Commands waiting for the callback; more wait in the control-side backlog.
constexpr size_t kCommandCapacity = 256;

// Every outstanding clip starts at most once before the control thread next
// drains the events (each control call does), so twice kMaxClips is room to
// spare and no event is ever dropped.
constexpr size_t kStartedCapacity = 2 * Mixer::kMaxClips;

static_assert(std::atomic<int64_t>::is_always_lock_free);
static_assert(std::atomic<float>::is_always_lock_free);

int FramesOfMicros(int sample_rate, int micros) {
  return std::max(1, static_cast<int>(int64_t{sample_rate} * micros / 1000000));
}

}  // namespace

Mixer::Mixer(int sample_rate)
    : sample_rate_(sample_rate > 0 ? sample_rate : 1),
      fade_frames_(FramesOfMicros(sample_rate_, 2500)),
      cut_frames_(FramesOfMicros(sample_rate_, 5000)),
      volume_step_(1.0f /
                   static_cast<float>(FramesOfMicros(sample_rate_, 10000))),
      commands_(kCommandCapacity),
      // Outstanding clips never exceed kMaxClips, so handing one back cannot
      // find this queue full.
      returned_(kMaxClips),
      started_events_(kStartedCapacity) {}

Mixer::~Mixer() = default;

// --- Control thread. ---

bool Mixer::Schedule(ClipPtr clip, int64_t start_frame, uint64_t id) {
  Collect();
  if (clip == nullptr || clip->samples.empty() ||
      clip->sample_rate != sample_rate_ || outstanding_ >= kMaxClips) {
    return false;
  }
  ++outstanding_;
  Command command;
  command.kind = Command::Kind::kSchedule;
  command.clip = std::move(clip);
  command.frame = start_frame;
  command.id = id;
  Send(std::move(command));
  return true;
}

void Mixer::WithdrawFrom(int64_t frame) {
  Collect();
  Command command;
  command.kind = Command::Kind::kWithdrawFrom;
  command.frame = frame;
  Send(std::move(command));
}

void Mixer::StopAll() { WithdrawFrom(std::numeric_limits<int64_t>::min()); }

void Mixer::SetVolume(float volume) {
  // NaN becomes 0.
  volume = volume >= 0.0f ? std::min(volume, 1.0f) : 0.0f;
  target_volume_.store(volume, std::memory_order_relaxed);
}

void Mixer::SetPaused(bool paused) {
  Collect();
  Command command;
  command.kind = paused ? Command::Kind::kPause : Command::Kind::kResume;
  Send(std::move(command));
}

void Mixer::Collect() {
  Flush();
  ClipPtr clip;
  while (returned_.TryPop(clip)) {
    clip.reset();  // The last reference may go here, on this thread.
    --outstanding_;
  }
  Started started;
  while (started_events_.TryPop(started)) started_.push_back(started);
}

std::vector<Mixer::Started> Mixer::TakeStarted() {
  Collect();
  return std::exchange(started_, {});
}

void Mixer::Send(Command command) {
  if (backlog_.empty() && commands_.TryPush(std::move(command))) return;
  backlog_.push_back(std::move(command));
  Flush();
}

void Mixer::Flush() {
  while (!backlog_.empty() && commands_.TryPush(std::move(backlog_.front()))) {
    backlog_.pop_front();
  }
}

Mixer::Stats Mixer::stats() const {
  Stats stats;
  stats.started = started_count_.load(std::memory_order_relaxed);
  stats.late = late_count_.load(std::memory_order_relaxed);
  stats.overlaps = overlap_count_.load(std::memory_order_relaxed);
  stats.withdrawn = withdrawn_count_.load(std::memory_order_relaxed);
  return stats;
}

// --- Audio thread. ---

void Mixer::Render(float* out, int frames, int channels) {
  ApplyCommands();
  if (out == nullptr || frames <= 0 || channels <= 0) return;

  // Mix mono into channel 0; FinishOutput spreads it over the others.
  for (int i = 0; i < frames; ++i) out[i * channels] = 0.0f;
  if (paused_) {
    MixPauseTails(out, frames, channels);
  } else {
    int done = 0;
    while (done < frames) {
      StartDueClips();
      // No clip starts inside [clock_, clock_ + n).
      const int n = static_cast<int>(
          std::min<int64_t>(frames - done, NextStart() - clock_));
      MixVoices(out + static_cast<size_t>(done) * channels, n, channels);
      clock_ += n;
      done += n;
    }
    frames_rendered_.store(clock_, std::memory_order_release);
  }
  FinishOutput(out, frames, channels);
}

void Mixer::ApplyCommands() {
  for (Slot& slot : slots_) {
    if (slot.state == Slot::State::kReturning) Retire(slot);
  }
  // Popping into a command whose clip was moved out (or never set) frees
  // nothing here.
  Command command;
  while (commands_.TryPop(command)) {
    switch (command.kind) {
      case Command::Kind::kSchedule: {
        auto it = std::find_if(slots_.begin(), slots_.end(), [](const Slot& s) {
          return s.state == Slot::State::kFree;
        });
        // The control thread keeps at most kMaxClips clips outstanding, so a
        // slot is always free; were it not, the clip would go straight back.
        if (it == slots_.end()) {
          returned_.TryPush(std::move(command.clip));
          break;
        }
        Slot& slot = *it;
        slot.clip = std::move(command.clip);
        slot.samples = slot.clip->samples.data();
        slot.length = static_cast<int64_t>(slot.clip->samples.size());
        slot.id = command.id;
        slot.start = command.frame;
        slot.order = next_order_++;
        slot.position = 0;
        slot.fade_from = 0;
        slot.cut_left = 0;
        slot.tail_left = 0;
        slot.state = Slot::State::kWaiting;
        break;
      }
      case Command::Kind::kWithdrawFrom:
        Drop(command.frame);
        break;
      case Command::Kind::kPause:
        if (paused_) break;
        paused_ = true;
        for (Slot& slot : slots_) {
          if (slot.Sounding()) slot.tail_left = cut_frames_;
        }
        break;
      case Command::Kind::kResume:
        if (!paused_) break;
        paused_ = false;
        for (Slot& slot : slots_) {
          if (slot.state == Slot::State::kPlaying) {
            slot.tail_left = 0;
            slot.fade_from = slot.position;
          } else if (slot.state == Slot::State::kCutting) {
            // Its pause fade is under way, and it will not be heard again.
            Retire(slot);
          }
        }
        break;
    }
  }
}

void Mixer::Drop(int64_t from_frame) {
  for (Slot& slot : slots_) {
    if (slot.start < from_frame) continue;
    if (slot.state == Slot::State::kWaiting) {
      withdrawn_count_.fetch_add(1, std::memory_order_relaxed);
      Retire(slot);
    } else if (slot.state == Slot::State::kPlaying) {
      withdrawn_count_.fetch_add(1, std::memory_order_relaxed);
      Cut(slot);
    }
  }
}

void Mixer::Cut(Slot& slot) {
  slot.state = Slot::State::kCutting;
  slot.cut_left = cut_frames_;
}

void Mixer::Retire(Slot& slot) {
  // Moves the reference out only when the queue takes it, so the clip is
  // never freed on this thread.
  if (returned_.TryPush(std::move(slot.clip))) {
    slot.state = Slot::State::kFree;
    slot.samples = nullptr;
  } else {
    slot.state = Slot::State::kReturning;
  }
}

void Mixer::StartDueClips() {
  for (;;) {
    // The due clip scheduled first, by start frame and then by order.
    Slot* next = nullptr;
    for (Slot& slot : slots_) {
      if (slot.state != Slot::State::kWaiting || slot.start > clock_) continue;
      if (next == nullptr || slot.start < next->start ||
          (slot.start == next->start && slot.order < next->order)) {
        next = &slot;
      }
    }
    if (next == nullptr) return;

    const int64_t skip = clock_ - next->start;
    if (skip > 0) late_count_.fetch_add(1, std::memory_order_relaxed);
    if (skip >= next->length) {
      Retire(*next);
      continue;
    }
    for (Slot& slot : slots_) {
      if (slot.state == Slot::State::kPlaying) {
        Cut(slot);
        overlap_count_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    next->state = Slot::State::kPlaying;
    next->position = skip;
    next->fade_from = skip;
    started_count_.fetch_add(1, std::memory_order_relaxed);
    started_events_.TryPush(Started{next->id, next->start, clock_});
  }
}

int64_t Mixer::NextStart() const {
  int64_t next = std::numeric_limits<int64_t>::max();
  for (const Slot& slot : slots_) {
    if (slot.state == Slot::State::kWaiting) next = std::min(next, slot.start);
  }
  return next;
}

float Mixer::Envelope(const Slot& slot, int64_t position) const {
  float gain = 1.0f;
  const int64_t in = position - slot.fade_from;
  if (in < fade_frames_) {
    gain *= static_cast<float>(in + 1) / static_cast<float>(fade_frames_);
  }
  const int64_t left = slot.length - position;
  if (left < fade_frames_) {
    gain *= static_cast<float>(left) / static_cast<float>(fade_frames_);
  }
  return gain;
}

void Mixer::MixVoices(float* out, int frames, int channels) {
  const float cut_scale = 1.0f / static_cast<float>(cut_frames_);
  for (Slot& slot : slots_) {
    if (!slot.Sounding()) continue;
    const bool cutting = slot.state == Slot::State::kCutting;
    for (int i = 0; i < frames && slot.position < slot.length; ++i) {
      float gain = Envelope(slot, slot.position);
      if (cutting) {
        if (slot.cut_left == 0) break;
        gain *= static_cast<float>(slot.cut_left--) * cut_scale;
      }
      out[static_cast<size_t>(i) * channels] +=
          slot.samples[slot.position++] * gain;
    }
    if (slot.position >= slot.length || (cutting && slot.cut_left == 0)) {
      Retire(slot);
    }
  }
}

void Mixer::MixPauseTails(float* out, int frames, int channels) {
  const float cut_scale = 1.0f / static_cast<float>(cut_frames_);
  for (Slot& slot : slots_) {
    if (!slot.Sounding()) continue;
    const bool cutting = slot.state == Slot::State::kCutting;
    // The next samples, faded out, while the voice's position stays put.
    for (int i = 0; i < frames && slot.tail_left > 0; ++i) {
      const int64_t position = slot.position + (cut_frames_ - slot.tail_left);
      if (position >= slot.length || (cutting && slot.cut_left == 0)) {
        slot.tail_left = 0;
        break;
      }
      float gain = Envelope(slot, position) *
                   static_cast<float>(slot.tail_left--) * cut_scale;
      if (cutting) gain *= static_cast<float>(slot.cut_left--) * cut_scale;
      out[static_cast<size_t>(i) * channels] += slot.samples[position] * gain;
    }
    // A voice being cut will not come back after the pause.
    if (cutting && slot.tail_left == 0) Retire(slot);
  }
}

void Mixer::FinishOutput(float* out, int frames, int channels) {
  const float target = target_volume_.load(std::memory_order_relaxed);
  if (!rendered_before_) {
    volume_ = target;
    rendered_before_ = true;
  }
  for (int i = 0; i < frames; ++i) {
    if (volume_ != target) {
      volume_ =
          std::abs(target - volume_) <= volume_step_
              ? target
              : volume_ + (target > volume_ ? volume_step_ : -volume_step_);
    }
    float* frame = out + static_cast<size_t>(i) * channels;
    const float value = std::clamp(frame[0] * volume_, -1.0f, 1.0f);
    for (int c = 0; c < channels; ++c) frame[c] = value;
  }
}

}  // namespace yoga::client::audio
