// `sealgate store copy --from SPEC --to SPEC`: a whole store into an empty one
// (app/store_copy.hpp), e.g. a single gateway's SQLite file into the PostgreSQL database of a
// cluster. SPEC is `sqlite:PATH` or a PostgreSQL URL (`postgresql://…`, `postgres://…`). Prints one
// line per table: its name, rows, SHA-256 and ok (or MISMATCH); exits non-zero unless every table
// matches.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string_view>

#include "app/cli.hpp"
#include "app/store_copy.hpp"
#include "app/store_open.hpp"

namespace sealgate::app {

namespace {

// SPEC: `sqlite:PATH`, or a PostgreSQL url / libpq connection string (the forms of [store] url;
// the password from libpq's PGPASSWORD or PGPASSFILE). The text itself is not repeated in the
// error: it may hold a password.
Result<StoreLocation> parse_spec(std::string_view text, std::string_view option) {
    StoreLocation where;
    if (text.starts_with("sqlite:") && text.size() > 7) {
        where.path = std::string(text.substr(7));
        return where;
    }
    if (is_postgresql_url(text)) {
        where.url = std::string(text);
        return where;
    }
    return fail(Error::usage("store copy: " + std::string(option) +
                             ": sqlite:PATH or postgresql://... (a PostgreSQL url)"));
}

// The store at `where` through the one opener (app/store_open.hpp). The source must exist; the
// target is created when it is an SQLite path that does not exist yet or a PostgreSQL database
// without the sealgate schema. retention: the target's mail log keeps at least the source's
// records.
Result<std::unique_ptr<SqlStore>> open_spec(const StoreLocation& where, bool target,
                                            std::size_t retention) {
    SqlStore::Options options;
    options.log_retention = retention;
    if (!target)
        return open_store(where, OpenMode::existing, options);
    if (!where.postgresql())
        return open_store(
            where, std::filesystem::exists(where.path) ? OpenMode::existing : OpenMode::create,
            options);
    // A schema made by `sealgate init` (then it must be empty), else a new one.
    auto existing = open_store(where, OpenMode::existing, options);
    if (existing)
        return existing;
    auto created = open_store(where, OpenMode::create, options);
    if (!created)
        return fail(Error::usage("store copy: target " + describe(where) + ": " +
                                 existing.error().reason + "; " + created.error().reason));
    return created;
}

bool same_place(const StoreLocation& a, const StoreLocation& b) {
    if (a.postgresql() != b.postgresql())
        return false;
    if (a.postgresql())
        return describe(a) == describe(b);
    std::error_code ec;
    return a.path == b.path || std::filesystem::equivalent(a.path, b.path, ec);
}

void print_report(const CopyReport& report) {
    std::printf("%-16s %10s  %-64s  %s\n", "table", "rows", "sha256", "ok");
    for (std::size_t i = 0; i < report.target.size(); ++i) {
        const TableSum& t = report.target[i];
        const bool same = i < report.source.size() && report.source[i].rows == t.rows &&
                          report.source[i].sha256 == t.sha256;
        std::printf("%-16s %10llu  %-64s  %s\n", t.name.c_str(),
                    static_cast<unsigned long long>(t.rows), t.sha256.c_str(),
                    same ? "ok" : "MISMATCH");
        if (!same && i < report.source.size())
            std::printf("%-16s %10llu  %-64s  (source)\n", "",
                        static_cast<unsigned long long>(report.source[i].rows),
                        report.source[i].sha256.c_str());
    }
}

Status copy(const std::string& from_text, const std::string& to_text, std::size_t retention) {
    auto from = parse_spec(from_text, "--from");
    SEALGATE_TRY(from);
    auto to = parse_spec(to_text, "--to");
    SEALGATE_TRY(to);
    if (same_place(*from, *to))
        return fail(Error::usage("store copy: --from and --to are the same store"));
    auto source = open_spec(*from, false, retention);
    SEALGATE_TRY(source);
    auto records = count_log(**source);
    SEALGATE_TRY(records);
    const bool created = !to->postgresql() && !std::filesystem::exists(to->path);
    auto target = open_spec(*to, true, std::max<std::size_t>(retention, *records));
    SEALGATE_TRY(target);
    auto report = copy_store(**source, **target);
    if (!report && created) {
        // A store this command made and could not fill is no store: remove it (and its WAL).
        target->reset();
        for (const char* suffix : {"", "-wal", "-shm"})
            std::filesystem::remove(to->path + suffix);
        return fail(Error::temp(report.error().reason + " (the new store was removed)"));
    }
    SEALGATE_TRY(report);
    print_report(*report);
    if (!report->verified)
        return fail(Error::temp(
            "store copy: the copy differs from the source (did a gateway write to it during the "
            "copy? stop the gateways on the source and copy into a new store again)"));
    std::printf(
        "copied and verified; sealed keys are copied sealed: the nodes of the new store "
        "need the same master key file\n");
    return ok();
}

}  // namespace

void add_store_commands(CLI::App& app, Cli& cli) {
    auto* store = store_group(app);
    auto* copy_cmd =
        store->add_subcommand("copy", "Copy a whole store into an empty one, and verify it");
    auto from = std::make_shared<std::string>();
    auto to = std::make_shared<std::string>();
    copy_cmd->add_option("--from", *from, "Source: sqlite:PATH or postgresql://...")->required();
    copy_cmd->add_option("--to", *to, "Target (empty or new): sqlite:PATH or postgresql://...")
        ->required();
    cli.on(copy_cmd, [&cli, from, to]() -> Status {
        auto cfg = resolve_config(cli.global);
        SEALGATE_TRY(cfg);
        return copy(*from, *to, cfg->log_retention);
    });
}

}  // namespace sealgate::app
