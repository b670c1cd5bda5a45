// Merging profiles, with the semantics of Google pprof's profile.Merge.
//
// Strings are re-interned; mappings, functions and locations are deduplicated by
// content; samples with the same stack and the same labels have their values summed.
// Merge is associative: any grouping of the same inputs gives the same totals.
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_MERGE_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_MERGE_H_

#include <vector>

#include "pyrolens/profile.h"
#include "pyrolens/status.h"

namespace pyrolens {

// Merges `profiles` into a new profile. Fails with InvalidArgument naming both
// sample-type lists when the inputs' sample types (type and unit, in order) differ.
// REQUIRES: !profiles.empty(); the pointers are only read during the call.
Result<Profile> Merge(const std::vector<const Profile*>& profiles);

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_MERGE_H_
