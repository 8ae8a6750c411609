// libFuzzer entry point for the SMTP server state machine (smtp/session.hpp): a whole client byte
// stream — pipelined commands, DATA, STARTTLS and what follows it — fed in chunks, with a fake
// Policy and a fake delivery and TLS layer answering as the network layer would.
//
// Input: byte 0 flags, bytes 1-4 chunk lengths (used in turn, 0 = the rest), then the stream.
//   flag 0x01 STARTTLS offered   0x02 XFORWARD offered     0x04 client refused (554 greeting)
//   flag 0x08 tiny limits        0x10 a 70000-octet line without LF after the first chunk
//   flag 0x20 shutdown() at the end, else timeout()
//   flag 0x40 a DataBudget of 300 octets (smtp/budget.hpp), else none
// Deliver is answered 250, 451 or 554 in a cycle that starts at byte 1; StartTls is answered
// with tls_started() at once. The fake policy refuses RCPT local parts starting with 'r' (550)
// and 't' (451); each of its answers carries a serial number so the harness can find it among
// the replies.
//
// Invariants (abort when broken): every reply is well formed (3-digit code, lines of at most 512
// octets with CRLF, no control characters in the text); a Deliver comes only after a 354 and a
// "." CRLF line end in the bytes since then; the delivered data is CRLF-only (no bare CR or LF)
// and ends in CRLF; its recipients are exactly those answered 2xx at RCPT since the last
// accepted MAIL; nothing comes after Close or StartTls in a batch and nothing at all after
// Close; input buffered by the session stays bounded; a session gives back all it took from
// the DataBudget once it is gone.
// The saved corpus tests/data/smtp/session_corpus replays through this function in ctest.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/session.hpp"

namespace {

using namespace sealgate::smtp;

void check(bool condition) {
    if (!condition)
        std::abort();
}

// Longest partial line the session may keep: a command line (max_line) or a DATA fragment.
constexpr std::size_t kMaxBuffered = 64 * 1024 + 1;

class Harness final : public Policy {
  public:
    Harness(std::uint8_t flags, std::string_view chunking, DataBudget* budget)
        : chunking_(chunking),
          session_(config(flags), *this, "192.0.2.1", refusal(flags), budget) {}

    Reply check_recipient(const Envelope& envelope, const Recipient& recipient) override {
        check(!closed_ && !session_.closed());
        check(envelope.recipients.size() < 1000 && !session_.in_data());
        check(!recipient.address.empty());
        const std::string serial = " #" + std::to_string(++policy_calls_);
        const char first = recipient.address.front();
        Reply answer = first == 'r'   ? Reply::make(550, "5.7.1", "refused" + serial)
                       : first == 't' ? Reply::make(451, "4.3.0", "store failed" + serial)
                                      : Reply::make(250, "2.1.5", "Ok" + serial);
        policy_answers_.push_back({answer, recipient.address});
        return answer;
    }

    void run(std::string_view stream, bool long_line, bool shutdown) {
        handle(session_.start());
        std::size_t chunk = 0;
        bool first = true;
        while (!stream.empty()) {
            const std::uint8_t len = chunking_[chunk++ % chunking_.size()];
            const std::size_t n = len == 0 ? stream.size() : std::min<std::size_t>(len, stream.size());
            feed(stream.substr(0, n));
            stream.remove_prefix(n);
            if (first && long_line)
                feed(std::string(70000, 'x'));
            first = false;
        }
        const bool was_closed = closed_;
        handle(shutdown ? session_.shutdown() : session_.timeout());
        check(session_.closed() && (closed_ || was_closed));
    }

  private:
    struct PolicyAnswer {
        Reply reply;
        std::string address;
    };

    static SessionConfig config(std::uint8_t flags) {
        SessionConfig c;
        c.hostname = "gw.example";
        c.tls_available = (flags & 0x01) != 0;
        c.xforward = (flags & 0x02) != 0;
        if (flags & 0x08) {
            c.limits.max_line = 64;
            c.limits.max_message_size = 100;
            c.limits.max_recipients = 2;
            c.limits.max_bad_commands = 5;
            c.limits.max_junk_commands = 7;
        }
        return c;
    }

    static std::optional<Reply> refusal(std::uint8_t flags) {
        if (flags & 0x04)
            return Reply::make(554, "5.7.1", "gw.example Access denied");
        return std::nullopt;
    }

    void feed(std::string_view bytes) {
        const std::size_t policy_before = policy_calls_;
        consumed_from_ = fed_.size() - session_.buffered();
        fed_.append(bytes);
        const Actions out = session_.receive(bytes);
        if (closed_)
            check(out.empty() && policy_calls_ == policy_before);
        handle(out);
    }

