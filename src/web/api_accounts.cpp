// The REST API's session, admin users and API tokens (docs/api.md).
#include "admin/accounts.hpp"
#include "web/api.hpp"
#include "web/body.hpp"
#include "web/views.hpp"

namespace sealgate::web {

namespace {

using nlohmann::json;

Answer<AdminRole> role_field(const Fields& body) {
    auto text = body.string("role");
    WEB_TRY(text);
    const auto role = parse_admin_role(*text);
    if (!role)
        return bad_input("role must be admin or viewer");
    return *role;
}

admin::Accounts accounts_of(Call& c) {
    return admin::Accounts(c.ctx.store, c.ctx.actor(c.caller.actor));
}

Answer<Reply> session(Call& c) {
    return Reply::json({{"user", c.caller.name},
                        {"role", to_string(c.caller.role)},
                        {"kind", c.caller.session ? "session" : "token"},
                        {"csrf_token", c.caller.session ? json(c.caller.csrf) : json(nullptr)}});
}

Answer<Reply> list_users(Call& c) {
    auto users = accounts_of(c).list_users();
    WEB_TRY(users);
    return Reply::json({{"users", json_array(*users, account_json)}});
}

Answer<Reply> add_user(Call& c) {
    auto body = Fields::parse(c.request.get_header_value("Content-Type"), c.request.body,
                              {"name", "role", "password"});
    WEB_TRY(body);
    auto name = body->string("name");
    WEB_TRY(name);
    auto role = role_field(*body);
    WEB_TRY(role);
    auto password = body->string("password");
    WEB_TRY(password);
    auto account = accounts_of(c).add_user(*name, *role, *password);
    WEB_TRY(account);
    return changed(account_json(*account), {}, 201);
}

Answer<Reply> set_password(Call& c) {
    auto name = name_param(c.params[0]);
    WEB_TRY(name);
    auto body =
        Fields::parse(c.request.get_header_value("Content-Type"), c.request.body, {"password"});
    WEB_TRY(body);
    auto password = body->string("password");
    WEB_TRY(password);
    auto account = accounts_of(c).set_password(*name, *password);
    WEB_TRY(account);
    // Every session of the account ends, the caller's own too (the UI shows the login again):
    // whoever held one logs in with the new password. (The credential stamp would end them at
    // their next request anyway; this frees their slots now.)
    c.ctx.sessions.remove_user(*name);
    return changed(account_json(*account), {});
}

Answer<Reply> remove_user(Call& c) {
    auto name = name_param(c.params[0]);
    WEB_TRY(name);
    auto removed = accounts_of(c).remove_user(*name);
    WEB_TRY(removed);
    c.ctx.sessions.remove_user(*removed);
    return Reply::json(removed_json(*removed));
}

Answer<Reply> list_tokens(Call& c) {
    auto tokens = accounts_of(c).list_tokens();
    WEB_TRY(tokens);
    return Reply::json({{"tokens", json_array(*tokens, token_json)}});
}

Answer<Reply> create_token(Call& c) {
    auto body =
        Fields::parse(c.request.get_header_value("Content-Type"), c.request.body, {"name", "role"});
    WEB_TRY(body);
    auto name = body->string("name");
    WEB_TRY(name);
    auto role = role_field(*body);
    WEB_TRY(role);
    auto made = accounts_of(c).create_token(*name, *role);
    WEB_TRY(made);
    json out = token_json(made->token);
    out["token"] = made->secret;
    return changed(std::move(out), {}, 201);
}

Answer<Reply> revoke_token(Call& c) {
    auto name = name_param(c.params[0]);
    WEB_TRY(name);
    auto revoked = accounts_of(c).revoke_token(*name);
    WEB_TRY(revoked);
    return Reply::json(removed_json(*revoked));
}

}  // namespace

void add_account_routes(Routes& routes) {
    routes.push_back({"GET", "/api/v1/session", session, {}, false, false});
    routes.push_back({"GET", "/api/v1/users", list_users, {}, true});
    routes.push_back({"POST", "/api/v1/users", add_user, {}, true});
    routes.push_back({"PUT", "/api/v1/users/{}/password", set_password, {}, true});
    routes.push_back({"DELETE", "/api/v1/users/{}", remove_user, {}, true});
    routes.push_back({"GET", "/api/v1/tokens", list_tokens, {}, true});
    routes.push_back({"POST", "/api/v1/tokens", create_token, {}, true});
    routes.push_back({"DELETE", "/api/v1/tokens/{}", revoke_token, {}, true});
}

}  // namespace sealgate::web
