#include "client/session/clock_sync.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/session/robust_line.h"

namespace yoga::client {
namespace {

// The first line's pairs of samples span at least this (or min_drift_span,
// if shorter).
constexpr absl::Duration kFirstLineMinSpan = absl::Seconds(2);

}  // namespace

// Written as (t2 - t1) - round_trip / 2, which is the same, so that two unix
// times (about 2^60 ns each) are never added.
int64_t SampleOffsetNs(const ClockSample& sample) {
  return (sample.server_receive_ns - sample.client_send_ns) -
         SampleRoundTripNs(sample) / 2;
}

int64_t SampleRoundTripNs(const ClockSample& sample) {
  return (sample.client_receive_ns - sample.client_send_ns) -
         (sample.server_send_ns - sample.server_receive_ns);
}

int64_t ClockEstimate::ServerNsAt(int64_t client_ns) const {
  const double since = static_cast<double>(client_ns - reference_client_ns);
  return client_ns + offset_ns + std::llround(drift * since);
}

int64_t ClockEstimate::ClientNsAt(int64_t server_ns) const {
  const double since =
      static_cast<double>((server_ns - offset_ns) - reference_client_ns);
  return reference_client_ns + std::llround(since / (1 + drift));
}

ClockSyncEstimator::ClockSyncEstimator(Options options)
    : options_(std::move(options)) {}

absl::Status ClockSyncEstimator::Add(const ClockSample& sample) {
  if (sample.client_receive_ns < sample.client_send_ns ||
      sample.server_send_ns < sample.server_receive_ns) {
    return absl::InvalidArgumentError(
        "clock sample received before it was sent");
  }
  // Both clocks' rates differ, so a round trip shorter than the server's
  // handling can come out a little below zero; it is as good as zero.
  const int64_t round_trip = std::max<int64_t>(0, SampleRoundTripNs(sample));
  const int64_t client_ns =
      sample.client_send_ns +
      (sample.client_receive_ns - sample.client_send_ns) / 2;
  samples_.push_back({client_ns, SampleOffsetNs(sample), round_trip});
  while (static_cast<int>(samples_.size()) > std::max(1, options_.window)) {
    samples_.pop_front();
  }
  return absl::OkStatus();
}

absl::StatusOr<ClockEstimate> ClockSyncEstimator::Estimate() const {
  const int count = size();
  if (count == 0 || count < options_.min_samples) {
    return absl::UnavailableError(
        absl::StrCat("clock sync has ", count, " of ",
                     std::max(1, options_.min_samples), " samples needed"));
  }

  // Until the window spans min_drift_span there is no drift, and old
  // samples would hold the line where the server's clock was then: only the
  // last floor_span_without_drift counts.
  const int64_t newest_ns = samples_.back().client_ns;
  const bool spans_drift = newest_ns - samples_.front().client_ns >=
                           absl::ToInt64Nanoseconds(options_.min_drift_span);
  const int64_t oldest_ns =
      spans_drift
          ? std::numeric_limits<int64_t>::min()
          : newest_ns -
                absl::ToInt64Nanoseconds(options_.floor_span_without_drift);
  std::vector<Point> recent;
  for (const Point& point : samples_) {
    if (point.client_ns >= oldest_ns) recent.push_back(point);
  }

  // The samples least delayed: round trip at most the quantile's.
  const int recent_count = static_cast<int>(recent.size());
  std::vector<int64_t> round_trips;
  round_trips.reserve(recent_count);
  for (const Point& point : recent) round_trips.push_back(point.round_trip_ns);
  const int rank = std::clamp(
      static_cast<int>(std::ceil(options_.round_trip_quantile * recent_count)) -
          1,
      0, recent_count - 1);
  std::nth_element(round_trips.begin(), round_trips.begin() + rank,
                   round_trips.end());
  const int64_t most_round_trip = round_trips[rank];
  std::vector<Point> used;
  for (const Point& point : recent) {
    if (point.round_trip_ns <= most_round_trip) used.push_back(point);
  }

  // In doubles from here on, relative to the newest sample and to the first
  // offset used: unix times in nanoseconds are beyond a double's precision.
  ClockEstimate estimate;
  estimate.reference_client_ns = samples_.back().client_ns;
  const int64_t base = used.front().offset_ns;
  const auto since_reference = [&](const Point& point) {
    return static_cast<double>(point.client_ns - estimate.reference_client_ns);
  };
  const double min_drift_span =
      static_cast<double>(absl::ToInt64Nanoseconds(options_.min_drift_span));

  // A first line, by medians through the least delayed samples: it ignores
  // a minority of samples on another clock (before a step), and serves only
  // to find them.
  std::vector<double> times;    // ns since the reference (negative)
  std::vector<double> offsets;  // ns above `base`
  std::vector<double> used_round_trips;
  for (const Point& point : used) {
    times.push_back(since_reference(point));
    offsets.push_back(static_cast<double>(point.offset_ns - base));
    used_round_trips.push_back(static_cast<double>(point.round_trip_ns));
  }
  // Its pairs need span only a few seconds, so that after a step of the
  // server's clock most pairs still lie on one side of it.
  const double rough_drift = std::clamp(
      MedianSlope(times, offsets,
                  static_cast<double>(absl::ToInt64Nanoseconds(
                      std::min(options_.min_drift_span, kFirstLineMinSpan)))),
      -options_.max_drift, options_.max_drift);
  const double rough_offset = MedianIntercept(times, offsets, rough_drift);
  const double round_trip = MedianOf(used_round_trips);

  // Every sample bounds the server's clock: it read t2 - t1 (its offset plus
  // half its round trip) at most, and t3 - t4 at least. The samples whose
  // bounds hold the first line (give or take half a typical round trip) are
  // on the same clock; of those, the floor of each direction's delay places
  // the line, so a sample delayed either way counts for nothing.
  std::vector<double> consistent_times;
  std::vector<double> up;    // t2 - t1, above `base`
  std::vector<double> down;  // t4 - t3, plus `base`
  for (const Point& point : recent) {
    const double time = since_reference(point);
    const double offset = static_cast<double>(point.offset_ns - base);
    const double half_round_trip = static_cast<double>(point.round_trip_ns) / 2;
    const double rough = rough_offset + rough_drift * time;
    if (std::abs(offset - rough) > half_round_trip + round_trip / 2) continue;
    consistent_times.push_back(time);
    up.push_back(offset + half_round_trip);
    down.push_back(half_round_trip - offset);
  }
  // Server time gains `drift` on the way up and loses it on the way down.
  double drift = 0;
  const bool drift_known =
      !consistent_times.empty() &&
      consistent_times.back() - consistent_times.front() >= min_drift_span;
  if (drift_known) {
    double middle = 0;
    for (double time : consistent_times) middle += time;
    middle /= static_cast<double>(consistent_times.size());
    drift = (FloorSlopeAt(consistent_times, up, middle) -
             FloorSlopeAt(consistent_times, down, middle)) /
            2;
  }
  estimate.drift = std::clamp(drift, -options_.max_drift, options_.max_drift);
  estimate.drift_known = drift_known;
  double floor_up = std::numeric_limits<double>::infinity();
  double floor_down = std::numeric_limits<double>::infinity();
  // Without a drift, only the recent samples (as when the window is young).
  const double oldest = drift_known
                            ? -std::numeric_limits<double>::infinity()
                            : -static_cast<double>(absl::ToInt64Nanoseconds(
                                  options_.floor_span_without_drift));
  for (size_t i = 0; i < consistent_times.size(); ++i) {
    if (consistent_times[i] < oldest) continue;
    floor_up = std::min(floor_up, up[i] - estimate.drift * consistent_times[i]);
    floor_down =
        std::min(floor_down, down[i] + estimate.drift * consistent_times[i]);
  }
  // Halfway between the bounds: off by half the difference between the
  // least delays each way, which no two-way exchange can see. (No sample
  // holds the first line only if the rest are far apart: keep the line.)
  const bool floors = std::isfinite(floor_up) && std::isfinite(floor_down);
  estimate.offset_ns =
      base + std::llround(floors ? (floor_up - floor_down) / 2 : rough_offset);
  estimate.round_trip_ns = std::llround(round_trip);
  estimate.samples = count;
  estimate.samples_used = static_cast<int>(consistent_times.size());
  return estimate;
}

ClockSyncer::ClockSyncer(Exchange exchange, Options options)
    : exchange_(std::move(exchange)),
      options_(std::move(options)),
      estimator_(options_.estimator) {
  thread_ = std::thread([this] { Run(); });
}

ClockSyncer::~ClockSyncer() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  thread_.join();
}

