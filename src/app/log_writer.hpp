// app/log_writer.hpp — the mail log written by a thread of its own.
//
// The SMTP thread must never wait for the database: while another process holds the store's
// write lock (a backup, a long admin command), a write can block for the store's busy timeout.
// Records are therefore handed to a bounded queue that this writer drains into its own store
// connection, in batches (one transaction each), every 100 ms or at once when 256 are waiting.
//
// Contract:
//   - submit() never blocks; it refuses a record (false) only when `capacity` are waiting. The
//     gateway then answers new mail 451 4.3.0 (full()), so a store that stays unwritable stops
//     the mail, not the SMTP thread, and no processed copy goes unlogged.
//   - A failed batch is kept and written again (every 200 ms, then up to every 2 s); the first
//     failure of an episode and the recovery are reported once each through `report`.
//   - The destructor writes what is waiting (trying for up to 5 s), then stops the thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/store.hpp"

namespace sealgate::app {

class MailLogWriter {
  public:
    using Report = std::function<void(const std::string&)>;

    MailLogWriter(std::unique_ptr<Store> store, std::size_t capacity, Report report);
    ~MailLogWriter();
    MailLogWriter(const MailLogWriter&) = delete;
    MailLogWriter& operator=(const MailLogWriter&) = delete;

    bool submit(LogRecord record);
    bool full() const;
    std::size_t waiting() const;
    // Block until everything submitted so far is written or has failed once (tests, shutdown).
    void flush();

  private:
    void run();

    std::unique_ptr<Store> store_;
    const std::size_t capacity_;
    Report report_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::deque<LogRecord> queue_;
    std::size_t writing_ = 0;     // records taken by the thread, not yet written
    std::uint64_t failures_ = 0;  // failed batch writes, ever
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace sealgate::app
