// Who is practising and in which time zone, when `yoga-guide` is not told:
// the profile is the login name (USER) when it is a valid profile id, else
// "runner"; the time zone is the machine's, as an IANA name the server can
// load ("Europe/Berlin"), never "localtime" or a path.
#ifndef YOGA_CLIENT_CLI_PRACTICE_PROFILE_H_
#define YOGA_CLIENT_CLI_PRACTICE_PROFILE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace yoga::client {

// The profile when --profile is not given.
inline constexpr char kFallbackProfileId[] = "runner";

// `user` (the USER variable; may be null) when it is a valid profile id, else
// kFallbackProfileId.
std::string DefaultProfileId(const char* user);

// Where the machine's time zone is written.
struct TimeZoneSources {
  // The TZ variable; may be null. ":Europe/Berlin", "Europe/Berlin" and
  // "/usr/share/zoneinfo/Europe/Berlin" all name Europe/Berlin.
  const char* tz = nullptr;
  // Debian's file holding the zone's name.
  std::string timezone_file = "/etc/timezone";
  // The usual symlink into /usr/share/zoneinfo.
  std::string localtime_link = "/etc/localtime";
};

// The first of TZ, the timezone file and the localtime link that names a zone
// absl can load here; "UTC" when none does.
std::string LocalTimeZoneName(const TimeZoneSources& sources);

}  // namespace yoga::client

#endif  // YOGA_CLIENT_CLI_PRACTICE_PROFILE_H_
