// The `pyrolens` subcommands. Each Register* adds one subcommand to `app`; its
// callback prints the result to stdout, or one line to stderr and throws
// CLI::RuntimeError(1) on failure.
#ifndef PYROLENS_NATIVE_CLI_COMMANDS_H_
#define PYROLENS_NATIVE_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>

#include "pyrolens/profile.h"
#include "pyrolens/status.h"

namespace pyrolens {

void RegisterInfo(CLI::App& app);
void RegisterTop(CLI::App& app);
void RegisterMerge(CLI::App& app);
void RegisterConvert(CLI::App& app);
void RegisterFlame(CLI::App& app);
void RegisterDiff(CLI::App& app);
void RegisterView(CLI::App& app);  // native/window: the viewer in a GLFW window
void RegisterServe(CLI::App& app);

// Prints "pyrolens: <message>" to stderr and ends the command with exit status 1.
[[noreturn]] void Fail(const Status& status);

}  // namespace pyrolens

#endif  // PYROLENS_NATIVE_CLI_COMMANDS_H_
