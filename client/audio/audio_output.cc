#include "client/audio/audio_output.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <portaudio.h>
#include <unistd.h>

#include <functional>

#include "absl/strings/str_cat.h"
#include "client/audio/monotonic_clock.h"

namespace yoga::client::audio {
namespace {

// Runs `work` with stderr pointed at /dev/null: ALSA's and JACK's probing
// noise goes nowhere, our own messages come after.
template <typename Work>
auto Quietly(Work work) {
  fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  const int null = open("/dev/null", O_WRONLY);
  if (saved >= 0 && null >= 0) dup2(null, STDERR_FILENO);
  if (null >= 0) close(null);
  auto result = work();
  if (saved >= 0) {
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
  }
  return result;
}

// ALSA also prints while a stream plays ("underrun occurred"), long after
// Quietly has given stderr back. Its own hook takes those: a handler that
// drops them. Looked up at run time, as ALSA comes in with PortAudio and
// there is no other use for its headers.
void DropAlsaMessage(const char*, int, const char*, int, const char*, ...) {}

void SilenceAlsa() {
  using Handler =
      void (*)(const char*, int, const char*, int, const char*, ...);
  using SetHandler = int (*)(Handler);
  static const bool done = [] {
    auto set = reinterpret_cast<SetHandler>(
        dlsym(RTLD_DEFAULT, "snd_lib_error_set_handler"));
    if (set != nullptr) set(&DropAlsaMessage);
    return true;
  }();
  (void)done;
}

// PortAudio initialised for as long as one of these lives.
class PortAudio {
 public:
  PortAudio() : error_(Quietly([] { return Pa_Initialize(); })) {
    SilenceAlsa();
  }
  ~PortAudio() {
    if (error_ == paNoError) Quietly([] { return Pa_Terminate(); });
  }
  absl::Status status() const {
    if (error_ == paNoError) return absl::OkStatus();
    return NoDeviceError(
        absl::StrCat("PortAudio did not start: ", Pa_GetErrorText(error_)));
  }

 private:
  PaError error_;
};

}  // namespace

// What the callback gets, and the DAC times it leaves (a seqlock: the
// callback never waits; a reader retries while `sequence` is odd or moved).
struct AudioOutput::Callee {
  Mixer* mixer = nullptr;
  Varispeed* speed = nullptr;
  int channels = 0;
  int64_t frames_written = 0;  // Audio thread only.
  std::atomic<uint64_t> sequence{0};
  std::atomic<int64_t> dac_frame{0};
  std::atomic<int64_t> dac_ns{0};
};

namespace {

int Callback(const void*, void* output, unsigned long frames,
             const PaStreamCallbackTimeInfo* time, PaStreamCallbackFlags,
             void* user) {
  auto* callee = static_cast<AudioOutput::Callee*>(user);
  if (time != nullptr) {
    // PortAudio's own time base may be any clock: only the distance from
    // now to the DAC is taken from it.
    const int64_t dac_ns =
        MonotonicNowNs() +
        static_cast<int64_t>((time->outputBufferDacTime - time->currentTime) *
                             1e9);
    callee->sequence.fetch_add(1, std::memory_order_relaxed);
    // The odd count is seen before either value changes.
    std::atomic_thread_fence(std::memory_order_release);
    callee->dac_frame.store(callee->frames_written, std::memory_order_relaxed);
    callee->dac_ns.store(dac_ns, std::memory_order_relaxed);
    callee->sequence.fetch_add(1, std::memory_order_release);
  }
  float* out = static_cast<float*>(output);
  if (callee->speed != nullptr) {
    callee->speed->Render(out, static_cast<int>(frames), callee->channels);
  } else {
    callee->mixer->Render(out, static_cast<int>(frames), callee->channels);
  }
  callee->frames_written += static_cast<int64_t>(frames);
  return paContinue;
}

}  // namespace

absl::Status NoDeviceError(absl::string_view detail) {
  return absl::FailedPreconditionError(absl::StrCat(
      "no audio output device (", detail,
      "); render the session to a file with `yoga-guide render "
      "--out=session.wav`, or choose a device with --device (see `yoga-guide "
      "devices`)"));
}

absl::StatusOr<std::vector<OutputDevice>> ListOutputDevices() {
  PortAudio portaudio;
  if (absl::Status status = portaudio.status(); !status.ok()) return status;
  std::vector<OutputDevice> devices;
  const PaDeviceIndex default_output = Pa_GetDefaultOutputDevice();
  const int count = Pa_GetDeviceCount();
  for (int index = 0; index < count; ++index) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(index);
    if (info == nullptr || info->maxOutputChannels <= 0) continue;
    OutputDevice device;
    device.index = index;
    device.name = info->name;
    if (const PaHostApiInfo* api = Pa_GetHostApiInfo(info->hostApi))
      device.host_api = api->name;
    device.channels = info->maxOutputChannels;
    device.default_rate = info->defaultSampleRate;
    device.is_default = index == default_output;
    devices.push_back(std::move(device));
  }
  if (devices.empty()) return NoDeviceError("PortAudio found none");
  return devices;
}

