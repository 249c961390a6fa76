// The session service's work without gRPC: it owns the sessions (registry),
// the keeper that writes them to the store, the timelines built for them, the
// source of their routines, the voice packs, and the scheduler that wakes
// their streams. Every method takes a request message and answers with
// absl::StatusOr, errors naming the request's field; session_service.cc adds
// only admission, the gRPC status and the stream reactor. Tests drive it
// directly, on a fake clock.
//
// With a store (SessionServiceConfig::store), sessions are written on every
// change and read back on any replica or after a restart, the keeper follows
// changes made elsewhere and writes practice records, and the practice
// history answers from the store. Thread-safe.
#ifndef YOGA_SERVICES_SESSION_SESSIONS_H_
#define YOGA_SERVICES_SESSION_SESSIONS_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/catalog/catalog.h"
#include "services/session/clock.h"
#include "services/session/cue_feed.h"
#include "services/session/routine_source.h"
#include "services/session/session_keeper.h"
#include "services/session/session_registry.h"
#include "services/session/timeline_cache.h"
#include "services/session/voice_pack.h"
#include "services/session/wake_scheduler.h"
#include "services/storage/store.h"
#include "yoga/session/v1/session_service.pb.h"

namespace yoga::session {

struct SessionServiceConfig {
  SessionLimits limits;
  StreamTiming timing;
  // How long StartSession waits for the planner (planner_routine_source.h).
  absl::Duration planner_timeout = absl::Seconds(10);
  // Where sessions and practice records are kept; null: in memory only (no
  // history, nothing survives a restart). Not owned.
  storage::Store* store = nullptr;
  // How often streams look for controls other replicas wrote (shared stores).
  absl::Duration store_poll = absl::Milliseconds(250);
  // How often due sessions (completed, or paused and idle) are finished.
  absl::Duration store_sweep = absl::Seconds(10);
  // Where join codes come from (0 to 999999); null: at random. Tests set it
  // to make two classes draw the same code.
  JoinCodeSource join_codes;
};

class Sessions {
 public:
  using CatalogSource =
      std::function<std::shared_ptr<const catalog::Catalog>()>;
  using Started = std::function<void(absl::StatusOr<v1::Session>)>;

  // `catalog` gives the newest catalog, or nullptr while there is none.
  Sessions(const Clock& clock, SessionServiceConfig config,
           VoicePacks voice_packs, CatalogSource catalog,
           std::unique_ptr<RoutineSource> routines);
  ~Sessions();  // Stops the keeper, then the scheduler.

  // Every call is made for an `owner`: the calling API key's id, "" for
  // local, keyless use (call_admission.h). Sessions and practice records are
  // their owner's: for any other owner they do not exist (NOT_FOUND, in the
  // words used for an id never made).

  // Checks the request (at once: INVALID_ARGUMENT naming the field), asks
  // the routine source for its routine, builds its timeline and starts it.
  // With request.request_id, a session the owner already started with it is
  // the answer. `done` runs exactly once, on any thread.
  void Start(const v1::StartSessionRequest& request, absl::string_view owner,
             Started done);
  // `may_teach`: the caller's key has the "teach" permission, and may
  // control the owner's classes without their teacher_token.
  absl::StatusOr<v1::Session> Control(const v1::ControlSessionRequest& request,
                                      absl::string_view owner = "",
                                      bool may_teach = false);
  // The owner's live class with request.join_code.
  absl::StatusOr<v1::Session> JoinClass(const v1::JoinClassRequest& request,
                                        absl::string_view owner = "");
  // The clock sessions run on: SyncClock's, and CueEvent.server_time's.
  absl::Time Now() const { return clock_.Now(); }
  absl::StatusOr<v1::Session> Get(const v1::GetSessionRequest& request,
                                  absl::string_view owner = "");
  absl::StatusOr<v1::SessionTimeline> GetTimeline(
      const v1::GetSessionTimelineRequest& request,
      absl::string_view owner = "");
  // A feed of the session's cues after request.after_seq. Someone hears it
  // now: when the session ends, it is practice (Session::MarkStreamed).
  absl::StatusOr<std::unique_ptr<CueFeed>> OpenStream(
      const v1::StreamCuesRequest& request, absl::string_view owner = "");

  // The owner's practice history (practice_history.h); FAILED_PRECONDITION
  // without a store.
  absl::StatusOr<v1::ListPracticeRecordsResponse> ListPracticeRecords(
      const v1::ListPracticeRecordsRequest& request,
      absl::string_view owner = "");
  absl::StatusOr<v1::PracticeSummary> GetPracticeSummary(
      const v1::GetPracticeSummaryRequest& request,
      absl::string_view owner = "");

  SessionRegistry& registry() { return registry_; }

 private:
  // Starts a session on `routine`, resolved for `options`.
  absl::StatusOr<v1::Session> StartOn(
      absl::StatusOr<yoga::type::v1::Routine> routine,
      v1::SessionOptions options, SessionOrigin origin);
  // The timeline of a stored session, on this server's catalog and packs.
  absl::StatusOr<std::shared_ptr<const Timeline>> Rebuild(
      const yoga::storage::v1::StoredSession& stored);
  absl::StatusOr<storage::Store*> HistoryStore() const;
  // What StartSession answers: the session, with a class's teacher token.
  v1::Session StartAnswer(const Session& session) const;

  const Clock& clock_;
  const SessionServiceConfig config_;
  const VoicePacks voice_packs_;
  const CatalogSource catalog_;
  const std::unique_ptr<RoutineSource> routines_;
  TimelineCache timelines_;
  SessionRegistry registry_;
  // Null without a store. Stops before the registry goes.
  std::unique_ptr<SessionKeeper> keeper_;
  // Last, so it stops before what its wakes touch is destroyed.
  WakeScheduler scheduler_;
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_SESSIONS_H_
