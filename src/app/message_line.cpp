#include "app/message_line.hpp"

namespace sealgate::app {

namespace {

std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= text.size() && !text.empty()) {
        const auto comma = text.find(',', pos);
        out.push_back(
            text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
        if (comma == std::string::npos)
            break;
        pos = comma + 1;
    }
    return out;
}

}  // namespace

LogFields message_fields(const MessageLine& line, LogFormat format) {
    const bool text = format == LogFormat::text;
    const LogRecord& c = line.copy;
    const auto angled = [&](const std::string& s) { return text ? "<" + s + ">" : s; };
    LogFields f;
    f.add("event", "message");
    f.add("queue", c.queue_id);
    f.add("copy", static_cast<std::int64_t>(line.index));
    f.add("copies", static_cast<std::int64_t>(line.copies));
    f.add("msgid", angled(c.message_id));
    f.add("from", angled(c.sender));
    std::vector<std::string> to;
    for (const auto& r : c.recipients)
        to.push_back(angled(r));
    f.add("to", to);
    f.add("direction", to_string(c.direction));
    f.add("action", to_string(c.action));
    if (!c.method.empty())
        f.add("method", c.method);
    if (!c.keys.empty())
        f.add("keys", split_commas(c.keys));
    if (!c.algorithm.empty())
        f.add("alg", c.algorithm);
    if (!c.signature.empty())
        f.add("signature", c.signature);
    if (!c.tls_level.empty()) {
        f.add("tls_level", c.tls_level);
        f.add("tls", c.tls_protocol.empty() ? std::string("none") : c.tls_protocol);
        if (!c.tls_protocol.empty()) {
            f.add("cipher", c.tls_cipher);
            f.add("peer", c.tls_peer.empty() ? std::string("-") : c.tls_peer);
            f.add("verified", c.tls_verified ? "yes" : "no");
        }
    }
    f.add("result", static_cast<std::int64_t>(line.result));
    if (!line.status.empty())
        f.add("status", line.status);
    f.add("duration_ms", line.duration_ms);
    f.add("size", static_cast<std::int64_t>(line.size));
    if (!c.node.empty())  // serve always names its node; the field was added in schema 7
        f.add("node", c.node);
    f.add("detail", c.detail);
    return f;
}

}  // namespace sealgate::app
