// The profile model: flat arrays and 32-bit ids, no per-sample heap objects.
//
// Strings live once in `strings`; every other table refers to them by StringId.
// Stacks are deduplicated (a CSR array of location indexes, leaf first as in pprof);
// each sample names one stack, has `sample_types.size()` values and a run of labels, which
// are ids of distinct labels (a few thread names or span ids repeat over millions of samples).
// Indexes are positions in the vectors below, never pprof's on-disk ids.
#ifndef PYROLENS_CORE_INCLUDE_PYROLENS_PROFILE_H_
#define PYROLENS_CORE_INCLUDE_PYROLENS_PROFILE_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace pyrolens {

using StringId = uint32_t;  // index into StringTable; 0 is always ""
constexpr uint32_t kNone = 0xffffffffu;  // "no mapping", "no function", ...

// Strings indexed by id, with optional de-duplication (Intern).
class StringTable {
 public:
  StringTable() { strings_.emplace_back(); }
  // Appends without de-duplication (readers keep the file's own numbering).
  StringId Add(std::string_view s);
  // Returns the id of an equal string, adding it if absent.
  StringId Intern(std::string_view s);
  const std::string& operator[](StringId id) const { return strings_[id]; }
  uint32_t size() const { return static_cast<uint32_t>(strings_.size()); }
  void Reserve(size_t n) { strings_.reserve(n); }

 private:
  void Rehash(size_t buckets);
  std::vector<std::string> strings_;
  std::vector<uint32_t> slots_;  // open addressing over strings_ ids; kNone is empty
  size_t indexed_ = 0;           // strings_[0, indexed_) are in slots_
};

struct ValueType {
  StringId type = 0;
  StringId unit = 0;
};

struct Mapping {
  uint64_t id = 0;  // the id the file gave it (kept for writing back)
  uint64_t memory_start = 0;
  uint64_t memory_limit = 0;
  uint64_t file_offset = 0;
  StringId filename = 0;
  StringId build_id = 0;
  bool has_functions = false;
  bool has_filenames = false;
  bool has_line_numbers = false;
  bool has_inline_frames = false;
};

struct Function {
  StringId name = 0;
  StringId system_name = 0;
  StringId filename = 0;
  int64_t start_line = 0;
};

struct Line {
  uint32_t function = kNone;  // index into Profile::functions
  int64_t line = 0;
  int64_t column = 0;
};

struct Location {
  uint32_t mapping = kNone;  // index into Profile::mappings
  uint64_t address = 0;
  uint32_t first_line = 0;  // lines[first_line, first_line + num_lines), callee first
  uint32_t num_lines = 0;
  bool is_folded = false;
};

struct Label {
  StringId key = 0;
  StringId str = 0;  // 0 for numeric labels
  int64_t num = 0;
  StringId num_unit = 0;
  bool operator==(const Label& o) const {
    return key == o.key && str == o.str && num == o.num && num_unit == o.num_unit;
  }
};

// Recoverable oddities a reader skipped; shown by `pyrolens info`.
struct ReadStats {
  uint64_t unknown_fields = 0;
  uint64_t skipped_lines = 0;  // text formats: lines that are not stacks
  uint64_t missing_ids = 0;    // pprof entries without an id, numbered by position
};

struct Profile {
  StringTable strings;
  std::vector<ValueType> sample_types;
  StringId default_sample_type = 0;
  std::vector<Mapping> mappings;
  std::vector<Function> functions;
  std::vector<Line> lines;
  std::vector<Location> locations;

  // Deduplicated stacks: stack s is stack_locations[stack_offsets[s], stack_offsets[s+1]).
  std::vector<uint32_t> stack_offsets{0};
  std::vector<uint32_t> stack_locations;

  // Samples: sample i has stack sample_stack[i], values values[i * num_types, ...),
  // labels label(j) for j in [label_offsets[i], label_offsets[i+1]).
  std::vector<uint32_t> sample_stack;
  std::vector<int64_t> values;
  std::vector<uint32_t> label_offsets{0};
  std::vector<uint32_t> sample_labels;  // ids into label_table
  std::vector<Label> label_table;       // distinct labels (LabelInterner); some may be unused

  StringId drop_frames = 0;
  StringId keep_frames = 0;
  int64_t time_nanos = 0;
  int64_t duration_nanos = 0;
  ValueType period_type;
  int64_t period = 0;
  std::vector<StringId> comments;

  ReadStats stats;

