#include "services/session/session_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/runtime/call_admission.h"
#include "services/common/errors.h"
#include "services/common/proto_time.h"
#include "services/shared/breath_length.h"
#include "services/session/practice_history.h"

namespace yoga::session {

using yoga::session::v1::CueEvent;

// One StreamCues call. Owned by itself (self_) from Begin until gRPC calls
// OnDone; the scheduler and the session hold it weakly.
class CueStream final : public grpc::ServerWriteReactor<CueEvent>,
                        public Wakeable,
                        public std::enable_shared_from_this<CueStream> {
 public:
  CueStream(SessionServiceImpl& service, std::shared_ptr<Session> session)
      : service_(service), session_(std::move(session)) {}

  // Starts the stream, or finishes it at once with `refusal`.
  void Begin(StreamCursor cursor, const absl::Status& refusal) {
    self_ = shared_from_this();
    if (!refusal.ok()) {
      FinishOnce(ToGrpcStatus(refusal));
      return;
    }
    cursor_ = cursor;
    std::weak_ptr<Wakeable> weak = weak_from_this();
    auto stream_id = session_->AddStream(
        [weak, &scheduler = service_.scheduler_] {
          scheduler.WakeAt(absl::InfinitePast(), weak);
        },
        service_.config_.limits.max_streams_per_session, service_.clock_.Now());
    if (!stream_id.ok()) {
      FinishOnce(ToGrpcStatus(stream_id.status()));
      return;
    }
    stream_id_ = *stream_id;
    Pump();
  }

  // Ends the stream with `status` once any write in flight is done.
  void End(grpc::Status status) {
    {
      absl::MutexLock lock(&mutex_);
      if (!ending_) ending_ = std::move(status);
    }
    Pump();
  }

  void Wake() override {
    {
      absl::MutexLock lock(&mutex_);
      scheduled_ = absl::InfiniteFuture();
    }
    Pump();
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mutex_);
      writing_ = false;
      if (!ok && !ending_) {
        ending_ = grpc::Status(grpc::StatusCode::CANCELLED, "write failed");
      }
    }
    Pump();
  }

  void OnCancel() override {
    End(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
  }

  void OnDone() override {
    if (stream_id_ != 0)
      session_->RemoveStream(stream_id_, service_.clock_.Now());
    service_.Forget(this);
    std::shared_ptr<CueStream> last = std::move(self_);  // May delete this.
  }

 private:
  // Sends what is due, or arranges to be woken when something will be.
  void Pump() {
    absl::Time wake_at = absl::InfiniteFuture();
    bool write = false;
    bool ask_record = false;
    std::optional<grpc::Status> finish;
    {
      absl::MutexLock lock(&mutex_);
      if (writing_ || finished_) return;
      if (!ending_) {
        const absl::Time now = service_.clock_.Now();
        StreamAction action = session_->Next(cursor_, now);
        switch (action.kind) {
          case StreamAction::kSend:
            event_ = std::move(action.event);
            writing_ = write = true;
            break;
          case StreamAction::kFinish:
            // A completed session's record is written before the stream
            // ends, so a client that asks for its history next finds it.
            if (service_.keeper_ != nullptr && !session_->FinishedIfFree()) {
              if (!record_asked_) record_asked_ = ask_record = true;
            } else {
              ending_ = grpc::Status::OK;
            }
            break;
          case StreamAction::kWait:
            // One pending wake is enough: an earlier one re-checks anyway.
            if (action.wake < scheduled_ || scheduled_ <= now) {
              scheduled_ = action.wake;
              wake_at = action.wake;
            }
            break;
        }
      }
      if (ending_) {
        finished_ = true;
        finish = *ending_;
      }
    }
    if (write) {
      StartWrite(&event_);
    } else if (ask_record) {
      std::weak_ptr<CueStream> weak = weak_from_this();
      service_.keeper_->FinishSoon(session_, [weak] {
        if (auto stream = weak.lock()) stream->End(grpc::Status::OK);
      });
    } else if (finish) {
      Finish(*finish);
    } else if (wake_at != absl::InfiniteFuture()) {
      service_.scheduler_.WakeAt(wake_at, weak_from_this());
    }
  }

  void FinishOnce(grpc::Status status) {
    {
      absl::MutexLock lock(&mutex_);
      if (finished_) return;
      finished_ = true;
    }
    Finish(std::move(status));
  }

  SessionServiceImpl& service_;
  const std::shared_ptr<Session> session_;
  std::shared_ptr<CueStream> self_;
  int stream_id_ = 0;
  absl::Mutex mutex_;
  StreamCursor cursor_ ABSL_GUARDED_BY(mutex_);
  CueEvent event_;  // The write in flight.
  bool writing_ ABSL_GUARDED_BY(mutex_) = false;
  bool finished_ ABSL_GUARDED_BY(mutex_) = false;
  // The keeper was asked to write the session's end; it ends the stream.
  bool record_asked_ ABSL_GUARDED_BY(mutex_) = false;
  std::optional<grpc::Status> ending_ ABSL_GUARDED_BY(mutex_);
  absl::Time scheduled_ ABSL_GUARDED_BY(mutex_) = absl::InfiniteFuture();
};

