#include "smtp/session.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>

#include "address/address.hpp"
#include "smtp/syntax.hpp"

namespace sealgate::smtp {
namespace {

constexpr std::array<std::string_view, 6> kXforwardAttributes = {"NAME", "ADDR",  "PROTO",
                                                                 "HELO", "IDENT", "SOURCE"};

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// RFC 3461 §4.1: NOTIFY="NEVER" / 1#( "SUCCESS" / "FAILURE" / "DELAY" ).
std::optional<std::string> parse_notify(std::string_view value) {
    const std::string upper = to_upper(value);
    if (upper == "NEVER")
        return upper;
    std::string_view rest = upper;
    unsigned seen = 0;
    while (true) {
        const auto comma = rest.find(',');
        const std::string_view item = rest.substr(0, comma);
        unsigned bit = 0;
        if (item == "SUCCESS")
            bit = 1;
        if (item == "FAILURE")
            bit = 2;
        if (item == "DELAY")
            bit = 4;
        if (bit == 0 || (seen & bit))
            return std::nullopt;
        seen |= bit;
        if (comma == std::string_view::npos)
            break;
        rest.remove_prefix(comma + 1);
    }
    return upper;
}

// RFC 3461 §4.2: ORCPT=addr-type ";" xtext, at most 500 characters.
bool valid_orcpt(std::string_view value) {
    const auto semi = value.find(';');
    if (semi == 0 || semi == std::string_view::npos || value.size() > 500)
        return false;
    for (const char c : value.substr(0, semi))
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return false;
    return semi + 1 < value.size() && is_xtext(value.substr(semi + 1));
}

address::Charset charset(const Envelope& e) {
    return e.smtputf8 ? address::Charset::utf8 : address::Charset::ascii;
}

bool has_duplicate(const std::vector<Param>& params) {
    for (std::size_t i = 0; i < params.size(); ++i)
        for (std::size_t j = i + 1; j < params.size(); ++j)
            if (params[i].keyword == params[j].keyword)
                return true;
    return false;
}

}  // namespace

const Session::Command Session::kCommands[] = {
    {"EHLO", &Session::cmd_ehlo},         {"HELO", &Session::cmd_helo},
    {"MAIL", &Session::cmd_mail},         {"RCPT", &Session::cmd_rcpt},
    {"DATA", &Session::cmd_data},         {"RSET", &Session::cmd_rset},
    {"NOOP", &Session::cmd_noop},         {"QUIT", &Session::cmd_quit},
    {"VRFY", &Session::cmd_vrfy},         {"HELP", &Session::cmd_help},
    {"STARTTLS", &Session::cmd_starttls}, {"XFORWARD", &Session::cmd_xforward},
};

Session::Session(SessionConfig config, Policy& policy, std::string client_address,
                 std::optional<Reply> refuse, DataBudget* budget)
    : config_(std::move(config)),
      policy_(policy),
      client_address_(std::move(client_address)),
      refuse_(std::move(refuse)),
      budget_(budget) {
    envelope_.client_address = client_address_;
}

Session::~Session() {
    release_data();
}

Actions Session::start() {
    Actions out;
    if (refuse_) {
        out.push_back(action::Send{*refuse_});
    } else {
        reply(out, 220, "", config_.hostname + " ESMTP sealgate");
    }
    return out;
}

Actions Session::receive(std::string_view bytes) {
    Actions out;
    if (state_ == State::Closed)
        return out;
    buffer_.append(bytes);
    process(out);
    return out;
}

Actions Session::delivered(const Reply& final_reply) {
    // Being told about a delivery that was never asked for is a bug in the caller.
    if (state_ != State::Delivering)
        std::abort();
    Actions out;
    out.push_back(action::Send{final_reply});
    reset_transaction();
    state_ = State::Ready;
    junk_commands_ = 0;
    process(out);
    return out;
}

Actions Session::tls_started() {
    if (state_ != State::TlsPending)
        std::abort();
    // RFC 3207 §4.2: the server MUST discard any knowledge obtained from the client.
    tls_ = true;
    envelope_ = Envelope{};
    envelope_.client_address = client_address_;
    reset_transaction();
    buffer_.clear();
    pos_ = 0;
    state_ = State::Fresh;
    return {};
}

Actions Session::timeout() {
    Actions out;
    if (state_ != State::Closed)
        close(out, 421, "4.4.2", config_.hostname + " Error: timeout exceeded");
    return out;
}

Actions Session::time_limit(std::string_view what) {
    Actions out;
    if (state_ != State::Closed)
        close(out, 421, "4.4.2",
              config_.hostname + " Error: " + std::string(what) + " time limit exceeded");
    return out;
}

Actions Session::shutdown() {
    Actions out;
    if (state_ != State::Closed)
        close(out, 421, "4.3.2", config_.hostname + " Service shutting down, try again later");
    return out;
}

void Session::process(Actions& out) {
    while (pos_ < buffer_.size()) {
        if (state_ == State::Data) {
            if (!process_data(out))
                break;
        } else if (state_ == State::Fresh || state_ == State::Ready || state_ == State::Mail) {
            if (!process_command_line(out))
                break;
        } else {
            break;  // delivering, TLS pending or closed: keep the rest buffered
        }
    }
    buffer_.erase(0, pos_);
    pos_ = 0;
}

bool Session::process_command_line(Actions& out) {
    const std::string_view pending = std::string_view(buffer_).substr(pos_);
    const auto nl = pending.find('\n');
    if (nl == std::string_view::npos) {
        // No room left for a line end within the limit: drop what we have, answer at its end.
        if (pending.size() >= config_.limits.max_line) {
            discarding_line_ = true;
            pos_ = buffer_.size();
        }
        return false;
    }
    std::string_view line = pending.substr(0, nl);
    pos_ += nl + 1;
    const bool too_long = discarding_line_ || nl + 1 > config_.limits.max_line;
    discarding_line_ = false;
    if (too_long) {
        error(out, 500, "5.5.2", "Error: line too long");
        return true;
    }
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    dispatch(line, out);
    return true;
}

bool Session::process_data(Actions& out) {
    // Lines longer than this are consumed in pieces so a message without line ends cannot make
    // the buffer grow without bound.
    constexpr std::size_t kMaxFragment = 64 * 1024;
    const std::string_view pending = std::string_view(buffer_).substr(pos_);
    const auto nl = pending.find('\n');
    if (nl == std::string_view::npos) {
        if (pending.size() <= kMaxFragment)
            return false;
        // Keep the last byte: a '\r' there may be the first half of a CRLF. Every '\r' before
        // it is followed by something other than '\n': a bare CR.
        const std::string_view take = pending.substr(0, pending.size() - 1);
        if (take.find('\r') != std::string_view::npos)
            data_bad_newline_ = true;
        append_data(take);
        data_after_crlf_ = false;
        pos_ += take.size();
        return false;
    }
    std::string_view line = pending.substr(0, nl);
    pos_ += nl + 1;
    const bool crlf = !line.empty() && line.back() == '\r';
    if (crlf)
        line.remove_suffix(1);
    if (!crlf || line.find('\r') != std::string_view::npos)
        data_bad_newline_ = true;
    // RFC 5321 §4.1.1.4: only CRLF "." CRLF ends the data. "<LF>.<CRLF>" or "<CR>.<CRLF>" does
    // not: a client that meant it as the end would have the rest read as new commands (SMTP
    // smuggling), so it stays data, and the message is refused at the real end.
    if (crlf && data_after_crlf_ && data_line_start_ && line == ".") {
        end_of_data(out);
        return true;
    }
    append_data(line);
    append_data("\r\n");
    data_line_start_ = true;
    data_after_crlf_ = crlf;
    return true;
}

void Session::append_data(std::string_view fragment) {
    // RFC 5321 §4.5.2: a line that starts with "." has had one more "." prepended.
    if (data_line_start_ && !fragment.empty() && fragment.front() == '.' && fragment != "\r\n")
        fragment.remove_prefix(1);
    data_line_start_ = false;
    data_size_ += fragment.size();
    if (data_over_budget_)
        return;
    if (data_size_ > config_.limits.max_message_size) {
        release_data();
        return;
    }
    // The buffer grows in steps chosen here, so that what the budget counts is what is
    // allocated (a string's own growth would double it behind the budget's back).
    const std::size_t need = data_.size() + fragment.size();
    if (need > data_.capacity()) {
        const std::size_t cap = static_cast<std::size_t>(config_.limits.max_message_size);
        const std::size_t want = std::max(need, std::min(2 * data_.capacity(), cap));
        if (budget_ != nullptr) {
            if (!budget_->take(want - std::min<std::uint64_t>(want, reserved_))) {
                release_data();
                data_over_budget_ = true;
                return;
            }
            reserved_ = std::max<std::uint64_t>(reserved_, want);
        }
        data_.reserve(want);
    }
    data_.append(fragment);
}

void Session::release_data() {
    data_.clear();
    data_.shrink_to_fit();
    if (budget_ != nullptr)
        budget_->give(reserved_);
    reserved_ = 0;
}

void Session::end_of_data(Actions& out) {
    if (data_bad_newline_) {
        // The client and we may disagree on where this message ended; whatever it sends next
        // must not run as commands.
        return close(out, 550, "5.6.0",
                     "Error: bare <CR> or <LF> in message data (RFC 5321 2.3.8); closing");
    }
    if (data_size_ > config_.limits.max_message_size) {
        reply(out, 552, "5.3.4", "Error: message size exceeds fixed limit");
    } else if (data_over_budget_) {
        reply(out, 452, "4.3.1", "Error: insufficient system storage, try again later");
    } else {
        out.push_back(action::Deliver{envelope_, std::move(data_)});
        release_data();
        state_ = State::Delivering;
        return;
    }
    reset_transaction();
    state_ = State::Ready;
}

void Session::dispatch(std::string_view line, Actions& out) {
    const auto space = line.find(' ');
    const std::string_view verb = line.substr(0, space);
    std::string_view args = space == std::string_view::npos ? "" : line.substr(space + 1);
    while (!args.empty() && args.back() == ' ')
        args.remove_suffix(1);
    if (refuse_ && !iequals(verb, "QUIT")) {
        error(out, 503, "5.7.1", "Error: access denied");
        return;
    }
    for (const Command& command : kCommands) {
        if (iequals(verb, command.verb)) {
            (this->*command.handler)(args, out);
            return;
        }
    }
    error(out, 500, "5.5.1", "Error: command not recognized");
}

void Session::reply(Actions& out, int code, std::string status, std::string_view text) {
    out.push_back(action::Send{Reply::make(code, std::move(status), text)});
}

void Session::error(Actions& out, int code, std::string status, std::string_view text) {
    reply(out, code, std::move(status), text);
    if (++bad_commands_ >= config_.limits.max_bad_commands)
        return close(out, 421, "4.7.0", config_.hostname + " Error: too many errors");
    junk(out);
}

void Session::junk(Actions& out) {
    if (++junk_commands_ > config_.limits.max_junk_commands)
        close(out, 421, "4.7.0", config_.hostname + " Error: too many junk commands");
}

void Session::close(Actions& out, int code, std::string status, std::string_view text) {
    reply(out, code, std::move(status), text);
    out.push_back(action::Close{});
    state_ = State::Closed;
}

void Session::reset_transaction() {
    Envelope fresh;
    fresh.client_address = client_address_;
    fresh.helo = envelope_.helo;
    fresh.esmtp = envelope_.esmtp;
    fresh.tls = tls_;
    envelope_ = std::move(fresh);
    rcpt_attempted_ = false;
    release_data();
    data_size_ = 0;
    data_line_start_ = true;
    data_after_crlf_ = true;
    data_bad_newline_ = false;
    data_over_budget_ = false;
}

void Session::cmd_helo(std::string_view args, Actions& out) {
    if (args.empty())
        return error(out, 501, "5.5.4", "Syntax: HELO hostname");
    envelope_.helo.assign(args);
    envelope_.esmtp = false;
    reset_transaction();
    state_ = State::Ready;
    reply(out, 250, "", config_.hostname);
}

void Session::cmd_ehlo(std::string_view args, Actions& out) {
    if (args.empty())
        return error(out, 501, "5.5.4", "Syntax: EHLO hostname");
    envelope_.helo.assign(args);
    envelope_.esmtp = true;
    reset_transaction();
    state_ = State::Ready;
    Reply r{250, "", {config_.hostname}};
    r.lines.push_back("PIPELINING");
    r.lines.push_back("SIZE " + std::to_string(config_.limits.max_message_size));
    r.lines.push_back("8BITMIME");
    r.lines.push_back("ENHANCEDSTATUSCODES");
    r.lines.push_back("SMTPUTF8");
    r.lines.push_back("DSN");
    if (config_.tls_available && !tls_)
        r.lines.push_back("STARTTLS");
    if (config_.xforward)
        r.lines.push_back("XFORWARD NAME ADDR PROTO HELO IDENT SOURCE");
    out.push_back(action::Send{std::move(r)});
}

void Session::cmd_mail(std::string_view args, Actions& out) {
    if (state_ == State::Fresh)
        return error(out, 503, "5.5.1", "Error: send HELO/EHLO first");
    if (state_ == State::Mail)
        return error(out, 503, "5.5.1", "Error: nested MAIL command");
    auto parsed = parse_path_argument(args, "FROM:");
    if (!parsed)
        return error(out, 501, "5.5.4", "Syntax: MAIL FROM:<address>");
    if (!parsed->params.empty() && !params_allowed())
        return error(out, 555, "5.5.4", "Error: parameters need EHLO");
    if (has_duplicate(parsed->params))
        return error(out, 501, "5.5.4", "Error: duplicate parameter");
    Envelope e = envelope_;  // committed only when every parameter is valid
    for (const Param& p : parsed->params) {
        const std::string value = p.value.value_or("");
        if (p.keyword == "SIZE") {
            if (!all_digits(value) || value.size() > 19)
                return error(out, 501, "5.5.4", "Error: bad SIZE parameter");
            e.size = std::stoull(value);
        } else if (p.keyword == "BODY") {
            const std::string body = to_upper(value);
            if (body == "7BIT") {
                e.body = Body::SevenBit;
            } else if (body == "8BITMIME") {
                e.body = Body::EightBitMime;
            } else if (body == "BINARYMIME") {
                return error(out, 504, "5.5.4", "Error: BODY=BINARYMIME not supported");
            } else {
                return error(out, 501, "5.5.4", "Error: bad BODY parameter");
            }
        } else if (p.keyword == "SMTPUTF8") {
            if (p.value)
                return error(out, 501, "5.5.4", "Error: SMTPUTF8 takes no value");
            e.smtputf8 = true;
        } else if (p.keyword == "RET") {
            const std::string ret = to_upper(value);
            if (ret != "FULL" && ret != "HDRS")
                return error(out, 501, "5.5.4", "Error: bad RET parameter");
            e.ret = ret;
        } else if (p.keyword == "ENVID") {
            if (value.empty() || value.size() > 100 || !is_xtext(value))
                return error(out, 501, "5.5.4", "Error: bad ENVID parameter");
            e.envid = value;
        } else {
            return error(out, 555, "5.5.4", "Error: unsupported parameter " + p.keyword);
        }
    }
    if (has_non_ascii(parsed->address) && !e.smtputf8)
        return error(out, 553, "5.6.7", "Error: non-ASCII address needs SMTPUTF8");
    if (!parsed->address.empty()) {
        const auto sender = address::parse_path(parsed->address, charset(e));
        if (!sender)
            return error(out, 501, "5.1.7", "Error: bad sender address syntax");
        parsed->address = sender->address();
    }
    if (e.size && *e.size > config_.limits.max_message_size)
        return reply(out, 552, "5.3.4", "Error: message size exceeds fixed limit");
    e.sender = std::move(parsed->address);
    envelope_ = std::move(e);
    state_ = State::Mail;
    reply(out, 250, "2.1.0", "Ok");
}

void Session::cmd_rcpt(std::string_view args, Actions& out) {
    if (state_ != State::Mail)
        return error(out, 503, "5.5.1", "Error: need MAIL command");
    auto parsed = parse_path_argument(args, "TO:");
    if (!parsed)
        return error(out, 501, "5.5.4", "Syntax: RCPT TO:<address>");
    if (parsed->address.empty())
        return error(out, 501, "5.1.3", "Error: bad recipient address");
    if (!parsed->params.empty() && !params_allowed())
        return error(out, 555, "5.5.4", "Error: parameters need EHLO");
    if (has_duplicate(parsed->params))
        return error(out, 501, "5.5.4", "Error: duplicate parameter");
    Recipient rcpt;
    for (const Param& p : parsed->params) {
        const std::string value = p.value.value_or("");
        if (p.keyword == "NOTIFY") {
            rcpt.notify = parse_notify(value);
            if (!rcpt.notify)
                return error(out, 501, "5.5.4", "Error: bad NOTIFY parameter");
        } else if (p.keyword == "ORCPT") {
            if (!valid_orcpt(value))
                return error(out, 501, "5.5.4", "Error: bad ORCPT parameter");
            rcpt.orcpt = value;
        } else {
            return error(out, 555, "5.5.4", "Error: unsupported parameter " + p.keyword);
        }
    }
    if (has_non_ascii(parsed->address) && !envelope_.smtputf8)
        return error(out, 553, "5.6.7", "Error: non-ASCII address needs SMTPUTF8");
    if (iequals(parsed->address, "postmaster")) {
        rcpt.address = std::move(parsed->address);  // RFC 5321 §4.5.1: ours, without a domain
    } else {
        // By the grammar, never by the last '@' (address/address.hpp): a spelling that another
        // MTA resolves to a partner's domain must not reach the policy as some other domain.
        auto mailbox = address::parse_path(parsed->address, charset(envelope_));
        if (!mailbox)
            return error(out, 501, "5.1.3", "Error: bad recipient address syntax");
        rcpt.address = mailbox->address();
    }
    rcpt_attempted_ = true;
    if (envelope_.recipients.size() >= config_.limits.max_recipients)
        return reply(out, 452, "4.5.3", "Error: too many recipients");
    Reply answer = policy_.check_recipient(envelope_, rcpt);
    if (answer.positive())
        envelope_.recipients.push_back(std::move(rcpt));
    out.push_back(action::Send{std::move(answer)});
}

void Session::cmd_data(std::string_view args, Actions& out) {
    if (!args.empty())
        return error(out, 501, "5.5.4", "Syntax: DATA");
    if (state_ != State::Mail)
        return error(out, 503, "5.5.1", "Error: need MAIL command");
    if (envelope_.recipients.empty()) {
        if (rcpt_attempted_)
            return reply(out, 554, "5.5.1", "Error: no valid recipients");
        return error(out, 503, "5.5.1", "Error: need RCPT command");
    }
    if (budget_ != nullptr && !budget_->may_start(envelope_.size.value_or(0)))
        return reply(out, 452, "4.3.1", "Error: insufficient system storage, try again later");
    release_data();
    data_size_ = 0;
    data_line_start_ = true;
    data_after_crlf_ = true;
    data_bad_newline_ = false;
    data_over_budget_ = false;
    state_ = State::Data;
    reply(out, 354, "", "End data with <CR><LF>.<CR><LF>");
}

void Session::cmd_rset(std::string_view args, Actions& out) {
    if (!args.empty())
        return error(out, 501, "5.5.4", "Syntax: RSET");
    reset_transaction();
    if (state_ == State::Mail)
        state_ = State::Ready;
    reply(out, 250, "2.0.0", "Ok");
    junk(out);
}

void Session::cmd_noop(std::string_view, Actions& out) {
    reply(out, 250, "2.0.0", "Ok");
    junk(out);
}

void Session::cmd_quit(std::string_view, Actions& out) {
    close(out, 221, "2.0.0", "Bye");
}

void Session::cmd_vrfy(std::string_view args, Actions& out) {
    if (args.empty())
        return error(out, 501, "5.5.4", "Syntax: VRFY address");
    reply(out, 252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
    junk(out);
}

void Session::cmd_help(std::string_view, Actions& out) {
    reply(out, 214, "2.0.0",
          "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS XFORWARD");
    junk(out);
}

void Session::cmd_starttls(std::string_view args, Actions& out) {
    if (!config_.tls_available)
        return error(out, 502, "5.5.1", "Error: command not implemented");
    if (tls_)
        return error(out, 503, "5.5.1", "Error: TLS already active");
    if (!args.empty())
        return error(out, 501, "5.5.4", "Syntax: STARTTLS");
    if (state_ == State::Mail)
        return error(out, 503, "5.5.1", "Error: MAIL transaction in progress");
    if (pos_ < buffer_.size())
        return close(out, 554, "5.5.1", "Error: pipelined commands after STARTTLS");
    reply(out, 220, "2.0.0", "Ready to start TLS");
    out.push_back(action::StartTls{});
    state_ = State::TlsPending;
}

void Session::cmd_xforward(std::string_view args, Actions& out) {
    if (!config_.xforward)
        return error(out, 502, "5.5.1", "Error: command not implemented");
    if (state_ == State::Fresh)
        return error(out, 503, "5.5.1", "Error: send EHLO first");
    if (state_ == State::Mail)
        return error(out, 503, "5.5.1", "Error: MAIL transaction in progress");
    if (args.empty())
        return error(out, 501, "5.5.4", "Syntax: XFORWARD attribute=value...");
    std::vector<std::pair<std::string, std::string>> attributes;
    while (!args.empty()) {
        const auto end = args.find(' ');
        const std::string_view word = args.substr(0, end);
        args.remove_prefix(end == std::string_view::npos ? args.size() : end + 1);
        if (word.empty())
            continue;
        const auto eq = word.find('=');
        if (eq == std::string_view::npos)
            return error(out, 501, "5.5.4", "Error: bad XFORWARD attribute");
        const std::string name = to_upper(word.substr(0, eq));
        const std::string_view value = word.substr(eq + 1);
        const bool known = std::find(kXforwardAttributes.begin(), kXforwardAttributes.end(),
                                     name) != kXforwardAttributes.end();
        if (!known || value.empty() || !is_xtext(value))
            return error(out, 501, "5.5.4", "Error: bad XFORWARD attribute");
        attributes.emplace_back(name, value);
    }
    for (auto& [name, value] : attributes) {
        auto it = std::find_if(envelope_.xforward.begin(), envelope_.xforward.end(),
                               [&wanted = name](const auto& kv) { return kv.first == wanted; });
        if (it != envelope_.xforward.end()) {
            it->second = std::move(value);
        } else {
            envelope_.xforward.emplace_back(std::move(name), std::move(value));
        }
    }
    reply(out, 250, "2.0.0", "Ok");
}

}  // namespace sealgate::smtp
