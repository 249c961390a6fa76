#include "services/session/planner_routine_source.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "services/common/errors.h"
#include "services/common/proto_time.h"
#include "services/runtime/call_admission.h"

namespace yoga::session {
namespace {

using yoga::planner::v1::ComposeRoutineRequest;
using yoga::type::v1::Routine;

// The planner's error in the caller's terms.
using Rename = std::function<absl::Status(absl::Status)>;

struct PlannerCall {
  grpc::ClientContext context;
  ComposeRoutineRequest compose;
  yoga::planner::v1::GetRoutineRequest get;
  Routine routine;
};

absl::Status FromPlanner(const grpc::Status& status) {
  absl::Status converted = FromGrpcStatus(status);
  if (converted.code() == absl::StatusCode::kUnavailable ||
      converted.code() == absl::StatusCode::kDeadlineExceeded) {
    return absl::Status(converted.code(),
                        absl::StrCat("the planner could not be reached: ",
                                     converted.message()));
  }
  return converted;
}

// A given routine is played with its own breath: options may only repeat it.
absl::Status CheckBreath(const Routine& routine,
                         const yoga::session::v1::SessionOptions& options) {
  if (!options.has_breath_length()) return absl::OkStatus();
  const absl::Duration asked = FromProtoDuration(options.breath_length());
  const absl::Duration own = FromProtoDuration(routine.breath_length());
  if (asked == own) return absl::OkStatus();
  FieldViolations violations;
  violations.Add("options.breath_length",
                 absl::StrCat("this routine was timed with a breath of ",
                              absl::FormatDuration(own), ", not ",
                              absl::FormatDuration(asked),
                              "; leave it unset, or start from compose (a "
                              "preset or constraints) with the breath you "
                              "want"));
  return violations.ToStatus();
}

}  // namespace

void PlannerRoutineSource::UsePlanner(std::shared_ptr<PlannerStub> planner) {
  absl::MutexLock lock(&mutex_);
  planner_ = std::move(planner);
}

void PlannerRoutineSource::Resolve(
    const yoga::session::v1::StartSessionRequest& request,
    absl::string_view owner, Done done) const {
  std::shared_ptr<PlannerStub> planner;
  {
    absl::MutexLock lock(&mutex_);
    planner = planner_;
  }
  if (planner == nullptr) {
    done(WithReason(
        absl::UnavailableError("the session service has no planner yet"),
        "PLANNER_NOT_READY"));
    return;
  }
  auto call = std::make_shared<PlannerCall>();
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  // The planner keeps and finds routines per key: it must know whose this
  // call is (it trusts the name from our own services only).
  if (!owner.empty())
    call->context.AddMetadata(kOnBehalfOfMetadata, std::string(owner));
  const auto& options = request.options();
  bool check_breath = true;
  Rename rename;
  switch (request.source_case()) {
    case yoga::session::v1::StartSessionRequest::kRoutineId:
      call->get.set_id(request.routine_id());
      rename = [](absl::Status status) {
        return RenameFields(status, "id", "routine_id");
      };
      break;
    case yoga::session::v1::StartSessionRequest::kRoutine: {
      // Validated and timed by the planner, as a custom routine would be.
      const Routine& given = request.routine();
      auto* custom = call->compose.mutable_custom();
      custom->set_title(given.title());
      // Unset means the planner's default breath, as for a custom routine.
      if (given.has_breath_length())
        *custom->mutable_breath_length() = given.breath_length();
      for (const auto& step : given.steps()) {
        auto* custom_step = custom->add_steps();
        custom_step->set_pose_id(step.pose_id());
        custom_step->set_variation_id(step.variation_id());
        custom_step->set_side(step.side());
        custom_step->set_hold_count(step.hold_count());
      }
      rename = [](absl::Status status) {
        return RenameFields(status, "custom.", "routine.");
      };
      break;
    }
    default: {
      call->compose = request.compose();
      // Composed with the session's breath, whatever breath the compose
      // request named: a preset's breath-counted holds follow it too.
      if (options.has_breath_length()) {
        *call->compose.mutable_breath_length() = options.breath_length();
        if (call->compose.has_constraints()) {
          *call->compose.mutable_constraints()->mutable_breath_length() =
              options.breath_length();
        } else if (call->compose.has_custom()) {
          *call->compose.mutable_custom()->mutable_breath_length() =
              options.breath_length();
        }
        check_breath = false;
      }
      rename = [](absl::Status status) {
        status = RenameFields(status, "constraints.", "compose.constraints.");
        status = RenameFields(status, "custom.", "compose.custom.");
        status = RenameFields(status, "breath_length", "compose.breath_length");
        return RenameFields(status, "preset_id", "compose.preset_id");
      };
      break;
    }
  }
  auto answer = [call, rename = std::move(rename), options, check_breath](
                    const grpc::Status& status) -> absl::StatusOr<Routine> {
    if (!status.ok()) return rename(FromPlanner(status));
    if (check_breath) {
      if (absl::Status breath = CheckBreath(call->routine, options);
          !breath.ok()) {
        return breath;
      }
    }
    return std::move(call->routine);
  };
  auto finish = [executor = executor_, done = std::move(done),
                 answer = std::move(answer)](const grpc::Status& status) {
    if (executor == nullptr) {
      done(answer(status));
      return;
    }
    absl::Status queued = executor->Schedule(
        [done, answer, status]() mutable { done(answer(status)); });
    if (!queued.ok()) done(queued);
  };
  if (request.source_case() ==
      yoga::session::v1::StartSessionRequest::kRoutineId) {
    planner->async()->GetRoutine(&call->context, &call->get, &call->routine,
                                 std::move(finish));
  } else {
    planner->async()->ComposeRoutine(&call->context, &call->compose,
                                     &call->routine, std::move(finish));
  }
}

}  // namespace yoga::session
