// JFR reader. The format is defined by the JDK's writer and reader:
// src/hotspot/share/jfr/recorder/repository/jfrChunkWriter.cpp (chunk header),
// src/jdk.jfr/share/classes/jdk/jfr/internal/consumer/{ChunkHeader,ChunkParser,
// MetadataReader,ParserFactory}.java (records, metadata tree, constant pools, values).
//
// Chunk: "FLR\0", u16 major, u16 minor, then big-endian i64 size, constant pool offset,
// metadata offset, start nanos, duration nanos, start ticks, ticks per second, i32
// features (bit 0: integers are LEB128 varints). Records follow: varint size (counting
// itself), varint type id (0 metadata, 1 constant pool, else an event class), fields.
#include "pyrolens/jfr.h"

#include <cmath>
#include <cstring>
#include <deque>
#include <unordered_map>

namespace pyrolens {
namespace {

constexpr size_t kHeaderSize = 68;
constexpr int kMaxDepth = 32;
constexpr size_t kMaxSimpleFields = 32;

uint64_t LoadBE(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

// Bounds-checked reader over [pos, end) of a buffer. A failed read returns 0, moves to
// the end and is remembered (sticky), so decoders check once per record, not per value.
class Cursor {
 public:
  Cursor(const uint8_t* base, size_t pos, size_t end) : base_(base), pos_(pos), end_(end) {}
  size_t pos() const { return pos_; }
  size_t end() const { return end_; }
  size_t remaining() const { return end_ - pos_; }
  bool failed() const { return why_ != nullptr; }
  const char* why() const { return why_; }
  size_t fail_at() const { return fail_at_; }

  uint64_t Fail(const char* why) {
    if (why_ == nullptr) {
      why_ = why;
      fail_at_ = pos_;
    }
    pos_ = end_;
    return 0;
  }
  uint8_t U8() { return pos_ < end_ ? base_[pos_++] : static_cast<uint8_t>(Fail(kTruncated)); }
  // JFR's LEB128: seven bits a byte for eight bytes, then a full ninth byte.
  uint64_t Var() {
    uint64_t v = 0;
    for (int shift = 0; shift < 56; shift += 7) {
      if (pos_ >= end_) return Fail(kTruncated);
      uint8_t b = base_[pos_++];
      v |= uint64_t{b & 0x7fu} << shift;
      if (b < 0x80) return v;
    }
    if (pos_ >= end_) return Fail(kTruncated);
    return v | uint64_t{base_[pos_++]} << 56;
  }
  uint64_t Fixed(int n) {
    if (remaining() < static_cast<size_t>(n)) return Fail(kTruncated);
    uint64_t v = LoadBE(base_ + pos_, n);
    pos_ += n;
    return v;
  }
  std::string_view Bytes(uint64_t n) {
    if (n > remaining()) {
      Fail(kTruncated);
      return {};
    }
    std::string_view s(reinterpret_cast<const char*>(base_ + pos_), n);
    pos_ += n;
    return s;
  }
  // A count of items that take at least one byte each cannot exceed what is left.
  uint64_t Count() {
    uint64_t n = Var();
    return n > remaining() ? Fail("count larger than the record") : n;
  }

  static constexpr const char* kTruncated = "value runs past the end of its record";

 private:
  const uint8_t* base_;
  size_t pos_, end_;
  const char* why_ = nullptr;
  size_t fail_at_ = 0;
};

// Open-addressing map from 64-bit keys (JFR ids) to small values: the hot lookups of
// a large recording (stack, thread and sample ids) without a node per entry.
using FrameKey = std::pair<uint64_t, int64_t>;  // (method id, line)
inline uint64_t HashKey(uint64_t k) { return Mix64(k); }
inline uint64_t HashKey(const FrameKey& k) { return Mix64(k.first ^ Mix64(k.second)); }
// The sample an event adds to: its JFR stack and thread ids and its context id (the
// `contextId` field Pyroscope's async-profiler writes; 0 when absent).
struct EventKey {
  uint64_t stack = 0;
  int64_t thread = 0, context = 0;
  bool operator==(const EventKey& o) const {
    return stack == o.stack && thread == o.thread && context == o.context;
  }
};
inline uint64_t HashKey(const EventKey& k) {
  return Mix64(k.stack ^ Mix64(static_cast<uint64_t>(k.thread) ^ Mix64(k.context)));
}

template <typename V, typename K = uint64_t>
class FlatMap {
 public:
  // Returns the value of `key`, inserting `fresh` first if absent; *added says which.
  V& Insert(const K& key, const V& fresh, bool* added) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
    size_t mask = slots_.size() - 1;
    for (size_t i = HashKey(key) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (!s.used) {
        s = {key, fresh, true};
        ++size_;
        *added = true;
        return s.value;
      }
      if (s.key == key) {
        *added = false;
        return s.value;
      }
    }
  }
  V& operator[](const K& key) {
    bool added;
    return Insert(key, V(), &added);
  }
  const V* Find(const K& key) const {
    if (slots_.empty()) return nullptr;
    size_t mask = slots_.size() - 1;
    for (size_t i = HashKey(key) & mask; slots_[i].used; i = (i + 1) & mask) {
      if (slots_[i].key == key) return &slots_[i].value;
    }
    return nullptr;
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    K key{};
    V value{};
    bool used = false;
  };
  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.resize(old.empty() ? 64 : old.size() * 2);
    size_ = 0;
    bool added;
    for (const Slot& s : old) {
      if (s.used) Insert(s.key, s.value, &added);
    }
  }
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

// A string value: inline text, a reference into the java.lang.String pool, or null.
struct Str {
  enum Kind : uint8_t { kNull, kText, kRef };
  std::string_view text;
  uint64_t ref = 0;
  Kind kind = kNull;
};

// One top-level field of a decoded object: its number (integers, pool keys) or string.
struct Val {
  uint64_t num = 0;
  Str str;
};

enum class Prim : uint8_t { kStruct, kOneByte, kVarint, kFloat, kDouble, kString };

// What Pyrolens does with a class's constant pool.
enum class Role : uint8_t {
  kOther,
  kString,
  kSymbol,
  kClass,
  kMethod,
  kStackTrace,
  kThread,
  kActiveSetting
};

struct Field {
  std::string_view name;
  uint64_t type_id = 0;
  uint32_t cls = 0;  // index into Chunk::classes_
  bool pool = false;
  bool array = false;
  bool one_byte = false;  // boolean or byte, not in a pool
};

struct Class {
  uint64_t id = 0;
  std::string_view name;
  Prim prim = Prim::kStruct;
  Role role = Role::kOther;
  int8_t plan = -1;         // index into kPlans for profiling events
  bool has_content = true;  // false: values of this class take no bytes
  bool simple = false;      // every field one varint or one byte: the fast path
  std::vector<Field> fields;
  int FieldIndex(std::string_view n) const {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].name == n) return static_cast<int>(i);
    }
    return -1;
  }
};

