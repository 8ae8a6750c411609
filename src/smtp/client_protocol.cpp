#include "smtp/client_protocol.hpp"

#include <algorithm>

#include "smtp/syntax.hpp"

namespace sealgate::smtp {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// "d.d{1,3}.d{1,3}" followed by a space or the end; returns its length or 0.
std::size_t enhanced_code_length(std::string_view text, char klass) {
    if (text.size() < 5 || text[0] != klass || text[1] != '.')
        return 0;
    std::size_t i = 2;
    for (int part = 0; part < 2; ++part) {
        const std::size_t start = i;
        while (i < text.size() && is_digit(text[i]) && i - start < 3)
            ++i;
        if (i == start)
            return 0;
        if (part == 0) {
            if (i >= text.size() || text[i] != '.')
                return 0;
            ++i;
        }
    }
    if (i < text.size() && text[i] != ' ')
        return 0;
    return i;
}

}  // namespace

Result<std::optional<Reply>> ReplyParser::next() {
    std::size_t pos = 0;
    Reply reply;
    std::vector<std::string_view> texts;
    while (true) {
        const auto nl = buffer_.find('\n', pos);
        if (nl == std::string::npos || nl - pos > max_line_) {
            if (buffer_.size() - pos > max_line_)
                return fail(Error::temp("4.5.0", "Next hop protocol error", "reply line too long"));
            if (buffer_.size() > max_reply_)
                return fail(Error::temp("4.5.0", "Next hop protocol error", "reply too long"));
            return std::optional<Reply>{};
        }
        if (nl + 1 > max_reply_)
            return fail(Error::temp("4.5.0", "Next hop protocol error", "reply too long"));
        std::string_view line = std::string_view(buffer_).substr(pos, nl - pos);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.size() < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' ||
            !is_digit(line[2]) || (line.size() > 3 && line[3] != ' ' && line[3] != '-'))
            return fail(Error::temp("4.5.0", "Next hop protocol error",
                                    "malformed reply line: " + std::string(line.substr(0, 80))));
        const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        if (texts.empty()) {
            reply.code = code;
        } else if (code != reply.code) {
            return fail(Error::temp("4.5.0", "Next hop protocol error",
                                    "reply code changes inside a multi-line reply"));
        }
        texts.push_back(line.size() > 4 ? line.substr(4) : std::string_view{});
        pos = nl + 1;
        if (line.size() == 3 || line[3] == ' ')
            break;
    }
    const char klass = static_cast<char>('0' + reply.code / 100);
    const std::size_t len = enhanced_code_length(texts.front(), klass);
    if (len)
        reply.status.assign(texts.front().substr(0, len));
    for (std::string_view t : texts) {
        // Servers repeat the enhanced code on every line (Postfix does): strip it once found.
        if (len && t.substr(0, len) == reply.status) {
            t.remove_prefix(len);
            if (!t.empty() && t.front() == ' ')
                t.remove_prefix(1);
        }
        reply.lines.emplace_back(t);
    }
    buffer_.erase(0, pos);
    return std::optional<Reply>{std::move(reply)};
}

bool Capabilities::xforward_offers(std::string_view name) const {
    return std::find(xforward.begin(), xforward.end(), name) != xforward.end();
}

