// Mixes voice prompts into one output stream at a fixed sample rate, starting
// each clip on the exact output frame it was scheduled for. The PortAudio
// callback (or an offline renderer writing a WAV file) calls Render; a single
// control thread schedules, withdraws and pauses.
//
// Frames. The schedule clock counts output frames from the first Render,
// leaving out frames rendered while paused; frames_rendered() reads it and
// Schedule's start_frame is on it. SessionClock maps session time onto it.
//
// Threads. Two roles, each to be taken by one thread at a time:
//  - control: Schedule, WithdrawFrom, StopAll, SetVolume, SetPaused, Collect,
//    TakeStarted, outstanding(). Commands travel to the callback through a
//    lock-free SPSC queue and take effect at the start of the next Render, in
//    the order they were made. Should that queue be full (the stream is not
//    running), commands wait, still in order, in a control-side backlog that
//    every control call flushes.
//  - audio: Render. It takes no lock, allocates nothing, does no I/O and
//    never waits.
//  frames_rendered() and stats() may be read from any thread.
//
// Clip ownership. The callback never releases a clip: a finished, cut,
// withdrawn or too-late clip goes back to the control thread through a second
// SPSC queue, and the control thread drops its reference in Collect(), which
// every control call runs first. A client that schedules rarely should call
// Collect() now and then (say, with each status line) so that finished clips
// are freed, Started events are gathered and backlogged commands are sent.
// At most kMaxClips clips are outstanding (scheduled and not yet collected);
// Schedule refuses more, so the callback's fixed slots never run out.
//
// Sound. Mono inside; Render writes the same signal to every channel.
//  - A clip's first sample plays exactly at its start frame, under a fade-in
//    of about 2.5 ms whose first step is already above zero; its last 2.5 ms
//    fade out.
//  - Never two voices at once: a clip that starts while another is still
//    playing cuts that one with a 5 ms fade-out, and counts as an overlap.
//    The server's timeline never overlaps prompts, so overlaps mean a bug.
//  - A clip whose start frame has already passed when the callback sees it
//    is late: it starts at once, skipping the frames already past (a fresh
//    fade-in at the first frame played); a clip entirely in the past never
//    plays. Both count as late.
//  - Paused: the schedule clock stops and the output fades to silence within
//    5 ms (the voice's next few milliseconds, faded, without moving it on).
//    On resume each voice carries on from the very frame it had reached,
//    under a fresh fade-in, and every later clip starts exactly as many
//    output frames later as the pause lasted.
//  - Volume changes ramp linearly, a full-scale change over 10 ms; a volume
//    set before the first Render applies at once. The mix is clamped to
//    [-1, 1].
#ifndef YOGA_CLIENT_AUDIO_MIXER_H_
#define YOGA_CLIENT_AUDIO_MIXER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "client/audio/clip.h"
#include "client/audio/spsc_queue.h"

namespace yoga::client::audio {

class Mixer {
 public:
  // Clips scheduled and not yet collected, at most.
  static constexpr int kMaxClips = 64;

  // Counted by the callback since construction.
  struct Stats {
    int64_t started = 0;    // Clips that began to play (late ones included).
    int64_t late = 0;       // Clips whose start frame had passed.
    int64_t overlaps = 0;   // Clips cut because another one started.
    int64_t withdrawn = 0;  // Clips dropped, unplayed or playing, by
                            // WithdrawFrom or StopAll.
  };

  // One clip that began to play.
  struct Started {
    uint64_t id = 0;
    int64_t scheduled_frame = 0;  // As passed to Schedule.
    int64_t frame = 0;  // Where its first sample played; later when late.
  };

  // `sample_rate` > 0 frames a second, for the stream and every clip.
  explicit Mixer(int sample_rate);
  ~Mixer();

  Mixer(const Mixer&) = delete;
  Mixer& operator=(const Mixer&) = delete;

  int sample_rate() const { return sample_rate_; }

  // --- Control thread. ---

  // Plays `clip` from schedule frame `start_frame`; `id` names it in Started
  // events. False, doing nothing, when the clip is null, empty or at another
  // sample rate, or when kMaxClips clips are outstanding.
  bool Schedule(ClipPtr clip, int64_t start_frame, uint64_t id);

