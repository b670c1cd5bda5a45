#include "bench/generator.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace pyrolens::bench {
namespace {

// splitmix64's finaliser: a stateless hash for properties that must not depend on the seed.
uint64_t Mix(uint64_t a, uint64_t b = 0, uint64_t c = 0) {
  uint64_t z = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull ^
               (c + 0x94D049BB133111EBull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// xoshiro256** seeded through splitmix64: the same stream on every platform (unlike
// the std:: distributions, whose algorithms are implementation-defined).
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& w : s_) {
      seed += 0x9E3779B97F4A7C15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      w = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Zipf(s) over ranks [0, n): rank r has weight 1 / (r + 1)^s.
class Zipf {
 public:
  Zipf(size_t n, double s) : cdf_(n) {
    double sum = 0;
    for (size_t r = 0; r < n; ++r) {
      sum += 1.0 / std::pow(static_cast<double>(r + 1), s);
      cdf_[r] = sum;
    }
  }
  size_t Sample(Rng* rng) const {
    double u = rng->Unit() * cdf_.back();
    size_t r = std::upper_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin();
    return std::min(r, cdf_.size() - 1);
  }

 private:
  std::vector<double> cdf_;
};

// Functions 0..kNumSpecial-1 are the Go runtime and library frames every real profile has;
// the rest get synthetic names in synthetic packages.
struct SpecialFunction {
  const char* name;
  const char* file;
};
constexpr SpecialFunction kSpecial[] = {
    {"runtime.goexit", "/usr/local/go/src/runtime/asm_amd64.s"},
    {"runtime.main", "/usr/local/go/src/runtime/proc.go"},
    {"net/http.(*conn).serve", "/usr/local/go/src/net/http/server.go"},
    {"runtime.gcBgMarkWorker", "/usr/local/go/src/runtime/mgc.go"},
    {"runtime.mcall", "/usr/local/go/src/runtime/asm_amd64.s"},
    {"main.main", "/src/github.com/acme/server/main.go"},
    {"net/http.serverHandler.ServeHTTP", "/usr/local/go/src/net/http/server.go"},
    {"runtime.mallocgc", "/usr/local/go/src/runtime/malloc.go"},  // kFirstLeaf
    {"runtime.memmove", "/usr/local/go/src/runtime/memmove_amd64.s"},
    {"runtime.futex", "/usr/local/go/src/runtime/sys_linux_amd64.s"},
    {"syscall.Syscall", "/usr/local/go/src/syscall/syscall_linux.go"},
    {"runtime.mapaccess2_faststr", "/usr/local/go/src/runtime/map_faststr.go"},
    {"encoding/json.(*decodeState).object", "/usr/local/go/src/encoding/json/decode.go"},
    {"runtime.scanobject", "/usr/local/go/src/runtime/mgcmark.go"},
    {"sync.(*Mutex).Lock", "/usr/local/go/src/sync/mutex.go"},
    {"runtime.schedule", "/usr/local/go/src/runtime/proc.go"},
};
constexpr uint32_t kNumSpecial = sizeof(kSpecial) / sizeof(kSpecial[0]);
constexpr uint32_t kFirstLeaf = 7;  // runtime leaves that end many stacks
constexpr uint32_t kMinFunctions = 32;
constexpr uint32_t kMaxLocationsPerFunction = 4;
constexpr uint32_t kFunctionsPerPackage = 16;

// Where goroutines start: root-first function indexes and how often each starts a stack.
struct StartPath {
  uint32_t functions[3];
  uint32_t depth;
  uint32_t percent;
};
constexpr StartPath kStarts[] = {
    {{0, 1, 5}, 3, 30},   // runtime.goexit > runtime.main > main.main
    {{0, 2, 6}, 3, 50},   // runtime.goexit > net/http.(*conn).serve > ...ServeHTTP
    {{0, 3, 0}, 2, 10},   // runtime.goexit > runtime.gcBgMarkWorker
    {{4, 15, 0}, 2, 10},  // runtime.mcall > runtime.schedule
};
constexpr uint32_t kNumStarts = sizeof(kStarts) / sizeof(kStarts[0]);

constexpr const char* kOrgs[] = {"acme", "example", "initech", "globex"};
constexpr const char* kWords[] = {
    "api",     "auth",    "billing", "cache",    "codec",   "config", "db",      "events",
    "geo",     "grpc",    "httpx",   "index",    "ingest",  "kv",     "logging", "mail",
    "metrics", "orders",  "parser",  "payments", "queue",   "rpc",    "search",  "session",
    "shard",   "storage", "stream",  "syncx",    "tracing", "users",  "wal",     "worker"};
constexpr const char* kTypes[] = {"Server",  "Client",  "Store", "Handler",
                                  "Decoder", "Encoder", "Pool",  "Cache"};
constexpr const char* kVerbs[] = {"Get",   "Put",    "Handle", "Decode", "Encode", "Flush",
                                  "Scan",  "Lookup", "Write",  "Read",   "Merge",  "Apply",
                                  "Serve", "Load",   "Store",  "Run"};
constexpr const char* kNouns[] = {"Item",  "Batch",  "Request", "Record", "Block", "Key",
                                  "Entry", "Header", "Chunk",   "Page",   "Index", "Row",
                                  "Frame", "Span",   "Event",   "Token"};
constexpr const char* kThreads[] = {
    "main",      "http-worker-0", "http-worker-1", "http-worker-2", "http-worker-3", "grpc-server",
    "gc-worker", "io-poller",     "scheduler",     "flusher",       "compactor",     "timer"};
constexpr uint32_t kNumThreads = sizeof(kThreads) / sizeof(kThreads[0]);

template <typename T, size_t N>
constexpr uint32_t Count(const T (&)[N]) {
  return N;
}

// Names function `f` (>= kNumSpecial) like Go does: import path, then the function.
void SyntheticFunction(uint32_t f, std::string* name, std::string* file) {
  uint32_t pkg = f / kFunctionsPerPackage, j = f % kFunctionsPerPackage;
  // Injective in pkg: (org, word, word, major version).
  std::string path = std::string("github.com/") + kOrgs[pkg % Count(kOrgs)] + "/" +
                     kWords[(pkg / Count(kOrgs)) % Count(kWords)] + "/" +
                     kWords[(pkg / (Count(kOrgs) * Count(kWords)) + 11) % Count(kWords)];
  uint32_t major = pkg / (Count(kOrgs) * Count(kWords) * Count(kWords));
  if (major > 0) path += "/v" + std::to_string(major + 1);
  // kVerbs[j] differs for every j of a package, so names are unique.
  const char* type = kTypes[(j + pkg) % Count(kTypes)];
  std::string method = std::string(kVerbs[j]) + kNouns[(j * 7 + pkg) % Count(kNouns)];
  switch (j % 4) {
    case 0:
      *name = path + "." + method;
      break;
    case 1:
      *name = path + ".(*" + type + ")." + method;
      break;
    case 2:
      *name = path + "." + type + "." + method;
      break;
    default:
      *name = path + "." + method + ".func" + std::to_string(1 + pkg % 3);
      break;
  }
  std::string base = j % 4 == 0 || j % 4 == 3 ? kNouns[(j * 7 + pkg) % Count(kNouns)] : type;
  std::transform(base.begin(), base.end(), base.begin(),
                 [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  *file = "/src/" + path + "/" + base + ".go";
}

class Generator {
 public:
  Generator(const GenOptions& o, Profile* p)
      : o_(o),
        p_(p),
        rng_(o.seed),
        stacks_(p),
        num_stacks_(static_cast<uint32_t>(std::min<uint64_t>(o.stacks, o.samples))),
        location_of_(size_t{o.functions} * kMaxLocationsPerFunction, kNone) {}

  Status Run() {
    Header();
    Functions();
    RETURN_IF_ERROR(Stacks());
    Samples();
    return Status();
  }

 private:
  StringId S(std::string_view s) { return p_->strings.Intern(s); }

  void Header() {
    if (o_.kind == SampleKind::kCpu) {
      p_->sample_types = {{S("samples"), S("count")}, {S("cpu"), S("nanoseconds")}};
      p_->period_type = {S("cpu"), S("nanoseconds")};
      p_->period = 10000000;  // 100 Hz, Go's default
    } else {
      p_->sample_types = {{S("alloc_objects"), S("count")},
                          {S("alloc_space"), S("bytes")},
                          {S("inuse_objects"), S("count")},
                          {S("inuse_space"), S("bytes")}};
      p_->period_type = {S("space"), S("bytes")};
      p_->period = 524288;  // runtime.MemProfileRate
    }
    p_->time_nanos = o_.time_nanos;
    p_->duration_nanos = o_.duration_nanos;
    Mapping m;
    m.id = 1;
    m.memory_start = kTextStart;
    m.memory_limit = Address(o_.functions, 0);
    m.filename = S("/usr/local/bin/acme-server");
    m.build_id = S(Format("%016llx%016llx", static_cast<unsigned long long>(Mix(1)),
                          static_cast<unsigned long long>(Mix(2))));
    m.has_functions = m.has_filenames = m.has_line_numbers = m.has_inline_frames = true;
    p_->mappings.push_back(m);
  }

  void Functions() {
    p_->functions.reserve(o_.functions);
    std::string name, file;
    for (uint32_t f = 0; f < o_.functions; ++f) {
      if (f < kNumSpecial) {
        name = kSpecial[f].name;
        file = kSpecial[f].file;
      } else {
        SyntheticFunction(f, &name, &file);
      }
      Function fn;
      fn.name = fn.system_name = S(name);
      fn.filename = S(file);
      fn.start_line = StartLine(f);
      p_->functions.push_back(fn);
    }
  }

  static constexpr uint64_t kTextStart = 0x400000;
  static uint64_t Address(uint32_t f, uint32_t k) {
    return kTextStart + 0x1000 + f * 0x400ull + k * 0x40;
  }
  static int64_t StartLine(uint32_t f) { return 20 + static_cast<int64_t>(Mix(f, 5) % 900); }
  static int64_t LineOf(uint32_t f, uint32_t k) {
    return StartLine(f) + 1 + static_cast<int64_t>(Mix(f, k, 2) % 60);
  }
  static uint32_t NumLocations(uint32_t f) {
    return 1 + static_cast<uint32_t>(Mix(f, 0x10c) % kMaxLocationsPerFunction);
  }

  // The location of function `f`'s k-th call site, made on first use. Its content
  // (address, lines, inlined callee) depends only on (f, k).
  uint32_t LocationOf(uint32_t f, uint32_t k) {
    uint32_t& slot = location_of_[size_t{f} * kMaxLocationsPerFunction + k];
    if (slot != kNone) return slot;
    Location loc;
    loc.mapping = 0;
    loc.address = Address(f, k) + Mix(f, k, 6) % 0x30;
    loc.first_line = static_cast<uint32_t>(p_->lines.size());
    if (f >= kNumSpecial && Mix(f, k, 3) % 8 == 0) {  // an inlined callee, callee first
      uint32_t pool = o_.functions - kNumSpecial;
      uint32_t g = kNumSpecial + static_cast<uint32_t>(Mix(f, k, 4) % pool);
      if (g == f) g = kNumSpecial + (g - kNumSpecial + 1) % pool;
      p_->lines.push_back({g, LineOf(g, 0), 0});
    }
    p_->lines.push_back({f, LineOf(f, k), 0});
    loc.num_lines = static_cast<uint32_t>(p_->lines.size()) - loc.first_line;
    slot = static_cast<uint32_t>(p_->locations.size());
    p_->locations.push_back(loc);
    return slot;
  }

  // One frame below `caller` (kNone at the root); `leaf` when it ends the stack.
  uint32_t NewFrame(uint32_t caller_function, bool leaf) {
    uint32_t f;
    if (caller_function != kNone && rng_.Below(64) == 0) {
      f = caller_function;  // recursion
    } else if (leaf && rng_.Below(4) == 0) {
      f = kFirstLeaf + static_cast<uint32_t>(rng_.Below(kNumSpecial - kFirstLeaf));
    } else if (next_unused_ < o_.functions && rng_.Below(2) == 0) {
      f = next_unused_++;  // so that every function shows up somewhere
    } else {
      f = kNumSpecial + static_cast<uint32_t>(function_zipf_.Sample(&rng_));
    }
    return LocationOf(f, static_cast<uint32_t>(rng_.Below(NumLocations(f))));
  }

  uint32_t FunctionOf(uint32_t location) const {
    const Location& loc = p_->locations[location];
    return p_->lines[loc.first_line + loc.num_lines - 1].function;
  }

  Status Stacks() {
    const uint32_t depth_span = o_.max_depth - 1;
    std::vector<uint32_t> path, leaf_first;
    for (uint32_t s = 0; s < num_stacks_; ++s) {
      for (uint32_t attempt = 0;; ++attempt) {
        if (attempt == 1000) {
          return Status::InvalidArgument(
              Format("gen: cannot make %u unique stacks of at most %u frames from %u functions",
                     num_stacks_, o_.max_depth, o_.functions));
        }
        // Depth: median about a fifth of max_depth, a long tail up to it; retries go deeper.
        uint32_t depth = 2 + static_cast<uint32_t>(depth_span * std::pow(rng_.Unit(), 2.5));
        depth = std::min(o_.max_depth, depth + attempt / 8);
        path.clear();
        if (s < kNumStarts || rng_.Below(100) == 0) {
          const StartPath& start = kStarts[s < kNumStarts ? s : PickStart()];
          for (uint32_t i = 0; i < std::min(start.depth, depth); ++i) {
            path.push_back(LocationOf(start.functions[i], 0));
          }
        } else {
          // Earlier stacks are likelier parents: P(parent < x) = (x / s)^(1/3).
          double u = rng_.Unit();
          uint32_t parent = static_cast<uint32_t>(s * u * u * u);
          const uint32_t* b = &paths_[path_offsets_[parent]];
          uint32_t len = path_offsets_[parent + 1] - path_offsets_[parent];
          uint32_t keep = 1 + static_cast<uint32_t>(rng_.Below(std::min(len, depth - 1)));
          path.assign(b, b + keep);
        }
        while (path.size() < depth) {
          path.push_back(NewFrame(FunctionOf(path.back()), path.size() + 1 == depth));
        }
        leaf_first.assign(path.rbegin(), path.rend());
        if (stacks_.Intern(leaf_first.data(), leaf_first.size()) == s) break;  // new stack
      }
      paths_.insert(paths_.end(), path.begin(), path.end());
      path_offsets_.push_back(static_cast<uint32_t>(paths_.size()));
    }
    return Status();
  }

  uint32_t PickStart() {
    uint32_t r = static_cast<uint32_t>(rng_.Below(100));
    for (uint32_t i = 0; i < kNumStarts; ++i) {
      if (r < kStarts[i].percent) return i;
      r -= kStarts[i].percent;
    }
    return 0;
  }

  void Samples() {
    if (o_.sample_seed != 0) rng_ = Rng(o_.sample_seed);
    // Every stack once, then Zipf-popular stacks (popularity independent of creation order).
    std::vector<uint32_t> rank_to_stack(num_stacks_);
    for (uint32_t s = 0; s < num_stacks_; ++s) rank_to_stack[s] = s;
    Shuffle(&rank_to_stack);
    std::vector<uint32_t>& order = p_->sample_stack;
    order.resize(o_.samples);
    for (uint32_t s = 0; s < num_stacks_; ++s) order[s] = s;
    Zipf stack_zipf(num_stacks_, 1.0);
    for (uint64_t i = num_stacks_; i < o_.samples; ++i) {
      order[i] = rank_to_stack[stack_zipf.Sample(&rng_)];
    }
    Shuffle(&order);

    std::vector<StringId> spans(o_.label_cardinality);
    for (uint32_t i = 0; i < o_.label_cardinality; ++i) {
      spans[i] = S(std::to_string(Mix(o_.seed, i, 7) >> 1));  // like dd-trace-go's span ids
    }
    StringId threads[kNumThreads];
    for (uint32_t i = 0; i < kNumThreads; ++i) threads[i] = S(kThreads[i]);
    StringId thread_key = o_.label_cardinality ? S("thread_name") : 0;
    StringId span_key = o_.label_cardinality ? S("span_id") : 0;
    Zipf thread_zipf(kNumThreads, 1.2);

    static constexpr int64_t kSizeClasses[] = {16,  32,  48,   64,   96,   128,
                                               256, 512, 1024, 4096, 32768};
    p_->values.reserve(o_.samples * p_->num_types());
    p_->label_offsets.reserve(o_.samples + 1);
    if (o_.label_cardinality) p_->sample_labels.reserve(o_.samples * 2);
    LabelInterner labels(p_);
    for (uint64_t i = 0; i < o_.samples; ++i) {
      if (o_.kind == SampleKind::kCpu) {
        int64_t n = rng_.Below(8) == 0 ? 2 + static_cast<int64_t>(rng_.Below(6)) : 1;
        p_->values.push_back(n);
        p_->values.push_back(n * p_->period);
      } else {
        int64_t size = kSizeClasses[Mix(order[i], 8) % Count(kSizeClasses)];
        int64_t objects = 1 + static_cast<int64_t>(rng_.Below(64));
        int64_t inuse = static_cast<int64_t>(rng_.Below(objects + 1));
        p_->values.insert(p_->values.end(), {objects, objects * size, inuse, inuse * size});
      }
      if (o_.label_cardinality) {
        Label thread, span;
        thread.key = thread_key;
        thread.str = threads[thread_zipf.Sample(&rng_)];
        span.key = span_key;
        span.str = spans[rng_.Below(o_.label_cardinality)];
        labels.Add(thread);
        labels.Add(span);
      }
      p_->label_offsets.push_back(static_cast<uint32_t>(p_->sample_labels.size()));
    }
  }

  template <typename T>
  void Shuffle(std::vector<T>* v) {
    for (size_t i = v->size(); i > 1; --i) std::swap((*v)[i - 1], (*v)[rng_.Below(i)]);
  }

  const GenOptions& o_;
  Profile* p_;
  Rng rng_;
  StackInterner stacks_;
  const uint32_t num_stacks_;
  std::vector<uint32_t> location_of_;  // (function, call site) -> location, or kNone
  uint32_t next_unused_ = kNumSpecial;
  Zipf function_zipf_{o_.functions - kNumSpecial, 1.1};
  std::vector<uint32_t> paths_;  // stack s, root first: paths_[path_offsets_[s], ...[s+1])
  std::vector<uint32_t> path_offsets_{0};
};

}  // namespace

bool ParseSampleKind(const std::string& name, SampleKind* kind) {
  if (name == "cpu") {
    *kind = SampleKind::kCpu;
  } else if (name == "heap") {
    *kind = SampleKind::kHeap;
  } else {
    return false;
  }
  return true;
}

Result<Profile> Generate(const GenOptions& o) {
  if (o.samples == 0 || o.samples > (uint64_t{1} << 31)) {
    return Status::InvalidArgument(Format("gen: samples must be in [1, 2^31], got %llu",
                                          static_cast<unsigned long long>(o.samples)));
  }
  if (o.stacks == 0 || o.stacks > (1u << 28)) {
    return Status::InvalidArgument(Format("gen: stacks must be in [1, 2^28], got %u", o.stacks));
  }
  if (o.functions < kMinFunctions || o.functions > (1u << 26)) {
    return Status::InvalidArgument(
        Format("gen: functions must be in [%u, 2^26], got %u", kMinFunctions, o.functions));
  }
  if (o.max_depth < 2 || o.max_depth > 4096) {
    return Status::InvalidArgument(
        Format("gen: max depth must be in [2, 4096], got %u", o.max_depth));
  }
  if (o.label_cardinality > (1u << 26)) {
    return Status::InvalidArgument(
        Format("gen: label cardinality must be at most 2^26, got %u", o.label_cardinality));
  }
  if (o.duration_nanos < 0) {
    return Status::InvalidArgument("gen: duration must not be negative");
  }
  Profile p;
  {
    Generator g(o, &p);
    RETURN_IF_ERROR(g.Run());
  }
  return Result<Profile>(std::move(p));
}

}  // namespace pyrolens::bench
