// One entry point for every input: detects compression and format by content and
// returns the profile, or a Status naming the format, field and offset at fault.
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_READER_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_READER_H_

#include <string_view>

#include "pyrolens/compression.h"
#include "pyrolens/profile.h"
#include "pyrolens/status.h"

namespace pyrolens {

enum class InputFormat {
  kUnknown,
  kPprof,
  kFolded,
  kJfr,          // Java Flight Recorder (jfr.h)
  kCpuProfile,   // V8 .cpuprofile JSON (cpuprofile.h)
  kHeapProfile,  // V8 .heapprofile JSON (cpuprofile.h)
  kSpeedscope,   // speedscope JSON (speedscope.h)
  kPerfScript,   // `perf script` text (perf_script.h)
};

struct ReadOptions {
  size_t max_decompressed = kDefaultMaxDecompressed;
};

// Names the format of uncompressed `data`, by content; for inputs Pyrolens recognises
// but does not read (other JSON profiles, legacy pprof text, callgrind) sets
// `*unsupported` to its name.
InputFormat DetectFormat(std::string_view data, const char** unsupported);

// Reads a profile in any supported format and compression. `data` need not outlive
// the call. Errors: Corruption (bad bytes), NotSupported (a known but unread format),
// ResourceExhausted (decompressed size over the limit).
Result<Profile> ReadProfile(std::string_view data, const ReadOptions& options = {});

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_READER_H_
