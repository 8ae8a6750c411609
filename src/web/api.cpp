#include "web/api.hpp"

#include <algorithm>
#include <cctype>

#include "admin/accounts.hpp"
#include "core/hex.hpp"
#include "core/log.hpp"

namespace sealgate::web {

namespace {

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t start = 1;  // after the leading '/'
    while (start <= path.size()) {
        const auto slash = path.find('/', start);
        const auto end = slash == std::string_view::npos ? path.size() : slash;
        out.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

bool segment_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-' ||
           c == '*' || c == ':' || c == '@' || c == '+';
}

// Segments that are empty, "." or "..", or hold anything but the characters of names,
// thumbprints and addresses: refused before anything else, whatever the route.
Answer<std::vector<std::string_view>> checked_segments(std::string_view path) {
    if (path.empty() || path.front() != '/')
        return bad_input("bad path");
    auto parts = segments(path);
    for (const auto part : parts) {
        if (part.empty() || part == "." || part == ".." ||
            !std::all_of(part.begin(), part.end(), segment_char))
            return bad_input(
                "bad path: only names, thumbprints and fingerprints between the "
                "slashes, no empty, \".\" or \"..\" segments");
    }
    return parts;
}

bool matches(const std::string& pattern, const std::vector<std::string_view>& parts,
             std::vector<std::string>& params) {
    const auto want = segments(pattern);
    if (want.size() != parts.size())
        return false;
    std::vector<std::string> found;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (want[i] == "{}")
            found.emplace_back(parts[i]);
        else if (want[i] != parts[i])
            return false;
    }
    params = std::move(found);
    return true;
}

Refusal unauthorized(std::string message) {
    Refusal r{401, "unauthorized", std::move(message), {}};
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"sealgate\"");
    return r;
}

}  // namespace

std::optional<std::string> session_cookie(const httplib::Request& request) {
    std::optional<std::string> found;
    for (auto [it, end] = request.headers.equal_range("Cookie"); it != end; ++it) {
        std::string_view rest = it->second;
        while (!rest.empty()) {
            const auto semi = rest.find(';');
            std::string_view pair = rest.substr(0, semi);
            rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
            while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t'))
                pair.remove_prefix(1);
            const auto eq = pair.find('=');
            if (eq == std::string_view::npos || pair.substr(0, eq) != kSessionCookie)
                continue;
            if (found)
                return std::nullopt;
            found = std::string(pair.substr(eq + 1));
        }
    }
    return found ? std::optional<std::string>(std::move(*found)) : std::optional<std::string>("");
}

Answer<Caller> session_caller(ApiContext& ctx, const httplib::Request& request) {
    const auto id = session_cookie(request);
    if (!id)
        return tl::unexpected(
            unauthorized("the session cookie is given more than once: log in again"));
    if (id->empty())
        return tl::unexpected(unauthorized("log in, or send \"Authorization: Bearer <token>\""));
    auto session = ctx.sessions.find(*id, Clock::now());
    if (!session)
        return tl::unexpected(unauthorized("the session has ended: log in again"));
    // The account as it is now: a removed or changed account ends the session.
    const std::lock_guard lock(ctx.mutex);
    auto account = ctx.store.find_account(session->user);
    WEB_TRY(account);
    if (!*account) {
        ctx.sessions.remove_user(session->user);
        return tl::unexpected(unauthorized("the account of this session was removed"));
    }
    if (!same_secret(credential_stamp(**account), session->stamp)) {
        ctx.sessions.remove(*id);
        return tl::unexpected(unauthorized(
            "the account of this session has changed (password or role): log in again"));
    }
    return Caller{session->user, "user:" + session->user, (*account)->role, true, session->csrf};
}

