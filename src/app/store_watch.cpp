#include "app/store_watch.hpp"

#include "core/text.hpp"
#include "core/time.hpp"

namespace sealgate::app {

namespace {

// The public text says why; the reason (log, metrics) gives the numbers.
constexpr const char* kPublicText = "Policy store unreachable, try again later";

long long seconds(StoreWatch::Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

}  // namespace

StoreWatch::StoreWatch(std::chrono::seconds max_stale, Report report)
    : max_stale_(max_stale), report_(std::move(report)) {}

long long StoreWatch::stale_for(Clock::time_point now) const {
    return last_ok_ ? seconds(now - *last_ok_) : 0;
}

void StoreWatch::read_ok(Clock::time_point now) {
    if (outage_since_) {
        report_("store reachable again after " + std::to_string(seconds(now - *outage_since_)) +
                " s" + (past_reported_ ? "; taking mail again" : ""));
    }
    outage_since_.reset();
    past_reported_ = false;
    last_ok_ = now;
}

void StoreWatch::read_failed(Clock::time_point now, std::time_t wall, const std::string& reason) {
    // libpq's messages span lines ("server closed the connection unexpectedly\n\tThis probably
    // means ..."): one log line each.
    const std::string why = collapse_space(reason);
    if (!outage_since_) {
        outage_since_ = now;
        report_("store unreachable since " + format_timestamp(wall) + ": " + why +
                "; deciding on the policy read " + std::to_string(stale_for(now)) +
                " s ago for at most [store] max_stale = " + std::to_string(max_stale_.count()) +
                " s");
    }
    if (!past_reported_ && refusal(now)) {
        past_reported_ = true;
        report_("store unreachable for " + std::to_string(seconds(now - *outage_since_)) +
                " s, policy read " + std::to_string(stale_for(now)) +
                " s ago is past [store] max_stale = " + std::to_string(max_stale_.count()) +
                " s: new mail gets 451 4.3.0 until the store can be read (" + why + ")");
    }
}

std::optional<Error> StoreWatch::refusal(Clock::time_point now) const {
    if (!last_ok_ || now - *last_ok_ <= max_stale_)
        return std::nullopt;
    return Error::temp(
        "4.3.0", kPublicText,
        "the policy was last read from the store " + std::to_string(stale_for(now)) +
            " s ago, past [store] max_stale = " + std::to_string(max_stale_.count()) + " s");
}

StoreWatch::Readiness StoreWatch::ready(Clock::time_point now) const {
    if (auto refused = refusal(now))
        return {false, refused->reason};
    if (outage_since_)
        return {true, "unreachable for " + std::to_string(seconds(now - *outage_since_)) +
                          " s; deciding on the policy read " + std::to_string(stale_for(now)) +
                          " s ago (max_stale " + std::to_string(max_stale_.count()) + " s)"};
    return {};
}

}  // namespace sealgate::app