// Profile kinds; each gives one or two value columns.
enum Kind : uint8_t { kCpu, kWall, kAlloc, kLive, kLock, kBlock, kExceptions, kMalloc, kNumKinds };

struct KindInfo {
  const char* count_type;
  const char* value_type;  // nullptr: count only
  const char* value_unit;
};
constexpr KindInfo kKinds[kNumKinds] = {
    {"samples", "cpu", "nanoseconds"},
    {"wall_samples", "wall", "nanoseconds"},
    {"alloc_objects", "alloc_space", "bytes"},
    {"inuse_objects", "inuse_space", "bytes"},
    {"lock_count", "lock_duration", "nanoseconds"},
    {"block_count", "block_duration", "nanoseconds"},
    {"exceptions", nullptr, nullptr},
    {"malloc_objects", "malloc_space", "bytes"},
};
constexpr int kNumColumns = 2 * kNumKinds;

// How one event type becomes values.
enum class Amount : uint8_t { kNone, kField, kDuration, kPeriod };
struct Plan {
  const char* event;
  Kind kind;
  Amount amount;
  const char* amount_field;  // kField: bytes; kPeriod: the sample-count field, if any
};
constexpr Plan kPlans[] = {
    {"jdk.ExecutionSample", kCpu, Amount::kPeriod, nullptr},
    {"datadog.ExecutionSample", kCpu, Amount::kPeriod, nullptr},
    {"jdk.NativeMethodSample", kWall, Amount::kPeriod, nullptr},
    {"profiler.WallClockSample", kWall, Amount::kPeriod, "samples"},
    {"datadog.MethodSample", kWall, Amount::kPeriod, nullptr},
    {"jdk.ObjectAllocationInNewTLAB", kAlloc, Amount::kField, "tlabSize"},
    {"jdk.ObjectAllocationOutsideTLAB", kAlloc, Amount::kField, "allocationSize"},
    {"jdk.ObjectAllocationSample", kAlloc, Amount::kField, "weight"},
    {"datadog.ObjectSample", kAlloc, Amount::kField, "size"},
    {"profiler.LiveObject", kLive, Amount::kField, "allocationSize"},
    {"datadog.HeapLiveObject", kLive, Amount::kField, "size"},
    {"jdk.JavaMonitorEnter", kLock, Amount::kDuration, nullptr},
    {"jdk.ThreadPark", kBlock, Amount::kDuration, nullptr},
    {"jdk.JavaExceptionThrow", kExceptions, Amount::kNone, nullptr},
    {"jdk.JavaErrorThrow", kExceptions, Amount::kNone, nullptr},
    {"datadog.ExceptionSample", kExceptions, Amount::kNone, nullptr},
    {"profiler.Malloc", kMalloc, Amount::kField, "size"},
};
constexpr int kNumPlans = sizeof(kPlans) / sizeof(kPlans[0]);

// Parses "20 ms", "1 s", "10000000" (async-profiler: nanoseconds) into nanoseconds; 0 if
// it is no duration ("beginChunk", "true", "").
int64_t ParseDurationNanos(std::string_view s) {
  size_t i = 0;
  int64_t v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (v > (INT64_MAX - 9) / 10) return 0;
    v = v * 10 + (s[i++] - '0');
  }
  if (i == 0) return 0;
  while (i < s.size() && s[i] == ' ') ++i;
  std::string_view unit = s.substr(i);
  int64_t mul = 0;
  if (unit.empty() || unit == "ns") {
    mul = 1;
  } else if (unit == "us") {
    mul = 1000;
  } else if (unit == "ms") {
    mul = 1000000;
  } else if (unit == "s") {
    mul = 1000000000;
  } else if (unit == "m" || unit == "min") {
    mul = 60000000000;
  }
  if (mul == 0 || v > INT64_MAX / mul) return 0;
  return v * mul;
}

void AppendUtf8(uint32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xe0 | ((c >> 12) & 0x0f)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3f)));
  }
}

// Builds the profile across chunks: functions and locations deduplicated by content,
// samples by (stack, thread, context id).
class Builder {
 public:
  Builder() : stacks_(&p_) { thread_key_ = p_.strings.Intern("thread_name"); }

  uint32_t FunctionId(std::string_view name) {
    auto [it, added] = function_of_.try_emplace(std::string(name), 0);
    if (added) {
      Function fn;
      fn.name = p_.strings.Intern(name);
      fn.system_name = fn.name;
      it->second = static_cast<uint32_t>(p_.functions.size());
      p_.functions.push_back(fn);
    }
    return it->second;
  }
  uint32_t LocationId(uint32_t function, int64_t line) {
    uint64_t key = uint64_t{function} << 32 | static_cast<uint32_t>(line);
    bool added;
    uint32_t& slot = location_of_.Insert(key, 0, &added);
    if (added) slot = p_.AddLineLocation(function, static_cast<int32_t>(line));
    return slot;
  }
  uint32_t Stack(const std::vector<uint32_t>& locs) {
    return stacks_.Intern(locs.data(), locs.size());
  }
  StringId Intern(std::string_view s) { return p_.strings.Intern(s); }