namespace {

// Checks the options of StartSession and fills in their defaults.
absl::StatusOr<yoga::session::v1::SessionOptions> FilledOptions(
    const yoga::session::v1::SessionOptions& given, const VoicePacks& packs) {
  FieldViolations violations;
  yoga::session::v1::SessionOptions options = given;
  if (!yoga::session::v1::Verbosity_IsValid(options.verbosity())) {
    violations.Add("options.verbosity",
                   absl::StrCat("unknown value ", options.verbosity()));
  } else if (options.verbosity() == yoga::session::v1::VERBOSITY_UNSPECIFIED) {
    options.set_verbosity(yoga::session::v1::VERBOSITY_FULL);
  }
  if (options.has_breath_length()) {
    CheckBreathLength(options.breath_length(), "options.breath_length",
                               violations);
  }
  if (options.voice_pack().empty()) options.set_voice_pack(kDefaultVoicePack);
  if (!packs.contains(options.voice_pack())) {
    std::string known;
    for (const auto& [id, pack] : packs)
      absl::StrAppend(&known, known.empty() ? "" : ", ", id);
    violations.Add("options.voice_pack",
                   absl::StrCat("no voice pack \"", options.voice_pack(),
                                "\" on this server; it has: ", known));
  }
  if (options.has_lead_in()) {
    const absl::Duration lead_in = FromProtoDuration(options.lead_in());
    if (lead_in < absl::ZeroDuration() || lead_in > kMaxLeadIn) {
      violations.Add(
          "options.lead_in",
          absl::StrCat("must be 0 to ", absl::FormatDuration(kMaxLeadIn),
                       ", not ", absl::FormatDuration(lead_in)));
    }
  } else {
    *options.mutable_lead_in() = ToProtoDuration(kDefaultLeadIn);
  }
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  return options;
}

grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context,
                                 const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

absl::Status RequireId(absl::string_view id, absl::string_view field) {
  if (!id.empty()) return absl::OkStatus();
  FieldViolations violations;
  violations.Add(std::string(field), "is required");
  return violations.ToStatus();
}

}  // namespace

namespace {

SessionServiceConfig WithCutMargin(SessionServiceConfig config) {
  // A control written here reaches streams on other replicas within one poll
  // and its query; twice the poll leaves room for a slow query.
  if (config.store != nullptr && config.store->Shared())
    config.timing.cut_margin = 2 * config.store_poll;
  return config;
}

}  // namespace

SessionServiceImpl::SessionServiceImpl(
    const Clock& clock, SessionServiceConfig config, VoicePacks voice_packs,
    std::function<std::shared_ptr<const catalog::Catalog>()> catalog,
    std::shared_ptr<yoga::planner::v1::PlannerService::StubInterface> planner)
    : clock_(clock),
      config_(WithCutMargin(config)),
      voice_packs_(std::move(voice_packs)),
      catalog_(std::move(catalog)),
      routines_(std::move(planner), config.planner_timeout),
      registry_(
          clock, config_.limits, config_.timing, config_.store,
          [this](const yoga::storage::v1::StoredSession& stored) {
            return Rebuild(stored);
          },
          voice_packs_),
      keeper_(config_.store == nullptr
                  ? nullptr
                  : std::make_unique<SessionKeeper>(
                        registry_, config_.store_poll, config_.store_sweep)),
      scheduler_(clock, /*threads=*/0, absl::Seconds(10),
                 [this] { registry_.ExpireIdle(); }) {}

