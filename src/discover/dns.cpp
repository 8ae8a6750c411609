// The DNS half of lookup(): SMIMEA and OPENPGPKEY through libunbound, validated with the
// configured trust anchor. libunbound has no per-query timeout, so both queries run
// asynchronously (a resolver thread of libunbound's own, never a fork) and this thread polls
// ub_fd() until they are answered or the deadline passes; then the context is deleted, which
// stops its thread and cancels what is still under way.
#include <poll.h>
#include <unbound.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <memory>

#include "discover/internal.hpp"
#include "discover/records.hpp"

namespace sealgate::discover::detail {

namespace {

constexpr int kTypeSmimea = 53;      // RFC 8162 §2
constexpr int kTypeOpenpgpkey = 61;  // RFC 7929 §2
constexpr int kClassIn = 1;
constexpr int kRcodeServfail = 2;

struct CtxDeleter {
    void operator()(ub_ctx* c) const { ub_ctx_delete(c); }
};
struct ResultDeleter {
    void operator()(ub_result* r) const { ub_resolve_free(r); }
};
using CtxPtr = std::unique_ptr<ub_ctx, CtxDeleter>;
using ResultPtr = std::unique_ptr<ub_result, ResultDeleter>;

struct Query {
    int type = 0;
    std::string name;
    bool done = false;
    int err = 0;
    ResultPtr result;
};

extern "C" void on_answer(void* data, int err, ub_result* result) {
    auto* q = static_cast<Query*>(data);
    q->done = true;
    q->err = err;
    q->result.reset(result);
}

std::string ub_error(std::string_view what, int rc) {
    return std::string(what) + ": " + ub_strerror(rc);
}

// A context set up for the options, or the reason it could not be.
Result<CtxPtr> make_context(const Options& options) {
    CtxPtr ctx(ub_ctx_create());
    if (!ctx)
        return fail(Error::temp("cannot create a DNS resolver context (libunbound)"));
    if (const int rc = ub_ctx_async(ctx.get(), 1); rc != 0)
        return fail(Error::temp(ub_error("libunbound threads", rc)));
    if (!options.resolver.empty()) {
        // A forwarder on loopback (a private zone's server, the tests) is to be asked.
        if (const int rc = ub_ctx_set_option(ctx.get(), "do-not-query-localhost:", "no"); rc != 0)
            return fail(Error::temp(ub_error("libunbound option", rc)));
        if (const int rc = ub_ctx_set_fwd(ctx.get(), options.resolver.c_str()); rc != 0)
            return fail(Error::bad_input(ub_error("resolver " + options.resolver, rc)));
    }
    const std::string anchor = options.trust_anchor.empty() ? kRootAnchor : options.trust_anchor;
    if (const int rc = ub_ctx_add_ta_file(ctx.get(), anchor.c_str()); rc != 0)
        return fail(Error::bad_input(ub_error("trust anchor " + anchor, rc)));
    return ctx;
}

// The findings of one answered query.
std::vector<Finding> judge_answer(const Query& q, const Finding& base, std::time_t now) {
    Finding f = base;
    const ub_result* r = q.result.get();
    if (q.err != 0 || r == nullptr) {
        f.dnssec = Dnssec::failed;
        f.reason = ub_error("DNS query failed", q.err);
        return {f};
    }
    f.ttl = static_cast<std::uint32_t>(r->ttl > 0 ? r->ttl : 0);
    if (r->bogus) {
        f.dnssec = Dnssec::bogus;
        f.reason = r->why_bogus != nullptr ? r->why_bogus : "validation failed";
        return {f};
    }
    if (!r->havedata) {
        if (r->rcode == kRcodeServfail) {
            f.dnssec = Dnssec::failed;
            f.reason = "SERVFAIL";
            return {f};
        }
        if (r->rcode != 0 && !r->nxdomain) {
            f.dnssec = Dnssec::failed;
            f.reason = "DNS error (rcode " + std::to_string(r->rcode) + ")";
            return {f};
        }
        f.dnssec = Dnssec::no_record;
        f.reason = std::string(r->nxdomain ? "NXDOMAIN" : "no record of this type") +
                   (r->secure ? " (validated denial)" : " (insecure)");
        return {f};
    }
    std::size_t count = 0;
    while (r->data[count] != nullptr)
        ++count;
    if (count > kMaxRecords) {
        // Refused as a whole: an RRset has no order, so judging "the first" kMaxRecords would
        // let the order of the answer choose which records may be staged or pinned.
        f.dnssec = Dnssec::failed;
        f.reason = std::to_string(count) + " records (" + (r->secure ? "secure" : "insecure") +
                   "), more than " + std::to_string(kMaxRecords) + ": refused, none judged";
        return {f};
    }
    f.dnssec = r->secure ? Dnssec::secure : Dnssec::insecure;
    std::vector<Finding> out;
    for (std::size_t i = 0; i < count; ++i) {
        const std::string_view rdata(r->data[i], static_cast<std::size_t>(r->len[i]));
        if (q.type == kTypeSmimea) {
            Finding one = f;
            auto record = parse_smimea(rdata);
            if (record)
                judge_smimea(*record, now, one);
            else
                one.problem = record.error().reason;
            out.push_back(std::move(one));
        } else {
            auto found = judge_openpgp(rdata, true, now, f);
            out.insert(out.end(), found.begin(), found.end());
        }
    }
    return out;
}

}  // namespace

std::vector<Finding> dns_findings(const std::string& local, const std::string& domain,
                                  const Options& options, std::time_t now) {
    const std::string address = local + "@" + domain;
    std::array<Query, 2> queries;
    queries[0].type = kTypeSmimea;
    queries[0].name = smimea_name(local, domain);
    queries[1].type = kTypeOpenpgpkey;
    queries[1].name = openpgpkey_name(local, domain);
    const auto base = [&](const Query& q) {
        Finding f;
        f.source = q.type == kTypeSmimea ? KeySource::dane : KeySource::dns;
        f.method = q.type == kTypeSmimea ? Method::smime : Method::pgp;
        f.address = address;
        f.where = q.name;
        return f;
    };
    const auto failed_all = [&](const std::string& why) {
        std::vector<Finding> out;
        for (const auto& q : queries) {
            Finding f = base(q);
            f.dnssec = Dnssec::failed;
            f.reason = why;
            out.push_back(std::move(f));
        }
        return out;
    };

    auto ctx = make_context(options);
    if (!ctx)
        return failed_all(ctx.error().reason);
    for (auto& q : queries) {
        int id = 0;
        if (const int rc =
                ub_resolve_async(ctx->get(), q.name.c_str(), q.type, kClassIn, &q, on_answer, &id);
            rc != 0) {
            q.done = true;
            q.err = rc;
        }
    }
    const auto deadline = std::chrono::steady_clock::now() + options.dns_timeout;
    const auto pending = [&] {
        return std::any_of(queries.begin(), queries.end(), [](const Query& q) { return !q.done; });
    };
    while (pending()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            break;
        pollfd p{ub_fd(ctx->get()), POLLIN, 0};
        const int n = poll(&p, 1, static_cast<int>(left.count()));
        if (n > 0 && (p.revents & POLLIN) != 0) {
            if (const int rc = ub_process(ctx->get()); rc != 0)
                return failed_all(ub_error("DNS resolver", rc));
        } else if (n < 0 && errno != EINTR) {
            return failed_all("DNS resolver: poll failed");
        }
    }

    std::vector<Finding> out;
    for (const auto& q : queries) {
        if (!q.done) {
            Finding f = base(q);
            f.dnssec = Dnssec::failed;
            f.reason = "no answer within " + std::to_string(options.dns_timeout.count()) + " ms";
            out.push_back(std::move(f));
            continue;
        }
        auto found = judge_answer(q, base(q), now);
        out.insert(out.end(), found.begin(), found.end());
    }
    // Deleting the context (ctx's destructor) stops libunbound's thread before `queries`, whose
    // addresses it holds, goes out of scope: ctx is declared after queries.
    return out;
}

}  // namespace sealgate::discover::detail
