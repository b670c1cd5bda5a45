// libFuzzer target: ReadFolded on arbitrary text. Whatever reads must write back
// (WriteFolded) as folded text that reads again with the same total of the first column.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pyrolens/folded.h"

namespace {

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  fprintf(stderr, "fuzz_folded: %s: %s\n", what, detail.c_str());
  abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)pyrolens::LooksLikeFolded(in);
  pyrolens::Result<pyrolens::Profile> p = pyrolens::ReadFolded(in);
  if (!p.ok()) {
    if (p.status().message().rfind("folded: ", 0) != 0)
      Fail("error names no format", p.status().message());
    return 0;
  }
  if (p->num_types() == 0 || p->num_samples() == 0) Fail("a read profile has no samples", "");
  std::string text = pyrolens::WriteFolded(*p, 0);
  if (text.empty()) return 0;  // every stack summed to zero: nothing to write
  // Folded text has no escaping: a first frame that starts with the bytes of a UTF-16
  // byte-order mark (never valid UTF-8) reads back as one.
  if (text.rfind("\xff\xfe", 0) == 0 || text.rfind("\xfe\xff", 0) == 0) return 0;
  pyrolens::Result<pyrolens::Profile> q = pyrolens::ReadFolded(text);
  if (!q.ok()) Fail("written folded text does not read back", q.status().message());
  if (q->Total(0) != p->Total(0)) Fail("round trip changed the total", text.substr(0, 200));
  return 0;
}
