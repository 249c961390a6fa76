// SessionService's practice history RPCs, over Sessions (practice_history.h
// says what they answer).
#include "services/runtime/unary_call.h"
#include "services/session/session_service.h"

namespace yoga::session {

grpc::ServerUnaryReactor* SessionServiceImpl::ListPracticeRecords(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::ListPracticeRecordsRequest* request,
    yoga::session::v1::ListPracticeRecordsResponse* response) {
  return AnswerUnary(context, response, [&] {
    return sessions_.ListPracticeRecords(*request, CallOwner(*context));
  });
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetPracticeSummary(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::GetPracticeSummaryRequest* request,
    yoga::session::v1::PracticeSummary* response) {
  return AnswerUnary(context, response, [&] {
    return sessions_.GetPracticeSummary(*request, CallOwner(*context));
  });
}

}  // namespace yoga::session