absl::StatusOr<std::unique_ptr<AudioOutput>> AudioOutput::Open(
    Mixer& mixer, int device, int sample_rate, Varispeed* speed) {
  // Kept alive with the stream: initialised here, released in the destructor.
  auto portaudio = std::make_unique<PortAudio>();
  if (absl::Status status = portaudio->status(); !status.ok()) return status;
  const PaDeviceIndex index =
      device >= 0 ? device : Pa_GetDefaultOutputDevice();
  const PaDeviceInfo* info =
      index == paNoDevice ? nullptr : Pa_GetDeviceInfo(index);
  if (info == nullptr || info->maxOutputChannels <= 0) {
    return device >= 0 ? NoDeviceError(absl::StrCat("--device=", device,
                                                    " is not an output device"))
                       : NoDeviceError("PortAudio has no default output");
  }
  const int channels = std::min(info->maxOutputChannels, 2);
  PaStreamParameters parameters{};
  parameters.device = index;
  parameters.channelCount = channels;
  parameters.sampleFormat = paFloat32;
  // Prompts are scheduled well ahead (see CueScheduler's lead), so latency
  // costs nothing here, while an underrun shifts every later prompt: take
  // the device's roomier buffer.
  parameters.suggestedLatency = info->defaultHighOutputLatency;
  auto output = std::unique_ptr<AudioOutput>(new AudioOutput());
  auto* user = new Callee;
  user->mixer = &mixer;
  user->speed = speed;
  user->channels = channels;
  PaStream* stream = nullptr;
  const PaError opened = Quietly([&] {
    return Pa_OpenStream(&stream, nullptr, &parameters, sample_rate,
                         paFramesPerBufferUnspecified, paClipOff, &Callback,
                         user);
  });
  if (opened != paNoError) {
    delete user;
    return NoDeviceError(absl::StrCat("cannot open \"", info->name, "\" at ",
                                      sample_rate,
                                      " Hz: ", Pa_GetErrorText(opened)));
  }
  if (PaError started = Pa_StartStream(stream); started != paNoError) {
    Pa_CloseStream(stream);
    delete user;
    return NoDeviceError(absl::StrCat("cannot start \"", info->name,
                                      "\": ", Pa_GetErrorText(started)));
  }
  output->stream_ = stream;
  output->device_name_ = info->name;
  if (const PaStreamInfo* stream_info = Pa_GetStreamInfo(stream))
    output->output_latency_ = absl::Seconds(stream_info->outputLatency);
  output->user_ = user;
  output->portaudio_ = std::move(portaudio);
  return output;
}

AudioOutput::~AudioOutput() {
  if (stream_ != nullptr) {
    Pa_StopStream(stream_);
    Pa_CloseStream(stream_);
  }
  delete user_;
}

std::optional<DacTime> AudioOutput::LastDacTime() const {
  for (;;) {
    const uint64_t before = user_->sequence.load(std::memory_order_acquire);
    if (before == 0) return std::nullopt;
    DacTime time;
    time.output_frame = user_->dac_frame.load(std::memory_order_relaxed);
    time.client_ns = user_->dac_ns.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (before % 2 == 0 &&
        user_->sequence.load(std::memory_order_relaxed) == before)
      return time;
  }
}

bool AudioOutput::WaitUntilFlowing(absl::Duration timeout) const {
  return WaitUntilRendering(*user_->mixer, timeout);
}

absl::StatusOr<Playback> OpenPlayback(int device, int preferred_rate,
                                      bool varispeed) {
  Playback playback;
  // A mixer at `rate`, and its Varispeed when asked for.
  auto make_mixer = [&](int rate) -> absl::Status {
    playback.speed.reset();
    playback.mixer = std::make_unique<Mixer>(rate);
    if (!varispeed) return absl::OkStatus();
    auto speed = Varispeed::Create(*playback.mixer);
    if (!speed.ok()) return speed.status();
    playback.speed = *std::move(speed);
    return absl::OkStatus();
  };
  if (absl::Status made = make_mixer(preferred_rate); !made.ok()) return made;
  auto output = AudioOutput::Open(*playback.mixer, device, preferred_rate,
                                  playback.speed.get());
  if (output.ok()) {
    playback.output = *std::move(output);
    return playback;
  }
  // The device may not take the rate: try its own.
  auto devices = ListOutputDevices();
  if (!devices.ok()) return output.status();
  for (const OutputDevice& candidate : *devices) {
    const bool wanted =
        device >= 0 ? candidate.index == device : candidate.is_default;
    const int rate = static_cast<int>(candidate.default_rate);
    if (!wanted || rate <= 0 || rate == preferred_rate) continue;
    if (absl::Status made = make_mixer(rate); !made.ok()) return made;
    auto fallback =
        AudioOutput::Open(*playback.mixer, device, rate, playback.speed.get());
    if (!fallback.ok()) return fallback.status();
    playback.output = *std::move(fallback);
    return playback;
  }
  return output.status();
}

}  // namespace yoga::client::audio
