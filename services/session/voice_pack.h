// How long each prompt takes to play. With a voice pack's manifest, the
// recorded durations; for a key the pack lacks (or with no pack), an estimate
// from the word count at an unhurried guiding pace.
//
//   auto packs = LoadVoicePacks("assets/voice");   // id -> PromptDurations
//   absl::Duration d = packs->at("default")->Of(phrase);
#ifndef YOGA_SERVICES_SESSION_VOICE_PACK_H_
#define YOGA_SERVICES_SESSION_VOICE_PACK_H_

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/session/phrases.h"
#include "yoga/session/v1/voice_pack.pb.h"

namespace yoga::session {

inline constexpr char kDefaultVoicePack[] = "default";

// Estimates: 400 ms a word (about 150 words a minute), chimes 1.2 s.
absl::Duration EstimatedDuration(const Phrase& phrase);

class PromptDurations {
 public:
  // Estimates only.
  explicit PromptDurations(std::string pack_id)
      : pack_id_(std::move(pack_id)) {}
  // The manifest's durations, estimates for keys it lacks.
  explicit PromptDurations(
      const yoga::session::v1::VoicePackManifest& manifest);

  const std::string& pack_id() const { return pack_id_; }
  absl::Duration Of(const Phrase& phrase) const;

 private:
  std::string pack_id_;
  absl::flat_hash_map<std::string, absl::Duration> recorded_;
};

using VoicePacks =
    std::map<std::string, std::shared_ptr<const PromptDurations>>;

// Reads <directory>/<pack>/manifest.textproto for every pack folder. The
// default pack is always present: estimated when the folder has none. A
// manifest that does not parse, names another id than its folder, or has a
// missing or non-positive duration is an error naming file and line; a missing
// directory gives just the estimated default pack.
absl::StatusOr<VoicePacks> LoadVoicePacks(const std::string& directory);

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_VOICE_PACK_H_
