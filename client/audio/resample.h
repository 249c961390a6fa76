// Converts a mono clip to another sample rate with libsamplerate's sinc
// converter (SRC_SINC_MEDIUM_QUALITY: band-limited, no audible aliasing for
// speech). The result has exactly round(frames * to_rate / from_rate) frames,
// so that a clip's length stays its duration at the new rate; the converter's
// last fraction of a frame is cut or padded with silence.
//
//   absl::StatusOr<Clip> clip44 = Resample(clip48, 44100);
//
// A clip already at `to_rate` comes back as it is. INVALID_ARGUMENT when a
// rate is not positive or the ratio is beyond libsamplerate's (1/256 to 256);
// INTERNAL when libsamplerate fails. Safe to call from several threads at
// once.
#ifndef YOGA_CLIENT_AUDIO_RESAMPLE_H_
#define YOGA_CLIENT_AUDIO_RESAMPLE_H_

#include "absl/status/statusor.h"
#include "client/audio/clip.h"

namespace yoga::client::audio {

absl::StatusOr<Clip> Resample(Clip clip, int to_rate);

}  // namespace yoga::client::audio

#endif  // YOGA_CLIENT_AUDIO_RESAMPLE_H_
