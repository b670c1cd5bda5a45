// What every fuzz target asserts of a profile a reader accepted: it writes as pprof and
// reads back with the same sample count, sample types and totals. Fail() aborts, which
// libFuzzer reports as a crash with the input that did it.
#ifndef PYROLENS_TESTS_FUZZ_ROUND_TRIP_H_
#define PYROLENS_TESTS_FUZZ_ROUND_TRIP_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#include "pyrolens/pprof.h"
#include "pyrolens/reader.h"

namespace pyrolens::fuzz {

[[noreturn]] inline void Fail(const char* what, const std::string& detail) {
  fprintf(stderr, "fuzz: %s: %s\n", what, detail.c_str());
  abort();
}

inline void CheckRoundTrip(const Profile& p) {
  std::string written = WritePprof(p, /*gzip=*/true);
  Result<Profile> q = ReadProfile(written, ReadOptions());
  if (!q.ok()) Fail("a written profile does not read back", q.status().message());
  if (q->num_samples() != p.num_samples()) Fail("round trip changed the sample count", "");
  if (q->num_types() != p.num_types()) Fail("round trip changed the sample types", "");
  for (size_t t = 0; t < p.num_types(); ++t) {
    if (q->str(q->sample_types[t].type) != p.str(p.sample_types[t].type) ||
        q->str(q->sample_types[t].unit) != p.str(p.sample_types[t].unit)) {
      Fail("round trip renamed a sample type", p.str(p.sample_types[t].type));
    }
    if (q->Total(t) != p.Total(t)) Fail("round trip changed a total", p.str(p.sample_types[t].type));
  }
}

}  // namespace pyrolens::fuzz

#endif  // PYROLENS_TESTS_FUZZ_ROUND_TRIP_H_
