// Maps session time (milliseconds since the session started, not counting
// pauses; see DESIGN.md "Timing model") onto the Mixer's frame clock.
//
// One anchor pairs a session time with the output frame it plays at; every
// other time is placed by exact integer arithmetic from that anchor:
//   frame = anchor_frame + (session_ms - anchor_ms) * sample_rate / 1000,
// rounded to the nearest frame (halves round up, towards later frames). There
// is no floating point and nothing accumulates, so a cue ten hours in lands on
// the same frame as if it were computed alone.
//
// How the client uses it:
//  1. When the first event of a cue stream arrives (every CueEvent carries
//     session_time_ms, the server's clock when it was sent), anchor that time
//     a safety lead ahead of the audio callback:
//       clock.Anchor(event.session_time_ms(),
//                    mixer.frames_rendered() + lead_frames);
//     The lead must cover at least two callback buffers plus scheduling jitter
//     (about 100 ms is comfortable), so that a cue whose offset equals the
//     session time "now" is still ahead of the callback when it is scheduled.
//  2. Schedule each cue at mixer.Schedule(clip, clock.FrameOf(offset_ms), seq).
//  3. Pauses need no re-anchoring: the server stops session time and
//     Mixer::SetPaused stops the frame clock, so both stay in step; cues
//     already scheduled past the pause simply wait.
//  4. The device's output latency (PortAudio's outputLatency) delays every
//     frame by the same amount, so it does not belong in the anchor. Add it
//     only when showing what the runner hears now:
//       clock.SessionMsOf(mixer.frames_rendered() - latency_frames).
//  5. Re-anchor only to correct a real discontinuity (a reconnect to a
//     session whose clock moved on), from the next event's session_time_ms;
//     cues already scheduled keep their frames.
//
// Not thread-safe: use it on the control thread only.
#ifndef YOGA_CLIENT_AUDIO_SESSION_CLOCK_H_
#define YOGA_CLIENT_AUDIO_SESSION_CLOCK_H_

#include <cstdint>

namespace yoga::client::audio {

class SessionClock {
 public:
  // `sample_rate` > 0 frames a second. Until Anchor, session time 0 is frame 0.
  explicit SessionClock(int sample_rate);

  int sample_rate() const { return sample_rate_; }
  bool anchored() const { return anchored_; }
  int64_t anchor_ms() const { return anchor_ms_; }
  int64_t anchor_frame() const { return anchor_frame_; }

  // Session time `session_ms` plays at output frame `frame`.
  void Anchor(int64_t session_ms, int64_t frame);

  // The output frame at which session time `session_ms` plays; times before
  // the anchor give earlier (possibly negative) frames.
  int64_t FrameOf(int64_t session_ms) const;

  // The session time playing at `frame`, to the nearest millisecond; the
  // inverse of FrameOf for sample rates of at least 1000.
  int64_t SessionMsOf(int64_t frame) const;

 private:
  int sample_rate_;
  bool anchored_ = false;
  int64_t anchor_ms_ = 0;
  int64_t anchor_frame_ = 0;
};

}  // namespace yoga::client::audio

#endif  // YOGA_CLIENT_AUDIO_SESSION_CLOCK_H_
