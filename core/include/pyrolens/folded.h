// Folded ("collapsed") stacks: one stack a line, frames root-first separated by ';',
// then a space and an integer count (Brendan Gregg's stackcollapse output; Pyroscope's
// `lines` format omits the count, meaning 1).
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_FOLDED_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_FOLDED_H_

#include <string>
#include <string_view>

#include "pyrolens/profile.h"
#include "pyrolens/status.h"

namespace pyrolens {

// Parses folded text (UTF-8, or UTF-16 with a byte-order mark; LF or CRLF); counts may
// also be jfr-parser's bracketed lists "stack [3 300]" (one sample type each). Lines
// that are not stacks are skipped and counted in stats.skipped_lines. Fails when no
// line is a stack. One count gives sample type samples/count; n gives value1..n/count.
Result<Profile> ReadFolded(std::string_view text);

// True when the first non-empty lines of `data` look like folded stacks.
bool LooksLikeFolded(std::string_view data);

// Writes the value column `sample_type` of `profile` as folded stacks, one line per
// distinct stack (inlined frames expanded), in first-seen order.
// REQUIRES: sample_type < profile.num_types().
std::string WriteFolded(const Profile& profile, size_t sample_type);

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_FOLDED_H_
