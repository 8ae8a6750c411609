// admin/maillog.cpp — what the gateway did with each copy (the mail log), and the test message
// that shows it.
#include <cstdint>
#include <cstdio>
#include <random>
#include <utility>

#include "address/address.hpp"
#include "admin/service.hpp"
#include "core/text.hpp"
#include "smtp/trace.hpp"

namespace sealgate::admin {

namespace {

constexpr std::size_t kMaxPage = 1000;

struct ActionWord {
    const char* word;
    CopyAction action;
    const char* method;  // "" for any
};
constexpr ActionWord kActions[] = {
    {"encrypted-smime", CopyAction::encrypted, "smime"},
    {"encrypted-pgp", CopyAction::encrypted, "pgp"},
    {"decrypted-smime", CopyAction::decrypted, "smime"},
    {"decrypted-pgp", CopyAction::decrypted, "pgp"},
    {"passed", CopyAction::passed, ""},
    {"refused", CopyAction::rejected, ""},
    {"deferred", CopyAction::deferred, ""},
};

}  // namespace

std::string log_action(const LogRecord& record) {
    switch (record.action) {
        case CopyAction::encrypted:
        case CopyAction::decrypted:
            return std::string(to_string(record.action)) + "-" + record.method;
        case CopyAction::passed:
            return "passed";
        case CopyAction::rejected:
            return "refused";
        case CopyAction::deferred:
            return "deferred";
    }
    return "passed";  // unreachable: every enumerator is handled above
}

Result<LogPage> Service::search_log(const LogSearch& search) {
    if (search.limit < 1 || search.limit > kMaxPage)
        return fail(Error::bad_input("limit: 1 to " + std::to_string(kMaxPage)));
    if (search.cursor < 0)
        return fail(Error::bad_input("cursor: a record id from a previous page"));
    LogQuery query;
    query.last = search.limit + 1;  // one more tells whether there is an older page
    query.message_id = search.message_id;
    query.sender = search.sender;
    query.recipient = search.recipient;
    query.since = search.since;
    query.before_id = search.cursor;
    if (!search.action.empty()) {
        const ActionWord* found = nullptr;
        for (const auto& a : kActions)
            if (search.action == a.word)
                found = &a;
        if (found == nullptr)
            return fail(Error::bad_input(
                "action: encrypted-smime, encrypted-pgp, decrypted-smime, decrypted-pgp, "
                "passed, refused or deferred"));
        query.action = found->action;
        query.method = found->method;
    }
    auto records = store_.query_log(query);
    SEALGATE_TRY(records);
    LogPage page;
    page.entries.assign(records->rbegin(), records->rend());  // newest first
    if (page.entries.size() > search.limit) {
        page.entries.pop_back();
        page.next_cursor = page.entries.back().id;
    }
    return page;
}

Result<TestMessage> Service::make_test_message(std::string_view from, std::string_view to,
                                               std::time_t now) {
    const auto mailbox = [](std::string_view text) -> Result<address::Mailbox> {
        auto box = address::parse_mailbox(text, address::Charset::utf8);
        if (!box)
            return fail(Error::bad_input("not a mail address: " + std::string(text) + " (" +
                                         box.error().reason + ")"));
        return box;
    };
    auto sender = mailbox(from);
    SEALGATE_TRY(sender);
    SEALGATE_TRY(mailbox(to));
    // Unique across processes and within one: the time and 64 random bits.
    std::random_device random;
    const std::uint64_t nonce = (std::uint64_t{random()} << 32) | random();
    char id[96];
    std::snprintf(id, sizeof id, "sealgate-test-%lld-%016llx@%s", static_cast<long long>(now),
                  static_cast<unsigned long long>(nonce), sender->domain.c_str());
    TestMessage message;
    message.message_id = id;
    message.text =
        "From: <" + std::string(from) + ">\r\nTo: <" + std::string(to) +
        ">\r\nSubject: sealgate test message\r\nDate: " + smtp::rfc5322_date(now) +
        "\r\nMessage-ID: <" + message.message_id + ">\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
        "This is a test message from sealgate send-test.\r\nIf you can read it, it arrived.\r\n";
    // Recorded when made (the mail log tells what the gateway then did with it).
    SEALGATE_TRY(audited("test-message", message.message_id,
                         "from " + std::string(from) + " to " + std::string(to)));
    return message;
}

}  // namespace sealgate::admin
