// The client's calls to the session service: getting a session ready to play
// or render (start it or find the one to join, fetch its whole timeline,
// decode just the prompts it uses), controlling it, and reading a profile's
// practice history. Calls retry while the server cannot be reached
// (RetryPolicy), telling the runner; a policy with give_up_after zero calls
// once.
#ifndef YOGA_CLIENT_SESSION_SESSION_SETUP_H_
#define YOGA_CLIENT_SESSION_SESSION_SETUP_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/audio/voice_pack_audio.h"
#include "client/session/clock_sync.h"
#include "client/session/retry.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga::client {

struct SessionCallOptions {
  RetryPolicy retry;
  absl::Duration timeout = absl::Seconds(10);  // Of each call.
  // Told why and how long before each retry.
  std::function<void(const absl::Status&, absl::Duration)> on_retry;
};

// A session to play: how it stands and its timeline as planned.
struct SessionPlan {
  yoga::session::v1::Session session;
  yoga::session::v1::SessionTimeline timeline;
};

// Starts a session from `request`.
absl::StatusOr<SessionPlan> StartSession(
    yoga::session::v1::SessionService::StubInterface& stub,
    const yoga::session::v1::StartSessionRequest& request,
    const SessionCallOptions& options);

// Finds the running session `session_id`.
absl::StatusOr<SessionPlan> JoinSession(
    yoga::session::v1::SessionService::StubInterface& stub,
    const std::string& session_id, const SessionCallOptions& options);

// Finds the live class whose join code is `join_code` (six digits).
absl::StatusOr<SessionPlan> JoinClass(
    yoga::session::v1::SessionService::StubInterface& stub,
    const std::string& join_code, const SessionCallOptions& options);

// One SyncClock exchange, for a ClockSyncer: each is a single call with a
// 1 s deadline, never retried (a late answer is a poor sample anyway).
ClockSyncer::Exchange SyncClockExchange(
    yoga::session::v1::SessionService::StubInterface& stub);

// How session `session_id` stands now.
absl::StatusOr<yoga::session::v1::Session> GetSession(
    yoga::session::v1::SessionService::StubInterface& stub,
    const std::string& session_id, const SessionCallOptions& options);

// Pauses, resumes, skips or stops session `session_id`; how it stands after.
// A class's teacher gives the class's `teacher_token`.
absl::StatusOr<yoga::session::v1::Session> ControlSession(
    yoga::session::v1::SessionService::StubInterface& stub,
    const std::string& session_id, yoga::session::v1::ControlAction action,
    const SessionCallOptions& options, const std::string& teacher_token = "");

// What `yoga-guide history` shows: a profile's week and its newest records.
struct PracticeHistory {
  yoga::session::v1::PracticeSummary summary;
  yoga::session::v1::ListPracticeRecordsResponse records;
};

// The week of `profile_id` counted in `time_zone` (an IANA name) and its
// newest `limit` records (1 to 500).
absl::StatusOr<PracticeHistory> FetchPracticeHistory(
    yoga::session::v1::SessionService::StubInterface& stub,
    const std::string& profile_id, const std::string& time_zone, int limit,
    const SessionCallOptions& options);

// The prompts of `plan`'s timeline from the pack the session names, in
// `voice_dir`/<pack id>/, at `sample_rate`.
absl::StatusOr<audio::VoicePackAudio> LoadSessionVoice(
    const std::string& voice_dir, const SessionPlan& plan, int sample_rate);

}  // namespace yoga::client

#endif  // YOGA_CLIENT_SESSION_SESSION_SETUP_H_
