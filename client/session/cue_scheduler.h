// Turns a session's cue events into clips on the Mixer's frame clock: the one
// place that knows the stream's rules (DESIGN.md "Timing model").
//
//   CueScheduler scheduler(mixer, voice);
//   for each event from StreamCues: scheduler.OnEvent(event);
//   every few milliseconds:         scheduler.Pump();
//
// - The first event anchors session time: its session_time_ms plays `lead`
//   after the callback's current frame. Every cue then starts on
//   clock.FrameOf(offset_ms), exactly.
// - Cues wait here until they are due within `horizon` of the callback, so
//   the Mixer's 64 slots never fill, even when a whole timeline is given at
//   once (offline rendering).
// - A cue whose seq was had already is ignored: a reconnect never repeats one.
// - PAUSED and RESUMED pause the Mixer (its clock stands still, as session
//   time does). SKIPPED and STOPPED withdraw every cue, waiting here or in the
//   Mixer, whose offset is later than the event's.
// - After a reconnect (OnReconnect), the server says PAUSED first if the
//   session is paused; any other first event means it runs, so a RESUMED
//   missed while disconnected is not waited for forever.
// - Heartbeats check the anchor: should the session clock and the audio clock
//   drift apart by more than `drift_tolerance` (a sound card's crystal against
//   the server's clock, or a long stall), the next cues are re-anchored.
// - In a class (Options::class_clock), session time is placed by the server's
//   clock instead, the same on every mat: each event's server_time says where
//   its session_time_ms stands, and the ClassClock where that is heard. The
//   Mixer never pauses: a PAUSED event says when session time stops, and
//   cues after it wait (a prompt begun before it finishes); the RESUMED
//   event's server_time says when it goes on. Nothing is scheduled until the
//   ClassClock is anchored; from then on, the last server_time received is
//   placed by the ClassClock's mapping as it stands at each Pump, so cues
//   received before it anchored, or cues still waiting when it re-anchors,
//   need no further event.
//
// Control thread only, like the Mixer's control calls.
#ifndef YOGA_CLIENT_SESSION_CUE_SCHEDULER_H_
#define YOGA_CLIENT_SESSION_CUE_SCHEDULER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "client/audio/mixer.h"
#include "client/audio/session_clock.h"
#include "client/audio/voice_pack_audio.h"
#include "client/session/class_clock.h"
#include "yoga/session/v1/session_service.pb.h"

namespace yoga::client {

class CueScheduler {
 public:
  struct Options {
    // Between the callback's frame and where the first event's session time
    // plays: covers the callback's buffers and this thread's jitter.
    absl::Duration lead = absl::Milliseconds(150);
    // How far ahead of the callback cues go to the Mixer.
    absl::Duration horizon = absl::Seconds(3);
    // Re-anchor when a heartbeat is further than this from where it should be.
    absl::Duration drift_tolerance = absl::Milliseconds(300);
    // A cue due further back than this when it reaches the Mixer is not
    // played: it began before this client joined, and would start mid-word.
    // Less late ones play, their first frames cut (the Mixer counts them).
    absl::Duration too_late = absl::Milliseconds(250);
    // Set for a class's mat: where the server's clock is heard. Not owned.
    const ClassClock* class_clock = nullptr;
  };

  // A cue whose audio began.
  struct StartedCue {
    yoga::session::v1::CueEvent cue;
    int64_t frame = 0;  // Where it began on the Mixer's clock.
  };

  struct Counters {
    int64_t cues = 0;             // Distinct cues taken.
    int64_t duplicates = 0;       // Cues ignored as already had.
    int64_t withdrawn = 0;        // Cues dropped here by SKIPPED/STOPPED.
    int64_t missing_prompts = 0;  // Keys the voice pack lacks (not played).
    int64_t reanchors = 0;
    int64_t too_late = 0;  // Not played: see Options::too_late.
  };

  CueScheduler(audio::Mixer& mixer, const audio::VoicePackAudio& voice,
               Options options);
  CueScheduler(audio::Mixer& mixer, const audio::VoicePackAudio& voice)
      : CueScheduler(mixer, voice, Options()) {}

  // Places `session_ms` at `frame` now, instead of at the first event (for
  // offline rendering: session time 0 at frame 0).
  void Anchor(int64_t session_ms, int64_t frame);

  // Takes the stream's next event, in the order received.
  void OnEvent(const yoga::session::v1::CueEvent& event);
  // The stream was opened again (with after_seq = last_seq()).
  void OnReconnect() { reconnected_ = true; }
  // Sends the cues now due within the horizon to the Mixer.
  void Pump();

  // Cues whose audio began since the last call, in order.
  std::vector<StartedCue> TakeStarted();

  int64_t last_seq() const { return last_seq_; }
  bool paused() const { return paused_; }
  // STOPPED was received.
  bool stopped() const { return stopped_; }
  // The END cue was received.
  bool end_received() const { return end_received_; }
  // Nothing waits here or in the Mixer: everything received has played.
  bool idle() const;
  // The session time the callback is rendering (add the device's latency to
  // get what is heard).
  int64_t SessionMsAt(int64_t frame) const { return clock_.SessionMsOf(frame); }
  const audio::SessionClock& clock() const { return clock_; }
  const Counters& counters() const { return counters_; }

 private:
  void Withdraw(int64_t after_offset_ms);
  void CheckDrift(int64_t session_ms);
  // A class's events: anchored on the server's clock; pauses without the
  // Mixer. True when `event` was dealt with.
  bool OnClassEvent(const yoga::session::v1::CueEvent& event);
  // Anchors session time by server_anchor_ on the ClassClock, once both are.
  void FollowClassClock();

  audio::Mixer& mixer_;
  const audio::VoicePackAudio& voice_;
  const Options options_;
  audio::SessionClock clock_;
  std::deque<yoga::session::v1::CueEvent> waiting_;           // By offset.
  std::map<int64_t, yoga::session::v1::CueEvent> scheduled_;  // By seq.
  int64_t last_seq_ = 0;
  bool paused_ = false;
  bool stopped_ = false;
  bool end_received_ = false;
  bool reconnected_ = false;
  // A class: session time stops at this offset (PAUSED) until RESUMED.
  int64_t paused_at_ms_ = 0;
  // A class: the last event's server_time, and the session time it places.
  struct ServerAnchor {
    int64_t session_ms = 0;
    int64_t server_ns = 0;
  };
  std::optional<ServerAnchor> server_anchor_;
  Counters counters_;
};

// A class mat's, on `clock` (client/cli's play, and the simulated mats of
// class_clock_test): cues reach the Mixer just before they play (300 ms), so
// that between prompts it is empty and the class clock corrects by moving its
// mapping, up to the last moment, rather than by speed over seconds.
CueScheduler::Options ClassMatSchedulingOptions(const ClassClock& clock);

}  // namespace yoga::client

#endif  // YOGA_CLIENT_SESSION_CUE_SCHEDULER_H_
