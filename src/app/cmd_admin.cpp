// `sealgate admin user ...` and `sealgate admin token ...`: the accounts and API tokens of the
// admin listener (admin/accounts.hpp), made on the gateway host by whoever may write the store.
#include <cstdio>

#include "admin/accounts.hpp"
#include "app/cli.hpp"

namespace sealgate::app {

namespace {

Result<AdminRole> role_of(const std::string& text) {
    auto role = parse_admin_role(text);
    if (!role)
        return fail(Error::usage("--role must be admin or viewer, not " + text));
    return *role;
}

// The first line of the password file, or of standard input: what `echo secret |` and a file
// written by an editor both give.
Result<std::string> read_password(const std::string& file) {
    auto data = file.empty() ? read_stdin(4096) : read_file(file);
    SEALGATE_TRY(data);
    std::string line = data->substr(0, data->find('\n'));
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    SEALGATE_TRY(admin::check_password(line));
    return line;
}

Status user_add(Cli& cli, const std::string& name, const std::string& role_text,
                const std::string& password_file) {
    auto role = role_of(role_text);
    SEALGATE_TRY(role);
    SEALGATE_TRY(admin::check_account_name(name));
    auto password = read_password(password_file);
    SEALGATE_TRY(password);
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    admin::Accounts accounts((*ctx)->store(), (*ctx)->actor(cli_actor()));
    auto account = accounts.add_user(name, *role, *password);
    SEALGATE_TRY(account);
    std::printf("added admin account %s (%s)\n", account->name.c_str(),
                std::string(to_string(account->role)).c_str());
    return ok();
}

Status user_list(Cli& cli) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    admin::Accounts accounts((*ctx)->store(), (*ctx)->actor(cli_actor()));
    auto users = accounts.list_users();
    SEALGATE_TRY(users);
    for (const auto& u : *users)
        std::printf("%-24s %-6s created %s\n", u.name.c_str(),
                    std::string(to_string(u.role)).c_str(), format_time(u.created).c_str());
    return ok();
}

Status user_remove(Cli& cli, const std::string& name) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    admin::Accounts accounts((*ctx)->store(), (*ctx)->actor(cli_actor()));
    auto removed = accounts.remove_user(name);
    SEALGATE_TRY(removed);
    std::printf("removed admin account %s\n", removed->c_str());
    return ok();
}

Status user_passwd(Cli& cli, const std::string& name, const std::string& password_file) {
    SEALGATE_TRY(admin::check_account_name(name));
    auto password = read_password(password_file);
    SEALGATE_TRY(password);
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    admin::Accounts accounts((*ctx)->store(), (*ctx)->actor(cli_actor()));
    auto account = accounts.set_password(name, *password);
    SEALGATE_TRY(account);
    std::printf("changed the password of %s\n", account->name.c_str());
    return ok();
}

Status token_create(Cli& cli, const std::string& name, const std::string& role_text) {
    auto role = role_of(role_text);
    SEALGATE_TRY(role);
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    admin::Accounts accounts((*ctx)->store(), (*ctx)->actor(cli_actor()));
    auto made = accounts.create_token(name, *role);
    SEALGATE_TRY(made);
    // The token alone on its line, the only long word of the output: `| head -1` or a grep for
    // 32 or more word characters finds it.
    std::printf("%s\n", made->secret.c_str());
    std::printf(
        "(API token %s, role %s: shown once, store it now; send it as "
        "\"Authorization: Bearer <token>\")\n",
        made->token.name.c_str(), std::string(to_string(made->token.role)).c_str());
    return ok();
}

Status token_list(Cli& cli) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    admin::Accounts accounts((*ctx)->store(), (*ctx)->actor(cli_actor()));
    auto tokens = accounts.list_tokens();
    SEALGATE_TRY(tokens);
    for (const auto& t : *tokens)
        std::printf("%-24s %-6s created %s, last used %s\n", t.name.c_str(),
                    std::string(to_string(t.role)).c_str(), format_time(t.created).c_str(),
                    t.last_used == 0 ? "never" : format_time(t.last_used).c_str());
    return ok();
}

Status token_revoke(Cli& cli, const std::string& name) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    admin::Accounts accounts((*ctx)->store(), (*ctx)->actor(cli_actor()));
    auto revoked = accounts.revoke_token(name);
    SEALGATE_TRY(revoked);
    std::printf("revoked API token %s\n", revoked->c_str());
    return ok();
}

}  // namespace

void add_admin_commands(CLI::App& app, Cli& cli) {
    auto* adm = app.add_subcommand("admin", "Accounts and API tokens of the admin listener");
    adm->require_subcommand(1);

    auto* user = adm->add_subcommand("user", "Admin accounts (web UI and API logins)");
    user->require_subcommand(1);
    auto* add = user->add_subcommand("add", "Add an account (password: first line of stdin)");
    auto name = std::make_shared<std::string>();
    auto role = std::make_shared<std::string>();
    auto pwfile = std::make_shared<std::string>();
    add->add_option("NAME", *name)->required();
    add->add_option("--role", *role, "admin (may change) or viewer (may read)")->required();
    add->add_option("--password-file", *pwfile, "Read the password from its first line");
    cli.on(add, [&cli, name, role, pwfile] { return user_add(cli, *name, *role, *pwfile); });

    cli.on(user->add_subcommand("list", "List accounts"), [&cli] { return user_list(cli); });

    auto* rm = user->add_subcommand("remove", "Remove an account");
    auto rname = std::make_shared<std::string>();
    rm->add_option("NAME", *rname)->required();
    cli.on(rm, [&cli, rname] { return user_remove(cli, *rname); });

    auto* pw = user->add_subcommand("passwd", "Set an account's password (first line of stdin)");
    auto pname = std::make_shared<std::string>();
    auto ppwfile = std::make_shared<std::string>();
    pw->add_option("NAME", *pname)->required();
    pw->add_option("--password-file", *ppwfile, "Read the password from its first line");
    cli.on(pw, [&cli, pname, ppwfile] { return user_passwd(cli, *pname, *ppwfile); });

    auto* token = adm->add_subcommand("token", "API tokens for scripts (Authorization: Bearer)");
    token->require_subcommand(1);
    auto* create = token->add_subcommand("create", "Create a token (printed once)");
    auto tname = std::make_shared<std::string>();
    auto trole = std::make_shared<std::string>();
    create->add_option("--name", *tname, "Name of the token")->required();
    create->add_option("--role", *trole, "admin or viewer")->required();
    cli.on(create, [&cli, tname, trole] { return token_create(cli, *tname, *trole); });

    cli.on(token->add_subcommand("list", "List tokens"), [&cli] { return token_list(cli); });

    auto* revoke = token->add_subcommand("revoke", "Revoke a token");
    auto vname = std::make_shared<std::string>();
    revoke->add_option("NAME", *vname)->required();
    cli.on(revoke, [&cli, vname] { return token_revoke(cli, *vname); });
}

}  // namespace sealgate::app
