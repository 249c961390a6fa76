// The server's clock as seen from this client, from NTP-style exchanges, so
// that every mat of a class plays the same timeline at the same moment
// (DESIGN.md "Classes").
//
// One exchange gives four times: the client sends (t1, client clock), the
// server receives (t2) and answers (t3) on its clock, the client receives
// (t4). Its offset, server minus client, is ((t2 - t1) + (t3 - t4)) / 2 and
// its round trip (t4 - t1) - (t3 - t2).
//
// ClockSyncEstimator keeps the last `window` samples and models the server's
// clock as a line through them: server = client + offset + drift * (client -
// reference), reference being the newest sample. Every sample bounds the
// line: the server read at most t2 - t1 more than the client on the way up
// and at least t3 - t4 on the way back, so the line lies within half the
// sample's round trip of its offset. Network delays only ever add, so the
// least delayed samples decide: the line is placed halfway between the floor
// of the delays up and the floor of the delays down, each the lowest over the
// window (carried along the drift), and the drift is the slope of those floors
// (robust_line.h: FloorSlopeAt) once the samples span `min_drift_span`, 0
// before. A sample delayed either way then counts for nothing, and on a
// jittery link the estimate improves with every least-delayed sample rather
// than with the square root of their number (40 ms each way with up to 20 ms
// of jitter: within 0.2 ms after a minute, where a median of offsets is 1-4
// ms off). Samples on another clock (before the server's clock stepped) are
// set aside first: only those whose bounds hold a first line, drawn by
// medians through the samples with the smallest round trips (the lowest
// `round_trip_quantile`), count, so a step is followed once it holds in most
// of the window, or at once after Clear(). With a LAN's jitter (100 us each
// way on average) the server's time is known within about 50 us, 10 us
// typically after a minute.
//
// The limit of any two-way exchange: it cannot tell how the round trip splits
// between the directions. Were the way to the server `a` longer than the way
// back, every offset reads a/2 too high (the estimate runs a/2 ahead of the
// server), and no number of samples shows it. So the error of a sample is at
// most half its round trip, however it splits.
//
// ClockSyncer runs the exchanges on a thread of its own: a burst at the start
// (a usable estimate within about half a second), faster samples while the
// estimate is young, then one every `interval`. A failed exchange is counted
// and the last estimate kept.
//
//   ClockSyncer syncer([&]() -> absl::StatusOr<ClockSample> {
//     ClockSample sample;
//     sample.client_send_ns = MonotonicNowNs();
//     ... the clock RPC, with a deadline of its own; on failure return it ...
//     sample.client_receive_ns = MonotonicNowNs();
//     sample.server_receive_ns = <the reply's receive time, unix ns>;
//     sample.server_send_ns = <the reply's send time, unix ns>;
//     return sample;
//   });
//   absl::StatusOr<ClockEstimate> clock = syncer.WaitForEstimate(
//       absl::Seconds(2));
//   if (clock.ok()) server_now = clock->ServerNsAt(MonotonicNowNs());
#ifndef YOGA_CLIENT_SESSION_CLOCK_SYNC_H_
#define YOGA_CLIENT_SESSION_CLOCK_SYNC_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/audio/monotonic_clock.h"

namespace yoga::client {

// One exchange. Client times on the client's monotonic clock, server times on
// the server's clock (unix ns).
struct ClockSample {
  int64_t client_send_ns = 0;     // t1
  int64_t server_receive_ns = 0;  // t2
  int64_t server_send_ns = 0;     // t3
  int64_t client_receive_ns = 0;  // t4
};

// ((t2 - t1) + (t3 - t4)) / 2: server minus client, off by half the
// difference between the two one-way delays.
int64_t SampleOffsetNs(const ClockSample& sample);
// (t4 - t1) - (t3 - t2): the time on the wire, both ways.
int64_t SampleRoundTripNs(const ClockSample& sample);

// The server's clock as a line in the client's: at client time
// reference_client_ns the server reads reference_client_ns + offset_ns, and
// it gains `drift` seconds per client second.
struct ClockEstimate {
  int64_t offset_ns = 0;
  // Server seconds per client second, minus 1: 50e-6 when the server's clock
  // runs 50 ppm fast against the client's.
  double drift = 0;
  // Whether `drift` was measured (the samples span min_drift_span), rather
  // than taken as 0.
  bool drift_known = false;
  int64_t reference_client_ns = 0;
  // The median round trip of the samples with the smallest ones (the
  // first line's): the estimate's asymmetry error is at most half of it.
  int64_t round_trip_ns = 0;
  int samples = 0;       // In the window.
  int samples_used = 0;  // Those on the same clock as most (see above).

