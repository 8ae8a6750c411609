// app/expiry_watch.hpp — the daemon's expiry check: at start and then daily, what expires soon
// (own first: our own certificate's or key's end breaks the partners' mail to us), warned in the
// log and, with [notify] admin, in one summary mail a day.
//
// Contract:
//   - What expires is admin::Service::expiring (the same list as `status`, `cert list
//     --expiring`, `pgp list --expiring`): certificates, OpenPGP keys and their encryption
//     subkeys, own and partners', within 30 days or expired.
//   - Each item is warned once when it reaches 30, 14, 7 and 1 days before its end
//     (policy::warning_threshold), and once a day after it has ended. What was warned is kept in
//     the store's settings ("expiry.warned.<id>": the end and the threshold, or the day of an
//     expired item's report), so a restart repeats nothing, and a renewal (a new end) starts
//     over. Each warning names the thumbprint or fingerprint in full.
//   - The summary mail is due when a warning was given and [notify] admin is set, at most once a
//     day (the day it went out is kept in "expiry.notify.sent"; "expiry.notify.pending" keeps a
//     summary that could not be sent for the next check). Sending is the caller's (the gateway
//     delivers it through its own pipeline and the next hop, so a partner's policy applies to it
//     like to any mail).
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "admin/service.hpp"
#include "core/result.hpp"
#include "store/store.hpp"

namespace sealgate::app {

struct ExpiryCheck {
    std::vector<std::string> warnings;       // the log lines of this check, own first
    std::vector<admin::ExpiringItem> items;  // everything within 30 days or expired
    bool mail_due = false;                   // send the summary now (then summary_sent())
};

// One check at `now`. notify: [notify] admin is set.
Result<ExpiryCheck> check_expiry(admin::Service& service, Store& store, std::time_t now,
                                 bool notify);

// The summary mail (RFC 5322, CRLF line ends) from postmaster@hostname to `to`.
std::string summary_mail(const std::vector<admin::ExpiringItem>& items, std::string_view hostname,
                         std::string_view to, std::time_t now);

// The summary went out today: none again before tomorrow.
Status summary_sent(Store& store, std::time_t now);

}  // namespace sealgate::app
