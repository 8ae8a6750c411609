// app/crl_schedule.hpp — `serve`'s CRL refresh: a thread of its own (its own store connection and
// key store) that runs admin::refresh_crls at start and then whenever a distribution point is
// due (the stored CRL's nextUpdate has come, a new partner certificate names a new one), looking
// once a minute, and retries a failed fetch hourly (CrlRefreshOptions::honour_retry). What it
// stores reaches the gateway like any change: through the store's generation.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "app/context.hpp"
#include "core/result.hpp"

namespace sealgate::app {

class CrlSchedule {
  public:
    static Result<std::unique_ptr<CrlSchedule>> start(const Context& ctx);
    ~CrlSchedule();  // stops and joins
    CrlSchedule(const CrlSchedule&) = delete;
    CrlSchedule& operator=(const CrlSchedule&) = delete;

  private:
    CrlSchedule(std::unique_ptr<Store> store, std::unique_ptr<keystore::Keys> keys,
                admin::Actor actor);
    void run();

    std::unique_ptr<Store> store_;
    std::unique_ptr<keystore::Keys> keys_;
    admin::Actor actor_;  // "daemon:crl-refresh" on this node
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace sealgate::app
