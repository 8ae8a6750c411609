// smtp/budget.hpp — the bytes of message data that all sessions together may hold.
//
// One DataBudget is shared by every session of a listener (they all run on one thread: it is
// not thread-safe). A session takes from it for every byte of DATA it keeps and gives the bytes
// back when the transaction ends; the network layer takes the size of a message that is being
// delivered until its delivery has finished. When too little is free (may_start), new DATA is
// answered 452 4.3.1 and a message in progress that would exceed it is read to its end, discarded
// and answered the same: the daemon's memory stays bounded however many clients stall in DATA.
#pragma once

#include <algorithm>
#include <cstdint>

namespace sealgate::smtp {

class DataBudget {
  public:
    // New DATA starts only while at least min_free bytes (or what SIZE= declared, if more) are
    // free: a message that cannot fit anyway is refused before it is sent, not after.
    explicit DataBudget(std::uint64_t limit, std::uint64_t min_free = 64 * 1024)
        : limit_(limit), min_free_(min_free) {}

    // Take n bytes if they fit; false (and nothing taken) otherwise.
    bool take(std::uint64_t n) {
        if (n > limit_ - std::min(used_, limit_))
            return false;
        used_ += n;
        return true;
    }
    // Take n bytes whether or not they fit (memory that is already allocated).
    void force(std::uint64_t n) { used_ += n; }
    void give(std::uint64_t n) { used_ -= std::min(n, used_); }

    // Whether a message expected to need `expected` bytes may start.
    bool may_start(std::uint64_t expected) const {
        const std::uint64_t free = limit_ - std::min(used_, limit_);
        return free > 0 && free >= std::min(limit_, std::max(expected, min_free_));
    }
    std::uint64_t used() const { return used_; }
    std::uint64_t limit() const { return limit_; }

  private:
    std::uint64_t limit_;
    std::uint64_t min_free_;
    std::uint64_t used_ = 0;
};

}  // namespace sealgate::smtp