  size_t num_types() const { return sample_types.size(); }
  size_t num_samples() const { return sample_stack.size(); }
  size_t num_stacks() const { return stack_offsets.size() - 1; }
  // data() + offset, not &v[offset]: the end offset, or any offset into an empty vector
  // (profiles whose stacks or value columns are all empty), is not an element.
  const uint32_t* stack_begin(uint32_t s) const {
    return stack_locations.data() + stack_offsets[s];
  }
  const uint32_t* stack_end(uint32_t s) const {
    return stack_locations.data() + stack_offsets[s + 1];
  }
  const int64_t* sample_values(size_t i) const { return values.data() + i * num_types(); }
  const Label& label(size_t j) const { return label_table[sample_labels[j]]; }
  const std::string& str(StringId id) const { return strings[id]; }
  // Sum of column `type` over all samples.
  int64_t Total(size_t type) const;
  // Appends a location of one line, `line`:`column` of functions[function], and returns
  // its index: the frames of formats without inlining (folded, JSON, JFR, perf script).
  uint32_t AddLineLocation(uint32_t function, int64_t line = 0, int64_t column = 0);
  // Appends `function` and a one-line location of it (as AddLineLocation); returns the
  // location's index.
  uint32_t AddFunctionLocation(const Function& function, int64_t line = 0, int64_t column = 0);
};

// Deduplicates stacks while a profile is built (readers, merge, filters).
class StackInterner {
 public:
  // REQUIRES: `profile` outlives this interner and nobody else appends stacks meanwhile.
  explicit StackInterner(Profile* profile);
  // Returns the stack id of `locs` (location indexes, leaf first), adding it if new.
  uint32_t Intern(const uint32_t* locs, size_t n);

 private:
  void Rehash(size_t buckets);
  Profile* profile_;
  std::vector<uint32_t> slots_;
  std::vector<uint64_t> hashes_;  // per stack
};

// Deduplicates labels while a profile is built (readers, merge, generators).
class LabelInterner {
 public:
  // REQUIRES: `profile` outlives this interner and nobody else appends to its label_table
  // meanwhile.
  explicit LabelInterner(Profile* profile);
  // Returns the id in label_table of a label equal to `l`, adding it if absent.
  uint32_t Intern(const Label& l) {
    if (IsString(l) && l.str < by_str_.size()) {
      const uint64_t e = by_str_[l.str];
      if (static_cast<uint32_t>(e) != kNone && e >> 32 == l.key) return static_cast<uint32_t>(e);
    }
    return InternSlow(l);
  }
  // Appends `l` to the labels of the sample being added (sample_labels).
  void Add(const Label& l) { profile_->sample_labels.push_back(Intern(l)); }

 private:
  // A label with a string value only: the kind by_str_ finds.
  static bool IsString(const Label& l) { return l.str != 0 && l.num == 0 && l.num_unit == 0; }
  uint32_t InternSlow(const Label& l);  // Intern when by_str_ has not got it
  void Rehash(size_t buckets);
  Profile* profile_;
  std::vector<uint32_t> slots_;  // open addressing over label_table ids; kNone is empty
  // By string id: key << 32 | id of the last string label interned with that value (kNone:
  // none), found in one read where the table above takes two (a hash slot, then a label):
  // millions of samples with random span ids made those reads a sixth of a pprof read.
  std::vector<uint64_t> by_str_;
};

uint64_t HashBytes(const void* data, size_t n, uint64_t seed = 0);

// memcmp(a, b, n) == 0, a word at a time: wasm's memcmp (musl's) goes a byte at a time,
// which was 40% of a 2M-sample pprof read, comparing each sample's stack with its first.
inline bool SameBytes(const void* a, const void* b, size_t n) {
  const auto* p = static_cast<const unsigned char*>(a);
  const auto* q = static_cast<const unsigned char*>(b);
  for (; n >= 8; n -= 8, p += 8, q += 8) {
    uint64_t x, y;
    memcpy(&x, p, 8);
    memcpy(&y, q, 8);
    if (x != y) return false;
  }
  for (; n > 0; --n) {
    if (*p++ != *q++) return false;
  }
  return true;
}

// Finalizer of a 64-bit hash (murmur3's fmix64): spreads the bits of an integer key.
inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

// Value sums wrap on overflow (as pprof's Go arithmetic does) instead of being undefined.
inline int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
inline int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

}  // namespace pyrolens

#endif  // PYROLENS_CORE_INCLUDE_PYROLENS_PROFILE_H_
