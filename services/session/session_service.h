// yoga.session.v1.SessionService on gRPC's callback API: unary calls answer
// from the registry; each StreamCues is a reactor woken by the WakeScheduler
// when its next event falls due, so thousands of streams need no thread each.
// Routines come from the planner (RoutineSource), cue texts from the newest
// catalog, prompt durations from the voice packs.
//
// With a store (SessionServiceConfig::store), sessions are written on every
// change and read back on any replica or after a restart, a SessionKeeper
// follows changes made elsewhere and writes practice records, and the
// practice history RPCs answer from the store.
//
// Shutdown() ends every open stream with UNAVAILABLE ("reconnect with
// after_seq") so that clients move to another server or come back later;
// ServeUntilSignalled's on_stopping hook calls it on SIGTERM.
#ifndef YOGA_SERVICES_SESSION_SESSION_SERVICE_H_
#define YOGA_SERVICES_SESSION_SESSION_SERVICE_H_

#include <functional>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "services/catalog/catalog.h"
#include "services/session/clock.h"
#include "services/session/routine_source.h"
#include "services/session/session_keeper.h"
#include "services/session/session_registry.h"
#include "services/session/timeline_cache.h"
#include "services/session/voice_pack.h"
#include "services/session/wake_scheduler.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga::session {

inline constexpr char kSessionServiceName[] = "yoga.session.v1.SessionService";

class CueStream;

struct SessionServiceConfig {
  SessionLimits limits;
  StreamTiming timing;
  absl::Duration planner_timeout = absl::Seconds(10);
  // Where sessions and practice records are kept; null: in memory only (no
  // history, nothing survives a restart). Not owned.
  storage::Store* store = nullptr;
  // How often streams look for controls other replicas wrote (shared stores).
  absl::Duration store_poll = absl::Milliseconds(250);
  // How often due sessions (completed, or paused and idle) are finished.
  absl::Duration store_sweep = absl::Seconds(10);
};

class SessionServiceImpl final
    : public yoga::session::v1::SessionService::CallbackService {
 public:
  // `catalog` gives the newest catalog, or nullptr while there is none.
  SessionServiceImpl(
      const Clock& clock, SessionServiceConfig config, VoicePacks voice_packs,
      std::function<std::shared_ptr<const catalog::Catalog>()> catalog,
      std::shared_ptr<yoga::planner::v1::PlannerService::StubInterface>
          planner);
  ~SessionServiceImpl() override;

  // The planner to call from now on (see RoutineSource::UsePlanner).
  void UsePlanner(
      std::shared_ptr<yoga::planner::v1::PlannerService::StubInterface>
          planner) {
    routines_.UsePlanner(std::move(planner));
  }

  // Ends every stream with UNAVAILABLE and refuses new ones. Idempotent.
  void Shutdown();

  grpc::ServerUnaryReactor* StartSession(
      grpc::CallbackServerContext* context,
      const yoga::session::v1::StartSessionRequest* request,
      yoga::session::v1::Session* response) override;
  grpc::ServerWriteReactor<yoga::session::v1::CueEvent>* StreamCues(
      grpc::CallbackServerContext* context,
      const yoga::session::v1::StreamCuesRequest* request) override;
  grpc::ServerUnaryReactor* ControlSession(
      grpc::CallbackServerContext* context,
      const yoga::session::v1::ControlSessionRequest* request,
      yoga::session::v1::Session* response) override;
  grpc::ServerUnaryReactor* GetSession(
      grpc::CallbackServerContext* context,
      const yoga::session::v1::GetSessionRequest* request,
      yoga::session::v1::Session* response) override;
  grpc::ServerUnaryReactor* GetSessionTimeline(
      grpc::CallbackServerContext* context,
      const yoga::session::v1::GetSessionTimelineRequest* request,
      yoga::session::v1::SessionTimeline* response) override;
  grpc::ServerUnaryReactor* ListPracticeRecords(
      grpc::CallbackServerContext* context,
      const yoga::session::v1::ListPracticeRecordsRequest* request,
      yoga::session::v1::ListPracticeRecordsResponse* response) override;
  grpc::ServerUnaryReactor* GetPracticeSummary(
      grpc::CallbackServerContext* context,
      const yoga::session::v1::GetPracticeSummaryRequest* request,
      yoga::session::v1::PracticeSummary* response) override;

  SessionRegistry& registry() { return registry_; }

 private:
  friend class CueStream;
  void Forget(CueStream* stream);
  // The timeline of a stored session, on this server's catalog and packs.
  absl::StatusOr<std::shared_ptr<const Timeline>> Rebuild(
      const yoga::storage::v1::StoredSession& stored);
  // The store for the history RPCs; FAILED_PRECONDITION without one.
  absl::StatusOr<storage::Store*> HistoryStore() const;

  const Clock& clock_;
  const SessionServiceConfig config_;
  const VoicePacks voice_packs_;
  const std::function<std::shared_ptr<const catalog::Catalog>()> catalog_;
  RoutineSource routines_;
  TimelineCache timelines_;
  SessionRegistry registry_;
  // Null without a store. Stops before the registry goes.
  std::unique_ptr<SessionKeeper> keeper_;
  absl::Mutex mutex_;
  bool shutting_down_ ABSL_GUARDED_BY(mutex_) = false;
  absl::flat_hash_map<CueStream*, std::weak_ptr<CueStream>> streams_
      ABSL_GUARDED_BY(mutex_);
  // Last, so it stops before what its wakes touch is destroyed.
  WakeScheduler scheduler_;
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_SESSION_SERVICE_H_
