// pprof (perftools.profiles.Profile) reading and writing.
//
// The reader streams the protobuf wire format straight into the flat model: no
// message object per sample, stacks deduplicated by their encoded bytes. Every
// reference (string index, location/function/mapping id) is checked; a bad one is
// reported with the field path and byte offset, e.g.
//   pprof: sample[12].location_id at offset 1842: unknown location id 77
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_PPROF_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_PPROF_H_

#include <memory>
#include <string>
#include <string_view>

#include "pyrolens/profile.h"
#include "pyrolens/status.h"

namespace pyrolens {

// Parses an uncompressed pprof message. Returns Corruption naming field and offset
// on malformed input. `data` need not outlive the call.
Result<Profile> ReadPprof(std::string_view data);

// ReadPprof in steps, for a UI that must keep drawing while a large profile loads: each
// Step reads about `budget` more bytes of the message (it is read twice: tables, then
// samples). The profile and the errors are those of ReadPprof.
// REQUIRES: `data` outlives the reader.
class PprofReader {
 public:
  explicit PprofReader(std::string_view data);
  ~PprofReader();
  PprofReader(const PprofReader&) = delete;
  PprofReader& operator=(const PprofReader&) = delete;

  // True when the whole message is read, false when more steps are needed; an error
  // status on bad input (then the reader must not be stepped again).
  Result<bool> Step(size_t budget);
  // The share of the work done, 0 to 1.
  double progress() const;
  // REQUIRES: Step returned true. Moves the profile out.
  Profile Take();

 private:
  class Impl;
  size_t size_;
  std::unique_ptr<Impl> impl_;
};

// True when `data` (uncompressed) plausibly starts a pprof message: a cheap check
// used by format detection, not a validation.
bool LooksLikePprof(std::string_view data);

// Serialises `profile` as a pprof message, gzip-compressed when `gzip` is true (the
// usual on-disk form). Ids in the output are 1-based positions.
std::string WritePprof(const Profile& profile, bool gzip = true);

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_PPROF_H_
