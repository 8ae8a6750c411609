#include "metrics/instruments.hpp"

#include <cmath>

namespace sealgate::metrics {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
    for (const double b : bounds_)
        bounds_ns_.push_back(static_cast<std::int64_t>(std::llround(b * 1e9)));
    for (std::size_t i = 0; i <= bounds_.size(); ++i)
        counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(std::chrono::nanoseconds took) {
    const std::int64_t ns = took.count() < 0 ? 0 : took.count();
    std::size_t i = 0;
    while (i < bounds_ns_.size() && ns > bounds_ns_[i])
        ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::counts() const {
    std::vector<std::uint64_t> out(bounds_.size() + 1);
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = counts_[i].load(std::memory_order_relaxed);
    return out;
}

double Histogram::sum_seconds() const {
    return static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
}

}  // namespace sealgate::metrics
