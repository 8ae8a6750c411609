#include "app/crl_schedule.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "admin/crl_refresh.hpp"

namespace sealgate::app {

namespace {

constexpr std::chrono::seconds kLook{60};

}  // namespace

Result<std::unique_ptr<CrlSchedule>> CrlSchedule::start(const Context& ctx) {
    auto store = ctx.open_store();
    SEALGATE_TRY(store);
    auto keys = ctx.open_keystore();
    SEALGATE_TRY(keys);
    std::unique_ptr<CrlSchedule> schedule(
        new CrlSchedule(std::move(*store), std::move(*keys), ctx.actor("daemon:crl-refresh")));
    schedule->thread_ = std::thread([s = schedule.get()] { s->run(); });
    return schedule;
}

CrlSchedule::CrlSchedule(std::unique_ptr<Store> store, std::unique_ptr<keystore::Keys> keys,
                         admin::Actor actor)
    : store_(std::move(store)), keys_(std::move(keys)), actor_(std::move(actor)) {}

CrlSchedule::~CrlSchedule() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable())
        thread_.join();
}

void CrlSchedule::run() {
    admin::Service service(*store_, *keys_, actor_);
    admin::CrlRefreshOptions options;
    options.honour_retry = true;
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        auto done = admin::refresh_crls(service, options, std::time(nullptr));
        if (!done) {
            std::fprintf(stderr, "sealgate: CRL refresh: %s\n", done.error().reason.c_str());
        } else {
            for (const auto& o : *done)
                std::fprintf(stderr, "sealgate: CRL %s: %s%s\n", o.url.c_str(),
                             o.ok ? "" : "fetch failed: ", o.detail.c_str());
        }
        std::fflush(stderr);
        lock.lock();
        wake_.wait_for(lock, kLook, [this] { return stopping_; });
    }
}

}  // namespace sealgate::app
