#include "client/audio/pipe_output.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"

namespace yoga::client::audio {
namespace {

// What a studio puts in snapserver.conf for `path`.
std::string SourceLine(const std::string& path) {
  return absl::StrCat("source = pipe://", path,
                      "?name=Yoga class&sampleformat=48000:16:2");
}

std::string ErrnoText(int error) { return std::strerror(error); }

// A FIFO's writer opens it blocking, since snapserver holds its end open only
// while a writer is there (between writers it reopens it every 100 ms, for
// an instant): a writer that is waiting counts as one, so the reader stays.
// The open runs on a thread of its own, bounded: on timeout a reader of our
// own releases it. The thread shares this state, so that it can be left
// behind should even that fail.
struct FifoOpen {
  absl::Mutex mutex;
  int fd = -1;
  int error = 0;
  bool abandoned = false;
  absl::Notification done;
};

absl::StatusOr<int> OpenFifoForWriting(const std::string& path,
                                       absl::Duration timeout) {
  auto state = std::make_shared<FifoOpen>();
  std::thread([state, path] {
    const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    const int error = fd < 0 ? errno : 0;
    absl::MutexLock lock(&state->mutex);
    if (state->abandoned) {
      if (fd >= 0) close(fd);
      return;
    }
    state->fd = fd;
    state->error = error;
    state->done.Notify();
  }).detach();
  if (!state->done.WaitForNotificationWithTimeout(timeout)) {
    const int own_reader =
        open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (own_reader >= 0) {
      state->done.WaitForNotificationWithTimeout(absl::Seconds(1));
      close(own_reader);
    }
    absl::MutexLock lock(&state->mutex);
    state->abandoned = true;
    if (state->fd >= 0) close(state->fd);
    return absl::FailedPreconditionError(absl::StrCat(
        "nothing reads the FIFO ", path, " (waited ",
        absl::FormatDuration(timeout), "): is snapserver running with `",
        SourceLine(path), "`?"));
  }
  if (state->fd < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot open the FIFO ", path, ": ", ErrnoText(state->error)));
  }
  return state->fd;
}

absl::StatusOr<int> OpenForWriting(const std::string& path,
                                   const PipeOutputOptions& options) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat(
          path,
          " does not exist: snapserver's pipe source makes it when it "
          "starts; is snapserver running with `",
          SourceLine(path), "`?"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("cannot look at ", path, ": ", ErrnoText(errno)));
  }
  int fd = -1;
  if (S_ISFIFO(info.st_mode)) {
    absl::StatusOr<int> opened =
        OpenFifoForWriting(path, options.wait_for_reader);
    if (!opened.ok()) return opened.status();
    fd = *opened;
  } else if (S_ISREG(info.st_mode)) {
    fd = open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot open ", path, ": ", ErrnoText(errno)));
    }
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     " is neither a FIFO nor a regular file (a snapserver pipe "
                     "source's FIFO, e.g. /tmp/snapfifo)"));
  }
  // A full pipe must not hold the writer beyond stall_limit, nor past stop.
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

int64_t FramesIn(absl::Duration duration, int rate) {
  return std::max<int64_t>(
      1, absl::ToInt64Microseconds(duration) * rate / 1'000'000);
}

}  // namespace

void MonoToS16leStereo(const float* mono, int frames, uint8_t* out) {
  for (int i = 0; i < frames; ++i) {
    const float sample = std::clamp(mono[i], -1.0f, 1.0f);
    const auto value = static_cast<int16_t>(std::lrint(sample * 32767.0f));
    const auto bits = static_cast<uint16_t>(value);
    const uint8_t low = bits & 0xff;
    const uint8_t high = bits >> 8;
    out[4 * i] = low;
    out[4 * i + 1] = high;
    out[4 * i + 2] = low;
    out[4 * i + 3] = high;
  }
}

