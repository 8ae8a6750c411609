// app/keys_process.hpp — how `sealgate serve` gets at its private keys, and the hidden
// subcommand `sealgate key-process` that holds them (keyproc/, docs/keys-process.md).
//
// Contract:
//   - open_serving_context(): with [keys] process = true (the default) it starts the key process
//     first — call it before any thread exists — and opens the store without the master key,
//     every Keys of the Context being a client of that key process; with process = false the
//     Context of every other command (master key in this process; for development only).
//   - key-process: started by serve only (posix_spawn of /proc/self/exe, the control socket as
//     --control-fd); the global --config/--store options name the same store and master key.
#pragma once

#include <memory>

#include "app/cli.hpp"
#include "app/context.hpp"
#include "keyproc/client.hpp"

namespace sealgate::app {

struct ServingContext {
    // Null with [keys] process = false. Declared first: destroyed after the context's clients.
    std::shared_ptr<keyproc::Supervisor> key_process;
    std::unique_ptr<Context> context;
};

Result<ServingContext> open_serving_context(const GlobalOptions& global);

void add_key_process_command(CLI::App& app, Cli& cli);

}  // namespace sealgate::app
