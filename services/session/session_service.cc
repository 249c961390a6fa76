#include "services/session/session_service.h"

#include <optional>
#include <utility>
#include <vector>

#include "services/common/errors.h"
#include "services/runtime/api_keys.h"
#include "services/runtime/unary_call.h"

namespace yoga::session {

using yoga::session::v1::CueEvent;

// One StreamCues call. Owned by itself (self_) from Hold until gRPC calls
// OnDone; the scheduler and the session hold it weakly. It sees the core only
// through its CueFeed, which it gets in Begin (perhaps later, on the database
// executor: opening a feed may read and write the session).
class CueStream final : public grpc::ServerWriteReactor<CueEvent>,
                        public Wakeable,
                        public std::enable_shared_from_this<CueStream> {
 public:
  explicit CueStream(OpenStreams& streams) : streams_(streams) {}

  // Keeps the stream alive until OnDone. Call first.
  void Hold() { self_ = shared_from_this(); }

  // Whether the stream has finished (refused, or cancelled by the client).
  bool Ended() {
    absl::MutexLock lock(&mutex_);
    return finished_;
  }

  // Starts the stream on `feed`, or finishes it with its error. A stream the
  // client cancelled meanwhile just ends.
  void Begin(absl::StatusOr<std::unique_ptr<CueFeed>> feed) {
    absl::Status joined = feed.status();
    {
      // Under the lock, so that OnDone (after a cancel) either comes first
      // and this does nothing, or comes after and leaves what this joined.
      absl::MutexLock lock(&mutex_);
      if (finished_) return;  // Cancelled while the feed was opened.
      if (feed.ok()) {
        joined = streams_.Add(shared_from_this());
        if (joined.ok()) {
          feed_ = *std::move(feed);
          joined = feed_->Join(weak_from_this());
        }
      }
    }
    if (!joined.ok()) {
      FinishOnce(ToGrpcStatus(joined));
      return;
    }
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
    {
      absl::MutexLock lock(&mutex_);
      finished_ = true;  // Begin, if it comes yet, does nothing.
    }
    if (feed_ != nullptr) feed_->Leave();
    streams_.Remove(this);
    std::shared_ptr<CueStream> last = std::move(self_);  // May delete this.
  }

 private:
  // Sends what is due, or arranges to be woken when something will be.
  void Pump() {
    absl::Time wake_at = absl::InfiniteFuture();
    bool write = false;
    bool await_record = false;
    std::optional<grpc::Status> finish;
    {
      absl::MutexLock lock(&mutex_);
      if (writing_ || finished_) return;
      // Not begun yet: only an end (the client cancelled) can happen.
      if (feed_ == nullptr && !ending_) return;
      if (!ending_) {
        const absl::Time now = feed_->Now();
        StreamAction action = feed_->Next(now);
        switch (action.kind) {
          case StreamAction::kSend:
            event_ = std::move(action.event);
            writing_ = write = true;
            break;
          case StreamAction::kFinish:
            // A completed session's record is written before the stream
            // ends, so a client that asks for its history next finds it.
            if (feed_->AwaitsRecord()) {
              if (!record_asked_) record_asked_ = await_record = true;
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
    } else if (await_record) {
      std::weak_ptr<CueStream> weak = weak_from_this();
      feed_->WhenRecorded([weak] {
        if (auto stream = weak.lock()) stream->End(grpc::Status::OK);
      });
    } else if (finish) {
      Finish(*finish);
    } else if (wake_at != absl::InfiniteFuture()) {
      feed_->WakeAt(wake_at, weak_from_this());
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

  OpenStreams& streams_;
  // Set once, in Begin, under mutex_; read after.
  std::unique_ptr<CueFeed> feed_;
  std::shared_ptr<CueStream> self_;
  absl::Mutex mutex_;
  CueEvent event_;  // The write in flight.
  bool writing_ ABSL_GUARDED_BY(mutex_) = false;
  bool finished_ ABSL_GUARDED_BY(mutex_) = false;
  // The feed was asked to have the session's end written; then it ends.
  bool record_asked_ ABSL_GUARDED_BY(mutex_) = false;
  std::optional<grpc::Status> ending_ ABSL_GUARDED_BY(mutex_);
  absl::Time scheduled_ ABSL_GUARDED_BY(mutex_) = absl::InfiniteFuture();
};

absl::Status OpenStreams::RoomLocked() const {
  if (shutting_down_) {
    return WithReason(
        absl::UnavailableError(
            "the server is shutting down; reconnect to another or later"),
        "SERVER_SHUTTING_DOWN");
  }
  if (streams_.size() >= static_cast<size_t>(max_streams_)) {
    return WithReason(
        absl::ResourceExhaustedError(absl::StrCat(
            "the server has ", streams_.size(),
            " cue streams open, its limit; try again later or another server")),
        "SERVER_STREAM_LIMIT");
  }
  return absl::OkStatus();
}

absl::Status OpenStreams::Room() {
  absl::MutexLock lock(&mutex_);
  return RoomLocked();
}

absl::Status OpenStreams::Add(const std::shared_ptr<CueStream>& stream) {
  absl::MutexLock lock(&mutex_);
  if (absl::Status room = RoomLocked(); !room.ok()) return room;
  streams_.emplace(stream.get(), stream);
  return absl::OkStatus();
}

void OpenStreams::Remove(CueStream* stream) {
  absl::MutexLock lock(&mutex_);
  streams_.erase(stream);
}

void OpenStreams::EndAll() {
  std::vector<std::shared_ptr<CueStream>> open;
  {
    absl::MutexLock lock(&mutex_);
    shutting_down_ = true;
    for (const auto& [raw, weak] : streams_) {
      if (auto stream = weak.lock()) open.push_back(std::move(stream));
    }
  }
  for (const auto& stream : open) {
    stream->End(ToGrpcStatus(WithReason(
        absl::UnavailableError("the server is shutting down; reconnect with "
                               "after_seq set to the last seq you received"),
        "SERVER_SHUTTING_DOWN")));
  }
}

SessionServiceImpl::SessionServiceImpl(
    const Clock& clock, SessionServiceConfig config, VoicePacks voice_packs,
    Sessions::CatalogSource catalog,
    std::shared_ptr<yoga::planner::v1::PlannerService::StubInterface> planner)
    : database_(config.store == nullptr
                    ? nullptr
                    : std::make_unique<BoundedExecutor>(
                          "database", kDatabaseThreads, kDatabaseQueue)),
      streams_(config.limits.max_streams),
      // Owned by sessions_, which takes it next.
      planner_(new PlannerRoutineSource(
          std::move(planner), config.planner_timeout, database_.get())),
      sessions_(clock, config, std::move(voice_packs), std::move(catalog),
                std::unique_ptr<PlannerRoutineSource>(planner_)) {}

SessionServiceImpl::~SessionServiceImpl() {
  Shutdown();
  // What is queued runs while the sessions it needs are still here.
  database_.reset();
}

grpc::ServerUnaryReactor* SessionServiceImpl::StartSession(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::StartSessionRequest* request,
    yoga::session::v1::Session* response) {
  return AnswerUnaryLater(context, response, [&](auto done) {
    if (database_ == nullptr) {
      sessions_.Start(*request, CallOwner(*context), std::move(done));
      return;
    }
    // A retry (request_id) is looked up in the database first: not on gRPC's
    // thread. The request stays valid until `done` answers the call.
    absl::Status queued = database_->Schedule(
        [this, request, done, owner = CallOwner(*context)]() mutable {
          sessions_.Start(*request, owner, std::move(done));
        });
    if (!queued.ok()) done(queued);
  });
}

grpc::ServerWriteReactor<CueEvent>* SessionServiceImpl::StreamCues(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::StreamCuesRequest* request) {
  auto stream = std::make_shared<CueStream>(streams_);
  stream->Hold();
  absl::Status may_run = MayRun(*context);
  // Asked first, so that a stream refused for room does not mark its
  // session as heard.
  if (may_run.ok()) may_run = streams_.Room();
  if (!may_run.ok()) {
    stream->Begin(may_run);
    return stream.get();
  }
  if (database_ == nullptr) {
    stream->Begin(sessions_.OpenStream(*request, CallOwner(*context)));
    return stream.get();
  }
  // Opening may read the session back and write that it is heard: not on
  // gRPC's thread. The request is copied: a cancelled call frees its own.
  absl::Status queued = database_->Schedule(
      [this, stream, request = *request, owner = CallOwner(*context)] {
        // A client gone while this waited is not a listener: its session is
        // not marked as heard.
        if (stream->Ended()) return;
        stream->Begin(sessions_.OpenStream(request, owner));
      });
  if (!queued.ok()) stream->Begin(queued);
  return stream.get();
}

grpc::ServerUnaryReactor* SessionServiceImpl::ControlSession(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::ControlSessionRequest* request,
    yoga::session::v1::Session* response) {
  return AnswerUnaryOn(
      database_.get(), context, response, [this, request, context] {
        return sessions_.Control(
            *request, CallOwner(*context),
            (CallPermissions(*context) & kTeachPermission) != 0);
      });
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetSession(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::GetSessionRequest* request,
    yoga::session::v1::Session* response) {
  return AnswerUnaryOn(database_.get(), context, response,
                       [this, request, context] {
                         return sessions_.Get(*request, CallOwner(*context));
                       });
}

grpc::ServerUnaryReactor* SessionServiceImpl::GetSessionTimeline(
    grpc::CallbackServerContext* context,
    const yoga::session::v1::GetSessionTimelineRequest* request,
    yoga::session::v1::SessionTimeline* response) {
  return AnswerUnaryOn(
      database_.get(), context, response, [this, request, context] {
        return sessions_.GetTimeline(*request, CallOwner(*context));
      });
}

}  // namespace yoga::session
