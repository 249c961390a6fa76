// What following the server's clock costs the audio thread (./dev bench):
// CPU time of Varispeed::Render a second of 48 kHz audio, for each converter,
// against Mixer::Render alone (the baseline, the same clips); and how close
// each converter at 0 ppm is to Mixer::Render (SNR and largest error over
// real prompts). Not pass/fail: it prints numbers.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "client/audio/mixer.h"
#include "client/audio/varispeed.h"
#include "tests/bench/process_cpu.h"
#include "tests/client/audio/speech_clips.h"

namespace yoga {
namespace {

using client::audio::ClipPtr;
using client::audio::Mixer;
using client::audio::Varispeed;

constexpr int kRate = 48000;
constexpr int kBuffer = 480;  // 10 ms callbacks.
constexpr int kSeconds = 120;

// The prompts in turn, a quarter of a second apart, for the whole run.
void ScheduleSpeech(Mixer& mixer, const std::vector<ClipPtr>& speech,
                    int64_t* next_start, size_t* next_clip) {
  while (*next_start < mixer.frames_rendered() + kRate) {
    const ClipPtr& clip = speech[(*next_clip)++ % speech.size()];
    if (!mixer.Schedule(clip, *next_start, *next_clip)) return;
    *next_start += static_cast<int64_t>(clip->samples.size()) + kRate / 4;
  }
}

// Renders kSeconds through `varispeed` (or the Mixer alone when null) and
// returns CPU seconds; `out` gets the first `keep` frames.
double Render(Mixer& mixer, Varispeed* varispeed,
              const std::vector<ClipPtr>& speech, std::vector<float>& out,
              size_t keep) {
  int64_t next_start = kRate / 10;
  size_t next_clip = 0;
  std::vector<float> buffer(kBuffer);
  out.clear();
  const double start = bench::OwnCpuSeconds();
  for (int done = 0; done < kSeconds * kRate; done += kBuffer) {
    if (done % kRate == 0) {
      ScheduleSpeech(mixer, speech, &next_start, &next_clip);
      mixer.Collect();
    }
    if (varispeed != nullptr) {
      varispeed->Render(buffer.data(), kBuffer, 1);
    } else {
      mixer.Render(buffer.data(), kBuffer, 1);
    }
    if (out.size() < keep) {
      out.insert(out.end(), buffer.begin(), buffer.end());
    }
  }
  return bench::OwnCpuSeconds() - start;
}

int Main() {
  absl::StatusOr<std::vector<ClipPtr>> speech =
      client::audio::LoadSpeech(kRate);
  if (!speech.ok()) {
    std::fprintf(stderr, "varispeed_bench: %s\n",
                 speech.status().ToString().c_str());
    return 1;
  }
  const size_t keep = static_cast<size_t>(30) * kRate;
  std::vector<float> direct;
  Mixer baseline_mixer(kRate);
  const double baseline =
      Render(baseline_mixer, nullptr, *speech, direct, keep);
  std::printf("Varispeed at 48 kHz, %d s of speech in %d-frame callbacks\n",
              kSeconds, kBuffer);
  std::printf("  Mixer::Render alone (baseline): %.2f ms of CPU a second\n",
              baseline * 1000 / kSeconds);

  const struct {
    const char* name;
    Varispeed::Converter converter;
  } converters[] = {
      {"sinc fastest (default)", Varispeed::Converter::kSincFastest},
      {"sinc medium", Varispeed::Converter::kSincMedium}};
  for (const auto& [name, converter] : converters) {
    for (const double ppm : {0.0, 100.0}) {
      Mixer mixer(kRate);
      auto varispeed = Varispeed::Create(mixer, converter);
      if (!varispeed.ok()) return 1;
      (*varispeed)->SetSpeedPpm(ppm);
      std::vector<float> out;
      const double cpu = Render(mixer, varispeed->get(), *speech, out, keep);
      std::printf(
          "  %s at %+.0f ppm: %.2f ms of CPU a second (%.2f more "
          "than the baseline)",
          name, ppm, cpu * 1000 / kSeconds, (cpu - baseline) * 1000 / kSeconds);
      if (ppm == 0.0) {
        double error_energy = 0.0, signal_energy = 0.0, largest = 0.0;
        for (size_t i = 0; i < keep; ++i) {
          const double error = double{out[i]} - direct[i];
          error_energy += error * error;
          signal_energy += double{direct[i]} * direct[i];
          largest = std::max(largest, std::abs(error));
        }
        std::printf("; against Mixer::Render: SNR %.1f dB, largest error %.1e",
                    10 * std::log10(signal_energy / error_energy), largest);
      }
      std::printf("\n");
    }
  }
  return 0;
}

}  // namespace
}  // namespace yoga

int main() { return yoga::Main(); }
