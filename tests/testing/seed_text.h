// The seed articles as runs of words, to check that our texts (cues, notes,
// reasons) are written in our own words rather than copied.
#ifndef YOGA_TESTS_TESTING_SEED_TEXT_H_
#define YOGA_TESTS_TESTING_SEED_TEXT_H_

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace yoga::testing {

// How many words in a row, shared with a seed, count as copying.
inline constexpr size_t kCopiedRun = 7;

// Lower-case words of a text, punctuation dropped.
inline std::vector<std::string> Words(const std::string& text) {
  std::string cleaned;
  for (char c : text) {
    cleaned.push_back(absl::ascii_isalnum(static_cast<unsigned char>(c))
                          ? absl::ascii_tolower(static_cast<unsigned char>(c))
                          : ' ');
  }
  return absl::StrSplit(cleaned, ' ', absl::SkipEmpty());
}

// Every run of kCopiedRun words in `text`.
inline std::vector<std::string> Runs(const std::string& text) {
  const std::vector<std::string> words = Words(text);
  std::vector<std::string> runs;
  for (size_t i = 0; i + kCopiedRun <= words.size(); ++i) {
    runs.push_back(
        absl::StrJoin(words.begin() + i, words.begin() + i + kCopiedRun, " "));
  }
  return runs;
}

// Every run of kCopiedRun words in the seed articles; empty without them.
inline std::set<std::string> SeedRuns() {
  std::set<std::string> runs;
  const std::filesystem::path seeds(YOGA_SEEDS_DIR);
  if (!std::filesystem::exists(seeds)) return runs;
  for (const auto& entry : std::filesystem::directory_iterator(seeds)) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    for (std::string& run : Runs(text.str())) runs.insert(std::move(run));
  }
  return runs;
}

// The first run of `text` found in the seeds, or "".
inline std::string CopiedRun(const std::string& text,
                             const std::set<std::string>& seed_runs) {
  for (const std::string& run : Runs(text)) {
    if (seed_runs.contains(run)) return run;
  }
  return "";
}

}  // namespace yoga::testing

#endif  // YOGA_TESTS_TESTING_SEED_TEXT_H_
