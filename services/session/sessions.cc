#include "services/session/sessions.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/content_hash.h"
#include "services/common/errors.h"
#include "services/common/proto_time.h"
#include "services/common/slug.h"
#include "services/session/practice_history.h"
#include "services/shared/breath_length.h"

namespace yoga::session {
namespace {

// The longest session or request id taken; this server makes session ids
// of 24 hex digits, and a UUID is 36 characters.
constexpr size_t kMaxIdLength = 64;

// An id a caller gives (a session id, a request id): required when
// `required`, and of the form ids have. A bad one is never repeated back (it
// may be megabytes).
void CheckId(absl::string_view id, absl::string_view field,
             absl::string_view what, bool required,
             FieldViolations& violations) {
  if (id.empty()) {
    if (required) violations.Add(std::string(field), "is required");
  } else if (id.size() > kMaxIdLength ||
             !std::all_of(id.begin(), id.end(), [](char c) {
               return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                      c == '-' || c == '_';
             })) {
    violations.Add(std::string(field),
                   absl::StrCat("is not ", what, ": at most ", kMaxIdLength,
                                " letters, digits, '-' or '_'"));
  }
}

// A class's controls take effect this far ahead unless it asks otherwise:
// enough for a stream behind a slow network to hear of them first.
constexpr absl::Duration kDefaultControlDelay = absl::Milliseconds(500);
constexpr absl::Duration kMinControlDelay = absl::Milliseconds(100);
constexpr absl::Duration kMaxControlDelay = absl::Seconds(5);

// The class terms a StartSession asks for (none when it is not a class);
// the registry gives the join code.
absl::StatusOr<ClassTerms> ClassTermsOf(
    const v1::StartSessionRequest& request) {
  if (!request.has_class_options()) return ClassTerms();
  ClassTerms terms;
  terms.control_delay = kDefaultControlDelay;
  if (request.class_options().has_control_delay()) {
    terms.control_delay =
        FromProtoDuration(request.class_options().control_delay());
    if (terms.control_delay < kMinControlDelay ||
        terms.control_delay > kMaxControlDelay) {
      FieldViolations violations;
      violations.Add(
          "class_options.control_delay",
          absl::StrCat("must be ", absl::FormatDuration(kMinControlDelay),
                       " to ", absl::FormatDuration(kMaxControlDelay), ", not ",
                       absl::FormatDuration(terms.control_delay)));
      return violations.ToStatus();
    }
  }
  // 128 random bits: the token cannot be guessed to take over a class.
  terms.teacher_token = NewSecretHex(16);
  if (terms.teacher_token.empty())
    return absl::InternalError("no randomness for a class's teacher token");
  return terms;
}

// A join code as the API takes it: six digits.
bool IsJoinCode(absl::string_view code) {
  return code.size() == 6 && std::all_of(code.begin(), code.end(), [](char c) {
           return absl::ascii_isdigit(static_cast<unsigned char>(c));
         });
}

void CheckSessionId(absl::string_view id, absl::string_view field,
                    FieldViolations& violations) {
  CheckId(id, field, "a session id", /*required=*/true, violations);
}

absl::Status CheckSessionId(absl::string_view id, absl::string_view field) {
  FieldViolations violations;
  CheckSessionId(id, field, violations);
  return violations.ToStatus();
}

// Checks the options of StartSession and fills in their defaults.
absl::StatusOr<v1::SessionOptions> FilledOptions(
    const v1::SessionOptions& given, const VoicePacks& packs) {
  FieldViolations violations;
  v1::SessionOptions options = given;
  if (!v1::Verbosity_IsValid(options.verbosity())) {
    violations.Add("options.verbosity",
                   absl::StrCat("unknown value ", options.verbosity()));
  } else if (options.verbosity() == v1::VERBOSITY_UNSPECIFIED) {
    options.set_verbosity(v1::VERBOSITY_FULL);
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
    // Only an id of the form ids have is repeated back (it may be anything).
    violations.Add(
        "options.voice_pack",
        IsSlug(options.voice_pack())
            ? absl::StrCat("no voice pack \"", options.voice_pack(),
                           "\" on this server; it has: ", known)
            : absl::StrCat("is not a voice pack id (lower-case words joined "
                           "by '-'); this server has: ",
                           known));
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

// Everything StartSession can check before asking for the routine.
absl::StatusOr<v1::SessionOptions> CheckStart(
    const v1::StartSessionRequest& request, const VoicePacks& packs) {
  if (request.source_case() == v1::StartSessionRequest::SOURCE_NOT_SET) {
    FieldViolations violations;
    violations.Add("source",
                   "one of routine_id, routine or compose is required");
    return violations.ToStatus();
  }
  if (absl::Status status = ValidateProfileId(
          request.profile_id(), "profile_id", ProfileIdRule::kOptional);
      !status.ok()) {
    return status;
  }
  FieldViolations violations;
  CheckId(request.request_id(), "request_id", "a request id",
          /*required=*/false, violations);
  if (!violations.empty()) return violations.ToStatus();
  return FilledOptions(request.options(), packs);
}

absl::Status NoCatalogYet() {
  return WithReason(
      absl::UnavailableError(
          "the session service has no catalog yet; try again shortly"),
      "CATALOG_NOT_READY");
}

SessionServiceConfig WithCutMargin(SessionServiceConfig config) {
  // A control written here reaches streams on other replicas within one poll
  // and its query; twice the poll leaves room for a slow query.
  if (config.store != nullptr && config.store->Shared())
    config.timing.cut_margin = 2 * config.store_poll;
  return config;
}

}  // namespace

Sessions::Sessions(const Clock& clock, SessionServiceConfig config,
                   VoicePacks voice_packs, CatalogSource catalog,
                   std::unique_ptr<RoutineSource> routines)
    : clock_(clock),
      config_(WithCutMargin(config)),
      voice_packs_(std::move(voice_packs)),
      catalog_(std::move(catalog)),
      routines_(std::move(routines)),
      registry_(
          clock, config_.limits, config_.timing, config_.store,
          [this](const yoga::storage::v1::StoredSession& stored) {
            return Rebuild(stored);
          },
          voice_packs_, config_.join_codes),
      keeper_(config_.store == nullptr
                  ? nullptr
                  : std::make_unique<SessionKeeper>(
                        registry_, config_.store_poll, config_.store_sweep)),
      scheduler_(clock, /*threads=*/0, absl::Seconds(10),
                 [this] { registry_.ExpireIdle(); }) {}

Sessions::~Sessions() {
  // Its thread wakes streams through the scheduler: stop it first.
  keeper_.reset();
}

void Sessions::Start(const v1::StartSessionRequest& request,
                     absl::string_view owner, Started done) {
  auto options = CheckStart(request, voice_packs_);
  if (!options.ok()) {
    done(options.status());
    return;
  }
  auto group_class = ClassTermsOf(request);
  if (!group_class.ok()) {
    done(group_class.status());
    return;
  }
  SessionOrigin origin{.owner = std::string(owner),
                       .profile_id = request.profile_id(),
                       .start_request_id = request.request_id(),
                       .group_class = *std::move(group_class)};
  if (!origin.start_request_id.empty()) {
    // A retry: its session was started already, and is the answer.
    auto started = registry_.FindStarted(owner, origin.start_request_id);
    if (!started.ok() || *started != nullptr) {
      done(started.ok() ? StartAnswer(**started)
                        : absl::StatusOr<v1::Session>(started.status()));
      return;
    }
  }
  routines_->Resolve(
      request, owner,
      [this, done = std::move(done), options = *std::move(options),
       origin = std::move(origin)](
          absl::StatusOr<yoga::type::v1::Routine> routine) mutable {
        done(
            StartOn(std::move(routine), std::move(options), std::move(origin)));
      });
}

absl::StatusOr<v1::Session> Sessions::StartOn(
    absl::StatusOr<yoga::type::v1::Routine> routine, v1::SessionOptions options,
    SessionOrigin origin) {
  if (!routine.ok()) return routine.status();
  std::shared_ptr<const catalog::Catalog> catalog = catalog_();
  if (catalog == nullptr) return NoCatalogYet();
  if (!options.has_breath_length())
    *options.mutable_breath_length() = routine->breath_length();
  auto timeline =
      timelines_.Get(*catalog, *voice_packs_.at(options.voice_pack()), *routine,
                     {.verbosity = options.verbosity(),
                      .lead_in = FromProtoDuration(options.lead_in())});
  if (!timeline.ok()) return timeline.status();
  auto session = registry_.Create(*std::move(routine), options,
                                  *std::move(timeline), std::move(origin));
  if (!session.ok()) return session.status();
  return StartAnswer(**session);
}

v1::Session Sessions::StartAnswer(const Session& session) const {
  v1::Session answer = session.ToProto(clock_.Now());
  // The one answer that carries it: the teacher's client started the class.
  if (session.is_class()) {
    answer.mutable_group_class()->set_teacher_token(
        session.origin().group_class.teacher_token);
  }
  return answer;
}

absl::StatusOr<v1::Session> Sessions::Control(
    const v1::ControlSessionRequest& request, absl::string_view owner,
    bool may_teach) {
  FieldViolations violations;
  CheckSessionId(request.session_id(), "session_id", violations);
  if (request.action() == v1::CONTROL_ACTION_UNSPECIFIED ||
      !v1::ControlAction_IsValid(request.action())) {
    violations.Add(
        "action", "must be PAUSE, RESUME, NEXT, PREVIOUS, STOP or STAY_LONGER");
  }
  CheckId(request.request_id(), "request_id", "a request id",
          /*required=*/false, violations);
  if (request.expected_version() < 0)
    violations.Add("expected_version", "must be 0 (none) or a version, 1 on");
  // Never repeated back; a class's tokens are 32 hex digits.
  CheckId(request.teacher_token(), "teacher_token", "a teacher token",
          /*required=*/false, violations);
  if (!violations.empty()) return violations.ToStatus();
  auto session =
      registry_.Control(request.session_id(), request.action(), owner,
                        {.request_id = request.request_id(),
                         .expected_version = request.expected_version(),
                         .teacher_token = request.teacher_token(),
                         .may_teach = may_teach});
  if (!session.ok()) return session.status();
  return (*session)->ToProto(clock_.Now());
}

absl::StatusOr<v1::Session> Sessions::Get(const v1::GetSessionRequest& request,
                                          absl::string_view owner) {
  if (absl::Status status = CheckSessionId(request.id(), "id"); !status.ok())
    return status;
  auto session = registry_.FindOwned(request.id(), owner, /*latest=*/true);
  if (!session.ok()) return session.status();
  return (*session)->ToProto(clock_.Now());
}

absl::StatusOr<v1::Session> Sessions::JoinClass(
    const v1::JoinClassRequest& request, absl::string_view owner) {
  if (!IsJoinCode(request.join_code())) {
    FieldViolations violations;
    violations.Add("join_code", request.join_code().empty()
                                    ? "is required"
                                    : "is not a join code: six digits");
    return violations.ToStatus();
  }
  auto session = registry_.FindClass(owner, request.join_code());
  if (!session.ok()) return session.status();
  return (*session)->ToProto(clock_.Now());
}

absl::StatusOr<v1::SessionTimeline> Sessions::GetTimeline(
    const v1::GetSessionTimelineRequest& request, absl::string_view owner) {
  if (absl::Status status = CheckSessionId(request.session_id(), "session_id");
      !status.ok()) {
    return status;
  }
  auto session = registry_.FindOwned(request.session_id(), owner);
  if (!session.ok()) return session.status();
  return (*session)->timeline().ToProto();
}

absl::StatusOr<std::unique_ptr<CueFeed>> Sessions::OpenStream(
    const v1::StreamCuesRequest& request, absl::string_view owner) {
  if (absl::Status status = CheckSessionId(request.session_id(), "session_id");
      !status.ok()) {
    return status;
  }
  if (request.after_seq() < 0) {
    FieldViolations violations;
    violations.Add("after_seq", "must be 0 or more");
    return violations.ToStatus();
  }
  auto session =
      registry_.FindOwned(request.session_id(), owner, /*latest=*/true);
  if (!session.ok()) return session.status();
  auto cursor = (*session)->OpenCursor(request.after_seq(), clock_.Now());
  if (!cursor.ok()) return cursor.status();
  if (absl::Status status = registry_.MarkStreamed(**session); !status.ok())
    return status;
  const int max_streams = (*session)->is_class()
                              ? config_.limits.max_streams_per_class
                              : config_.limits.max_streams_per_session;
  return std::make_unique<CueFeed>(*std::move(session), *cursor, clock_,
                                   scheduler_, keeper_.get(), max_streams);
}

absl::StatusOr<v1::ListPracticeRecordsResponse> Sessions::ListPracticeRecords(
    const v1::ListPracticeRecordsRequest& request, absl::string_view owner) {
  auto store = HistoryStore();
  if (!store.ok()) return store.status();
  return session::ListPracticeRecords(**store, request, owner);
}

absl::StatusOr<v1::PracticeSummary> Sessions::GetPracticeSummary(
    const v1::GetPracticeSummaryRequest& request, absl::string_view owner) {
  auto store = HistoryStore();
  if (!store.ok()) return store.status();
  return session::GetPracticeSummary(**store, request, clock_.Now(), owner);
}

absl::StatusOr<std::shared_ptr<const Timeline>> Sessions::Rebuild(
    const yoga::storage::v1::StoredSession& stored) {
  std::shared_ptr<const catalog::Catalog> catalog = catalog_();
  if (catalog == nullptr) return NoCatalogYet();
  const v1::SessionOptions& options = stored.options();
  auto pack = voice_packs_.find(options.voice_pack());
  if (pack == voice_packs_.end()) {
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            "session ", stored.id(), " plays voice pack \"",
            options.voice_pack(), "\", which this server does not have")),
        "VOICE_PACK_NOT_AVAILABLE");
  }
  return timelines_.Get(*catalog, *pack->second, stored.routine(),
                        {.verbosity = options.verbosity(),
                         .lead_in = FromProtoDuration(options.lead_in())});
}

absl::StatusOr<storage::Store*> Sessions::HistoryStore() const {
  if (config_.store == nullptr) {
    return WithReason(absl::FailedPreconditionError(
                          "this server keeps no practice history (it runs with "
                          "--database=memory)"),
                      "PRACTICE_HISTORY_DISABLED");
  }
  return config_.store;
}

}  // namespace yoga::session
