// Google Benchmark figures for core over generated profiles (bench/generator.h):
//   ReadProfile/gzip|raw/SAMPLES  read throughput; bytes_per_second counts the input
//                                 bytes, plain_bytes_per_second the uncompressed pprof
//   Merge360/shared_stacks:1|0    merge 360 ten-second CPU profiles (one hour); budget 100 ms
//                                 for one service's profiles (1), worst case disjoint (0)
//   BuildCallTree, FlameGraphLevels/max_nodes:0|16384
//                                 the call tree of the 2M-sample profile and its
//                                 flame-graph levels (Pyroscope's encoding)
// Inputs are generated once per process, outside the timed loops.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

#include "bench/generator.h"
#include "pyrolens/call_tree.h"
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

// One hour of 10 s Go CPU profiles (2,000 samples over 1,000 stacks each). Arg 1: one
// service, whose profiles share their call paths and differ in samples (one sample seed
// each); arg 0: the worst case, every profile with its own call paths (one seed each).
// Function names depend on the function index only, so the functions are shared either way.
void BM_Merge360(benchmark::State& state) {
  const bool shared_stacks = state.range(0) != 0;
  static std::map<bool, std::vector<Profile>> cache;
  std::vector<Profile>& inputs = cache[shared_stacks];
  for (uint64_t i = inputs.size(); i < 360; ++i) {
    GenOptions o;
    o.samples = 2000;
    o.stacks = 1000;
    o.functions = 5000;
    o.max_depth = 64;
    o.seed = shared_stacks ? 1000 : 1000 + i;
    o.sample_seed = shared_stacks ? 5000 + i : 0;
    o.time_nanos += static_cast<int64_t>(i) * o.duration_nanos;
    inputs.push_back(GenerateOrDie(o));
  }
  std::vector<const Profile*> ptrs;
  for (const Profile& p : inputs) ptrs.push_back(&p);
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
  state.SetLabel(shared_stacks ? "one service" : "distinct call paths");
  state.counters["profiles"] = static_cast<double>(ptrs.size());
  state.counters["merged_stacks"] = static_cast<double>(stacks);
}
BENCHMARK(BM_Merge360)->ArgName("shared_stacks")->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

// The call tree of the 2M-sample profile (about 1M nodes and more) and its flame-graph
// levels: BuildCallTree, then BuildFlameGraph with every node (max_nodes 0) and with
// Pyroscope's default cap of 16,384.
const Profile& BigProfile() {
  static const Profile* p = new Profile(GenerateOrDie(Shape(2000000)));
  return *p;
}

const CallTree& BigTree() {
  static const CallTree* tree = [] {
    Result<CallTree> t = BuildCallTree(BigProfile());
    if (!t.ok()) {
      fprintf(stderr, "core_bench: %s\n", t.status().message().c_str());
      abort();
    }
    return new CallTree(std::move(*t));
  }();
  return *tree;
}

void BM_BuildCallTree(benchmark::State& state) {
  const Profile& p = BigProfile();
  size_t nodes = 0;
  for (auto _ : state) {
    Result<CallTree> t = BuildCallTree(p);
    nodes = t.ok() ? t->size() : 0;
    benchmark::DoNotOptimize(nodes);
  }
  state.counters["nodes"] = static_cast<double>(nodes);
}
BENCHMARK(BM_BuildCallTree)->Unit(benchmark::kMillisecond);

void BM_FlameGraphLevels(benchmark::State& state) {
  const CallTree& tree = BigTree();
  size_t kept = 0;
  for (auto _ : state) {
    FlameGraph g = BuildFlameGraph(tree, state.range(0));
    kept = g.names.size();
    benchmark::DoNotOptimize(kept);
  }
  state.counters["tree_nodes"] = static_cast<double>(tree.size());
  state.counters["names"] = static_cast<double>(kept);
}
BENCHMARK(BM_FlameGraphLevels)->ArgName("max_nodes")->Arg(0)->Arg(16384)->Unit(
    benchmark::kMillisecond);

}  // namespace
}  // namespace pyrolens::bench

BENCHMARK_MAIN();
