#include "tests/integration/session_prompts.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/audio/voice_pack_audio.h"
#include "grpcpp/create_channel.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga::testing {

std::string SessionIdOf(const std::string& guide_out) {
  for (absl::string_view line : absl::StrSplit(guide_out, '\n')) {
    if (absl::ConsumePrefix(&line, "session "))
      return std::string(line.substr(0, line.find(':')));
  }
  return "";
}

absl::StatusOr<std::vector<ExpectedPrompt>> TimelinePrompts(
    const std::string& address, const std::string& session_id, int rate,
    size_t most) {
  auto stub = yoga::session::v1::SessionService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  yoga::session::v1::GetSessionTimelineRequest request;
  request.set_session_id(session_id);
  yoga::session::v1::SessionTimeline timeline;
  const grpc::Status status =
      stub->GetSessionTimeline(&context, request, &timeline);
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat("GetSessionTimeline ",
                                               session_id, " at ", address,
                                               ": ", status.error_message()));
  }
  std::vector<const yoga::session::v1::CueEvent*> prompts;
  absl::flat_hash_set<std::string> keys;
  for (const auto& cue : timeline.cues()) {
    if (cue.prompt_key().empty() || prompts.size() == most) continue;
    prompts.push_back(&cue);
    keys.insert(cue.prompt_key());
  }
  auto voice = client::audio::LoadVoicePackAudio(
      YOGA_SOURCE_DIR "/assets/voice/default", rate, keys);
  if (!voice.ok()) return voice.status();
  std::vector<ExpectedPrompt> expected;
  for (const auto* cue : prompts) {
    expected.push_back({voice->Find(cue->prompt_key()),
                        cue->offset_ms() * static_cast<int64_t>(rate) / 1000});
  }
  return expected;
}

}  // namespace yoga::testing