absl::StatusOr<std::unique_ptr<PipeOutput>> PipeOutput::Open(
    Mixer& mixer, const std::string& path, const PipeOutputOptions& options) {
  if (mixer.sample_rate() != kPipeSampleRate) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the pipe takes ", kPipeSampleRate, " Hz, not ", mixer.sample_rate()));
  }
  absl::StatusOr<int> fd = OpenForWriting(path, options);
  if (!fd.ok()) return fd.status();
  return std::unique_ptr<PipeOutput>(new PipeOutput(mixer, path, *fd, options));
}

PipeOutput::PipeOutput(Mixer& mixer, std::string path, int fd,
                       const PipeOutputOptions& options)
    : mixer_(mixer),
      path_(std::move(path)),
      name_("pipe:" + path_),
      fd_(fd),
      options_(options),
      thread_([this] { Run(); }) {}

PipeOutput::~PipeOutput() {
  stopping_.store(true);
  thread_.join();
  close(fd_);
}

bool PipeOutput::WaitUntilFlowing(absl::Duration timeout) const {
  return WaitUntilRendering(mixer_, timeout);
}

absl::Status PipeOutput::status() const {
  absl::MutexLock lock(&mutex_);
  return status_;
}

void PipeOutput::Run() {
  // A reader that went away makes write() fail with EPIPE; the SIGPIPE it
  // also raises is for this thread, which blocks it (the rest of the program
  // keeps its own disposition) and takes it back below.
  sigset_t sigpipe;
  sigemptyset(&sigpipe);
  sigaddset(&sigpipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &sigpipe, nullptr);

  const int rate = mixer_.sample_rate();
  const int64_t block = FramesIn(options_.block, rate);
  const int64_t ahead = FramesIn(options_.ahead, rate);
  std::vector<float> mono(block);
  std::vector<uint8_t> bytes(block * kPipeBytesPerFrame);
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  int64_t written = 0;
  while (!stopping_.load()) {
    const Clock::time_point due =
        start +
        std::chrono::nanoseconds((written - ahead) * 1'000'000'000 / rate);
    if (due > Clock::now()) std::this_thread::sleep_until(due);
    mixer_.Render(mono.data(), static_cast<int>(block), 1);
    MonoToS16leStereo(mono.data(), static_cast<int>(block), bytes.data());
    size_t done = 0;
    absl::Status wrote = WriteAll(bytes.data(), bytes.size(), done);
    if (!wrote.ok()) {
      const timespec now{};
      sigtimedwait(&sigpipe, nullptr, &now);  // The SIGPIPE, if any.
      absl::MutexLock lock(&mutex_);
      status_ = std::move(wrote);
      return;
    }
    if (done < bytes.size()) return;  // Stopping while the pipe was full.
    written += block;
    frames_written_.store(written, std::memory_order_release);
  }
}

absl::Status PipeOutput::WriteAll(const uint8_t* bytes, size_t size,
                                  size_t& done) {
  absl::Time last_progress = absl::Now();
  while (done < size) {
    const ssize_t n = write(fd_, bytes + done, size - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      last_progress = absl::Now();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (stopping_.load()) return absl::OkStatus();
      if (absl::Now() - last_progress >= options_.stall_limit) {
        return absl::FailedPreconditionError(
            absl::StrCat("nothing has read ", path_, " for ",
                         absl::FormatDuration(options_.stall_limit),
                         ": snapserver stopped taking the class"));
      }
      pollfd wanted{fd_, POLLOUT, 0};
      poll(&wanted, 1, /*timeout_ms=*/20);
      continue;
    }
    if (n < 0 && errno == EPIPE) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the reader of ", path_,
          " went away (snapserver stopped?); the class no longer plays "
          "there"));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot write to ", path_, ": ", ErrnoText(n < 0 ? errno : EIO)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Playback> OpenPipePlayback(const std::string& path,
                                          const PipeOutputOptions& options) {
  Playback playback;
  playback.mixer = std::make_unique<Mixer>(kPipeSampleRate);
  auto output = PipeOutput::Open(*playback.mixer, path, options);
  if (!output.ok()) return output.status();
  playback.output = *std::move(output);
  return playback;
}

}  // namespace yoga::client::audio
