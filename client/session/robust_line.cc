#include "client/session/robust_line.h"

#include <algorithm>
#include <cmath>

namespace yoga::client {

double MedianOf(std::vector<double>& values) {
  const size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + middle, values.end());
  const double upper = values[middle];
  if (values.size() % 2 == 1) return upper;
  const double lower =
      *std::max_element(values.begin(), values.begin() + middle);
  return (lower + upper) / 2;
}

double MedianSlope(const std::vector<double>& x, const std::vector<double>& y,
                   double min_span) {
  std::vector<double> slopes;
  for (size_t i = 0; i < x.size(); ++i) {
    for (size_t j = i + 1; j < x.size(); ++j) {
      const double span = x[j] - x[i];
      if (span == 0 || std::abs(span) < min_span) continue;
      slopes.push_back((y[j] - y[i]) / span);
    }
  }
  return slopes.empty() ? 0 : MedianOf(slopes);
}

double HalvesMedianSlope(const std::vector<double>& x,
                         const std::vector<double>& y) {
  const size_t half = x.size() / 2;
  std::vector<double> slopes;
  slopes.reserve(half);
  for (size_t i = 0; i < half; ++i) {
    const double span = x[i + half] - x[i];
    if (span != 0) slopes.push_back((y[i + half] - y[i]) / span);
  }
  return slopes.empty() ? 0 : MedianOf(slopes);
}

double FloorSlopeAt(const std::vector<double>& x, const std::vector<double>& y,
                    double at) {
  struct Point {
    double x, y;
  };
  std::vector<Point> hull;
  for (size_t i = 0; i < x.size(); ++i) {
    const Point point{x[i], y[i]};
    // Out of order (the contract says it is not): skipped, not a 0 / 0.
    if (!hull.empty() && point.x < hull.back().x) continue;
    if (!hull.empty() && hull.back().x == point.x) {
      if (hull.back().y <= point.y) continue;
      hull.pop_back();
    }
    // Drop the last corner while it lies on or above the line from the one
    // before it to this point: the hull turns upwards only.
    while (hull.size() >= 2) {
      const Point& a = hull[hull.size() - 2];
      const Point& b = hull.back();
      if ((b.x - a.x) * (point.y - a.y) - (b.y - a.y) * (point.x - a.x) > 0) {
        break;
      }
      hull.pop_back();
    }
    hull.push_back(point);
  }
  if (hull.size() < 2) return 0;
  size_t edge = 0;
  while (edge + 2 < hull.size() && hull[edge + 1].x < at) ++edge;
  return (hull[edge + 1].y - hull[edge].y) / (hull[edge + 1].x - hull[edge].x);
}

double MedianIntercept(const std::vector<double>& x,
                       const std::vector<double>& y, double slope) {
  std::vector<double> carried;
  carried.reserve(x.size());
  for (size_t i = 0; i < x.size(); ++i) carried.push_back(y[i] - slope * x[i]);
  return MedianOf(carried);
}

}  // namespace yoga::client
