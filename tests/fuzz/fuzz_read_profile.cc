// libFuzzer target: ReadProfile on arbitrary bytes (any compression, any format) with a
// small decompression limit, and the same read in steps (ProfileReader), which must end the
// same way: once with all the input there, and once with the input arriving a piece at a
// time into room of 0xff bytes (as the viewer reads what its worker inflates); the three
// again on the input behind 64 KiB of pprof, past which pprof is read as it arrives. Whatever
// reads must survive the pprof round trip.
#include <cstdint>
#include <string>
#include <string_view>

#include "round_trip.h"
#include "testing/arriving.h"

namespace {

// Reads `in` with a ProfileReader in steps of `budget`, all of it there; with piece > 0,
// as it arrives `piece` bytes at a time (testing::ReadAsItArrives).
pyrolens::Result<pyrolens::Profile> ReadInSteps(std::string_view in,
                                                const pyrolens::ReadOptions& options,
                                                size_t budget, size_t piece) {
  if (piece > 0) {
    return pyrolens::testing::ReadAsItArrives(in, in.size(), piece, budget, options,
                                              [](const pyrolens::ProfileReader&, bool) {});
  }
  pyrolens::ProfileReader reader(in, options);
  for (;;) {
    ASSIGN_OR_RETURN(bool done, reader.Step(budget));
    if (done) return reader.Take();
  }
}

// Reads `in` at once, in steps and as it arrives (`salt` varies the step and piece sizes):
// all three must end alike. Returns the first.
pyrolens::Result<pyrolens::Profile> ReadThreeWays(std::string_view in,
                                                  const pyrolens::ReadOptions& options,
                                                  size_t salt) {
  pyrolens::Result<pyrolens::Profile> p = pyrolens::ReadProfile(in, options);
  for (size_t piece : {size_t{0}, 1 + salt % 4093}) {
    pyrolens::Result<pyrolens::Profile> q = ReadInSteps(in, options, 1 + salt % 97, piece);
    const char* how = piece > 0 ? "a read as the input arrives" : "a read in steps";
    if (q.ok() != p.ok() || (!p.ok() && q.status().message() != p.status().message())) {
      auto end = [](const pyrolens::Result<pyrolens::Profile>& r) {
        return r.ok() ? std::string("a profile") : r.status().message();
      };
      pyrolens::fuzz::Fail(how, "ends with " + end(q) + ", a whole read with " + end(p));
    }
    if (p.ok() && pyrolens::WritePprof(*q, false) != pyrolens::WritePprof(*p, false)) {
      pyrolens::fuzz::Fail(how, "reads another profile");
    }
  }
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pyrolens::ReadOptions options;
  options.max_decompressed = size_t{16} << 20;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  pyrolens::Result<pyrolens::Profile> p = ReadThreeWays(in, options, size);
  // A ProfileReader reads plain pprof before it has all arrived only from 64 KiB on: the
  // input again, behind a first field (period 0) and a skipped 64 KiB field (number 100).
  std::string padded("\x60\x00\xa2\x06\x80\x80\x04", 7);
  padded.append(65536, '\0').append(in);
  ReadThreeWays(padded, options, size);
  if (!p.ok()) {
    if (p.status().message().empty()) pyrolens::fuzz::Fail("error without a message", "");
    return 0;
  }
  pyrolens::fuzz::CheckRoundTrip(*p);
  return 0;
}