namespace {

Answer<Caller> authenticate(ApiContext& ctx, const httplib::Request& request) {
    if (request.has_header("Authorization")) {
        const std::string value = request.get_header_value("Authorization");
        const std::string_view scheme = "bearer ";
        std::string lower = value.substr(0, scheme.size());
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (lower != scheme)
            return tl::unexpected(unauthorized("Authorization must be \"Bearer <token>\""));
        const std::lock_guard lock(ctx.mutex);
        admin::Accounts accounts(ctx.store, ctx.actor("listener"));
        auto token = accounts.authenticate_token(value.substr(scheme.size()), std::time(nullptr));
        WEB_TRY(token);
        if (!*token)
            return tl::unexpected(unauthorized("unknown or revoked API token"));
        return Caller{(*token)->name, "token:" + (*token)->name, (*token)->role, false, {}};
    }
    return session_caller(ctx, request);
}

bool is_change(const std::string& method) {
    return method != "GET" && method != "HEAD";
}

Answer<Reply> dispatch(const Routes& routes, ApiContext& ctx, const httplib::Request& request) {
    auto parts = checked_segments(request.path);
    WEB_TRY(parts);
    auto caller = authenticate(ctx, request);
    WEB_TRY(caller);

    const Route* route = nullptr;
    std::vector<std::string> params;
    std::string allow;
    const std::string method = request.method == "HEAD" ? "GET" : request.method;
    for (const auto& r : routes) {
        std::vector<std::string> p;
        if (!matches(r.pattern, *parts, p))
            continue;
        allow += (allow.empty() ? "" : ", ") + r.method;
        if (r.method == method) {
            route = &r;
            params = std::move(p);
        }
    }
    if (route == nullptr && allow.empty())
        return refuse(404, "not_found", "no such endpoint: " + request.path);
    if (route == nullptr) {
        Refusal r{405, "method_not_allowed", request.method + " is not allowed here", {}};
        r.headers.emplace_back("Allow", allow);
        return tl::unexpected(r);
    }

    if (is_change(method) && caller->session &&
        !same_secret(request.get_header_value("X-CSRF-Token"), caller->csrf))
        return refuse(403, "csrf",
                      "missing or wrong X-CSRF-Token (GET /api/v1/session tells the token)");
    if (caller->role != AdminRole::admin && (is_change(method) || route->admin_only))
        return refuse(403, "forbidden",
                      caller->name + " is a " + std::string(to_string(caller->role)) +
                          ": only an admin may do this");
    for (const auto& [name, value] : request.params) {
        if (std::find(route->query.begin(), route->query.end(), name) == route->query.end())
            return bad_input("unknown query parameter \"" + name + "\"");
    }

    Call call{request, *caller, ctx, std::move(params)};
    if (!route->locked)
        return route->handler(call);
    const std::lock_guard lock(ctx.mutex);
    return route->handler(call);
}

}  // namespace

void write_refusal(httplib::Response& response, const Refusal& refusal) {
    response.status = refusal.status;
    for (const auto& [name, value] : refusal.headers)
        response.set_header(name, value);
    response.set_content(error_body(refusal), "application/json");
}

void serve_api(const Routes& routes, ApiContext& ctx, const httplib::Request& request,
               httplib::Response& response) {
    auto reply = dispatch(routes, ctx, request);
    if (!reply) {
        if (reply.error().status >= 500)
            log_line("admin: " + request.method + " " + request.path + ": " +
                     reply.error().message);
        write_refusal(response, reply.error());
        return;
    }
    response.status = reply->status;
    response.set_content(std::move(reply->body), reply->content_type.c_str());
}

Answer<std::optional<std::string>> query_value(const httplib::Request& request,
                                               const std::string& name) {
    const auto count = request.get_param_value_count(name.c_str());
    if (count == 0)
        return std::optional<std::string>();
    if (count > 1)
        return bad_input("query parameter \"" + name + "\" is given more than once");
    return std::optional<std::string>(request.get_param_value(name.c_str()));
}

Answer<bool> force_param(const httplib::Request& request) {
    auto value = query_value(request, "force");
    WEB_TRY(value);
    if (!*value || **value == "false")
        return false;
    if (**value == "true")
        return true;
    return bad_input("force must be true or false");
}

Answer<std::string> hex_param(std::string_view text, std::size_t max_digits) {
    std::size_t digits = 0;
    for (const char c : text) {
        if (hex_digit(c) >= 0)
            ++digits;
        else if (c != ':')
            return bad_input("not a hex thumbprint or fingerprint: " +
                             std::string(text.substr(0, 80)));
    }
    if (digits < 8 || digits > max_digits)
        return bad_input("a thumbprint or fingerprint has 8 to " + std::to_string(max_digits) +
                         " hex digits, not " + std::to_string(digits));
    return std::string(text);
}

Answer<std::string> domain_param(std::string_view text) {
    const bool ok =
        !text.empty() && text.size() <= 253 && std::all_of(text.begin(), text.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' ||
                   c == '*';
        });
    if (!ok)
        return bad_input("not a domain name: " + std::string(text.substr(0, 80)));
    return std::string(text);
}

Answer<std::string> name_param(std::string_view text) {
    WEB_TRY(admin::check_account_name(text));
    return std::string(text);
}

Reply changed(nlohmann::json object, const std::vector<std::string>& warnings, int status) {
    object["warnings"] = warnings;
    return Reply::json(object, status);
}

}  // namespace sealgate::web