Capabilities parse_ehlo(const Reply& ehlo) {
    Capabilities caps;
    for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {
        std::string_view line = ehlo.lines[i];
        const auto space = line.find(' ');
        const std::string keyword = to_upper(line.substr(0, space));
        std::string_view rest = space == std::string_view::npos ? "" : line.substr(space + 1);
        if (keyword == "PIPELINING")
            caps.pipelining = true;
        if (keyword == "STARTTLS")
            caps.starttls = true;
        if (keyword == "8BITMIME")
            caps.eightbitmime = true;
        if (keyword == "SMTPUTF8")
            caps.smtputf8 = true;
        if (keyword == "DSN")
            caps.dsn = true;
        if (keyword == "ENHANCEDSTATUSCODES")
            caps.enhanced_status_codes = true;
        if (keyword == "SIZE") {
            std::uint64_t n = 0;
            bool ok = rest.size() <= 19;
            for (const char c : rest)
                ok = ok && is_digit(c);
            if (ok) {
                for (const char c : rest)
                    n = n * 10 + static_cast<std::uint64_t>(c - '0');
                caps.size = n;
            }
        }
        if (keyword == "XFORWARD") {
            while (!rest.empty()) {
                const auto sp = rest.find(' ');
                const auto word = rest.substr(0, sp);
                if (!word.empty())
                    caps.xforward.push_back(to_upper(word));
                rest.remove_prefix(sp == std::string_view::npos ? rest.size() : sp + 1);
            }
        }
    }
    return caps;
}

std::string format_ehlo(std::string_view hostname) {
    return "EHLO " + std::string(hostname) + "\r\n";
}

std::string format_helo(std::string_view hostname) {
    return "HELO " + std::string(hostname) + "\r\n";
}

std::string format_mail(const Envelope& envelope, const Capabilities& caps, std::uint64_t size) {
    std::string line = "MAIL FROM:<" + envelope.sender + ">";
    if (caps.size)
        line += " SIZE=" + std::to_string(size);
    if (caps.eightbitmime && envelope.body == Body::EightBitMime)
        line += " BODY=8BITMIME";
    if (caps.eightbitmime && envelope.body == Body::SevenBit)
        line += " BODY=7BIT";
    if (caps.smtputf8 && envelope.smtputf8)
        line += " SMTPUTF8";
    if (caps.dsn && envelope.ret)
        line += " RET=" + *envelope.ret;
    if (caps.dsn && envelope.envid)
        line += " ENVID=" + *envelope.envid;
    return line + "\r\n";
}

std::string format_rcpt(const Recipient& recipient, const Capabilities& caps) {
    std::string line = "RCPT TO:<" + recipient.address + ">";
    if (caps.dsn && recipient.notify)
        line += " NOTIFY=" + *recipient.notify;
    if (caps.dsn && recipient.orcpt)
        line += " ORCPT=" + *recipient.orcpt;
    return line + "\r\n";
}

std::vector<std::string> format_xforward(const Envelope& envelope, const Capabilities& caps) {
    // Postfix's smtp client splits XFORWARD the same way: as many attributes per line as fit.
    constexpr std::size_t kMaxLine = 510;
    std::vector<std::string> lines;
    std::string line;
    for (const auto& [name, value] : envelope.xforward) {
        if (!caps.xforward_offers(name))
            continue;
        const std::string item = " " + name + "=" + value;
        if (!line.empty() && line.size() + item.size() > kMaxLine) {
            lines.push_back(line + "\r\n");
            line.clear();
        }
        if (line.empty())
            line = "XFORWARD";
        line += item;
    }
    if (!line.empty())
        lines.push_back(line + "\r\n");
    return lines;
}

std::vector<std::string_view> dot_stuff(std::string_view data) {
    // RFC 5321 §4.5.2: a line that starts with '.' gets one more. Most messages have none
    // (base64 and armored bodies never do): then the data goes out as one piece.
    std::vector<std::string_view> pieces;
    std::size_t from = 0;  // start of the current piece
    std::size_t pos = 0;   // start of the current line
    while (pos < data.size()) {
        if (data[pos] == '.') {
            pieces.push_back(data.substr(from, pos - from));
            pieces.emplace_back(".");
            from = pos;
        }
        const auto nl = data.find('\n', pos);
        pos = nl == std::string_view::npos ? data.size() : nl + 1;
    }
    pieces.push_back(data.substr(from));
    pieces.emplace_back(data.empty() || data.ends_with("\r\n") ? ".\r\n" : "\r\n.\r\n");
    return pieces;
}

}  // namespace sealgate::smtp
