// admin/service.cpp — the Service's common parts: the audit log (writing and reading it), the
// snapshot the judgements use, and the helpers of admin/internal.hpp.
#include <algorithm>
#include <utility>

#include "admin/internal.hpp"
#include "admin/service.hpp"
#include "core/text.hpp"
#include "policy/policy.hpp"

namespace sealgate::admin {

namespace {

constexpr std::size_t kMaxPage = 1000;

}  // namespace

Service::Service(Store& store, keystore::Keys& keys, Actor actor)
    : store_(store), keys_(keys), actor_(std::move(actor)) {}

Status Service::audited(std::string_view action, std::string_view object, std::string change) {
    AuditRecord record;
    record.actor = actor_.name;
    record.node = actor_.node;
    record.action = std::string(action);
    record.object = std::string(object);
    record.change = std::move(change);
    return store_.append_audit(record);
}

Result<std::shared_ptr<const policy::Snapshot>> Service::snapshot() {
    return policy::Snapshot::load(store_);
}

Result<AuditPage> Service::audit(const AuditSearch& search) {
    if (search.limit < 1 || search.limit > kMaxPage)
        return fail(Error::bad_input("limit: 1 to " + std::to_string(kMaxPage)));
    if (search.cursor < 0)
        return fail(Error::bad_input("cursor: a record id from a previous page"));
    AuditQuery query;
    query.last = search.limit + 1;  // one more tells whether there is an older page
    query.object = search.object;
    query.before_id = search.cursor;
    auto records = store_.query_audit(query);
    SEALGATE_TRY(records);
    AuditPage page;
    page.entries.assign(records->rbegin(), records->rend());  // newest first
    if (page.entries.size() > search.limit) {
        page.entries.pop_back();
        page.next_cursor = page.entries.back().id;
    }
    return page;
}

namespace detail {

Status judge(const policy::Verdict& verdict, bool force, std::vector<std::string>& warnings,
             std::vector<std::string>& overridden) {
    if (verdict.needs_force() && !force)
        return fail(Error::needs_force(verdict.forced_text()));
    for (const auto& f : verdict.findings) {
        warnings.push_back(f.text);
        if (f.needs_force)
            overridden.push_back(f.text);
    }
    return ok();
}

std::string strength_text(
    const policy::Snapshot& snap, const std::vector<std::string>& domains,
    const std::function<std::optional<std::string>(const policy::KeyMinimum&)>& problem) {
    const auto refused = problem(policy::KeyMinimum{});
    if (!refused)
        return "acceptable";
    std::string line = "NOT acceptable: " + *refused;
    for (const auto* dom : policy::domains_accepting(snap, domains, problem))
        line += "; accepted for " + dom->name + " (min-rsa-bits " +
                std::to_string(dom->min_rsa_bits) + ")";
    return line;
}

Result<DomainRecord> local_domain(Store& store, std::string_view name) {
    const std::string lower = ascii_lower(name);
    auto record = store.find_domain(lower);
    SEALGATE_TRY(record);
    if (!*record)
        return fail(Error::not_found("no domain " + lower));
    if (!(*record)->local)
        return fail(Error::bad_input(lower + " is not one of our local domains"));
    return std::move(**record);
}

std::string list_or_none(const std::vector<std::string>& items, std::string_view sep) {
    if (items.empty())
        return "(none)";
    std::string out;
    for (const auto& item : items) {
        if (!out.empty())
            out += sep;
        out += item;
    }
    return out;
}

std::string yes_no(bool value) {
    return value ? "yes" : "no";
}

void diff(std::vector<std::string>& parts, std::string_view name, const std::string& before,
          const std::string& after) {
    if (before != after)
        parts.push_back(std::string(name) + ": " + before + " -> " + after);
}

std::string change_text(const std::vector<std::string>& parts) {
    if (parts.empty())
        return "(unchanged)";
    std::string out;
    for (const auto& p : parts)
        out += (out.empty() ? "" : "; ") + p;
    return out;
}

}  // namespace detail

}  // namespace sealgate::admin
