// The runner's terminal while a session plays: single key presses without
// Enter, cue lines scrolling above one status line that redraws in place.
//
// Keys are read from stdin. On a terminal it is put in non-canonical, no-echo
// mode and restored by the destructor (and on Ctrl-C, which becomes a key
// press of 'q' instead of killing the process with the terminal left raw).
// From a pipe, bytes are read as keys too, so scripts and tests can drive a
// session; at end of input no more keys come. The status line is drawn only
// when stdout is a terminal; otherwise only the cue lines are printed.
#ifndef YOGA_CLIENT_PLAYER_TERMINAL_H_
#define YOGA_CLIENT_PLAYER_TERMINAL_H_

#include <optional>
#include <string>

#include "absl/time/time.h"

namespace yoga::client {

class Terminal {
 public:
  // `read_keys` false leaves stdin alone (no key is ever returned).
  explicit Terminal(bool read_keys);
  ~Terminal();
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  // The next key, waiting at most `timeout`; nullopt when none came.
  std::optional<char> ReadKey(absl::Duration timeout);

  // Replaces the status line (when stdout is a terminal).
  void SetStatus(const std::string& line);
  // Prints a line above the status line.
  void Print(const std::string& line);
  // Clears the status line, before the program's last words.
  void ClearStatus();

  bool interactive() const { return status_enabled_; }

 private:
  void Draw();

  bool read_keys_ = false;
  bool stdin_open_ = true;
  bool raw_ = false;
  bool status_enabled_ = false;
  std::string status_;
  struct Saved;
  Saved* saved_ = nullptr;  // The terminal's mode before, when raw_.
};

}  // namespace yoga::client

#endif  // YOGA_CLIENT_PLAYER_TERMINAL_H_