  // The sample of (stack, thread, context id), added if new.
  uint32_t Sample(uint32_t stack, StringId thread, int64_t context) {
    FrameKey key{uint64_t{stack} << 32 | thread, context};
    bool added;
    uint32_t sample = sample_of_.Insert(key, static_cast<uint32_t>(sample_stack_.size()), &added);
    if (added) {
      sample_stack_.push_back(stack);
      sample_thread_.push_back(thread);
      sample_context_.push_back(context);
      wide_.resize(wide_.size() + kNumColumns, 0);
    }
    return sample;
  }
  // Adds `count` and `amount` of `kind` to a sample.
  void Add(uint32_t sample, Kind kind, int64_t count, int64_t amount) {
    int64_t* row = wide_.data() + size_t{sample} * kNumColumns;
    row[2 * kind] = WrapAdd(row[2 * kind], count);
    row[2 * kind + 1] = WrapAdd(row[2 * kind + 1], amount);
    ++events_[kind];
    if (amount != 0) has_amount_[kind] = true;
  }
  void NoteAmountKnown(Kind kind) { has_amount_[kind] = true; }
  void SetPeriods(int64_t cpu_period, int64_t wall_period) {
    if (cpu_period > 0) cpu_period_ = cpu_period;
    if (wall_period > 0) wall_period_ = wall_period;
  }
  void AddTime(int64_t start, int64_t duration) {
    int64_t end = WrapAdd(start, duration);
    if (!any_time_ || start < start_) start_ = start;
    if (!any_time_ || end > end_) end_ = end;
    any_time_ = true;
  }
  bool any_events() const {
    for (uint64_t n : events_) {
      if (n != 0) return true;
    }
    return false;
  }
  ReadStats& stats() { return p_.stats; }

  Profile Finish() {
    std::vector<int> columns;
    for (int k = 0; k < kNumKinds; ++k) {
      if (events_[k] == 0) continue;
      const KindInfo& info = kKinds[k];
      const char* count_unit = "count";
      p_.sample_types.push_back(
          {p_.strings.Intern(info.count_type), p_.strings.Intern(count_unit)});
      columns.push_back(2 * k);
      if (info.value_type != nullptr && has_amount_[k]) {
        p_.sample_types.push_back(
            {p_.strings.Intern(info.value_type), p_.strings.Intern(info.value_unit)});
        columns.push_back(2 * k + 1);
      }
    }
    if (events_[kCpu] != 0 && cpu_period_ > 0) {
      p_.period_type = {p_.strings.Intern("cpu"), p_.strings.Intern("nanoseconds")};
      p_.period = cpu_period_;
    } else if (events_[kWall] != 0 && wall_period_ > 0) {
      p_.period_type = {p_.strings.Intern("wall"), p_.strings.Intern("nanoseconds")};
      p_.period = wall_period_;
    } else if (!p_.sample_types.empty()) {
      p_.period_type = p_.sample_types[0];
      p_.period = 1;
    }
    if (!p_.sample_types.empty()) p_.default_sample_type = p_.sample_types[0].type;
    size_t n = sample_stack_.size();
    p_.sample_stack = std::move(sample_stack_);
    p_.values.reserve(n * columns.size());
    p_.label_offsets.reserve(n + 1);
    StringId context_key = 0;
    LabelInterner labels(&p_);
    for (size_t i = 0; i < n; ++i) {
      const int64_t* row = wide_.data() + i * kNumColumns;
      for (int c : columns) p_.values.push_back(row[c]);
      if (sample_thread_[i] != 0) {
        Label l;
        l.key = thread_key_;
        l.str = sample_thread_[i];
        labels.Add(l);
      }
      if (sample_context_[i] != 0) {
        if (context_key == 0) context_key = p_.strings.Intern(kJfrContextLabel);
        Label l;
        l.key = context_key;
        l.num = sample_context_[i];
        labels.Add(l);
      }
      p_.label_offsets.push_back(static_cast<uint32_t>(p_.sample_labels.size()));
    }
    if (any_time_) {
      p_.time_nanos = start_;
      p_.duration_nanos = WrapSub(end_, start_);
    }
    return std::move(p_);
  }

 private:
  Profile p_;
  StackInterner stacks_;
  StringId thread_key_;
  std::unordered_map<std::string, uint32_t> function_of_;
  FlatMap<uint32_t> location_of_;
  FlatMap<uint32_t, FrameKey> sample_of_;  // (stack << 32 | thread, context) -> sample
  std::vector<uint32_t> sample_stack_;
  std::vector<StringId> sample_thread_;
  std::vector<int64_t> wide_;
  std::vector<int64_t> sample_context_;
  uint64_t events_[kNumKinds] = {};
  bool has_amount_[kNumKinds] = {};
  int64_t cpu_period_ = 0;
  int64_t wall_period_ = 0;
  int64_t start_ = 0, end_ = 0;
  bool any_time_ = false;
};

// One chunk: its metadata, constant pools and the events that refer to them.
class Chunk {
 public:
  Chunk(std::string_view file, size_t begin, int index, Builder* out)
      : base_(reinterpret_cast<const uint8_t*>(file.data())),
        file_size_(file.size()),
        begin_(begin),
        index_(index),
        out_(out) {}

  // Reads the chunk starting at begin_; sets *size to its length.
  Status Read(uint64_t* size);

 private:
  struct StackTrace {
    size_t pos = 0, end = 0;  // its value in a constant pool record
    uint32_t cls = 0;
  };
  struct MethodInfo {
    uint64_t cls, name;
  };
  struct ThreadInfo {
    Str os_name, java_name;
  };

  Status Error(const char* where, size_t at, const char* fmt, ...)
      __attribute__((format(printf, 4, 5)));
  Status CursorError(const char* where, const Cursor& c) {
    return Error(where, c.fail_at(), "%s", c.why());
  }
  Status ReadHeader(uint64_t* size);
  Status ReadMetadata();
  Status ParseElement(Cursor& c, const std::vector<std::string_view>& strings, int depth,
                      int parent_class);
  Status ResolveMetadata(size_t at);
  Status ScanRecords();
  Status ReadConstantPool(size_t at, size_t end);
  Status ReadSetting(size_t at, size_t end);
  Status ReadEvents();

