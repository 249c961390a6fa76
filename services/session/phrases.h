// Every prompt the session service can speak, as a key and its words. The
// timeline builder takes its fixed phrases (counts, "switch sides", chimes)
// from here, and PhraseList() lists them all with the catalog's own cues: the
// one list a voice pack is recorded from (assets/voice/phrases.tsv).
#ifndef YOGA_SERVICES_SESSION_PHRASES_H_
#define YOGA_SERVICES_SESSION_PHRASES_H_

#include <string>
#include <vector>

#include "services/catalog/catalog.h"
#include "yoga/type/v1/anatomy.pb.h"
#include "yoga/type/v1/practice.pb.h"

namespace yoga::session {

struct Phrase {
  std::string key;
  std::string text;
  bool operator==(const Phrase&) const = default;
};

// Keys of sounds that are not speech; their text is a description.
inline constexpr char kChimeKeyPrefix[] = "chime.";

// English words for 1 to 999: 21 -> "twenty-one".
std::string NumberWords(int number);

// A length of time as a person says it: "forty-five seconds", "one minute",
// "a minute and a half", "two minutes and ten seconds".
std::string SecondsWords(int seconds);

// The largest numbers the opening and the summary speak; longer sessions
// skip those sentences.
inline constexpr int kMaxSummaryMinutes = 120;
inline constexpr int kMaxSummaryPoses = 60;
inline constexpr int kMaxOpeningMinutes = 60;

namespace phrases {
// The opening: welcome, length, what is coming, what to have at hand.
Phrase SessionStart();
Phrase SessionLength(int minutes);  // "This practice takes about ten minutes."
Phrase PosesAhead();                // "Today's poses:" (then their names).
// A prop to have at hand: required by a pose, or only helpful.
Phrase PropAtHand(yoga::type::v1::Prop prop, bool required);
Phrase NextPose();
// Moving between heights: up from lying, down from standing.
Phrase GetUp();
Phrase GetUpFromBelly();
Phrase GetDown();
// At the end of a hold that goes on into a deeper version.
Phrase GoDeeper();
// The name of a pose, or of one of its variations.
Phrase NameOf(const yoga::catalog::v1::Pose& pose,
              const yoga::catalog::v1::Variation* variation);
Phrase SideName(yoga::type::v1::Side side);
Phrase SwitchSides();
// After one-leg strength work, before the other side.
Phrase RestBeforeOtherSide();
Phrase RestBetweenSets();
// Before a flow's one slow round in full words.
Phrase SlowRound();
Phrase SetNumber(int set);
// The hold announced by kind (seconds said in steps of five: a 47-second hold
// is "forty-five seconds"): strength holds "Hold for eight breaths.",
// static and restorative holds "Stay here for two minutes.", flows "Ten
// rounds, moving with the breath." Lengths as a person says them.
Phrase HoldFor(yoga::type::v1::HoldUnit unit, int count);
Phrase StayFor(yoga::type::v1::HoldUnit unit, int count);
// "Hold." when the hold is too short for HoldFor.
Phrase HoldShort();
// What CONTROL_ACTION_STAY_LONGER says as it lengthens a hold by a breath.
Phrase StayLonger();
Phrase BreatheIn();
Phrase BreatheOut();
// Calm words inside a long static hold, in turn.
inline constexpr int kCalmPhrases = 3;
Phrase Calm(int index);  // index modulo kCalmPhrases.
// A flow cue's few words for one half breath (Cue.short_text).
Phrase ShortOf(const yoga::catalog::v1::Cue& cue);
Phrase Halfway();
Phrase BreathsLeft(int breaths);  // 2 or more.
Phrase LastBreath();
Phrase RoundsLeft(int rounds);  // 2 or more.
Phrase LastRound();
Phrase SecondsLeft(int seconds);
Phrase Countdown(int number);  // "Three."
Phrase HoldEndChime();
Phrase SummaryMinutes(int minutes);
Phrase SummaryPoses(int poses);
Phrase SessionEnd();
}  // namespace phrases

// Counts the builder may ask for, so the list is finite.
inline constexpr int kCountdownFrom = 3;
inline constexpr int kBreathsLeftAt = 3;
inline constexpr int kRoundsLeftAt = 3;
inline constexpr int kSecondsLeftAt = 10;

// Every phrase a timeline over `catalog` can contain, each key once, sorted by
// key.
std::vector<Phrase> PhraseList(const catalog::Catalog& catalog);

// The list as the voice pack script reads it: "key<TAB>text" lines.
std::string PhraseListText(const std::vector<Phrase>& phrases);

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_PHRASES_H_
