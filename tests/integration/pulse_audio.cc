#include "tests/integration/pulse_audio.h"

#include <csignal>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace yoga::testing {

absl::StatusOr<std::unique_ptr<PulseAudio>> PulseAudio::Start(
    const std::string& dir) {
  for (const char* tool :
       {"/usr/bin/pulseaudio", "/usr/bin/parecord", "/usr/bin/pactl"}) {
    if (!std::filesystem::exists(tool)) {
      return absl::FailedPreconditionError(absl::StrCat(
          tool, " is missing: ./dev installs pulseaudio and pulseaudio-utils"));
    }
  }
  std::filesystem::create_directories(dir);
  auto pulse = std::unique_ptr<PulseAudio>(new PulseAudio());
  pulse->dir_ = dir;
  // -n: none of the default modules (no hardware probing, no idle suspend);
  // just the socket clients use and the null sink.
  pulse->server_ = std::make_unique<ChildProcess>(
      "/usr/bin/env",
      pulse->Env({"/usr/bin/pulseaudio", "--daemonize=no", "-n",
                  "--exit-idle-time=-1", "--disallow-exit",
                  "--load=module-native-protocol-unix",
                  absl::StrCat("--load=module-null-sink sink_name=", kSink,
                               " rate=48000 channels=2")}));
  const absl::Time give_up = absl::Now() + absl::Seconds(15);
  while (absl::Now() < give_up) {
    const RunResult info =
        RunProgram("/usr/bin/env", pulse->Env({"/usr/bin/pactl", "info"}));
    if (info.exit_code == 0 &&
        info.out.find(absl::StrCat("Default Sink: ", kSink)) !=
            std::string::npos) {
      return pulse;
    }
    if (pulse->server_->WaitForExit(absl::Milliseconds(100)).has_value()) {
      return absl::UnavailableError(
          absl::StrCat("pulseaudio exited: ", pulse->server_->Stderr()));
    }
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "pulseaudio did not answer within 15 s: ", pulse->server_->Stderr()));
}

PulseAudio::~PulseAudio() {
  if (server_ != nullptr) server_->Stop(SIGTERM, absl::Seconds(5));
}

std::vector<std::string> PulseAudio::Env(
    const std::vector<std::string>& command) const {
  std::vector<std::string> args = {absl::StrCat("XDG_RUNTIME_DIR=", dir_),
                                   absl::StrCat("HOME=", dir_),
                                   "ASAN_OPTIONS=detect_leaks=0"};
  args.insert(args.end(), command.begin(), command.end());
  return args;
}

std::unique_ptr<ChildProcess> PulseAudio::Record(
    const std::string& wav_path) const {
  return std::make_unique<ChildProcess>(
      "/usr/bin/env",
      Env({"/usr/bin/parecord", absl::StrCat("--device=", kSink, ".monitor"),
           "--rate=48000", "--channels=1", "--format=float32le",
           "--file-format=wav", "--latency-msec=20", wav_path}));
}

namespace {

// aux0,aux1,...: a channel a mat.
std::string RoomChannels(int mats) {
  std::string channel_map;
  for (int i = 0; i < mats; ++i)
    absl::StrAppend(&channel_map, i == 0 ? "" : ",", "aux", i);
  return channel_map;
}

}  // namespace

absl::Status PulseAudio::AddRoom(int mats) {
  const std::string channel_map = RoomChannels(mats);
  auto load = [&](const std::vector<std::string>& module) -> absl::Status {
    std::vector<std::string> command = {"/usr/bin/pactl", "load-module"};
    command.insert(command.end(), module.begin(), module.end());
    const RunResult result = RunProgram("/usr/bin/env", Env(command));
    if (result.exit_code == 0) return absl::OkStatus();
    return absl::InternalError(
        absl::StrCat("pactl load-module ", module[0], ": ", result.err));
  };
  if (absl::Status room =
          load({"module-null-sink", "sink_name=room", "rate=48000",
                "format=float32le", absl::StrCat("channels=", mats),
                absl::StrCat("channel_map=", channel_map)});
      !room.ok()) {
    return room;
  }
  for (int i = 0; i < mats; ++i) {
    if (absl::Status mat =
            load({"module-remap-sink", absl::StrCat("sink_name=mat", i),
                  "master=room", "channels=1", "channel_map=mono",
                  absl::StrCat("master_channel_map=aux", i), "remix=no"});
        !mat.ok()) {
      return mat;
    }
  }
  return absl::OkStatus();
}

std::unique_ptr<ChildProcess> PulseAudio::RecordRoom(
    const std::string& wav_path, int mats) const {
  // With the room's own channel map: PulseAudio maps channels by position,
  // and a default map (front-left, ...) would take none of the aux ones.
  return std::make_unique<ChildProcess>(
      "/usr/bin/env", Env({"/usr/bin/parecord", "--device=room.monitor",
                           "--rate=48000", absl::StrCat("--channels=", mats),
                           absl::StrCat("--channel-map=", RoomChannels(mats)),
                           "--format=float32le", "--file-format=wav",
                           "--latency-msec=20", wav_path}));
}

}  // namespace yoga::testing
