// web/api.hpp — the REST API v1 (docs/api.md): who is asking, the route table, and the handlers'
// view of one request. Internal to web/ (the listener is its only user).
//
// Order of the checks for a request under /api/: the path's shape (no "." or ".." segments, no
// empty ones) → authentication (Bearer token, else the session cookie; none: 401) → the route
// (404; 405 with Allow) → CSRF for a cookie-authenticated change (403 `csrf`) → the role (a
// viewer's change, or a viewer at an admin-only route: 403 `forbidden`) → the query parameters
// the route takes (any other: 400) → the handler, which validates its path parameters and body
// before it calls the admin service. Every call into the service and the store holds
// ApiContext::mutex (a Service is not thread-safe); slow work that needs neither (a password
// hash, the test message's SMTP transaction, the next-hop probe) runs outside it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <httplib.h>

#include "admin/discover_stage.hpp"
#include "admin/service.hpp"
#include "keystore/keys.hpp"
#include "model/records.hpp"
#include "store/store.hpp"
#include "web/reply.hpp"
#include "web/sessions.hpp"

namespace sealgate::web {

// Where things are, for the status page and the test message.
struct Addresses {
    std::string smtp_listen;  // as configured: "127.0.0.1:10025"
    std::string smtp_host;    // where the test message goes: the listener, by a connectable address
    std::uint16_t smtp_port = 0;
    std::string admin_listen;  // "127.0.0.1:8443", with the bound port
    std::string next_hop;      // "127.0.0.1:10026"
    std::string next_hop_host;
    std::uint16_t next_hop_port = 0;
    std::string hostname;                              // EHLO name of the test message's client
    std::function<std::uint64_t()> policy_generation;  // ListenerConfig's
};

struct ApiContext {
    ApiContext(Store& s, keystore::Keys& k, Addresses a, std::string node_name)
        : store(s), keys(k), addresses(std::move(a)), node(std::move(node_name)) {}
    Store& store;
    keystore::Keys& keys;
    Addresses addresses;
    const std::string node;  // this gateway node ([node] name), in every audit record
    // The audit log's actor `name` ("user:alice", "anonymous") on this node.
    admin::Actor actor(std::string name) const { return admin::Actor(std::move(name), node); }
    std::mutex mutex;                // the store and every Service
    admin::DiscoverLookup discover;  // empty: no key discovery here (503)
    Sessions sessions;
    LoginThrottle throttle;

    // The next hop's reachability, probed at most every few seconds.
    std::mutex probe_mutex;
    std::optional<Clock::time_point> probed_at;
    bool reachable = false;
};

struct Caller {
    std::string name;   // account or token name
    std::string actor;  // "user:alice", "token:deploy" (admin::Actor)
    AdminRole role = AdminRole::viewer;
    bool session = false;  // by cookie: changes need the CSRF token
    std::string csrf;      // the session's
};

struct Call {
    const httplib::Request& request;
    const Caller& caller;
    ApiContext& ctx;
    std::vector<std::string> params;  // the {…} segments of the route, in order

    admin::Service service() const {
        return admin::Service(ctx.store, ctx.keys, ctx.actor(caller.actor));
    }
};

using Handler = std::function<Answer<Reply>(Call&)>;

struct Route {
    std::string method;
    std::string pattern;  // "/api/v1/domains/{}"
    Handler handler;
    std::vector<std::string> query;  // the query parameters it takes
    bool admin_only = false;         // also for reading (users, tokens)
    bool locked = true;              // the dispatcher holds ctx.mutex around the handler
};

using Routes = std::vector<Route>;

void add_object_routes(Routes& routes);    // domains, certificates, CTL, roots, CRLs
void add_pgp_log_routes(Routes& routes);   // OpenPGP keys, mail log, audit, status, test message
void add_account_routes(Routes& routes);   // session, users, tokens
void add_exchange_routes(Routes& routes);  // update bundles, pending changes
void add_lifecycle_own_routes(Routes& routes);  // own generations: renew, retire, rotate, ...
void add_crl_routes(Routes& routes);            // CRL distribution points and their refresh
void add_discovery_routes(Routes& routes);      // a domain's key discovery (docs/discovery.md)

// Answers one request under /api/ (the listener's handler for that prefix).
void serve_api(const Routes& routes, ApiContext& ctx, const httplib::Request& request,
               httplib::Response& response);

// The session cookie's name: the __Host- prefix makes a browser keep it only from a secure
// origin, for Path=/ and without a Domain (RFC 6265bis §4.1.3.2), so no sibling host can set it.
inline constexpr std::string_view kSessionCookie = "__Host-sealgate_session";

// The session cookie's value: "" when the request has none; nullopt when it has it more than
// once (a cookie planted beside ours: refused, never the first one taken).
std::optional<std::string> session_cookie(const httplib::Request& request);

// The caller of a request by its session cookie, with the account as it is now: 401 when there
// is no cookie, it is given twice, its session has ended, or the account was removed or has
// changed since the login (password, role, removed and re-added): then the session ends too.
Answer<Caller> session_caller(ApiContext& ctx, const httplib::Request& request);

// Writes a refusal in the API's error form.
void write_refusal(httplib::Response& response, const Refusal& refusal);

// --- helpers for the handlers -----------------------------------------------------------------

// The value of a query parameter given once; nullopt when absent; 400 when given twice.
Answer<std::optional<std::string>> query_value(const httplib::Request& request,
                                               const std::string& name);
// ?force=true|false (absent: false).
Answer<bool> force_param(const httplib::Request& request);
// A thumbprint (8..64 hex digits) or fingerprint (8..40), ':' allowed between digits.
Answer<std::string> hex_param(std::string_view text, std::size_t max_digits);
Answer<std::string> domain_param(std::string_view text);  // [a-z0-9.*-], any case, <= 253
Answer<std::string> name_param(std::string_view text);    // an account or token name
// The JSON of a change's result with its warnings.
Reply changed(nlohmann::json object, const std::vector<std::string>& warnings, int status = 200);

}  // namespace sealgate::web
