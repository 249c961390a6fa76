#include "tests/integration/class_room.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/create_channel.h"
#include "services/common/proto_time.h"

namespace yoga::testing {

namespace v1 = yoga::session::v1;

const char kBin[] = YOGA_BINARY_DIR "/bin/";

absl::StatusOr<std::unique_ptr<ClassRoom>> ClassRoom::Open(
    const std::string& dir, std::vector<MatLink> links) {
  auto room = std::unique_ptr<ClassRoom>(new ClassRoom());
  room->links_ = std::move(links);
  auto pulse = PulseAudio::Start(dir + "/pulse");
  if (!pulse.ok()) return pulse.status();
  room->pulse_ = *std::move(pulse);
  if (absl::Status added = room->pulse_->AddRoom(room->mats()); !added.ok())
    return added;
  room->studio_ = std::make_unique<ChildProcess>(
      absl::StrCat(kBin, "yoga-studio"),
      std::vector<std::string>{"--listen=127.0.0.1:0", "--database=memory"});
  auto address = room->studio_->WaitForAddress();
  if (!address.ok()) return address.status();
  room->address_ = *address;
  room->stub_ = v1::SessionService::NewStub(
      grpc::CreateChannel(room->address_, grpc::InsecureChannelCredentials()));
  for (int i = 0; i < room->mats(); ++i) {
    room->proxies_.push_back(std::make_unique<TcpProxy>(
        room->address_,
        TcpProxyOptions{.to_upstream = room->links_[i].to_studio,
                        .to_client = room->links_[i].to_mat,
                        .seed = static_cast<uint64_t>(i + 1)}));
  }
  return room;
}

absl::StatusOr<v1::Session> ClassRoom::StartClass(
    const std::string& routine_file, absl::Duration lead_in) {
  v1::StartSessionRequest start;
  std::ifstream file(routine_file);
  std::stringstream text;
  text << file.rdbuf();
  if (!google::protobuf::TextFormat::ParseFromString(text.str(),
                                                     start.mutable_routine()))
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", routine_file));
  *start.mutable_options()->mutable_lead_in() = ToProtoDuration(lead_in);
  return StartClass(std::move(start));
}

absl::StatusOr<v1::Session> ClassRoom::StartClass(
    v1::StartSessionRequest start) {
  start.mutable_class_options();
  grpc::ClientContext context;
  v1::Session session;
  const grpc::Status status = stub_->StartSession(&context, start, &session);
  if (!status.ok()) return absl::InternalError(status.error_message());
  return session;
}

absl::Status ClassRoom::Control(const v1::Session& session,
                                v1::ControlAction action) {
  grpc::ClientContext context;
  v1::ControlSessionRequest request;
  request.set_session_id(session.id());
  request.set_action(action);
  request.set_teacher_token(session.group_class().teacher_token());
  v1::Session answer;
  const grpc::Status status = stub_->ControlSession(&context, request, &answer);
  if (!status.ok()) return absl::InternalError(status.error_message());
  return absl::OkStatus();
}

std::unique_ptr<ChildProcess> ClassRoom::Record(const std::string& wav_path) {
  return pulse_->RecordRoom(wav_path, mats());
}

std::unique_ptr<ChildProcess> ClassRoom::Guide(int mat,
                                               const std::string& server,
                                               std::vector<std::string> args) {
  std::vector<std::string> command = {absl::StrCat("PULSE_SINK=mat", mat),
                                      absl::StrCat(kBin, "yoga-guide"),
                                      "--server=" + server, "--keys=false"};
  command.insert(command.end(), args.begin(), args.end());
  return std::make_unique<ChildProcess>("/usr/bin/env", pulse_->Env(command));
}

ChildProcess& ClassRoom::Join(int mat, const std::string& code) {
  joined_.push_back(Guide(mat, proxies_[mat]->address(), {"join", code}));
  return *joined_.back();
}

std::vector<std::optional<int>> ClassRoom::WaitForMats(absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  std::vector<std::optional<int>> codes;
  for (auto& mat : joined_)
    codes.push_back(mat->WaitForExit(
        std::max(give_up - absl::Now(), absl::ZeroDuration())));
  return codes;
}

double Quantile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1,
                                static_cast<size_t>(fraction * values.size()));
  return values[index];
}

SkewSummary SummarizeSkew(const std::vector<PromptSkew>& prompts, int first,
                          int last, int sample_rate, double min_similarity) {
  SkewSummary summary;
  for (const PromptSkew& prompt : prompts) {
    // Among the mats that played it: a mat that joined too late for a
    // prompt has no lag for it, only its best guess elsewhere.
    std::optional<int64_t> low, high;
    bool matched = true;
    for (int mat = first; mat <= last; ++mat) {
      if (prompt.similarity[mat] < min_similarity) {
        matched = false;
        continue;
      }
      low = std::min(low.value_or(prompt.lag_frames[mat]),
                     prompt.lag_frames[mat]);
      high = std::max(high.value_or(prompt.lag_frames[mat]),
                      prompt.lag_frames[mat]);
    }
    if (!matched) ++summary.unmatched;
    summary.spreads_ms.push_back((high.value_or(0) - low.value_or(0)) * 1000.0 /
                                 sample_rate);
  }
  summary.prompts = static_cast<int>(prompts.size());
  summary.p50_ms = Quantile(summary.spreads_ms, 0.5);
  summary.p99_ms = Quantile(summary.spreads_ms, 0.99);
  summary.max_ms = Quantile(summary.spreads_ms, 1.0);
  return summary;
}

std::string LagTable(const std::vector<PromptSkew>& prompts, int sample_rate) {
  std::string table;
  for (const PromptSkew& prompt : prompts) {
    absl::StrAppendFormat(&table,
                          "%9.3f s:", prompt.onset_frame * 1.0 / sample_rate);
    for (int64_t lag : prompt.lag_frames)
      absl::StrAppendFormat(&table, " %7.3f", lag * 1000.0 / sample_rate);
    absl::StrAppend(&table, " ms\n");
  }
  return table;
}

}  // namespace yoga::testing