absl::StatusOr<ClockEstimate> ClockSyncer::Estimate() const {
  absl::MutexLock lock(&mutex_);
  if (estimate_.has_value()) return *estimate_;
  return NoEstimateYet();
}

absl::StatusOr<ClockEstimate> ClockSyncer::WaitForEstimate(
    absl::Duration timeout) const {
  absl::MutexLock lock(&mutex_);
  const auto has_estimate = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return estimate_.has_value();
  };
  if (mutex_.AwaitWithTimeout(absl::Condition(&has_estimate), timeout)) {
    return *estimate_;
  }
  return absl::DeadlineExceededError(
      absl::StrCat("no clock estimate after ", absl::FormatDuration(timeout),
                   ": ", NoEstimateYet().message()));
}

ClockSyncer::Stats ClockSyncer::stats() const {
  absl::MutexLock lock(&mutex_);
  return stats_;
}

absl::Status ClockSyncer::NoEstimateYet() const {
  std::string message =
      absl::StrCat("no clock estimate yet (", stats_.exchanges, " of ",
                   options_.estimator.min_samples, " samples)");
  if (!stats_.last_error.ok()) {
    absl::StrAppend(
        &message, "; the last exchange failed: ", stats_.last_error.ToString());
  }
  return absl::UnavailableError(message);
}

absl::Duration ClockSyncer::Options::WaitAfter(int64_t exchanges) const {
  if (exchanges < burst_samples) return burst_interval;
  if (exchanges < young_samples) return young_interval;
  return interval;
}

void ClockSyncer::Run() {
  for (;;) {
    // Outside the lock: an exchange takes a round trip or more, an estimate
    // from a full window a fraction of a millisecond.
    absl::StatusOr<ClockSample> sample = exchange_();
    absl::Status status = sample.status();
    if (status.ok()) status = estimator_.Add(*sample);
    std::optional<ClockEstimate> estimate;
    if (status.ok()) {
      absl::StatusOr<ClockEstimate> latest = estimator_.Estimate();
      if (latest.ok()) estimate = *latest;
    }

    absl::MutexLock lock(&mutex_);
    if (stopping_) return;
    absl::Duration wait = options_.interval;
    if (status.ok()) {
      ++stats_.exchanges;
      if (estimate.has_value()) estimate_ = estimate;
      wait = options_.WaitAfter(stats_.exchanges);
    } else {
      ++stats_.failures;
      stats_.last_error = std::move(status);
    }
    if (mutex_.AwaitWithTimeout(absl::Condition(&stopping_), wait)) return;
  }
}

ClockSyncer::Options ClassMatSyncOptions() {
  ClockSyncer::Options options;
  options.estimator.min_drift_span = absl::Minutes(3);
  return options;
}

}  // namespace yoga::client