  int64_t ServerNsAt(int64_t client_ns) const;
  // The inverse of ServerNsAt (to a nanosecond).
  int64_t ClientNsAt(int64_t server_ns) const;
};

// Not thread-safe; ClockSyncer guards its own.
class ClockSyncEstimator {
 public:
  struct Options {
    // The last this many samples count (200 at one a second: 3 minutes).
    int window = 200;
    // Fewer samples give no estimate: the first line's median needs a few to
    // ignore one sample on another clock.
    int min_samples = 5;
    // The first line, which finds samples on another clock, is drawn
    // through those whose round trip is at most this quantile of the
    // window's.
    double round_trip_quantile = 0.5;
    // Until the samples span this the drift is 0: the floor's slope over a
    // short span is mostly jitter (and so is a pair's, for the first line).
    absl::Duration min_drift_span = absl::Seconds(2);
    // Until the samples span min_drift_span, only those of this last span
    // count, so a clock drifting d against the server is followed within
    // about d times half of it (1 ppm: 0.03 ms; an unsynchronised 50 ppm:
    // 1.5 ms).
    absl::Duration floor_span_without_drift = absl::Seconds(60);
    // Drift beyond this (either way) is taken as this: Linux slews a clock
    // by at most 500 ppm, and crystals stay well inside.
    double max_drift = 500e-6;
  };

  ClockSyncEstimator() : ClockSyncEstimator(Options()) {}
  explicit ClockSyncEstimator(Options options);

  // INVALID_ARGUMENT, and the sample is not kept, when it received before it
  // sent on either side. The oldest sample leaves once the window is full.
  absl::Status Add(const ClockSample& sample);
  // UNAVAILABLE until min_samples are in the window.
  absl::StatusOr<ClockEstimate> Estimate() const;
  // Forgets every sample, e.g. after the server's clock stepped.
  void Clear() { samples_.clear(); }
  int size() const { return static_cast<int>(samples_.size()); }

 private:
  struct Point {
    int64_t client_ns;  // Midway between t1 and t4.
    int64_t offset_ns;
    int64_t round_trip_ns;
  };

  const Options options_;
  std::deque<Point> samples_;  // Oldest first.
};

// Thread-safe: any thread may ask for the estimate at any time.
class ClockSyncer {
 public:
  using Exchange = std::function<absl::StatusOr<ClockSample>()>;

  struct Options {
    ClockSyncEstimator::Options estimator;
    // The first samples, this far apart.
    int burst_samples = 10;
    absl::Duration burst_interval = absl::Milliseconds(30);
    // Then samples this far apart until `young_samples` were taken, so the
    // drift is known within seconds...
    int young_samples = 40;
    absl::Duration young_interval = absl::Milliseconds(250);
    // ...then one every `interval`. After a failed exchange the next waits
    // `interval` too, so a server that is away is not hammered.
    absl::Duration interval = absl::Seconds(1);

    // The wait after the `exchanges`-th successful exchange.
    absl::Duration WaitAfter(int64_t exchanges) const;
  };

  struct Stats {
    int64_t exchanges = 0;  // Succeeded and kept.
    int64_t failures = 0;
    absl::Status last_error;  // OK until the first failure.
  };

  // Starts the thread. `exchange` is called on it; it should bound its own
  // time (an RPC deadline), since the destructor waits for a call in flight.
  explicit ClockSyncer(Exchange exchange)
      : ClockSyncer(std::move(exchange), Options()) {}
  ClockSyncer(Exchange exchange, Options options);
  // Wakes the thread at once and joins it.
  ~ClockSyncer();

  ClockSyncer(const ClockSyncer&) = delete;
  ClockSyncer& operator=(const ClockSyncer&) = delete;

  // The estimate after the latest sample; UNAVAILABLE (with the last error,
  // if any) before the first.
  absl::StatusOr<ClockEstimate> Estimate() const;
  // Estimate(), waiting up to `timeout` for the first; DEADLINE_EXCEEDED then.
  absl::StatusOr<ClockEstimate> WaitForEstimate(absl::Duration timeout) const;
  Stats stats() const;

 private:
  void Run();
  absl::Status NoEstimateYet() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const Exchange exchange_;
  const Options options_;

  ClockSyncEstimator estimator_;  // The thread's alone.

  mutable absl::Mutex mutex_;
  std::optional<ClockEstimate> estimate_ ABSL_GUARDED_BY(mutex_);
  Stats stats_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

// A class mat's (client/cli's play, and the simulated mats of
// class_clock_test): a mat's link may jitter by tens of milliseconds, and a
// drift taken from a minute of it can be off by 50-100 ppm, moving cues by
// 2-3 ms (class_bench; with the 2 s default, class_test's mats were 4 ms
// apart). Clocks kept by NTP drift by a ppm or so, so mats take drift only
// from 3 minutes of samples and follow the floors of the last minute until
// then (1 ppm: 0.03 ms off; an unsynchronised 50 ppm: 1.5 ms).
ClockSyncer::Options ClassMatSyncOptions();

}  // namespace yoga::client

#endif  // YOGA_CLIENT_SESSION_CLOCK_SYNC_H_