    void handle(const Actions& batch) {
        std::deque<Actions> pending{batch};
        while (!pending.empty()) {
            const Actions actions = std::move(pending.front());
            pending.pop_front();
            for (std::size_t i = 0; i < actions.size(); ++i) {
                check(!closed_);  // nothing after Close
                const Action& a = actions[i];
                if (const auto* send = std::get_if<action::Send>(&a)) {
                    on_reply(send->reply);
                } else if (const auto* deliver = std::get_if<action::Deliver>(&a)) {
                    on_deliver(*deliver);
                    check(i + 1 == actions.size() && session_.delivering());
                    consumed_from_ = fed_.size() - session_.buffered();
                    pending.push_back(session_.delivered(next_delivery_answer()));
                } else if (std::holds_alternative<action::StartTls>(a)) {
                    check(i + 1 == actions.size() && !session_.tls());
                    data_open_ = false;
                    consumed_from_ = fed_.size();
                    pending.push_back(session_.tls_started());
                    check(session_.tls() && session_.buffered() == 0);
                } else {
                    closed_ = true;
                    check(session_.closed());
                }
            }
        }
        if (!session_.delivering())
            check(session_.buffered() <= kMaxBuffered);
    }

    void on_reply(const Reply& reply) {
        check(reply.code >= 200 && reply.code <= 599);
        const std::string wire = reply.wire();
        std::size_t start = 0;
        while (start < wire.size()) {
            const auto end = wire.find("\r\n", start);
            check(end != std::string::npos);
            check(end + 2 - start <= 512);  // RFC 5321 §4.5.3.1.5: reply line with CRLF
            for (std::size_t k = start; k < end; ++k)
                check(static_cast<unsigned char>(wire[k]) >= 0x20 && wire[k] != 0x7f);
            start = end + 2;
        }
        // In DATA the session answers nothing until its end: whatever comes after a 354 ends
        // the DATA phase (a Deliver, or a refusal such as 550 for bare LF or 552 for size).
        if (reply.code != 354)
            data_open_ = false;
        if (!policy_answers_.empty() && reply == policy_answers_.front().reply) {
            if (reply.positive())
                accepted_.push_back(policy_answers_.front().address);
            policy_answers_.pop_front();
        } else if (reply.code == 250 && reply.status == "2.1.0") {
            accepted_.clear();  // MAIL accepted: a new transaction
        } else if (reply.code == 354) {
            data_open_ = true;
            data_from_ = consumed_from_;
        }
    }

    void on_deliver(const action::Deliver& d) {
        // A 354 was sent, and the client has since sent a "." CRLF line after a line end.
        check(data_open_);
        data_open_ = false;
        const std::string_view since = std::string_view(fed_).substr(data_from_);
        check(since.find("\n.\r\n") != std::string_view::npos);
        check(d.data.size() + 3 <= since.size());
        // CRLF only: no bare LF, no bare CR (RFC 5321 §2.3.8; SMTP smuggling).
        for (std::size_t k = 0; k < d.data.size(); ++k) {
            if (d.data[k] == '\r')
                check(k + 1 < d.data.size() && d.data[k + 1] == '\n');
            if (d.data[k] == '\n')
                check(k > 0 && d.data[k - 1] == '\r');
        }
        check(d.data.empty() || d.data.ends_with("\r\n"));
        // Every recipient was answered 2xx at RCPT in this transaction, in that order.
        check(!d.envelope.recipients.empty());
        check(d.envelope.recipients.size() == accepted_.size());
        for (std::size_t k = 0; k < accepted_.size(); ++k)
            check(d.envelope.recipients[k].address == accepted_[k]);
        check(d.envelope.client_address == "192.0.2.1" && d.envelope.tls == session_.tls());
    }

    Reply next_delivery_answer() {
        switch ((chunking_[0] + deliveries_++) % 3) {
        case 0:
            return Reply::make(250, "2.0.0", "Ok: queued");
        case 1:
            return Reply::make(451, "4.3.0", "next hop unavailable");
        default:
            return Reply::make(554, "5.6.0", "refused by next hop");
        }
    }

    std::string_view chunking_;
    Session session_;
    std::string fed_;              // every byte fed so far
    std::size_t consumed_from_ = 0;  // where the input of the current call starts in fed_
    std::size_t data_from_ = 0;      // ... and of the call that answered 354
    bool data_open_ = false;
    bool closed_ = false;
    std::size_t policy_calls_ = 0;
    std::deque<PolicyAnswer> policy_answers_;
    std::vector<std::string> accepted_;
    unsigned deliveries_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    if (size < 5)
        return 0;
    const std::string_view input(reinterpret_cast<const char*>(bytes), size);
    const std::uint8_t flags = bytes[0];
    DataBudget budget(300, 16);
    {
        Harness h(flags, input.substr(1, 4), (flags & 0x40) ? &budget : nullptr);
        h.run(input.substr(5), (flags & 0x10) != 0, (flags & 0x20) != 0);
    }
    check(budget.used() == 0);
    return 0;
}
