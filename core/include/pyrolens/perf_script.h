// `perf script` text (Linux perf): one block per sample, separated by blank lines: a
// header "comm pid/tid [cpu] time: [period] event:" then one frame a line, leaf first,
// "address symbol+offset (dso)" (old perf: unindented, no time). `perf script --header`
// comment lines (#) are skipped.
//
// Each event name (modifiers such as ":u" or ":ppp" dropped) is a sample type
// EVENT/count, e.g. cpu-clock/count, cycles/count; when headers carry the period field,
// EVENT_period sums it (nanoseconds for cpu-clock and task-clock, else count). Samples
// carry `comm` and `pid`/`tid` labels. Frames are named by symbol without its +0x offset ("[unknown]" symbols by
// their dso, "[libc.so.6]"; tidied as stackcollapse-perf.pl does); the dso is the location's mapping and the address is kept.
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_PERF_SCRIPT_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_PERF_SCRIPT_H_

#include <string_view>

#include "pyrolens/profile.h"
#include "pyrolens/status.h"

namespace pyrolens {

// Parses perf script output. Fails (Corruption, naming the line) when no sample header
// is found; lines that fit no block are counted in stats.skipped_lines.
Result<Profile> ReadPerfScript(std::string_view text);

// True when the first sample block of `data` looks like perf script: a header line
// ending in "event:" followed by a frame line "hexaddress symbol (dso)".
bool LooksLikePerfScript(std::string_view data);

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_PERF_SCRIPT_H_