  // Values. Each returns early once the cursor failed.
  void ReadString(Cursor& c, Str* out);
  void ReadOne(Cursor& c, uint32_t cls, bool pool, Val* out, int depth);
  void ReadField(Cursor& c, const Field& f, Val* out, int depth) {
    if (!f.array) return ReadOne(c, f.cls, f.pool, out, depth);
    uint64_t n = c.Count();
    if (!f.pool && !classes_[f.cls].has_content) return;
    for (uint64_t i = 0; i < n && !c.failed(); ++i) ReadOne(c, f.cls, f.pool, nullptr, depth + 1);
  }
  // Reads the fields of a `simple` class as numbers into nums[0, fields).
  static void ReadSimple(Cursor& c, const Class& k, uint64_t* nums) {
    for (size_t i = 0; i < k.fields.size(); ++i) nums[i] = k.fields[i].one_byte ? c.U8() : c.Var();
  }
  // Reads the top-level fields of any object as numbers (strings: their pool key or 0).
  void ReadNums(Cursor& c, uint32_t cls, uint64_t* nums) {
    const Class& k = classes_[cls];
    if (k.simple) return ReadSimple(c, k, nums);
    ReadObject(c, cls, &vals_);
    for (size_t i = 0; i < vals_.size(); ++i) nums[i] = vals_[i].num;
  }
  void ReadObject(Cursor& c, uint32_t cls, std::vector<Val>* vals) {
    const Class& k = classes_[cls];
    vals->assign(k.fields.size(), Val());
    for (size_t i = 0; i < k.fields.size() && !c.failed(); ++i) {
      ReadField(c, k.fields[i], &(*vals)[i], 1);
    }
  }
  std::string_view Text(const Str& s) {
    if (s.kind == Str::kText) return s.text;
    if (s.kind == Str::kRef) {
      const Str* t = strings_.Find(s.ref);
      if (t != nullptr && t->kind == Str::kText) return t->text;
    }
    return {};
  }
  std::string_view Symbol(uint64_t id) {
    const Str* t = symbols_.Find(id);
    return t == nullptr ? std::string_view() : Text(*t);
  }
  uint32_t FunctionOf(uint64_t method);
  uint32_t StackOf(uint64_t id);
  StringId ThreadOf(uint64_t id);

  const uint8_t* base_;
  size_t file_size_;
  size_t begin_, end_ = 0;
  int index_;
  Builder* out_;

  int64_t start_ticks_ = 0;
  double ticks_per_ns_ = 1;
  size_t metadata_at_ = 0, pool_at_ = 0;
  std::vector<Class> classes_;
  FlatMap<uint32_t> class_of_;  // type id -> index
  uint64_t setting_type_ = UINT64_MAX;
  std::vector<size_t> setting_records_;

  std::deque<std::string> arena_;  // converted strings (char arrays, Latin-1)
  FlatMap<Str> strings_, symbols_;
  FlatMap<uint64_t> class_names_;  // class -> name symbol
  FlatMap<MethodInfo> methods_;
  FlatMap<StackTrace> stack_traces_;  // decoded when an event first refers to one
  FlatMap<ThreadInfo> threads_;
  int64_t period_[kNumKinds] = {};  // sampling period (ns) by kind, from settings
  int64_t wall_setting_ = 0;        // async-profiler's "wall" interval
  bool wall_event_ = false;         // async-profiler's event=wall

  FlatMap<uint32_t> function_cache_, stack_cache_;
  FlatMap<uint32_t, FrameKey> location_cache_;
  FlatMap<uint32_t, EventKey> sample_cache_;
  FlatMap<StringId> thread_cache_;
  std::vector<uint32_t> locs_;
  std::vector<Val> vals_, frame_vals_;
  std::vector<uint64_t> nums_;
};

Status Chunk::Error(const char* where, size_t at, const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  return Status::Corruption(Format("jfr: chunk %d %s at offset %zu: %s", index_, where, at, buf));
}

Status Chunk::ReadHeader(uint64_t* size) {
  size_t avail = file_size_ - begin_;
  if (avail < kHeaderSize) {
    return Error("header", begin_, "truncated (68 bytes needed, %zu present)", avail);
  }
  const uint8_t* h = base_ + begin_;
  if (memcmp(h, "FLR\0", 4) != 0) return Error("header", begin_, "bad magic (not FLR\\0)");
  auto major = static_cast<unsigned>(LoadBE(h + 4, 2)),
       minor = static_cast<unsigned>(LoadBE(h + 6, 2));
  if (major != 1 && major != 2) {
    return Status::NotSupported(
        Format("jfr: chunk %d at offset %zu: format version %u.%u is not supported (1.x and "
               "2.x are)",
               index_, begin_, major, minor));
  }
  uint64_t chunk_size = LoadBE(h + 8, 8);
  uint64_t pool = LoadBE(h + 16, 8), meta = LoadBE(h + 24, 8);
  auto start_nanos = static_cast<int64_t>(LoadBE(h + 32, 8));
  auto duration = static_cast<int64_t>(LoadBE(h + 40, 8));
  start_ticks_ = static_cast<int64_t>(LoadBE(h + 48, 8));
  auto ticks_per_second = static_cast<int64_t>(LoadBE(h + 56, 8));
  uint32_t features = static_cast<uint32_t>(LoadBE(h + 64, 4));
  if (chunk_size < kHeaderSize || chunk_size > avail) {
    return Error("header", begin_ + 8, "chunk size %llu outside the %zu bytes left",
                 static_cast<unsigned long long>(chunk_size), avail);
  }
  if (meta < kHeaderSize || meta >= chunk_size || pool < kHeaderSize || pool >= chunk_size) {
    return Error("header", begin_ + 16,
                 "constant pool offset %llu or metadata offset %llu outside the chunk (%llu bytes)",
                 static_cast<unsigned long long>(pool), static_cast<unsigned long long>(meta),
                 static_cast<unsigned long long>(chunk_size));
  }
  if (ticks_per_second <= 0) {
    return Error("header", begin_ + 56, "ticks per second %lld is not positive",
                 static_cast<long long>(ticks_per_second));
  }
  if ((features & 1) == 0) {
    return Status::NotSupported(
        Format("jfr: chunk %d at offset %zu: uncompressed integers are not supported", index_,
               begin_ + 64));
  }
  end_ = begin_ + chunk_size;
  metadata_at_ = begin_ + meta;
  pool_at_ = begin_ + pool;
  // The JDK converts ticks with this double divisor (TimeConverter.convertTimespan).
  ticks_per_ns_ = static_cast<double>(ticks_per_second) / 1e9;
  out_->AddTime(start_nanos, duration);
  *size = chunk_size;
  return Status();
}

