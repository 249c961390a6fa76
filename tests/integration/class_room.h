// A studio and the mats of a class, for class tests and the class bench:
// yoga-studio on loopback, each mat a `yoga-guide join CODE` process reaching
// it through its own delay proxy and playing on its own channel of one
// PulseAudio room (PulseAudio::AddRoom), so that one recording holds every
// mat on one time base.
//
//   auto room = ClassRoom::Open(dir, links);        // links: one a mat
//   auto session = room->StartClass(routine_file, absl::Seconds(4));
//   auto recorder = room->Record("room.wav");
//   for (int i = 0; i < room->mats(); ++i) room->Join(i, code);
//   room->Control(*session, CONTROL_ACTION_PAUSE);  ... room->WaitForMats();
//   Summarize(MeasureSkew(*ReadChannels("room.wav"), 48000), mats)
#ifndef YOGA_TESTS_INTEGRATION_CLASS_ROOM_H_
#define YOGA_TESTS_INTEGRATION_CLASS_ROOM_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/integration/pulse_audio.h"
#include "tests/integration/server_process.h"
#include "tests/testing/channel_skew.h"
#include "tests/testing/tcp_proxy.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga::testing {

// The network of one mat: each way's delay and jitter.
struct MatLink {
  LinkDelay to_studio;
  LinkDelay to_mat;
};

class ClassRoom {
 public:
  // A PulseAudio server under `dir` with a room of links.size() mats, and a
  // yoga-studio (keeping sessions in memory).
  static absl::StatusOr<std::unique_ptr<ClassRoom>> Open(
      const std::string& dir, std::vector<MatLink> links);

  int mats() const { return static_cast<int>(links_.size()); }
  const std::string& address() const { return address_; }
  PulseAudio& pulse() { return *pulse_; }

  // Starts a class of the routine in text format at `routine_file`.
  absl::StatusOr<yoga::session::v1::Session> StartClass(
      const std::string& routine_file, absl::Duration lead_in);
  // Starts `request` as a class.
  absl::StatusOr<yoga::session::v1::Session> StartClass(
      yoga::session::v1::StartSessionRequest request);
  // A control of the class, with its teacher's token.
  absl::Status Control(const yoga::session::v1::Session& session,
                       yoga::session::v1::ControlAction action);

  // Records the room, one channel a mat.
  std::unique_ptr<ChildProcess> Record(const std::string& wav_path);
  // yoga-guide with the room's mat `mat` as its sound card, at `server`.
  std::unique_ptr<ChildProcess> Guide(int mat, const std::string& server,
                                      std::vector<std::string> args);
  // Mat `mat` joins class `code` through its proxy; kept until the room goes.
  ChildProcess& Join(int mat, const std::string& code);
  // Waits for every mat that joined to exit; their exit codes, in order.
  std::vector<std::optional<int>> WaitForMats(absl::Duration timeout);
  const std::vector<std::unique_ptr<ChildProcess>>& joined() const {
    return joined_;
  }

 private:
  ClassRoom() = default;
  std::vector<MatLink> links_;
  std::unique_ptr<PulseAudio> pulse_;
  std::unique_ptr<ChildProcess> studio_;
  std::string address_;
  std::unique_ptr<yoga::session::v1::SessionService::Stub> stub_;
  std::vector<std::unique_ptr<TcpProxy>> proxies_;
  std::vector<std::unique_ptr<ChildProcess>> joined_;
};

// How far apart the mats `first` to `last` (inclusive) that played a prompt
// played it. A mat counts as having played it when its best match scores at
// least `min_similarity`: the same prompt a fraction of a frame off (each
// mat's speed differs) scores 0.85 to 1 on a sibilant, silence or another
// prompt far less.
struct SkewSummary {
  int prompts = 0;
  // Per prompt: the latest mat's lag minus the earliest's, in ms (0 when
  // fewer than two played it).
  std::vector<double> spreads_ms;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  // Prompts where one of those mats scored below `min_similarity`.
  int unmatched = 0;
};
SkewSummary SummarizeSkew(const std::vector<PromptSkew>& prompts, int first,
                          int last, int sample_rate,
                          double min_similarity = 0.75);
// One line a prompt: its onset in the recording, then each mat's lag behind
// mat 0, in ms.
std::string LagTable(const std::vector<PromptSkew>& prompts, int sample_rate);
// The `fraction` quantile of `values` (0.5: the median).
double Quantile(std::vector<double> values, double fraction);

}  // namespace yoga::testing

#endif  // YOGA_TESTS_INTEGRATION_CLASS_ROOM_H_
