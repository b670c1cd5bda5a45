// Reading input as a host that inflates elsewhere hands it over (the viewer and its
// worker), for the reader tests and the fuzz targets. Header-only: no GoogleTest.
#ifndef PYROLENS_TESTS_TESTING_ARRIVING_H_
#define PYROLENS_TESTS_TESTING_ARRIVING_H_

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "pyrolens/reader.h"

namespace pyrolens::testing {

// Reads the first `size` bytes of `plain` with a ProfileReader in steps of `budget`, the
// bytes arriving `piece` (> 0) at a time, each once the reader waits, into room of 0xff
// bytes (which read as malformed fields) that is larger than the input. At each wait,
// before the next piece, calls on_wait(reader, last): `last` when that piece is the last.
// A reader that waits when all has arrived fails the read (InvalidArgument).
template <typename OnWait>
Result<Profile> ReadAsItArrives(std::string_view plain, size_t size, size_t piece,
                                size_t budget, const ReadOptions& options, OnWait on_wait) {
  std::string room(plain.size() + piece, '\xff');
  ProfileReader reader(room, options);
  reader.Arrived(0, size == 0);
  for (size_t n = 0;;) {
    Result<bool> done = reader.Step(budget);
    if (!done.ok()) return done.status();
    if (*done) return reader.Take();
    if (!reader.waiting()) continue;
    if (n == size) return Status::InvalidArgument("the reader waits for bytes after the last");
    size_t more = std::min(piece, size - n);
    on_wait(reader, n + more == size);
    memcpy(room.data() + n, plain.data() + n, more);
    n += more;
    reader.Arrived(n, n == size);
  }
}

}  // namespace pyrolens::testing

#endif  // PYROLENS_TESTS_TESTING_ARRIVING_H_