void Chunk::ReadString(Cursor& c, Str* out) {
  uint8_t encoding = c.U8();
  Str s;
  switch (encoding) {
    case 0:
      break;
    case 1:
      s.kind = Str::kText;
      break;
    case 2:
      s.kind = Str::kRef;
      s.ref = c.Var();
      break;
    case 3:
      s.kind = Str::kText;
      s.text = c.Bytes(c.Var());
      break;
    case 4: {  // UTF-16 code units as varints
      uint64_t n = c.Count();
      s.kind = Str::kText;
      if (out == nullptr) {
        for (uint64_t i = 0; i < n && !c.failed(); ++i) c.Var();
        break;
      }
      std::string& text = arena_.emplace_back();
      for (uint64_t i = 0; i < n && !c.failed(); ++i) {
        AppendUtf8(static_cast<uint32_t>(c.Var() & 0xffff), &text);
      }
      s.text = text;
      break;
    }
    case 5: {  // Latin-1
      s.kind = Str::kText;
      s.text = c.Bytes(c.Var());
      if (out == nullptr) break;
      bool ascii = true;
      for (char ch : s.text) ascii &= static_cast<unsigned char>(ch) < 0x80;
      if (!ascii) {
        std::string& text = arena_.emplace_back();
        for (char ch : s.text) AppendUtf8(static_cast<unsigned char>(ch), &text);
        s.text = text;
      }
      break;
    }
    default:
      if (!c.failed()) c.Fail("unknown string encoding");
  }
  if (out != nullptr) *out = s;
}

void Chunk::ReadOne(Cursor& c, uint32_t cls, bool pool, Val* out, int depth) {
  if (c.failed()) return;
  const Class& k = classes_[cls];
  if (pool) {
    uint64_t key = c.Var();
    if (out != nullptr) {
      out->num = key;
      if (k.prim == Prim::kString) out->str = {{}, key, Str::kRef};
    }
    return;
  }
  uint64_t v = 0;
  switch (k.prim) {
    case Prim::kOneByte:
      v = c.U8();
      break;
    case Prim::kVarint:
      v = c.Var();
      break;
    case Prim::kFloat:
      v = c.Fixed(4);
      break;
    case Prim::kDouble:
      v = c.Fixed(8);
      break;
    case Prim::kString:
      ReadString(c, out != nullptr ? &out->str : nullptr);
      return;
    case Prim::kStruct:
      if (depth > kMaxDepth) {
        c.Fail("values nested too deep");
        return;
      }
      if (!k.has_content) return;
      if (k.simple) {
        for (const Field& f : k.fields) f.one_byte ? c.U8() : c.Var();
        return;
      }
      for (const Field& f : k.fields) {
        if (c.failed()) return;
        ReadField(c, f, nullptr, depth + 1);
      }
      return;
  }
  if (out != nullptr) out->num = v;
}

Status Chunk::ReadMetadata() {
  Cursor c(base_, metadata_at_, end_);
  size_t size = c.Var();
  uint64_t type = c.Var();
  if (c.failed()) return CursorError("metadata", c);
  if (type != 0)
    return Error("metadata", metadata_at_, "record type %llu, expected 0",
                 static_cast<unsigned long long>(type));
  if (size > end_ - metadata_at_ || size < c.pos() - metadata_at_) {
    return Error("metadata", metadata_at_, "record size %zu outside the chunk", size);
  }
  c = Cursor(base_, c.pos(), metadata_at_ + size);
  c.Var();  // start time
  c.Var();  // duration
  c.Var();  // metadata id
  uint64_t n = c.Count();
  std::vector<std::string_view> strings;
  strings.reserve(n);
  for (uint64_t i = 0; i < n && !c.failed(); ++i) {
    Str s;
    ReadString(c, &s);
    if (s.kind == Str::kRef) c.Fail("metadata string refers to a constant pool");
    strings.push_back(s.text);
  }
  if (c.failed()) return CursorError("metadata", c);
  RETURN_IF_ERROR(ParseElement(c, strings, 0, -1));
  if (c.failed()) return CursorError("metadata", c);
  return ResolveMetadata(metadata_at_);
}

