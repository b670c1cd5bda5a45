// [Internal] ReadPprof in steps, for ProfileReader (reader.h).
#ifndef PYROLENS_CORE_SRC_PPROF_READER_H_
#define PYROLENS_CORE_SRC_PPROF_READER_H_

#include <memory>
#include <string_view>

#include "pyrolens/profile.h"
#include "pyrolens/status.h"

namespace pyrolens {

// Each Step reads about `budget` more bytes of the message, in one pass, then resolves the
// samples' stacks. The profile and the errors are those of ReadPprof.
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
  // For a message that arrives while it is read: `data` is room for all of it, of which
  // only the first n bytes have arrived (the last time: the message is n bytes). Steps
  // read only the fields that have arrived, and wait (waiting()) for the next one.
  void Arrived(size_t n, bool last);
  // True when the last Step stopped because the next field has not all arrived.
  bool waiting() const;
  // The share of the work done, 0 to 1.
  double progress() const;
  // REQUIRES: Step returned true. Moves the profile out.
  Profile Take();

 private:
  class Impl;
  size_t size_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pyrolens

#endif  // PYROLENS_CORE_SRC_PPROF_READER_H_
