// Google Benchmark figures for core over generated profiles (bench/generator.h):
//   ReadProfile/gzip|raw/SAMPLES  read throughput; bytes_per_second counts the input
//                                 bytes, plain_bytes_per_second the uncompressed pprof
//   Merge360                      merge 360 ten-second CPU profiles (one hour); budget 100 ms
// Inputs are generated once per process, outside the timed loops.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

#include "bench/generator.h"
#include "pyrolens/merge.h"
#include "pyrolens/pprof.h"
#include "pyrolens/reader.h"

namespace pyrolens::bench {
namespace {

// The shapes bench_top.sh uses too.
GenOptions Shape(uint64_t samples) {
  GenOptions o;
  o.samples = samples;
  if (samples >= 1000000) {
    o.stacks = 200000;
    o.functions = 50000;
    o.max_depth = 120;
    o.label_cardinality = 100000;
  } else {
    o.stacks = 20000;
    o.functions = 10000;
    o.max_depth = 64;
    o.label_cardinality = 10000;
  }
  return o;
}

Profile GenerateOrDie(const GenOptions& o) {
  Result<Profile> p = Generate(o);
  if (!p.ok()) {
    fprintf(stderr, "core_bench: %s\n", p.status().message().c_str());
    abort();
  }
  return std::move(p).value();
}

struct Encoded {
  std::string raw, gzip;
};

const Encoded& EncodedShape(uint64_t samples) {
  static std::map<uint64_t, std::unique_ptr<Encoded>> cache;
  std::unique_ptr<Encoded>& e = cache[samples];
  if (!e) {
    e = std::make_unique<Encoded>();
    e->raw = WritePprof(GenerateOrDie(Shape(samples)), /*gzip=*/false);
    e->gzip = GzipCompress(e->raw);
  }
  return *e;
}

void ReadProfileBench(benchmark::State& state, bool gzip) {
  const Encoded& e = EncodedShape(static_cast<uint64_t>(state.range(0)));
  const std::string& input = gzip ? e.gzip : e.raw;
  size_t samples = 0;
  for (auto _ : state) {
    Result<Profile> p = ReadProfile(input);
    if (!p.ok()) {
      state.SkipWithError(p.status().message().c_str());
      return;
    }
    samples = p->num_samples();
    benchmark::DoNotOptimize(samples);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
  state.counters["plain_bytes_per_second"] = benchmark::Counter(
      static_cast<double>(e.raw.size()), benchmark::Counter::kIsIterationInvariantRate,
      benchmark::Counter::kIs1024);
  state.counters["input_MiB"] = static_cast<double>(input.size()) / (1 << 20);
  state.counters["samples"] = static_cast<double>(samples);
}

void BM_ReadProfileGzip(benchmark::State& state) { ReadProfileBench(state, true); }
void BM_ReadProfileRaw(benchmark::State& state) { ReadProfileBench(state, false); }
BENCHMARK(BM_ReadProfileGzip)->Arg(100000)->Arg(2000000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadProfileRaw)->Arg(100000)->Arg(2000000)->Unit(benchmark::kMillisecond);

// One hour of 10 s Go CPU profiles from one service: the same functions (names depend
// on the function index only), different call trees and samples (one seed each).
void BM_Merge360(benchmark::State& state) {
  static const std::vector<Profile>* inputs = [] {
    auto* v = new std::vector<Profile>;
    for (uint64_t i = 0; i < 360; ++i) {
      GenOptions o;
      o.samples = 2000;
      o.stacks = 1000;
      o.functions = 5000;
      o.max_depth = 64;
      o.seed = 1000 + i;
      o.time_nanos += static_cast<int64_t>(i) * o.duration_nanos;
      v->push_back(GenerateOrDie(o));
    }
    return v;
  }();
  std::vector<const Profile*> ptrs;
  for (const Profile& p : *inputs) ptrs.push_back(&p);
  size_t stacks = 0;
  for (auto _ : state) {
    Result<Profile> merged = Merge(ptrs);
    if (!merged.ok()) {
      state.SkipWithError(merged.status().message().c_str());
      return;
    }
    stacks = merged->num_stacks();
    benchmark::DoNotOptimize(stacks);
  }
  state.counters["profiles"] = static_cast<double>(ptrs.size());
  state.counters["merged_stacks"] = static_cast<double>(stacks);
}
BENCHMARK(BM_Merge360)->Unit(benchmark::kMillisecond);

// Flame-graph level benchmarks (1M-node trees) join here when call_tree.h lands.

}  // namespace
}  // namespace pyrolens::bench

BENCHMARK_MAIN();
