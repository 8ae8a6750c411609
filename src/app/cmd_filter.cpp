// `sealgate encrypt` and `sealgate decrypt`: the offline filters. A message on stdin, the result
// on stdout — the same pipeline the daemon runs. All or nothing: the result is written only
// when the whole message was processed; on any error stdout stays empty and the exit status is
// non-zero.
#include <cstdio>

#include "app/cli.hpp"
#include "pipeline/pipeline.hpp"

namespace sealgate::app {

namespace {

struct FilterArgs {
    std::string from;
    std::vector<std::string> to;
};

Status run(Cli& cli, const FilterArgs& args, policy::Mode mode) {
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    const Config& cfg = (*ctx)->config();
    // Encryption grows a message by about 4/3 (base64) plus the CMS or OpenPGP framing: what a
    // partner made from a message of the maximum size must still be readable here.
    const std::size_t limit = mode == policy::Mode::inbound
                                  ? cfg.max_message_size / 2 * 3 + 1024 * 1024
                                  : cfg.max_message_size;
    auto message = read_stdin(limit);
    SEALGATE_TRY(message);
    if (message->empty())
        return fail(Error::bad_input("empty message on standard input"));
    auto snap = (*ctx)->snapshot();
    SEALGATE_TRY(snap);

    pipeline::Options options;
    options.limits.max_header_bytes = cfg.max_header_bytes;
    pipeline::Pipeline pipe(*snap, (*ctx)->keys(), options);
    pipeline::Envelope env{args.from, args.to};
    if (env.recipients.empty())
        env.recipients.push_back("undisclosed-recipients@invalid");

    auto copies = pipe.process(env, std::move(*message), mode);
    SEALGATE_TRY(copies);
    if (copies->size() > 1) {
        // The daemon splits such a message into copies; a filter has one output.
        std::string groups;
        for (const auto& c : *copies)
            groups += "\n  " + join(c.recipients, ", ") + ": " +
                      std::string(to_string(c.outcome.action)) +
                      (c.outcome.method.empty() ? "" : " (" + c.outcome.method + ")") +
                      (c.outcome.detail.empty() ? "" : " — " + c.outcome.detail);
        return fail(
            Error::usage("the recipients need different treatment; run once per group:" + groups));
    }
    return write_output(copies->front().data, "");
}

}  // namespace

void add_filter_commands(CLI::App& app, Cli& cli) {
    auto* enc = app.add_subcommand(
        "encrypt", "Apply the outbound policy of the recipients' domain: stdin → stdout");
    auto eargs = std::make_shared<FilterArgs>();
    enc->add_option("--from", eargs->from, "Sender address")->required();
    enc->add_option("--to", eargs->to, "Recipient address (repeatable)")->required();
    cli.on(enc, [&cli, eargs] { return run(cli, *eargs, policy::Mode::outbound); });

    auto* dec = app.add_subcommand(
        "decrypt", "Decrypt mail encrypted to one of our domain keys: stdin → stdout");
    auto dargs = std::make_shared<FilterArgs>();
    dec->add_option("--from", dargs->from, "Sender address");
    dec->add_option("--to", dargs->to, "Recipient address (repeatable)");
    cli.on(dec, [&cli, dargs] { return run(cli, *dargs, policy::Mode::inbound); });
}

}  // namespace sealgate::app
