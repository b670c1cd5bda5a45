// File access for the CLI (core itself never touches files).
#ifndef PYROLENS_NATIVE_CLI_FILES_H_
#define PYROLENS_NATIVE_CLI_FILES_H_

#include <string>
#include <vector>

#include "pyrolens/profile.h"
#include "pyrolens/reader.h"
#include "pyrolens/status.h"

namespace pyrolens {

// Reads a whole file ("-" is stdin). NotFound / IOError-like errors name the path.
Result<std::string> ReadFile(const std::string& path);
Status WriteFile(const std::string& path, const std::string& data);

// Reads and parses one profile; errors are prefixed with the path.
Result<Profile> LoadProfile(const std::string& path, const ReadOptions& options = {});

}  // namespace pyrolens

#endif  // PYROLENS_NATIVE_CLI_FILES_H_
