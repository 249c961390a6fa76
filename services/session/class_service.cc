// SessionService's RPCs for classes: finding one by its join code, and the
// clock exchange mats use to hear every prompt on the same moment.
#include "services/common/proto_time.h"
#include "services/runtime/api_keys.h"
#include "services/runtime/unary_call.h"
#include "services/session/session_service.h"

namespace yoga::session {

grpc::ServerUnaryReactor* SessionServiceImpl::JoinClass(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::JoinClassRequest* request,
    yoga::session::v1::Session* response) {
  return AnswerUnaryOn(
      database_.get(), context, response, [this, request, context] {
        return sessions_.JoinClass(*request, CallOwner(*context));
      });
}

grpc::ServerUnaryReactor* SessionServiceImpl::SyncClock(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::SyncClockRequest* request,
    yoga::session::v1::SyncClockResponse* response) {
  // Taken first and answered on gRPC's own thread, never queued: time spent
  // here between the two readings is measured, time spent waiting is not.
  const absl::Time received = sessions_.Now();
  return AnswerUnary(context, response, [&] {
    yoga::session::v1::SyncClockResponse answer;
    answer.set_client_send_time(request->client_send_time());
    *answer.mutable_receive_time() = ToProtoTimestamp(received);
    *answer.mutable_send_time() = ToProtoTimestamp(sessions_.Now());
    return absl::StatusOr<yoga::session::v1::SyncClockResponse>(
        std::move(answer));
  });
}

}  // namespace yoga::session
