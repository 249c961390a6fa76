// yoga.session.v1.SessionService on gRPC's callback API, over the session
// core (sessions.h): each unary call is admitted and answered in one line
// (runtime/unary_call.h), and each StreamCues is a reactor that writes what
// its CueFeed says and is woken by the core's scheduler when its next event
// falls due, so thousands of streams need no thread each. Routines come from
// the planner over gRPC (planner_routine_source.h); the practice history
// RPCs are in practice_history_service.cc.
//
// Shutdown() ends every open stream with UNAVAILABLE ("reconnect with
// after_seq") so that clients move to another server or come back later;
// ServeUntilSignalled's on_stopping hook calls it on SIGTERM.
#ifndef YOGA_SERVICES_SESSION_SESSION_SERVICE_H_
#define YOGA_SERVICES_SESSION_SESSION_SERVICE_H_

#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "services/common/bounded_executor.h"
#include "services/session/planner_routine_source.h"
#include "services/session/sessions.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga::session {

inline constexpr char kSessionServiceName[] = "yoga.session.v1.SessionService";

class CueStream;

// The streams a service has open, so that Shutdown can end them.
class OpenStreams {
 public:
  explicit OpenStreams(int max_streams) : max_streams_(max_streams) {}

  // UNAVAILABLE once shutting down; RESOURCE_EXHAUSTED with max_streams open.
  absl::Status Room();
  // Room(), then keeps `stream` until Remove.
  absl::Status Add(const std::shared_ptr<CueStream>& stream);
  void Remove(CueStream* stream);
  // Ends every stream with UNAVAILABLE and refuses new ones. Idempotent.
  void EndAll();

 private:
  absl::Status RoomLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const int max_streams_;
  absl::Mutex mutex_;
  bool shutting_down_ ABSL_GUARDED_BY(mutex_) = false;
  absl::flat_hash_map<CueStream*, std::weak_ptr<CueStream>> streams_
      ABSL_GUARDED_BY(mutex_);
};

class SessionServiceImpl final
    : public yoga::session::v1::SessionService::CallbackService {
 public:
  // `catalog` gives the newest catalog, or nullptr while there is none.
  SessionServiceImpl(
      const Clock& clock, SessionServiceConfig config, VoicePacks voice_packs,
      Sessions::CatalogSource catalog,
      std::shared_ptr<yoga::planner::v1::PlannerService::StubInterface>
          planner);
  ~SessionServiceImpl() override;

  // The planner to call from now on (see PlannerRoutineSource::UsePlanner).
  void UsePlanner(
      std::shared_ptr<yoga::planner::v1::PlannerService::StubInterface>
          planner) {
    planner_->UsePlanner(std::move(planner));
  }

  // Ends every stream with UNAVAILABLE and refuses new ones. Idempotent.
  void Shutdown() { streams_.EndAll(); }

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
  // practice_history_service.cc
  grpc::ServerUnaryReactor* ListPracticeRecords(
      grpc::CallbackServerContext* context,
      const yoga::session::v1::ListPracticeRecordsRequest* request,
      yoga::session::v1::ListPracticeRecordsResponse* response) override;
  grpc::ServerUnaryReactor* GetPracticeSummary(
      grpc::CallbackServerContext* context,
      const yoga::session::v1::GetPracticeSummaryRequest* request,
      yoga::session::v1::PracticeSummary* response) override;
  // class_service.cc
  grpc::ServerUnaryReactor* JoinClass(
      grpc::CallbackServerContext* context,
      const yoga::session::v1::JoinClassRequest* request,
      yoga::session::v1::Session* response) override;
  grpc::ServerUnaryReactor* SyncClock(
      grpc::CallbackServerContext* context,
      const yoga::session::v1::SyncClockRequest* request,
      yoga::session::v1::SyncClockResponse* response) override;

  Sessions& sessions() { return sessions_; }

 private:
  // With a store: where the calls that read or write it run (not on gRPC's
  // callback threads). Drained first when the service goes.
  std::unique_ptr<BoundedExecutor> database_;
  OpenStreams streams_;
  // Owned by sessions_.
  PlannerRoutineSource* planner_;
  Sessions sessions_;
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_SESSION_SERVICE_H_