// Element: name, attributes (key, value string indexes), children. Classes and their
// fields are the only elements Pyrolens keeps.
Status Chunk::ParseElement(Cursor& c, const std::vector<std::string_view>& strings, int depth,
                           int parent_class) {
  if (depth > 16) return Error("metadata", c.pos(), "elements nested too deep");
  size_t at = c.pos();
  auto str = [&](uint64_t i) -> std::string_view {
    if (i >= strings.size()) {
      c.Fail("string index out of range");
      return {};
    }
    return strings[i];
  };
  std::string_view name = str(c.Var());
  uint64_t attrs = c.Count();
  std::string_view a_id, a_name, a_class, a_pool, a_dim, a_simple;
  for (uint64_t i = 0; i < attrs && !c.failed(); ++i) {
    std::string_view k = str(c.Var()), v = str(c.Var());
    if (k == "id")
      a_id = v;
    else if (k == "name")
      a_name = v;
    else if (k == "class")
      a_class = v;
    else if (k == "constantPool")
      a_pool = v;
    else if (k == "dimension")
      a_dim = v;
    else if (k == "simpleType")
      a_simple = v;
  }
  if (c.failed()) return CursorError("metadata", c);
  auto number = [&](std::string_view s, uint64_t* v) {
    *v = 0;
    if (s.empty() || s.size() > 19) return false;
    for (char ch : s) {
      if (ch < '0' || ch > '9') return false;
      *v = *v * 10 + (ch - '0');
    }
    return true;
  };
  int self = -1;
  if (name == "class") {
    Class k;
    if (!number(a_id, &k.id)) {
      return Error("metadata", at, "class '%.*s' has a bad id '%.*s'",
                   static_cast<int>(a_name.size()), a_name.data(), static_cast<int>(a_id.size()),
                   a_id.data());
    }
    k.name = a_name;
    self = static_cast<int>(classes_.size());
    classes_.push_back(std::move(k));
  } else if (name == "field" && parent_class >= 0) {
    Field f;
    f.name = a_name;
    if (!number(a_class, &f.type_id)) {
      return Error("metadata", at, "field '%.*s' has a bad class '%.*s'",
                   static_cast<int>(a_name.size()), a_name.data(), static_cast<int>(a_class.size()),
                   a_class.data());
    }
    f.pool = a_pool == "true";
    if (!a_dim.empty() && a_dim != "0" && a_dim != "1") {
      return Error("metadata", at, "field '%.*s' has dimension %.*s (0 or 1 expected)",
                   static_cast<int>(a_name.size()), a_name.data(), static_cast<int>(a_dim.size()),
                   a_dim.data());
    }
    f.array = a_dim == "1";
    classes_[parent_class].fields.push_back(f);
  }
  uint64_t children = c.Count();
  for (uint64_t i = 0; i < children && !c.failed(); ++i) {
    RETURN_IF_ERROR(ParseElement(c, strings, depth + 1, self));
  }
  return Status();
}

