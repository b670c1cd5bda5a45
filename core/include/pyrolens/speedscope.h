// speedscope's JSON file format (https://www.speedscope.app/file-format-schema.json):
// shared.frames [{name, file, line, col}] and profiles, each "sampled" (samples: frame
// index arrays, root first; weights) or "evented" (events {type "O"|"C", frame, at}).
//
// Reading: one value column per unit: "none" gives samples/count, a time unit
// (nanoseconds ... seconds) cpu/nanoseconds, "bytes" alloc_space/bytes. Each profile's
// samples carry its name as label `profile` (speedscope files hold one profile per thread
// or process). Evented profiles give each interval between events to the frames open in
// it; an event out of order, a close that is not the innermost open frame, or frames
// left open fail as speedscope itself refuses them.
//
// Writing: one sampled profile per sample type (named after it), frames from the
// functions (inlined frames expanded), identical stacks summed.
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_SPEEDSCOPE_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_SPEEDSCOPE_H_

#include <string>
#include <string_view>

#include "pyrolens/profile.h"
#include "pyrolens/status.h"

namespace pyrolens {

// Parses speedscope JSON. Corruption names the field, e.g.
//   speedscope: profiles[0].events[5]: closes frame 1 but frame 0 is innermost
// and JSON syntax errors their byte offset. `text` need not outlive the call.
Result<Profile> ReadSpeedscope(std::string_view text);

// Serialises `profile` as speedscope JSON; the default sample type is the active profile.
std::string WriteSpeedscope(const Profile& profile);

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_SPEEDSCOPE_H_
