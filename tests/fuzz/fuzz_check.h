// What the fuzz targets share: a broken invariant aborts with its reason on
// stderr, so libFuzzer keeps the input as a crash (tests/fuzz/README.md), and
// a scratch folder on a RAM-backed file system for targets whose parser reads
// files.
#ifndef YOGA_TESTS_FUZZ_FUZZ_CHECK_H_
#define YOGA_TESTS_FUZZ_FUZZ_CHECK_H_

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/string_view.h"

namespace yoga::fuzz {

// Aborts, naming the invariant, unless `holds`.
inline void Check(bool holds, absl::string_view invariant,
                  absl::string_view detail = "") {
  if (holds) return;
  std::fprintf(stderr, "fuzz invariant broken: %.*s\n%.*s\n",
               static_cast<int>(invariant.size()), invariant.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// A folder of this process's own (/dev/shm when there is one: a file write per
// input costs microseconds there), made once and reused by every input.
inline const std::string& ScratchFolder() {
  static const std::string* const folder = [] {
    std::error_code error;
    const std::filesystem::path base =
        std::filesystem::is_directory("/dev/shm", error)
            ? std::filesystem::path("/dev/shm")
            : std::filesystem::temp_directory_path();
    auto* path = new std::string(
        (base / ("yoga-fuzz-" + std::to_string(getpid()))).string());
    std::filesystem::create_directories(*path, error);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(ScratchFolder(), ignored);
    });
    return path;
  }();
  return *folder;
}

}  // namespace yoga::fuzz

#endif  // YOGA_TESTS_FUZZ_FUZZ_CHECK_H_
