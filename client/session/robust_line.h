// A line through noisy points that a few wild ones do not move: medians
// instead of least squares. Used for the server's clock as seen over the
// network (clock_sync) and for the sound card's rate as seen from its
// callbacks (output_rate), where a delayed packet or a late callback is one
// point far off the line.
#ifndef YOGA_CLIENT_SESSION_ROBUST_LINE_H_
#define YOGA_CLIENT_SESSION_ROBUST_LINE_H_

#include <vector>

namespace yoga::client {

// The median of `values` (the mean of the middle two when their number is
// even); reorders them. `values` is not empty.
double MedianOf(std::vector<double>& values);

// The Theil-Sen slope of y over x: the median of the slopes between pairs of
// points at least `min_span` apart in x, since jitter over a short span looks
// like a steep slope. 0 when no pair is that far apart.
double MedianSlope(const std::vector<double>& x, const std::vector<double>& y,
                   double min_span);

// The median of the slopes between each point of the first half and its
// partner half the points later (points in order of x): every pair spans
// about half the range, so one point's jitter counts little, and the n / 2
// slopes cost O(n) where all pairs cost O(n^2). 0 for fewer than two points.
double HalvesMedianSlope(const std::vector<double>& x,
                         const std::vector<double>& y);

// The slope at x = `at` of the floor under the points (x increasing): the
// lower convex hull's edge above `at`, i.e. of the line under every point
// that stands highest there (0 for fewer than two distinct x). For values
// that are a floor plus noise that only adds (a network's delays), the
// floor's slope, and far sharper than a median's: the noise averages nothing
// away, the least delayed points alone decide.
double FloorSlopeAt(const std::vector<double>& x, const std::vector<double>& y,
                    double at);

// Where the line of `slope` through the points crosses x = 0: the median of
// their y carried there along it. `x` is not empty.
double MedianIntercept(const std::vector<double>& x,
                       const std::vector<double>& y, double slope);

}  // namespace yoga::client

#endif  // YOGA_CLIENT_SESSION_ROBUST_LINE_H_
