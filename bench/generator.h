// Deterministic synthetic profiles shaped like real Go profiles, for benchmarks and tests.
//
// The same options (seed included) always give the same Profile, and so the same
// WritePprof bytes. Call paths form a tree: each new stack copies a prefix of an earlier
// one (earlier stacks are likelier parents, so a few prefixes are shared by most stacks)
// and extends it with frames whose functions follow a Zipf-like popularity. Samples pick
// stacks Zipf-like too, after every stack got one sample. Function names, files, lines
// and locations depend only on the function index, never on the seed, so profiles made
// with different seeds share their functions and locations (what merging sees in
// practice).
#ifndef PYROLENS_BENCH_GENERATOR_H_
#define PYROLENS_BENCH_GENERATOR_H_

#include <cstdint>
#include <string>

#include "pyrolens/profile.h"
#include "pyrolens/status.h"

namespace pyrolens::bench {

enum class SampleKind {
  kCpu,   // samples/count, cpu/nanoseconds; period 10 ms of cpu/nanoseconds
  kHeap,  // alloc_objects/count, alloc_space/bytes, inuse_objects/count, inuse_space/bytes
};

struct GenOptions {
  uint64_t samples = 100000;       // sample records (not the sum of counts)
  uint32_t stacks = 20000;         // unique stacks; at most `samples` of them are used
  uint32_t functions = 10000;      // entries in the function table (>= 16)
  uint32_t max_depth = 64;         // frames (locations) per stack, inlined lines not counted
  uint32_t label_cardinality = 0;  // distinct span_id values; 0: no thread_name/span_id labels
  SampleKind kind = SampleKind::kCpu;
  uint64_t seed = 1;
  // Seeds the sample draws alone (0: continue with `seed`): profiles with one `seed` and
  // different sample seeds share their stacks, like successive profiles of one service.
  uint64_t sample_seed = 0;
  int64_t time_nanos = int64_t{1700000000} * 1000000000;  // 2023-11-14T22:13:20Z
  int64_t duration_nanos = int64_t{10} * 1000000000;
};

// Parses "cpu" or "heap". Returns false for anything else.
bool ParseSampleKind(const std::string& name, SampleKind* kind);

// Builds the profile `options` describe. Fails with InvalidArgument when an option is out
// of range (the message names it) or when `stacks` unique stacks cannot be made within
// `max_depth` frames.
Result<Profile> Generate(const GenOptions& options);

}  // namespace pyrolens::bench

#endif  // PYROLENS_BENCH_GENERATOR_H_
