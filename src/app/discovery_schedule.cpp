#include "app/discovery_schedule.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace sealgate::app {

namespace {

// How often the thread looks at the domains (a domain switched to review is seen within it).
constexpr std::time_t kLook = 60;

void log_line(const std::string& text) {
    std::fprintf(stderr, "sealgate: discovery %s\n", text.c_str());
    std::fflush(stderr);
}

}  // namespace

std::time_t next_discovery(std::time_t now, unsigned failures, std::uint32_t min_ttl) {
    if (failures > 0) {
        // 5 min, 10, 20, 40, then 1 h.
        std::uint64_t wait = kDiscoveryMinWait;
        for (unsigned i = 1; i < failures && wait < kDiscoveryMaxRetry; ++i)
            wait *= 2;
        return now + static_cast<std::time_t>(std::min<std::uint64_t>(wait, kDiscoveryMaxRetry));
    }
    if (min_ttl == 0)
        return now + kDiscoveryNoTtlWait;
    return now + std::clamp(min_ttl, kDiscoveryMinWait, kDiscoveryMaxWait);
}

bool discovery_failed(const admin::DiscoveryStaging& staging, std::uint32_t& min_ttl) {
    min_ttl = 0;
    bool answered = false;
    for (const auto& s : staging.findings) {
        const auto d = s.finding.dnssec;
        if (d == discover::Dnssec::failed || d == discover::Dnssec::bogus)
            continue;
        answered = true;
        const std::uint32_t ttl = s.finding.ttl;
        if (ttl > 0 && (min_ttl == 0 || ttl < min_ttl))
            min_ttl = ttl;
    }
    return !answered;
}

std::unique_ptr<DiscoverySchedule> DiscoverySchedule::start(std::unique_ptr<Store> store,
                                                            std::unique_ptr<keystore::Keys> keys,
                                                            admin::Actor actor,
                                                            admin::DiscoverLookup lookup) {
    std::unique_ptr<DiscoverySchedule> schedule(new DiscoverySchedule(
        std::move(store), std::move(keys), std::move(actor), std::move(lookup)));
    schedule->thread_ = std::thread([s = schedule.get()] { s->run(); });
    return schedule;
}

DiscoverySchedule::DiscoverySchedule(std::unique_ptr<Store> store,
                                     std::unique_ptr<keystore::Keys> keys, admin::Actor actor,
                                     admin::DiscoverLookup lookup)
    : store_(std::move(store)),
      keys_(std::move(keys)),
      actor_(std::move(actor)),
      lookup_(std::move(lookup)) {}

DiscoverySchedule::~DiscoverySchedule() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable())
        thread_.join();
}

std::uint64_t DiscoverySchedule::rounds() const {
    const std::lock_guard lock(mutex_);
    return rounds_;
}

std::time_t DiscoverySchedule::pass(admin::Service& service, std::time_t now) {
    std::time_t earliest = now + kLook;
    auto domains = service.list_domains();
    if (!domains) {
        log_line("- store: " + domains.error().reason);
        return earliest;
    }
    std::map<std::string, Due> kept;
    for (const auto& d : *domains) {
        if (d.local || d.discovery == DiscoveryMode::off || d.name.starts_with("*."))
            continue;
        Due due = due_.count(d.name) != 0 ? due_[d.name] : Due{};
        if (due.at <= now) {
            {
                const std::lock_guard lock(mutex_);
                if (stopping_)
                    return now;
            }
            auto run = admin::discover_and_stage(service, lookup_, d.name, {}, now);
            std::uint32_t min_ttl = 0;
            if (!run) {
                ++due.failures;
                log_line(d.name + ": lookup failed, nothing changed: " + run.error().reason);
            } else {
                due.failures = discovery_failed(run->staging, min_ttl) ? due.failures + 1 : 0;
                for (const auto& s : run->staging.findings) {
                    const auto& f = s.finding;
                    const std::string what = std::string(to_string(f.source)) + " " + f.where;
                    switch (s.outcome) {
                        case admin::StageOutcome::staged:
                            log_line(d.name + ": " + what + ": new " + f.id +
                                     " staged as pending change " + std::to_string(s.pending_id) +
                                     " (the pinned keys stay)");
                            break;
                        case admin::StageOutcome::pinned:
                            log_line(d.name + ": " + what + ": " + f.id +
                                     " pinned (auto-dane, DNSSEC secure)");
                            break;
                        case admin::StageOutcome::unusable:
                            log_line(d.name + ": " + what + ": " + f.id + " not usable: " + s.note);
                            break;
                        case admin::StageOutcome::no_key:
                            if (f.dnssec == discover::Dnssec::bogus ||
                                f.dnssec == discover::Dnssec::failed)
                                log_line(d.name + ": " + what + ": " + s.note +
                                         " (nothing changed)");
                            break;
                        case admin::StageOutcome::already_pinned:
                        case admin::StageOutcome::already_pending:
                            break;
                    }
                }
                for (const auto& m : run->staging.missing)
                    log_line(d.name + ": pinned " + m +
                             " was not found again: kept, nothing changed");
            }
            const auto after = std::time(nullptr);
            due.at = next_discovery(std::max(after, now), due.failures, min_ttl);
            const std::lock_guard lock(mutex_);
            ++rounds_;
        }
        earliest = std::min(earliest, due.at);
        kept[d.name] = due;
    }
    due_ = std::move(kept);  // a domain switched off is forgotten: on again, it is looked up
    return earliest;
}

void DiscoverySchedule::run() {
    admin::Service service(*store_, *keys_, actor_);
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        const std::time_t now = std::time(nullptr);
        const std::time_t next = pass(service, now);
        lock.lock();
        const auto wait = std::chrono::seconds(std::clamp<std::time_t>(next - now, 1, kLook));
        wake_.wait_for(lock, wait, [this] { return stopping_; });
    }
}

}  // namespace sealgate::app
