#include "app/log_writer.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

namespace sealgate::app {
namespace {

constexpr std::size_t kBatch = 256;
constexpr auto kFlushInterval = std::chrono::milliseconds(100);
constexpr auto kFirstRetry = std::chrono::milliseconds(200);
constexpr auto kMaxRetry = std::chrono::seconds(2);
constexpr auto kFinalAttempts = std::chrono::seconds(5);

}  // namespace

MailLogWriter::MailLogWriter(std::unique_ptr<Store> store, std::size_t capacity, Report report)
    : store_(std::move(store)), capacity_(capacity), report_(std::move(report)) {
    thread_ = std::thread([this] { run(); });
}

MailLogWriter::~MailLogWriter() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

bool MailLogWriter::submit(LogRecord record) {
    {
        const std::lock_guard lock(mutex_);
        if (queue_.size() + writing_ >= capacity_)
            return false;
        queue_.push_back(std::move(record));
        if (queue_.size() < kBatch)
            return true;
    }
    wake_.notify_one();
    return true;
}

bool MailLogWriter::full() const {
    const std::lock_guard lock(mutex_);
    return queue_.size() + writing_ >= capacity_;
}

std::size_t MailLogWriter::waiting() const {
    const std::lock_guard lock(mutex_);
    return queue_.size() + writing_;
}

void MailLogWriter::flush() {
    std::unique_lock lock(mutex_);
    const std::uint64_t failed_before = failures_;
    wake_.notify_one();
    idle_.wait(lock,
               [&] { return (queue_.empty() && writing_ == 0) || failures_ != failed_before; });
}

void MailLogWriter::run() {
    std::vector<LogRecord> batch;
    auto retry = kFirstRetry;
    bool failing = false;
    std::chrono::steady_clock::time_point give_up{};
    while (true) {
        {
            std::unique_lock lock(mutex_);
            if (batch.empty()) {
                wake_.wait_for(lock, kFlushInterval,
                               [this] { return stopping_ || queue_.size() >= kBatch; });
                const std::size_t n = std::min(queue_.size(), kBatch);
                batch.assign(std::make_move_iterator(queue_.begin()),
                             std::make_move_iterator(queue_.begin() + static_cast<long>(n)));
                queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(n));
                writing_ = batch.size();
            }
            if (batch.empty()) {
                idle_.notify_all();
                if (stopping_)
                    return;
                continue;
            }
        }
        const auto st = store_->append_logs(batch);
        if (st) {
            if (failing)
                report_("mail log written again (" + std::to_string(batch.size()) +
                        " records were waiting)");
            failing = false;
            retry = kFirstRetry;
            batch.clear();
            const std::lock_guard lock(mutex_);
            writing_ = 0;
            continue;
        }
        if (!failing)
            report_("mail log write failed, keeping the records and trying again: " +
                    st.error().reason);
        failing = true;
        std::unique_lock lock(mutex_);
        ++failures_;
        if (stopping_) {
            if (give_up == std::chrono::steady_clock::time_point{})
                give_up = std::chrono::steady_clock::now() + kFinalAttempts;
            if (std::chrono::steady_clock::now() > give_up) {
                report_("mail log: " + std::to_string(batch.size() + queue_.size()) +
                        " records not stored at shutdown: " + st.error().reason);
                queue_.clear();
                writing_ = 0;
                idle_.notify_all();
                return;
            }
        }
        // Let a waiting flush() return: the caller learns about the failure from the report.
        idle_.notify_all();
        wake_.wait_for(lock, retry);
        retry = std::min<std::chrono::milliseconds>(retry * 2, kMaxRetry);
    }
}

}  // namespace sealgate::app
