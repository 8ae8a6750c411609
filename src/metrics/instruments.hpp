// metrics/instruments.hpp — counters, gauges and histograms cheap enough for the mail path:
// each update is one or two relaxed atomic operations, no lock. A reader (the /metrics scrape)
// sees each value on its own; a histogram's buckets may be one observation apart from its sum
// while an update is in progress, never from its count (the count is the buckets' total).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace sealgate::metrics {

class Counter {
  public:
    void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> value_{0};
};

class Gauge {
  public:
    void set(std::int64_t v) { value_.store(v, std::memory_order_relaxed); }
    void add(std::int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
    std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::int64_t> value_{0};
};

// Durations in seconds, kept as nanoseconds.
class Histogram {
  public:
    // Ascending upper bounds in seconds, without +Inf.
    explicit Histogram(std::vector<double> bounds);

    void observe(std::chrono::nanoseconds took);

    const std::vector<double>& bounds() const { return bounds_; }
    // Per bucket, not cumulative; one more than bounds() (above every bound).
    std::vector<std::uint64_t> counts() const;
    double sum_seconds() const;

  private:
    std::vector<double> bounds_;
    std::vector<std::int64_t> bounds_ns_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
    std::atomic<std::uint64_t> sum_ns_{0};
};

}  // namespace sealgate::metrics
