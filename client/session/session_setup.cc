#include "client/session/session_setup.h"

#include <chrono>
#include <filesystem>

#include "absl/container/flat_hash_set.h"
#include "grpcpp/client_context.h"
#include "services/common/errors.h"

namespace yoga::client {
namespace {

using yoga::session::v1::SessionService;

// One unary call of `stub` with a deadline, retried while UNAVAILABLE.
template <typename Request, typename Response, typename Method>
absl::Status Call(SessionService::StubInterface& stub, Method method,
                  const Request& request, Response* response,
                  const SessionCallOptions& options) {
  return CallWithRetry(
      [&] {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() +
                             absl::ToChronoMilliseconds(options.timeout));
        return FromGrpcStatus((stub.*method)(&context, request, response));
      },
      options.retry, options.on_retry);
}

// The session `method` answers `request` with, and its timeline.
template <typename Request, typename Method>
absl::StatusOr<SessionPlan> PlanOf(SessionService::StubInterface& stub,
                                   Method method, const Request& request,
                                   const SessionCallOptions& options) {
  SessionPlan plan;
  if (absl::Status status = Call(stub, method, request, &plan.session, options);
      !status.ok()) {
    return status;
  }
  yoga::session::v1::GetSessionTimelineRequest timeline;
  timeline.set_session_id(plan.session.id());
  if (absl::Status status =
          Call(stub, &SessionService::StubInterface::GetSessionTimeline,
               timeline, &plan.timeline, options);
      !status.ok()) {
    return status;
  }
  return plan;
}

}  // namespace

absl::StatusOr<SessionPlan> StartSession(
    SessionService::StubInterface& stub,
    const yoga::session::v1::StartSessionRequest& request,
    const SessionCallOptions& options) {
  return PlanOf(stub, &SessionService::StubInterface::StartSession, request,
                options);
}

absl::StatusOr<SessionPlan> JoinSession(SessionService::StubInterface& stub,
                                        const std::string& session_id,
                                        const SessionCallOptions& options) {
  yoga::session::v1::GetSessionRequest request;
  request.set_id(session_id);
  return PlanOf(stub, &SessionService::StubInterface::GetSession, request,
                options);
}

absl::StatusOr<SessionPlan> JoinClass(SessionService::StubInterface& stub,
                                      const std::string& join_code,
                                      const SessionCallOptions& options) {
  yoga::session::v1::JoinClassRequest request;
  request.set_join_code(join_code);
  return PlanOf(stub, &SessionService::StubInterface::JoinClass, request,
                options);
}

ClockSyncer::Exchange SyncClockExchange(SessionService::StubInterface& stub) {
  return [&stub]() -> absl::StatusOr<ClockSample> {
    auto unix_ns = [](const google::protobuf::Timestamp& time) {
      return time.seconds() * 1'000'000'000 + time.nanos();
    };
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(1));
    yoga::session::v1::SyncClockRequest request;
    yoga::session::v1::SyncClockResponse response;
    ClockSample sample;
    sample.client_send_ns = MonotonicNowNs();
    request.set_client_send_time(sample.client_send_ns);
    const grpc::Status status = stub.SyncClock(&context, request, &response);
    sample.client_receive_ns = MonotonicNowNs();
    if (!status.ok()) return FromGrpcStatus(status);
    if (response.client_send_time() != sample.client_send_ns)
      return absl::InternalError("SyncClock answered another request");
    sample.server_receive_ns = unix_ns(response.receive_time());
    sample.server_send_ns = unix_ns(response.send_time());
    return sample;
  };
}

absl::StatusOr<yoga::session::v1::Session> GetSession(
    SessionService::StubInterface& stub, const std::string& session_id,
    const SessionCallOptions& options) {
  yoga::session::v1::GetSessionRequest request;
  request.set_id(session_id);
  yoga::session::v1::Session session;
  if (absl::Status status =
          Call(stub, &SessionService::StubInterface::GetSession, request,
               &session, options);
      !status.ok()) {
    return status;
  }
  return session;
}

absl::StatusOr<yoga::session::v1::Session> ControlSession(
    SessionService::StubInterface& stub, const std::string& session_id,
    yoga::session::v1::ControlAction action, const SessionCallOptions& options,
    const std::string& teacher_token) {
  yoga::session::v1::ControlSessionRequest request;
  request.set_session_id(session_id);
  request.set_action(action);
  request.set_teacher_token(teacher_token);
  yoga::session::v1::Session session;
  if (absl::Status status =
          Call(stub, &SessionService::StubInterface::ControlSession, request,
               &session, options);
      !status.ok()) {
    return status;
  }
  return session;
}

absl::StatusOr<PracticeHistory> FetchPracticeHistory(
    SessionService::StubInterface& stub, const std::string& profile_id,
    const std::string& time_zone, int limit,
    const SessionCallOptions& options) {
  PracticeHistory history;
  yoga::session::v1::GetPracticeSummaryRequest summary;
  summary.set_profile_id(profile_id);
  summary.set_time_zone(time_zone);
  if (absl::Status status =
          Call(stub, &SessionService::StubInterface::GetPracticeSummary,
               summary, &history.summary, options);
      !status.ok()) {
    return status;
  }
  yoga::session::v1::ListPracticeRecordsRequest records;
  records.set_profile_id(profile_id);
  records.set_page_size(limit);
  if (absl::Status status =
          Call(stub, &SessionService::StubInterface::ListPracticeRecords,
               records, &history.records, options);
      !status.ok()) {
    return status;
  }
  return history;
}

absl::StatusOr<audio::VoicePackAudio> LoadSessionVoice(
    const std::string& voice_dir, const SessionPlan& plan, int sample_rate) {
  absl::flat_hash_set<std::string> keys;
  for (const auto& cue : plan.timeline.cues()) {
    if (!cue.prompt_key().empty()) keys.insert(cue.prompt_key());
  }
  const std::string& pack = plan.session.options().voice_pack();
  return audio::LoadVoicePackAudio(
      (std::filesystem::path(voice_dir) / (pack.empty() ? "default" : pack))
          .string(),
      sample_rate, keys);
}

}  // namespace yoga::client
