#include "app/expiry_watch.hpp"

#include "core/time.hpp"
#include "policy/expiry.hpp"
#include "smtp/trace.hpp"

namespace sealgate::app {

namespace {

constexpr unsigned kWindowDays = 30;
constexpr const char* kSentSetting = "expiry.notify.sent";
constexpr const char* kPendingSetting = "expiry.notify.pending";

// "2026-12-06": the UTC day, for "once a day".
std::string day_of(std::time_t t) {
    return format_time(t).substr(0, 10);
}

std::string what(const admin::ExpiringItem& item) {
    const std::string whose = item.own ? "own " : "partner ";
    if (item.kind == "certificate")
        return whose + "certificate " + item.id;
    if (item.kind == "pgp-subkey")
        return whose + "OpenPGP encryption subkey " + item.id + " of key " + item.parent;
    return whose + "OpenPGP key " + item.id;
}

std::string when(const admin::ExpiringItem& item) {
    if (item.expiry.state == policy::Expiry::State::expired)
        return "expired on " + format_time(item.not_after);
    return "expires on " + format_time(item.not_after) + " (" +
           std::to_string(item.expiry.days_left) + " days left)";
}

std::string advice(const admin::ExpiringItem& item) {
    if (!item.own)
        return "ask the partner for its renewed certificate or key";
    return item.kind == "certificate" ? "renew it (`sealgate cert renew`) and send it to partners"
                                      : "extend or rotate it (`sealgate pgp extend`) and send it "
                                        "to partners";
}

}  // namespace

Result<ExpiryCheck> check_expiry(admin::Service& service, Store& store, std::time_t now,
                                 bool notify) {
    auto items = service.expiring(now, kWindowDays);
    SEALGATE_TRY(items);
    ExpiryCheck out;
    for (const auto& item : *items) {
        const int threshold = policy::warning_threshold(item.not_after, now);
        if (threshold == 0)
            continue;
        // What this warning is: a new end (a renewal) or a new threshold is news; an expired
        // item is news once a day.
        const std::string state =
            std::to_string(item.not_after) + " " +
            (threshold < 0 ? "expired " + day_of(now) : std::to_string(threshold));
        const std::string name = "expiry.warned." + item.id;
        auto given = store.find_setting(name);
        SEALGATE_TRY(given);
        if (*given && **given == state)
            continue;
        SEALGATE_TRY(store.put_setting(name, state));
        out.warnings.push_back("warning: " + what(item) + " (" + item.name + ") " + when(item) +
                               ": " + advice(item));
    }
    out.items = std::move(*items);
    if (!notify)
        return out;
    auto pending = store.find_setting(kPendingSetting);
    SEALGATE_TRY(pending);
    const bool waiting = !out.warnings.empty() || (*pending && **pending == "1");
    if (!out.warnings.empty())
        SEALGATE_TRY(store.put_setting(kPendingSetting, "1"));
    auto sent = store.find_setting(kSentSetting);
    SEALGATE_TRY(sent);
    out.mail_due = waiting && !(*sent && **sent == day_of(now));
    return out;
}

std::string summary_mail(const std::vector<admin::ExpiringItem>& items, std::string_view hostname,
                         std::string_view to, std::time_t now) {
    std::string body = "Certificates and OpenPGP keys of this gateway (" + std::string(hostname) +
                       ") that expire within " + std::to_string(kWindowDays) +
                       " days or have expired, our own first:\r\n\r\n";
    for (const auto& item : items) {
        body += "- " + what(item) + "\r\n  " + item.name + "\r\n  " + when(item) + "\r\n  " +
                advice(item) + "\r\n\r\n";
    }
    if (items.empty())
        body += "(nothing: every item warned about has been renewed)\r\n\r\n";
    body +=
        "An own certificate or key that expires stops partners from encrypting to us; a\r\n"
        "partner's that expires stops our mail to that partner (mandatory domains: deferred).\r\n"
        "`sealgate status` shows the same list.\r\n";
    const std::string from = "postmaster@" + std::string(hostname);
    return "From: sealgate <" + from + ">\r\nTo: <" + std::string(to) +
           ">\r\nSubject: sealgate: " + std::to_string(items.size()) +
           " certificate(s) or key(s) expiring or expired\r\nDate: " + smtp::rfc5322_date(now) +
           "\r\nMessage-ID: <sealgate-expiry-" + smtp::new_queue_id() + "@" +
           std::string(hostname) +
           ">\r\nAuto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; "
           "charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
           body;
}

Status summary_sent(Store& store, std::time_t now) {
    SEALGATE_TRY(store.put_setting(kSentSetting, day_of(now)));
    return store.put_setting(kPendingSetting, "0");
}

}  // namespace sealgate::app