Status Chunk::ResolveMetadata(size_t at) {
  for (size_t i = 0; i < classes_.size(); ++i) {
    bool added;
    class_of_.Insert(classes_[i].id, static_cast<uint32_t>(i), &added);
    if (!added) {
      return Error("metadata", at, "type id %llu declared twice",
                   static_cast<unsigned long long>(classes_[i].id));
    }
  }
  for (Class& k : classes_) {
    std::string_view n = k.name;
    if (n == "boolean" || n == "byte")
      k.prim = Prim::kOneByte;
    else if (n == "char" || n == "short" || n == "int" || n == "long")
      k.prim = Prim::kVarint;
    else if (n == "float")
      k.prim = Prim::kFloat;
    else if (n == "double")
      k.prim = Prim::kDouble;
    else if (n == "java.lang.String")
      k.prim = Prim::kString;
    if (n == "java.lang.String")
      k.role = Role::kString;
    else if (n == "jdk.types.Symbol")
      k.role = Role::kSymbol;
    else if (n == "java.lang.Class")
      k.role = Role::kClass;
    else if (n == "jdk.types.Method")
      k.role = Role::kMethod;
    else if (n == "jdk.types.StackTrace")
      k.role = Role::kStackTrace;
    else if (n == "java.lang.Thread")
      k.role = Role::kThread;
    else if (n == "jdk.ActiveSetting")
      k.role = Role::kActiveSetting;
    for (int p = 0; p < kNumPlans; ++p) {
      if (n == kPlans[p].event) k.plan = static_cast<int8_t>(p);
    }
    if (k.role == Role::kActiveSetting) setting_type_ = k.id;
    if (k.prim != Prim::kStruct) k.fields.clear();  // primitives are leaves whatever they declare
    for (Field& f : k.fields) {
      const uint32_t* type = class_of_.Find(f.type_id);
      if (type == nullptr) {
        return Error("metadata", at, "field %.*s.%.*s has unknown type id %llu",
                     static_cast<int>(k.name.size()), k.name.data(),
                     static_cast<int>(f.name.size()), f.name.data(),
                     static_cast<unsigned long long>(f.type_id));
      }
      f.cls = *type;
    }
  }
  // Structs whose values take no bytes (no field, or only such structs) are skipped
  // without recursion; a fixpoint from "nothing has content" up.
  for (Class& k : classes_) {
    k.has_content = k.prim != Prim::kStruct;
    k.simple = k.prim == Prim::kStruct && k.fields.size() <= kMaxSimpleFields;
    for (Field& f : k.fields) {
      Prim fp = classes_[f.cls].prim;
      f.one_byte = !f.pool && fp == Prim::kOneByte;
      k.simple &= !f.array && (f.pool || fp == Prim::kOneByte || fp == Prim::kVarint);
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (Class& k : classes_) {
      if (k.has_content) continue;
      for (const Field& f : k.fields) {
        if (f.pool || f.array || classes_[f.cls].has_content) {
          k.has_content = changed = true;
          break;
        }
      }
    }
  }
  return Status();
}

// Walks every record: decodes constant pools, remembers settings for later.
Status Chunk::ScanRecords() {
  size_t pos = begin_ + kHeaderSize;
  while (pos < end_) {
    Cursor c(base_, pos, end_);
    uint64_t size = c.Var();
    uint64_t type = c.Var();
    if (c.failed()) return CursorError("record header", c);
    if (size > end_ - pos || size < c.pos() - pos) {
      return Error("record", pos, "size %llu outside the chunk (%zu bytes left)",
                   static_cast<unsigned long long>(size), end_ - pos);
    }
    if (type == 1) {
      RETURN_IF_ERROR(ReadConstantPool(c.pos(), pos + size));
    } else if (type == setting_type_) {
      setting_records_.push_back(pos);
    }
    pos += size;
  }
  for (size_t at : setting_records_) {
    Cursor c(base_, at, end_);
    uint64_t size = c.Var();
    c.Var();
    RETURN_IF_ERROR(ReadSetting(c.pos(), at + size));
  }
  return Status();
}

Status Chunk::ReadConstantPool(size_t at, size_t end) {
  Cursor c(base_, at, end);
  c.Var();  // start time
  c.Var();  // duration
  c.Var();  // delta to the previous pool (the scan visits every pool anyway)
  c.U8();   // flush / checkpoint type
  uint64_t pools = c.Count();
  for (uint64_t p = 0; p < pools && !c.failed(); ++p) {
    size_t type_at = c.pos();
    uint64_t type = c.Var();
    if (c.failed()) break;
    const uint32_t* found = class_of_.Find(type);
    if (found == nullptr) {
      return Error("constant pool", type_at, "unknown type id %llu",
                   static_cast<unsigned long long>(type));
    }
    uint32_t cls = *found;
    const Class& k = classes_[cls];
    uint64_t count = c.Count();
    int f_name = k.FieldIndex("name"), f_type = k.FieldIndex("type"),
        f_string = k.FieldIndex("string"), f_os = k.FieldIndex("osName"),
        f_java = k.FieldIndex("javaName");
    for (uint64_t i = 0; i < count && !c.failed(); ++i) {
      uint64_t key = c.Var();
      switch (k.role) {
        case Role::kString: {
          Str s;
          ReadString(c, &s);
          strings_[key] = s;
          break;
        }
        case Role::kSymbol:
          ReadObject(c, cls, &vals_);
          if (f_string >= 0) symbols_[key] = vals_[f_string].str;
          break;
        case Role::kClass:
          ReadObject(c, cls, &vals_);
          if (f_name >= 0) class_names_[key] = vals_[f_name].num;
          break;
        case Role::kMethod:
          ReadObject(c, cls, &vals_);
          methods_[key] = {f_type >= 0 ? vals_[f_type].num : 0,
                           f_name >= 0 ? vals_[f_name].num : 0};
          break;
        case Role::kThread:
          ReadObject(c, cls, &vals_);
          threads_[key] = {f_os >= 0 ? vals_[f_os].str : Str(),
                           f_java >= 0 ? vals_[f_java].str : Str()};
          break;
        case Role::kStackTrace: {
          // Checked now (skipped), decoded when an event first names it: most of a large
          // recording's pool bytes are frames, and this keeps no copy of them.
          StackTrace st{c.pos(), end, cls};
          ReadOne(c, cls, false, nullptr, 1);
          stack_traces_[key] = st;
          break;
        }
        default:
          ReadOne(c, cls, false, nullptr, 1);
      }
    }
  }
  if (c.failed()) return CursorError("constant pool", c);
  return Status();
}

Status Chunk::ReadSetting(size_t at, size_t end) {
  Cursor c(base_, at, end);
  uint32_t cls = *class_of_.Find(setting_type_);
  ReadObject(c, cls, &vals_);
  if (c.failed()) return CursorError("event jdk.ActiveSetting", c);
  const Class& k = classes_[cls];
  int f_id = k.FieldIndex("id"), f_name = k.FieldIndex("name"), f_value = k.FieldIndex("value");
  if (f_id < 0 || f_name < 0 || f_value < 0) return Status();
  uint64_t id = vals_[f_id].num;
  std::string_view name = Text(vals_[f_name].str), value = Text(vals_[f_value].str);
  const uint32_t* type = class_of_.Find(id);
  if (name == "event" && value == "wall") wall_event_ = true;
  if (type == nullptr) return Status();
  int plan = classes_[*type].plan;
  if (plan < 0) return Status();
  Kind kind = kPlans[plan].kind;
  int64_t ns = ParseDurationNanos(value);
  if (ns <= 0) return Status();
  if (name == "period" || name == "interval") {
    period_[kind] = ns;
  } else if (name == "wall") {
    wall_setting_ = ns;
  }
  return Status();
}

uint32_t Chunk::FunctionOf(uint64_t method) {
  bool added;
  uint32_t& slot = function_cache_.Insert(method, 0, &added);
  if (!added) return slot;
  const MethodInfo* m = methods_.Find(method);
  std::string name;
  if (m == nullptr) {
    ++out_->stats().missing_ids;
    name = "<unknown>";
  } else {
    const uint64_t* cn = class_names_.Find(m->cls);
    if (cn != nullptr) {
      std::string_view cls = Symbol(*cn);
      name.assign(cls.data(), cls.size());
      for (char& ch : name) {
        if (ch == '/') ch = '.';
      }
    }
    if (!name.empty()) name += '.';
    name += Symbol(m->name);
  }
  uint32_t fn = out_->FunctionId(name);
  slot = fn;  // function_cache_ is not touched meanwhile
  return fn;
}

uint32_t Chunk::StackOf(uint64_t id) {
  if (const uint32_t* known = stack_cache_.Find(id)) return *known;
  locs_.clear();
  const StackTrace* st = stack_traces_.Find(id);
  if (st == nullptr) {
    if (id != 0) ++out_->stats().missing_ids;
  } else {
    // The pool scan walked this value already, so it decodes; frames are leaf first.
    Cursor c(base_, st->pos, st->end);
    const Class& k = classes_[st->cls];
    for (size_t fi = 0; fi < k.fields.size() && !c.failed(); ++fi) {
      const Field& f = k.fields[fi];
      if (f.name != "frames" || !f.array || f.pool || classes_[f.cls].prim != Prim::kStruct) {
        ReadField(c, f, nullptr, 1);
        continue;
      }
      const Class& fk = classes_[f.cls];
      int f_method = fk.FieldIndex("method"), f_line = fk.FieldIndex("lineNumber");
      uint64_t n = c.Count();
      for (uint64_t j = 0; j < n && !c.failed(); ++j) {
        uint64_t method = 0;
        int64_t line = 0;
        if (fk.simple) {
          uint64_t nums[kMaxSimpleFields];
          ReadSimple(c, fk, nums);
          if (f_method >= 0) method = nums[f_method];
          if (f_line >= 0) line = static_cast<int32_t>(nums[f_line]);
        } else {
          ReadObject(c, f.cls, &frame_vals_);
          if (f_method >= 0) method = frame_vals_[f_method].num;
          if (f_line >= 0) line = static_cast<int32_t>(frame_vals_[f_line].num);
        }
        bool added;
        uint32_t& loc = location_cache_.Insert({method, line}, 0, &added);
        if (added) loc = out_->LocationId(FunctionOf(method), line);
        locs_.push_back(loc);
      }
    }
  }
  uint32_t stack = out_->Stack(locs_);
  stack_cache_[id] = stack;
  return stack;
}

StringId Chunk::ThreadOf(uint64_t id) {
  if (const StringId* known = thread_cache_.Find(id)) return *known;
  StringId name_id = 0;
  if (const ThreadInfo* t = threads_.Find(id)) {
    std::string_view name = Text(t->java_name);
    if (name.empty()) name = Text(t->os_name);
    if (!name.empty()) name_id = out_->Intern(name);
  }
  thread_cache_[id] = name_id;
  return name_id;
}

Status Chunk::ReadEvents() {
  // Per plan: field indexes in this chunk's class.
  struct Use {
    int thread = -1, stack = -1, duration = -1, amount = -1, context = -1;
  };
  std::vector<Use> uses(classes_.size());
  for (size_t i = 0; i < classes_.size(); ++i) {
    const Class& k = classes_[i];
    if (k.plan < 0) continue;
    Use& u = uses[i];
    u.thread = k.FieldIndex("sampledThread");
    if (u.thread < 0) u.thread = k.FieldIndex("eventThread");
    u.stack = k.FieldIndex("stackTrace");
    u.context = k.FieldIndex("contextId");
    u.duration = k.FieldIndex("duration");
    if (kPlans[k.plan].amount_field != nullptr)
      u.amount = k.FieldIndex(kPlans[k.plan].amount_field);
  }
  int64_t wall_period = wall_setting_ > 0 ? wall_setting_ : period_[kWall];
  if (wall_setting_ == 0 && wall_event_ && period_[kWall] == 0) wall_period = period_[kCpu];
  out_->SetPeriods(period_[kCpu], wall_period);
  if (period_[kCpu] > 0) out_->NoteAmountKnown(kCpu);
  if (wall_period > 0) out_->NoteAmountKnown(kWall);

  size_t pos = begin_ + kHeaderSize;
  while (pos < end_) {
    Cursor c(base_, pos, end_);
    uint64_t size = c.Var();
    uint64_t type = c.Var();
    size_t next = pos + size;  // ScanRecords checked the framing
    if (type > 1) {
      const uint32_t* cls = class_of_.Find(type);
      if (cls != nullptr && classes_[*cls].plan >= 0) {
        const Class& k = classes_[*cls];
        const Plan& plan = kPlans[k.plan];
        const Use& u = uses[*cls];
        Cursor r(base_, c.pos(), next);
        if (nums_.size() < k.fields.size()) nums_.resize(k.fields.size());
        uint64_t* nums = nums_.data();
        ReadNums(r, *cls, nums);
        if (r.failed()) {
          return Error(("event " + std::string(k.name)).c_str(), r.fail_at(), "%s", r.why());
        }
        int64_t count = 1, amount = 0;
        switch (plan.amount) {
          case Amount::kNone:
            break;
          case Amount::kField:
            amount = u.amount >= 0 ? static_cast<int64_t>(nums[u.amount]) : 0;
            break;
          case Amount::kDuration:
            if (u.duration >= 0) {
              double ns =
                  static_cast<double>(static_cast<int64_t>(nums[u.duration])) / ticks_per_ns_;
              amount = std::isfinite(ns) && std::fabs(ns) < 9.2e18 ? static_cast<int64_t>(ns) : 0;
            }
            break;
          case Amount::kPeriod: {
            if (u.amount >= 0) count = static_cast<int64_t>(nums[u.amount]);
            int64_t period = plan.kind == kWall ? wall_period : period_[plan.kind];
            amount =
                static_cast<int64_t>(static_cast<uint64_t>(count) * static_cast<uint64_t>(period));
            break;
          }
        }
        // One lookup per event: (JFR stack id, JFR thread id, context id) -> sample.
        EventKey key;
        key.stack = u.stack >= 0 ? nums[u.stack] : 0;
        key.thread = u.thread >= 0 ? static_cast<int64_t>(nums[u.thread]) : -1;
        key.context = u.context >= 0 ? static_cast<int64_t>(nums[u.context]) : 0;
        bool added;
        uint32_t& sample = sample_cache_.Insert(key, 0, &added);
        if (added) {
          sample = out_->Sample(StackOf(key.stack), key.thread >= 0 ? ThreadOf(key.thread) : 0,
                                key.context);
        }
        out_->Add(sample, plan.kind, count, amount);
      }
    }
    pos = next;
  }
  return Status();
}

Status Chunk::Read(uint64_t* size) {
  RETURN_IF_ERROR(ReadHeader(size));
  RETURN_IF_ERROR(ReadMetadata());
  RETURN_IF_ERROR(ScanRecords());
  return ReadEvents();
}

}  // namespace

bool LooksLikeJfr(std::string_view data) {
  return data.size() >= 4 && memcmp(data.data(), "FLR\0", 4) == 0;
}

Result<Profile> ReadJfr(std::string_view data) {
  Builder out;
  size_t pos = 0;
  int index = 0;
  while (pos < data.size()) {
    uint64_t size = 0;
    {
      Chunk chunk(data, pos, index, &out);
      RETURN_IF_ERROR(chunk.Read(&size));
    }
    pos += size;
    ++index;
  }
  if (index == 0) return Status::Corruption("jfr: empty input");
  if (!out.any_events()) {
    return Status::NotSupported(Format(
        "jfr: no profiling events (execution, allocation, lock, park, exception samples) in %d "
        "chunk(s)",
        index));
  }
  return out.Finish();
}

}  // namespace pyrolens
