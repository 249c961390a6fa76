#include "services/session/phrases.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/catalog/effective_pose.h"

namespace yoga::session {
namespace {

using yoga::type::v1::HoldUnit;

std::string Capitalized(std::string text) {
  if (!text.empty()) text[0] = absl::ascii_toupper(text[0]);
  return text;
}

// "five breaths", "one breath".
std::string Counted(int count, absl::string_view singular,
                    absl::string_view plural) {
  return absl::StrCat(NumberWords(count), " ", count == 1 ? singular : plural);
}

const char* UnitKey(HoldUnit unit) {
  switch (unit) {
    case yoga::type::v1::HOLD_UNIT_BREATHS:
      return "breaths";
    case yoga::type::v1::HOLD_UNIT_REPETITIONS:
      return "rounds";
    default:
      return "seconds";
  }
}

}  // namespace

std::string NumberWords(int number) {
  static constexpr const char* kOnes[] = {
      "zero",    "one",     "two",       "three",    "four",
      "five",    "six",     "seven",     "eight",    "nine",
      "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
      "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  static constexpr const char* kTens[] = {
      "",      "",      "twenty",  "thirty", "forty",
      "fifty", "sixty", "seventy", "eighty", "ninety"};
  number = std::clamp(number, 0, 999);
  if (number >= 100) {
    std::string words = absl::StrCat(kOnes[number / 100], " hundred");
    if (number % 100 != 0)
      absl::StrAppend(&words, " and ", NumberWords(number % 100));
    return words;
  }
  if (number < 20) return kOnes[number];
  if (number % 10 == 0) return kTens[number / 10];
  return absl::StrCat(kTens[number / 10], "-", kOnes[number % 10]);
}

std::string SecondsWords(int seconds) {
  const int minutes = seconds / 60;
  const int rest = seconds % 60;
  if (minutes == 0) return Counted(seconds, "second", "seconds");
  if (rest == 0) return Counted(minutes, "minute", "minutes");
  if (rest == 30) {
    return minutes == 1
               ? "a minute and a half"
               : absl::StrCat(NumberWords(minutes), " and a half minutes");
  }
  return absl::StrCat(
      minutes == 1 ? "a minute" : Counted(minutes, "minute", "minutes"),
      " and ", Counted(rest, "second", "seconds"));
}

namespace phrases {

Phrase SessionStart() {
  return {"session.start", "Welcome. Let's begin your practice."};
}
Phrase SessionLength(int minutes) {
  return {absl::StrCat("session.length.", minutes),
          absl::StrCat("This practice takes about ",
                       Counted(minutes, "minute", "minutes"), ".")};
}
Phrase PosesAhead() { return {"session.poses", "Today's poses:"}; }
Phrase PropAtHand(yoga::type::v1::Prop prop, bool required) {
  struct Words {
    const char* slug;
    const char* required;
    const char* helpful;
  };
  static const std::map<int, Words> kWords = {
      {yoga::type::v1::PROP_MAT,
       {"mat", "Lay out your mat.", "A mat or soft ground helps."}},
      {yoga::type::v1::PROP_BLOCK,
       {"block", "Have a yoga block at hand.",
        "If you have a block, keep it nearby."}},
      {yoga::type::v1::PROP_BLANKET,
       {"blanket", "Have a folded blanket at hand.",
        "If you have a blanket, keep it nearby."}},
      {yoga::type::v1::PROP_TOWEL,
       {"towel", "Have a towel at hand.",
        "If you have a towel, keep it nearby."}},
      {yoga::type::v1::PROP_WALL,
       {"wall", "Practise near a wall.", "A wall nearby can help."}},
      {yoga::type::v1::PROP_PILLOW,
       {"pillow", "Have a pillow or cushion at hand.",
        "If you have a cushion, keep it nearby."}},
  };
  auto found = kWords.find(prop);
  if (found == kWords.end()) return {"prop.other", "Have your props at hand."};
  const Words& words = found->second;
  return {absl::StrCat("prop.", words.slug, required ? "" : ".helpful"),
          required ? words.required : words.helpful};
}
Phrase NextPose() { return {"transition.next", "Next pose."}; }
Phrase GetUp() {
  return {"transition.get-up",
          "Roll onto your side and press yourself up slowly."};
}
Phrase GetUpFromBelly() {
  return {"transition.get-up-from-belly",
          "Press back to your hands and knees, slowly."};
}
Phrase GetDown() {
  return {"transition.get-down", "Come down to the floor slowly."};
}
Phrase GoDeeper() {
  return {"transition.deepen", "From here, go a little deeper."};
}
Phrase NameOf(const yoga::catalog::v1::Pose& pose,
              const yoga::catalog::v1::Variation* variation) {
  if (variation != nullptr)
    return {absl::StrCat("name.", variation->id()), variation->name() + "."};
  return {absl::StrCat("name.", pose.id()), pose.name() + "."};
}
Phrase SideName(yoga::type::v1::Side side) {
  return side == yoga::type::v1::SIDE_LEFT
             ? Phrase{"side.left", "Left side."}
             : Phrase{"side.right", "Right side."};
}
Phrase SwitchSides() { return {"side.switch", "Switch sides."}; }
Phrase RestBeforeOtherSide() {
  return {"rest.before-other-side", "Rest for a breath or two."};
}
Phrase RestBetweenSets() {
  return {"rest.between-sets", "Rest here for a few breaths."};
}
Phrase SlowRound() {
  return {"flow.slow-round", "Let's take the first round slowly."};
}
Phrase SetNumber(int set) {
  return {absl::StrCat("set.", set),
          absl::StrCat("Set ", NumberWords(set), ".")};
}
// Seconds as a teacher says them: in steps of five from five on.
int SpokenSeconds(int count) { return count < 5 ? count : (count + 2) / 5 * 5; }

Phrase HoldFor(HoldUnit unit, int count) {
  if (unit != yoga::type::v1::HOLD_UNIT_BREATHS &&
      unit != yoga::type::v1::HOLD_UNIT_REPETITIONS)
    count = SpokenSeconds(count);
  const std::string key = absl::StrCat("hold.", UnitKey(unit), ".", count);
  switch (unit) {
    case yoga::type::v1::HOLD_UNIT_BREATHS:
      return {key, absl::StrCat("Hold for ",
                                Counted(count, "breath", "breaths"), ".")};
    case yoga::type::v1::HOLD_UNIT_REPETITIONS:
      return {key, Capitalized(absl::StrCat(Counted(count, "round", "rounds"),
                                            ", moving with the breath."))};
    default:
      return {key, absl::StrCat("Hold for ", SecondsWords(count), ".")};
  }
}
Phrase StayFor(HoldUnit unit, int count) {
  if (unit == yoga::type::v1::HOLD_UNIT_REPETITIONS)
    return HoldFor(unit, count);
  if (unit != yoga::type::v1::HOLD_UNIT_BREATHS) count = SpokenSeconds(count);
  const std::string key = absl::StrCat("stay.", UnitKey(unit), ".", count);
  if (unit == yoga::type::v1::HOLD_UNIT_BREATHS) {
    return {key, absl::StrCat("Stay here for ",
                              Counted(count, "breath", "breaths"), ".")};
  }
  return {key, absl::StrCat("Stay here for ", SecondsWords(count), ".")};
}
Phrase HoldShort() { return {"hold.short", "Hold."}; }
Phrase StayLonger() {
  return {"hold.stay-longer", "Stay for one more breath."};
}
Phrase BreatheIn() { return {"breath.in", "Breathe in."}; }
Phrase BreatheOut() { return {"breath.out", "Breathe out."}; }
Phrase Calm(int index) {
  static constexpr const char* kTexts[kCalmPhrases] = {
      "Stay here, breathing slowly.",
      "Let go a little more with each breath out.",
      "Nothing to do now but breathe.",
  };
  const int i = ((index % kCalmPhrases) + kCalmPhrases) % kCalmPhrases;
  return {absl::StrCat("calm.", i + 1), kTexts[i]};
}
Phrase ShortOf(const yoga::catalog::v1::Cue& cue) {
  return {absl::StrCat(cue.key(), ".short"), cue.short_text()};
}
Phrase Halfway() { return {"count.halfway", "Halfway."}; }
Phrase BreathsLeft(int breaths) {
  return {absl::StrCat("count.breaths-left.", breaths),
          Capitalized(absl::StrCat(NumberWords(breaths), " more breaths."))};
}
Phrase LastBreath() { return {"count.last-breath", "Last breath."}; }
Phrase RoundsLeft(int rounds) {
  return {absl::StrCat("count.rounds-left.", rounds),
          Capitalized(absl::StrCat(NumberWords(rounds), " more rounds."))};
}
Phrase LastRound() { return {"count.last-round", "Last round."}; }
Phrase SecondsLeft(int seconds) {
  return {absl::StrCat("count.seconds-left.", seconds),
          Capitalized(absl::StrCat(NumberWords(seconds), " more seconds."))};
}
Phrase Countdown(int number) {
  return {absl::StrCat("count.down.", number),
          Capitalized(NumberWords(number) + ".")};
}
Phrase HoldEndChime() {
  return {absl::StrCat(kChimeKeyPrefix, "hold-end"),
          "A soft bell: the hold is over."};
}
Phrase SummaryMinutes(int minutes) {
  return {absl::StrCat("summary.minutes.", minutes),
          absl::StrCat("You practised for ",
                       Counted(minutes, "minute", "minutes"), ",")};
}
Phrase SummaryPoses(int poses) {
  return {
      absl::StrCat("summary.poses.", poses),
      absl::StrCat("and moved through ", Counted(poses, "pose", "poses"), ".")};
}
Phrase SessionEnd() {
  return {"session.end", "Well done. Your practice is complete."};
}

}  // namespace phrases

std::vector<Phrase> PhraseList(const catalog::Catalog& catalog) {
  std::map<std::string, std::string> by_key;
  auto add = [&](const Phrase& phrase) {
    by_key.emplace(phrase.key, phrase.text);
  };
  auto add_cues = [&](const auto& cues) {
    for (const auto& cue : cues) {
      add({cue.key(), cue.text()});
      if (!cue.short_text().empty()) add(phrases::ShortOf(cue));
    }
  };
  // Strength holds are announced with HoldFor, the others with StayFor.
  std::map<std::pair<bool, HoldUnit>, int> max_count;
  int max_sets = 1;
  auto add_hold = [&](bool strength, const yoga::type::v1::HoldRange& range) {
    int& most = max_count[{strength, range.unit()}];
    most = std::max<int>(most, range.max_count());
    max_sets = std::max<int>(max_sets, range.max_sets());
  };
  for (const auto& pose : catalog.poses()) {
    const bool strength =
        pose.kind() == yoga::catalog::v1::POSE_KIND_STRENGTH_HOLD;
    add(phrases::NameOf(pose, nullptr));
    add_cues(pose.setup_cues());
    add_cues(pose.hold_cues());
    add_cues(pose.release_cues());
    for (const auto& caution : pose.cautions())
      add_cues(std::array{caution.cue()});
    add_hold(strength, pose.hold());
    for (const auto& variation : pose.variations()) {
      add(phrases::NameOf(pose, &variation));
      add_cues(variation.setup_cues());
      add_cues(variation.hold_cues());
      add_cues(variation.release_cues());
      for (const auto& caution : variation.cautions())
        add_cues(std::array{caution.cue()});
      if (variation.has_hold()) add_hold(strength, variation.hold());
    }
  }
  for (const auto& [group, most] : max_count) {
    const auto& [strength, unit] = group;
    for (int count = 1; count <= most; ++count) {
      add(strength ? phrases::HoldFor(unit, count)
                   : phrases::StayFor(unit, count));
    }
  }
  for (int set = 2; set <= max_sets; ++set) add(phrases::SetNumber(set));
  for (int number = 1; number <= kCountdownFrom; ++number)
    add(phrases::Countdown(number));
  for (int minutes = 1; minutes <= kMaxSummaryMinutes; ++minutes)
    add(phrases::SummaryMinutes(minutes));
  for (int minutes = 1; minutes <= kMaxOpeningMinutes; ++minutes)
    add(phrases::SessionLength(minutes));
  for (int poses = 1; poses <= kMaxSummaryPoses; ++poses)
    add(phrases::SummaryPoses(poses));
  for (int prop = yoga::type::v1::Prop_MIN + 1;
       prop <= yoga::type::v1::Prop_MAX; ++prop) {
    for (bool required : {true, false})
      add(phrases::PropAtHand(static_cast<yoga::type::v1::Prop>(prop),
                              required));
  }
  for (int i = 0; i < phrases::kCalmPhrases; ++i) add(phrases::Calm(i));
  for (const Phrase& phrase : {phrases::SessionStart(),
                               phrases::NextPose(),
                               phrases::PosesAhead(),
                               phrases::SideName(yoga::type::v1::SIDE_LEFT),
                               phrases::SideName(yoga::type::v1::SIDE_RIGHT),
                               phrases::SwitchSides(),
                               phrases::RestBeforeOtherSide(),
                               phrases::RestBetweenSets(),
                               phrases::SlowRound(),
                               phrases::GetUp(),
                               phrases::GetUpFromBelly(),
                               phrases::GetDown(),
                               phrases::GoDeeper(),
                               phrases::HoldShort(),
                               phrases::BreatheIn(),
                               phrases::BreatheOut(),
                               phrases::Halfway(),
                               phrases::BreathsLeft(kBreathsLeftAt),
                               phrases::LastBreath(),
                               phrases::RoundsLeft(kRoundsLeftAt),
                               phrases::LastRound(),
                               phrases::SecondsLeft(kSecondsLeftAt),
                               phrases::HoldEndChime(),
                               phrases::SessionEnd()}) {
    add(phrase);
  }
  add(phrases::StayLonger());  // Said by a control, not by the builder.
  std::vector<Phrase> list;
  list.reserve(by_key.size());
  for (auto& [key, text] : by_key) list.push_back({key, text});
  return list;
}

std::string PhraseListText(const std::vector<Phrase>& phrases) {
  std::string text =
      "# Every prompt the session service can speak: key<TAB>text.\n"
      "# Generated from the catalog and services/session/phrases.cc; the "
      "voice\n"
      "# pack is recorded from it. Regenerate: UPDATE_PHRASES=1 ./dev test\n";
  for (const Phrase& phrase : phrases)
    absl::StrAppend(&text, phrase.key, "\t", phrase.text, "\n");
  return text;
}

}  // namespace yoga::session
