// How every unary handler of every service answers, so that none can skip
// admission (call_admission.h) or work for a caller who has given up:
//
//   return AnswerUnary(context, response,
//                      [&] { return planner_.GetRoutine(*request); });
//
// AnswerUnary refuses a call the access policy did not admit, or whose
// deadline passed before it started; otherwise it runs `work` (returning
// absl::StatusOr<Response>) and finishes the call with its status, and with
// its value when OK. AnswerUnaryLater does the same for work that answers
// later (a call to another service): `work` gets `done`, to be called exactly
// once, on any thread. AnswerUnaryOn runs `work` on an executor instead of
// gRPC's callback thread (blocking work: the database); it runs later, so it
// must capture what it uses by value (the request and context pointers stay
// valid until the call is answered).
#ifndef YOGA_SERVICES_RUNTIME_UNARY_CALL_H_
#define YOGA_SERVICES_RUNTIME_UNARY_CALL_H_

#include <chrono>
#include <functional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "services/common/bounded_executor.h"
#include "services/common/errors.h"
#include "services/runtime/call_admission.h"

namespace yoga {

// A service's executor for its database calls (AnswerUnaryOn): enough
// threads that calls stalled on the database leave others room, and a
// queue that refuses rather than grows without end.
inline constexpr int kDatabaseThreads = 16;
inline constexpr int kDatabaseQueue = 1024;

// OK when the call may run: admitted, and its deadline not yet passed.
inline absl::Status MayRun(const grpc::CallbackServerContext& context) {
  if (absl::Status admitted = CallAdmission(context); !admitted.ok())
    return admitted;
  if (context.deadline() < std::chrono::system_clock::now()) {
    return WithReason(absl::DeadlineExceededError(
                          "the deadline passed before the call started"),
                      "DEADLINE_PASSED_BEFORE_START");
  }
  return absl::OkStatus();
}

template <typename Response, typename Work>
grpc::ServerUnaryReactor* AnswerUnaryLater(grpc::CallbackServerContext* context,
                                           Response* response, Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status may_run = MayRun(*context); !may_run.ok()) {
    reactor->Finish(ToGrpcStatus(may_run));
    return reactor;
  }
  work([reactor, response](absl::StatusOr<Response> result) {
    if (result.ok()) *response = *std::move(result);
    reactor->Finish(ToGrpcStatus(result.status()));
  });
  return reactor;
}

template <typename Response, typename Work>
grpc::ServerUnaryReactor* AnswerUnary(grpc::CallbackServerContext* context,
                                      Response* response, Work work) {
  return AnswerUnaryLater(
      context, response,
      [&work](const std::function<void(absl::StatusOr<Response>)>& done) {
        done(work());
      });
}

// With a null `executor`, AnswerUnary. A full executor answers its refusal
// (UNAVAILABLE, SERVER_BUSY); a call whose deadline passed or that was
// cancelled while it waited is answered without running `work`.
template <typename Response, typename Work>
grpc::ServerUnaryReactor* AnswerUnaryOn(BoundedExecutor* executor,
                                        grpc::CallbackServerContext* context,
                                        Response* response, Work work) {
  if (executor == nullptr) return AnswerUnary(context, response, work);
  return AnswerUnaryLater(
      context, response,
      [executor, context,
       &work](std::function<void(absl::StatusOr<Response>)> done) {
        absl::Status queued = executor->Schedule([context,
                                                  work = std::move(work),
                                                  done]() mutable {
          if (context->IsCancelled()) {
            done(absl::CancelledError("the call was cancelled"));
          } else if (context->deadline() < std::chrono::system_clock::now()) {
            done(absl::DeadlineExceededError(
                "the deadline passed while the call waited its turn"));
          } else {
            done(work());
          }
        });
        if (!queued.ok()) done(queued);
      });
}

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_UNARY_CALL_H_