absl::StatusOr<std::shared_ptr<const Timeline>> SessionServiceImpl::Rebuild(
    const yoga::storage::v1::StoredSession& stored) {
  std::shared_ptr<const catalog::Catalog> catalog = catalog_();
  if (catalog == nullptr) {
    return absl::UnavailableError(
        "the session service has no catalog yet; try again shortly");
  }
  const yoga::session::v1::SessionOptions& options = stored.options();
  auto pack = voice_packs_.find(options.voice_pack());
  if (pack == voice_packs_.end()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "session ", stored.id(), " plays voice pack \"", options.voice_pack(),
        "\", which this server does not have"));
  }
  return timelines_.Get(*catalog, *pack->second, stored.routine(),
                        {.verbosity = options.verbosity(),
                         .lead_in = FromProtoDuration(options.lead_in())});
}

absl::StatusOr<storage::Store*> SessionServiceImpl::HistoryStore() const {
  if (config_.store == nullptr) {
    return absl::FailedPreconditionError(
        "this server keeps no practice history (it runs with "
        "--database=memory)");
  }
  return config_.store;
}

SessionServiceImpl::~SessionServiceImpl() {
  Shutdown();
  // Its thread wakes streams through the scheduler: stop it first.
  keeper_.reset();
}

void SessionServiceImpl::Shutdown() {
  std::vector<std::shared_ptr<CueStream>> open;
  {
    absl::MutexLock lock(&mutex_);
    shutting_down_ = true;
    for (const auto& [raw, weak] : streams_) {
      if (auto stream = weak.lock()) open.push_back(std::move(stream));
    }
  }
  for (const auto& stream : open) {
    stream->End(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                             "the server is shutting down; reconnect with "
                             "after_seq set to the last seq you received"));
  }
}

void SessionServiceImpl::Forget(CueStream* stream) {
  absl::MutexLock lock(&mutex_);
  streams_.erase(stream);
}

