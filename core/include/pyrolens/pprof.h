// pprof (perftools.profiles.Profile) reading and writing.
//
// The reader streams the protobuf wire format straight into the flat model: no
// message object per sample, stacks deduplicated by their encoded bytes. Every
// reference (string index, location/function/mapping id) is checked; a bad one is
// reported with the field path and byte offset, e.g.
//   pprof: sample[12].location_id at offset 1842: unknown location id 77
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_PPROF_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_PPROF_H_

#include <string>
#include <string_view>

#include "pyrolens/profile.h"
#include "pyrolens/status.h"

namespace pyrolens {

// Parses an uncompressed pprof message. Returns Corruption naming field and offset
// on malformed input. `data` need not outlive the call.
Result<Profile> ReadPprof(std::string_view data);

// True when `data` (uncompressed) plausibly starts a pprof message: a cheap check
// used by format detection, not a validation.
bool LooksLikePprof(std::string_view data);

// Serialises `profile` as a pprof message, gzip-compressed when `gzip` is true (the
// usual on-disk form). Ids in the output are 1-based positions.
std::string WritePprof(const Profile& profile, bool gzip = true);

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_PPROF_H_
