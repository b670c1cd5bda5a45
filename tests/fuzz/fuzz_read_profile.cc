// libFuzzer target: ReadProfile on arbitrary bytes (any compression, any format) with a
// small decompression limit. Whatever reads must survive WritePprof + ReadProfile with
// the same sample count, sample types and totals.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "pyrolens/pprof.h"
#include "pyrolens/reader.h"

namespace {

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  fprintf(stderr, "fuzz_read_profile: %s: %s\n", what, detail.c_str());
  abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pyrolens::ReadOptions options;
  options.max_decompressed = size_t{16} << 20;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  pyrolens::Result<pyrolens::Profile> p = pyrolens::ReadProfile(in, options);
  if (!p.ok()) {
    if (p.status().message().empty()) Fail("error without a message", "");
    return 0;
  }
  std::string written = pyrolens::WritePprof(*p, /*gzip=*/true);
  pyrolens::ReadOptions unlimited;
  pyrolens::Result<pyrolens::Profile> q = pyrolens::ReadProfile(written, unlimited);
  if (!q.ok()) Fail("a written profile does not read back", q.status().message());
  if (q->num_samples() != p->num_samples()) Fail("round trip changed the sample count", "");
  if (q->num_types() != p->num_types()) Fail("round trip changed the sample types", "");
  for (size_t t = 0; t < p->num_types(); ++t) {
    if (q->str(q->sample_types[t].type) != p->str(p->sample_types[t].type) ||
        q->str(q->sample_types[t].unit) != p->str(p->sample_types[t].unit)) {
      Fail("round trip renamed a sample type", p->str(p->sample_types[t].type));
    }
    if (q->Total(t) != p->Total(t))
      Fail("round trip changed a total", p->str(p->sample_types[t].type));
  }
  return 0;
}
