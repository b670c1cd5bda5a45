// The decompression worker's module (web/inflate-worker.js): core's Decompress, run in a
// Web Worker so that inflating a large gzip profile never blocks the page's main thread.
// The page then hands the plain bytes to the viewer, which reads them in steps.
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "pyrolens/compression.h"

namespace {

pyrolens::ByteBuffer g_out;
pyrolens::Status g_status;
std::string_view g_plain;

}  // namespace

extern "C" {

// Decompresses [in, in+size) (gzip or zstd; anything else passes through) with core's
// default output limit, as the viewer's own reader would. Returns 1 on success
// (pyro_inflated_data/size hold the bytes until the next call), 0 on error
// (pyro_inflate_error says what and where).
EMSCRIPTEN_KEEPALIVE int pyro_inflate(const char* in, size_t size) {
  pyrolens::Result<std::string_view> plain =
      pyrolens::Decompress(std::string_view(in, size), &g_out);
  g_status = plain.ok() ? pyrolens::Status() : plain.status();
  g_plain = plain.ok() ? *plain : std::string_view();
  return plain.ok() ? 1 : 0;
}
EMSCRIPTEN_KEEPALIVE const char* pyro_inflated_data() { return g_plain.data(); }
EMSCRIPTEN_KEEPALIVE size_t pyro_inflated_size() { return g_plain.size(); }
EMSCRIPTEN_KEEPALIVE const char* pyro_inflate_error() { return g_status.message().c_str(); }

// Inflates 1 MiB of generated gzip a few times, so that V8 optimizes the inflating code
// before the worker's file comes (see pyro_warm_up in main.cc: a call that runs once and
// long never gets the optimized code).
EMSCRIPTEN_KEEPALIVE void pyro_warm_up() {
  std::string plain(size_t{1} << 20, '\0');
  uint32_t x = 1;
  for (size_t i = 0; i < plain.size(); ++i) {
    x = x * 1103515245u + 12345u;  // literals, and repeats of a recent stretch
    plain[i] = (x >> 28) < 5 ? plain[i - std::min<size_t>(i, 64 + (x >> 16) % 1024)]
                             : static_cast<char>(x >> 24);
  }
  std::string gz = pyrolens::GzipCompress(plain, 1);
  for (int k = 0; k < 4; ++k) {
    pyrolens::ByteBuffer out;
    (void)pyrolens::Decompress(gz, &out);
  }
}

}  // extern "C"
