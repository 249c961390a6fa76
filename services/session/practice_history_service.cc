// SessionService's practice history RPCs, over Sessions (practice_history.h
// says what they answer).
#include "services/runtime/unary_call.h"
#include "services/session/session_service.h"

namespace yoga::session {

grpc::ServerUnaryReactor* SessionServiceImpl::ListPracticeRecords(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::ListPracticeRecordsRequest* request,
    yoga::session::v1::ListPracticeRecordsResponse* response) {
  return AnswerUnaryOn(
      database_.get(), context, response, [this, request, context] {
        return sessions_.ListPracticeRecords(*request, CallOwner(*context));
      });
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetPracticeSummary(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::GetPracticeSummaryRequest* request,
    yoga::session::v1::PracticeSummary* response) {
  return AnswerUnaryOn(
      database_.get(), context, response, [this, request, context] {
        return sessions_.GetPracticeSummary(*request, CallOwner(*context));
      });
}

}  // namespace yoga::session