  // Drops every clip whose start frame is >= `frame`: those waiting never
  // play, those playing fade out. For SKIPPED and STOPPED events.
  void WithdrawFrom(int64_t frame);

  // Drops every clip, waiting or playing.
  void StopAll();

  // 0 is silent, 1 (the default) plays clips as they are; clamped to [0, 1].
  void SetVolume(float volume);

  // Paused: silence, and the schedule clock stands still.
  void SetPaused(bool paused);

  // Frees clips the callback is done with, gathers Started events and sends
  // backlogged commands. Every other control call runs it first.
  void Collect();

  // Started events since the last call, in the order the clips started.
  std::vector<Started> TakeStarted();

  // Clips scheduled and not yet collected: 0 once everything has played (or
  // been dropped) and Collect has run.
  int outstanding() const { return outstanding_; }

  // --- Any thread. ---

  // The schedule clock: frames rendered, not counting paused ones.
  int64_t frames_rendered() const {
    return frames_rendered_.load(std::memory_order_acquire);
  }
  Stats stats() const;

  // --- Audio thread. ---

  // Writes `frames` interleaved frames of `channels` channels to `out`.
  void Render(float* out, int frames, int channels);

 private:
  struct Command {
    enum class Kind { kSchedule, kWithdrawFrom, kPause, kResume };
    Kind kind = Kind::kSchedule;
    ClipPtr clip;
    int64_t frame = 0;
    uint64_t id = 0;
  };

  // A clip on the callback's side.
  struct Slot {
    enum class State {
      kFree,
      kWaiting,   // Scheduled, not started.
      kPlaying,   // The one voice.
      kCutting,   // Fading out for good.
      kReturning  // Done; its clip could not be handed back yet.
    };
    State state = State::kFree;
    ClipPtr clip;
    const float* samples = nullptr;
    int64_t length = 0;
    uint64_t id = 0;
    int64_t start = 0;      // Schedule frame.
    uint64_t order = 0;     // Breaks ties between equal start frames.
    int64_t position = 0;   // Next sample to play.
    int64_t fade_from = 0;  // Position where the current fade-in began.
    int cut_left = 0;       // kCutting: frames of fade-out left.
    int tail_left = 0;      // Paused: frames of the pause fade left.

    // Playing, or fading out for good: heard in this block.
    bool Sounding() const {
      return state == State::kPlaying || state == State::kCutting;
    }
  };

  // Control side.
  void Send(Command command);
  void Flush();

  // Audio side.
  void ApplyCommands();
  void Drop(int64_t from_frame);
  void Cut(Slot& slot);  // Starts its fade-out for good.
  void Retire(Slot& slot);
  void StartDueClips();
  int64_t NextStart() const;
  void MixVoices(float* out, int frames, int channels);
  void MixPauseTails(float* out, int frames, int channels);
  float Envelope(const Slot& slot, int64_t position) const;
  void FinishOutput(float* out, int frames, int channels);

  const int sample_rate_;
  const int fade_frames_;    // Clip start and end, about 2.5 ms.
  const int cut_frames_;     // Cuts and pauses, about 5 ms.
  const float volume_step_;  // Largest volume change a frame.

  // Control thread.
  std::deque<Command> backlog_;
  int outstanding_ = 0;
  std::vector<Started> started_;

  // Between the threads.
  SpscQueue<Command> commands_;        // Control -> audio.
  SpscQueue<ClipPtr> returned_;        // Audio -> control.
  SpscQueue<Started> started_events_;  // Audio -> control.
  std::atomic<float> target_volume_{1.0f};
  std::atomic<int64_t> frames_rendered_{0};
  std::atomic<int64_t> started_count_{0};
  std::atomic<int64_t> late_count_{0};
  std::atomic<int64_t> overlap_count_{0};
  std::atomic<int64_t> withdrawn_count_{0};

  // Audio thread.
  std::array<Slot, kMaxClips> slots_;
  int64_t clock_ = 0;
  uint64_t next_order_ = 0;
  bool paused_ = false;
  bool rendered_before_ = false;
  float volume_ = 1.0f;
};

}  // namespace yoga::client::audio

#endif  // YOGA_CLIENT_AUDIO_MIXER_H_