grpc::ServerUnaryReactor* SessionServiceImpl::StartSession(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::StartSessionRequest* request,
    yoga::session::v1::Session* response) {
  if (absl::Status admitted = CallAdmission(*context); !admitted.ok())
    return Answer(context, admitted);
  if (request->source_case() ==
      yoga::session::v1::StartSessionRequest::SOURCE_NOT_SET) {
    FieldViolations violations;
    violations.Add("source",
                   "one of routine_id, routine or compose is required");
    return Answer(context, violations.ToStatus());
  }
  if (absl::Status status = ValidateProfileId(
          request->profile_id(), "profile_id", ProfileIdRule::kOptional);
      !status.ok()) {
    return Answer(context, status);
  }
  auto options = FilledOptions(request->options(), voice_packs_);
  if (!options.ok()) return Answer(context, options.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  routines_.Resolve(
      *request, [this, reactor, response, options = *std::move(options),
                 profile_id = request->profile_id()](
                    absl::StatusOr<yoga::type::v1::Routine> routine) mutable {
        auto started = [&]() -> absl::StatusOr<yoga::session::v1::Session> {
          if (!routine.ok()) return routine.status();
          std::shared_ptr<const catalog::Catalog> catalog = catalog_();
          if (catalog == nullptr) {
            return absl::UnavailableError(
                "the session service has no catalog yet; try again shortly");
          }
          if (!options.has_breath_length())
            *options.mutable_breath_length() = routine->breath_length();
          const TimelineOptions timeline_options{
              .verbosity = options.verbosity(),
              .lead_in = FromProtoDuration(options.lead_in())};
          auto timeline =
              timelines_.Get(*catalog, *voice_packs_.at(options.voice_pack()),
                             *routine, timeline_options);
          if (!timeline.ok()) return timeline.status();
          auto session = registry_.Create(*std::move(routine), options,
                                          *std::move(timeline), profile_id);
          if (!session.ok()) return session.status();
          return (*session)->ToProto(clock_.Now());
        }();
        if (started.ok()) *response = *std::move(started);
        reactor->Finish(ToGrpcStatus(started.status()));
      });
  return reactor;
}

grpc::ServerWriteReactor<CueEvent>* SessionServiceImpl::StreamCues(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::StreamCuesRequest* request) {
  absl::Status refusal = CallAdmission(*context);
  if (refusal.ok()) refusal = RequireId(request->session_id(), "session_id");
  if (refusal.ok() && request->after_seq() < 0) {
    FieldViolations violations;
    violations.Add("after_seq", "must be 0 or more");
    refusal = violations.ToStatus();
  }
  std::shared_ptr<Session> session;
  if (refusal.ok()) {
    auto found = registry_.Find(request->session_id(), /*latest=*/true);
    if (found.ok()) {
      session = *std::move(found);
    } else {
      refusal = found.status();
    }
  }
  StreamCursor cursor;
  if (refusal.ok()) {
    auto opened = session->OpenCursor(request->after_seq(), clock_.Now());
    if (opened.ok()) {
      cursor = *opened;
    } else {
      refusal = opened.status();
    }
  }
  // Someone hears it: when it ends, it is practice.
  if (refusal.ok()) refusal = registry_.MarkStreamed(*session);
  auto stream = std::make_shared<CueStream>(*this, std::move(session));
  {
    absl::MutexLock lock(&mutex_);
    if (refusal.ok() && shutting_down_) {
      refusal = absl::UnavailableError(
          "the server is shutting down; reconnect to another or later");
    }
    if (refusal.ok()) streams_.emplace(stream.get(), stream);
  }
  stream->Begin(cursor, refusal);
  return stream.get();
}

grpc::ServerUnaryReactor* SessionServiceImpl::ControlSession(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::ControlSessionRequest* request,
    yoga::session::v1::Session* response) {
  if (absl::Status admitted = CallAdmission(*context); !admitted.ok())
    return Answer(context, admitted);
  FieldViolations violations;
  if (request->session_id().empty())
    violations.Add("session_id", "is required");
  if (request->action() == yoga::session::v1::CONTROL_ACTION_UNSPECIFIED ||
      !yoga::session::v1::ControlAction_IsValid(request->action())) {
    violations.Add(
        "action", "must be PAUSE, RESUME, NEXT, PREVIOUS, STOP or STAY_LONGER");
  }
  if (!violations.empty()) return Answer(context, violations.ToStatus());
  auto session = registry_.Control(request->session_id(), request->action());
  if (!session.ok()) return Answer(context, session.status());
  *response = (*session)->ToProto(clock_.Now());
  return Answer(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetSession(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::GetSessionRequest* request,
    yoga::session::v1::Session* response) {
  if (absl::Status admitted = CallAdmission(*context); !admitted.ok())
    return Answer(context, admitted);
  if (absl::Status status = RequireId(request->id(), "id"); !status.ok())
    return Answer(context, status);
  auto session = registry_.Find(request->id(), /*latest=*/true);
  if (!session.ok()) return Answer(context, session.status());
  *response = (*session)->ToProto(clock_.Now());
  return Answer(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetSessionTimeline(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::GetSessionTimelineRequest* request,
    yoga::session::v1::SessionTimeline* response) {
  if (absl::Status admitted = CallAdmission(*context); !admitted.ok())
    return Answer(context, admitted);
  if (absl::Status status = RequireId(request->session_id(), "session_id");
      !status.ok()) {
    return Answer(context, status);
  }
  auto session = registry_.Find(request->session_id());
  if (!session.ok()) return Answer(context, session.status());
  *response = (*session)->timeline().ToProto();
  return Answer(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* SessionServiceImpl::ListPracticeRecords(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::ListPracticeRecordsRequest* request,
    yoga::session::v1::ListPracticeRecordsResponse* response) {
  if (absl::Status admitted = CallAdmission(*context); !admitted.ok())
    return Answer(context, admitted);
  auto store = HistoryStore();
  if (!store.ok()) return Answer(context, store.status());
  auto listed = session::ListPracticeRecords(**store, *request);
  if (listed.ok()) *response = *std::move(listed);
  return Answer(context, listed.status());
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetPracticeSummary(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::GetPracticeSummaryRequest* request,
    yoga::session::v1::PracticeSummary* response) {
  if (absl::Status admitted = CallAdmission(*context); !admitted.ok())
    return Answer(context, admitted);
  auto store = HistoryStore();
  if (!store.ok()) return Answer(context, store.status());
  auto summary = session::GetPracticeSummary(**store, *request, clock_.Now());
  if (summary.ok()) *response = *std::move(summary);
  return Answer(context, summary.status());
}

}  // namespace yoga::session
