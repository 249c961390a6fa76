#include "client/player/terminal.h"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace yoga::client {
namespace {

// Set by SIGINT and SIGTERM: the player quits as if 'q' were pressed.
std::atomic<bool> interrupted{false};

void OnInterrupt(int) { interrupted.store(true); }

}  // namespace

struct Terminal::Saved {
  termios mode;
};

Terminal::Terminal(bool read_keys) : read_keys_(read_keys) {
  status_enabled_ = isatty(STDOUT_FILENO) == 1;
  std::signal(SIGINT, OnInterrupt);
  std::signal(SIGTERM, OnInterrupt);
  if (read_keys_ && isatty(STDIN_FILENO) == 1) {
    saved_ = new Saved;
    if (tcgetattr(STDIN_FILENO, &saved_->mode) == 0) {
      termios raw = saved_->mode;
      raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
      raw.c_cc[VMIN] = 0;
      raw.c_cc[VTIME] = 0;
      raw_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
  }
}

Terminal::~Terminal() {
  ClearStatus();
  if (raw_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_->mode);
  delete saved_;
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

std::optional<char> Terminal::ReadKey(absl::Duration timeout) {
  const int timeout_ms = static_cast<int>(absl::ToInt64Milliseconds(timeout));
  std::optional<char> key;
  if (read_keys_ && stdin_open_) {
    pollfd input = {STDIN_FILENO, POLLIN, 0};
    char byte;
    if (poll(&input, 1, timeout_ms) > 0) {
      const ssize_t got = read(STDIN_FILENO, &byte, 1);
      if (got == 1) key = byte;
      if (got == 0) stdin_open_ = false;  // End of input: no more keys.
    }
  } else {
    poll(nullptr, 0, timeout_ms);  // A signal cuts the wait short.
  }
  if (interrupted.exchange(false)) return 'q';
  return key;
}

void Terminal::SetStatus(const std::string& line) {
  if (!status_enabled_ || line == status_) return;
  status_ = line;
  Draw();
}

void Terminal::Print(const std::string& line) {
  if (status_enabled_ && !status_.empty()) std::fputs("\r\033[K", stdout);
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  if (status_enabled_) Draw();
  std::fflush(stdout);
}

void Terminal::ClearStatus() {
  if (!status_enabled_ || status_.empty()) return;
  std::fputs("\r\033[K", stdout);
  std::fflush(stdout);
  status_.clear();
}

void Terminal::Draw() {
  std::fputs("\r\033[K", stdout);
  std::fputs(status_.c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace yoga::client
