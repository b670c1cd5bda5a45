// JFR read throughput (Google Benchmark): ReadProfile over a recording of >= 100 MB made
// by a real JVM (bench/jfr/make_big.sh: build/bench-cache/big.jfr, or JFR_BENCH_FILE).
// bytes_per_second counts the recording's bytes; the file is read once, outside the loop.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "pyrolens/reader.h"

namespace pyrolens::bench {
namespace {

const std::string& Recording() {
  static const std::string data = [] {
    const char* path = getenv("JFR_BENCH_FILE");
    std::string p = path != nullptr ? path : "build/bench-cache/big.jfr";
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str().empty()) {
      fprintf(stderr, "jfr_bench: no recording at %s (make one: bench/jfr/make_big.sh)\n",
              p.c_str());
      exit(1);
    }
    return ss.str();
  }();
  return data;
}

void BM_ReadJfr(benchmark::State& state) {
  const std::string& data = Recording();
  size_t samples = 0;
  for (auto _ : state) {
    Result<Profile> p = ReadProfile(data);
    if (!p.ok()) {
      state.SkipWithError(p.status().message().c_str());
      return;
    }
    samples = p->num_samples();
    benchmark::DoNotOptimize(samples);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
  state.counters["MB"] = static_cast<double>(data.size()) / 1e6;
  state.counters["samples"] = static_cast<double>(samples);
}
BENCHMARK(BM_ReadJfr)->Unit(benchmark::kMillisecond)->MinTime(2);

}  // namespace
}  // namespace pyrolens::bench

BENCHMARK_MAIN();
