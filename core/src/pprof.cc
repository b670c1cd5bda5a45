// Streaming pprof reader and generated-code writer. Wire format:
// https://protobuf.dev/programming-guides/encoding/ ; schema: core/proto/profile.proto.
#include "pyrolens/pprof.h"

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <deque>
#include <unordered_map>

#include "profile.pb.h"
#include "pprof_reader.h"
#include "pyrolens/compression.h"
#include "steps.h"

namespace pyrolens {
namespace {

using google::protobuf::io::CodedInputStream;

enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// Maps pprof's on-disk ids to vector positions; dense ids use a vector.
class IdMap {
 public:
  bool Insert(uint64_t id, uint32_t index) {
    if (id < kDenseLimit) {
      if (dense_.size() <= id) dense_.resize(id + 1, kNone);
      if (dense_[id] != kNone) return false;
      dense_[id] = index;
      return true;
    }
    return sparse_.emplace(id, index).second;
  }
  uint32_t Find(uint64_t id) const {
    if (id < kDenseLimit) return id < dense_.size() ? dense_[id] : kNone;
    auto it = sparse_.find(id);
    return it == sparse_.end() ? kNone : it->second;
  }

 private:
  static constexpr uint64_t kDenseLimit = 1 << 24;
  std::vector<uint32_t> dense_;
  std::unordered_map<uint64_t, uint32_t> sparse_;
};

// A field's name in error messages, put together only when an error needs it (a profile
// has hundreds of thousands of entries): a constant, an entry ("location", 12 ->
// "location[12]") or a field of a named message (&name, ".line", 0 -> "location[12].line[0]").
class FieldName {
 public:
  FieldName(const char* text) : text_(text) {}               // NOLINT(runtime/explicit)
  FieldName(const std::string& text) : text_(text.c_str()) {}  // NOLINT(runtime/explicit)
  FieldName(const char* text, size_t index) : text_(text), index_(index) {}
  FieldName(const FieldName* parent, const char* text, size_t index = kNoIndex)
      : parent_(parent), text_(text), index_(index) {}
  std::string str() const {
    std::string s = parent_ != nullptr ? parent_->str() : std::string();
    s += text_;
    if (index_ != kNoIndex) s += Format("[%zu]", index_);
    return s;
  }

 private:
  static constexpr size_t kNoIndex = SIZE_MAX;
  const FieldName* parent_ = nullptr;
  const char* text_;
  size_t index_ = kNoIndex;
};

// Caches stack ids by the exact bytes of a sample's packed location_id field, so
// a repeated stack costs one hash and one compare.
class RawStackCache {
 public:
  uint32_t Find(const uint8_t* p, uint32_t n, uint64_t h) const {
    if (slots_.empty()) return kNone;
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask; slots_[i].p != nullptr; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.hash == h && s.n == n && SameBytes(s.p, p, n)) return s.stack;
    }
    return kNone;
  }
  void Insert(const uint8_t* p, uint32_t n, uint64_t h, uint32_t stack) {
    if ((used_ + 1) * 2 > slots_.size()) Grow();
    size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    while (slots_[i].p != nullptr) i = (i + 1) & mask;
    slots_[i] = {p, n, stack, h};
    ++used_;
  }

 private:
  struct Slot {
    const uint8_t* p = nullptr;
    uint32_t n = 0;
    uint32_t stack = 0;
    uint64_t hash = 0;
  };
  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.resize(old.empty() ? 1024 : old.size() * 2);
    used_ = 0;
    for (const Slot& s : old) {
      if (s.p != nullptr) Insert(s.p, s.n, s.hash, s.stack);
    }
  }
  std::vector<Slot> slots_;
  size_t used_ = 0;
};

}  // namespace

// One pass over the top-level fields, in the order they come: the samples of known encoders
// come before the tables their ids and string indexes refer to, so a sample's stack is kept
// by its encoded location ids (a raw stack), and the checks that need the tables (location
// ids, label string indexes, the count of values) are done at the end, reporting the first
// sample at fault as a check at the sample would have.
class PprofReader::Impl {
 public:
  explicit Impl(std::string_view data)
      : data_(reinterpret_cast<const uint8_t*>(data.data())), size_(data.size()) {}

  void Arrived(size_t n, bool last) {
    available_ = n;
    waiting_ = false;
    if (last) size_ = n;
  }
  bool waiting() const { return waiting_; }

  Result<bool> Step(size_t budget) {
    switch (phase_) {
      case kFields:
        waiting_ = false;
        RETURN_IF_ERROR(ReadFields(budget));
        if (pos_ == size_) {
          RETURN_IF_ERROR(ResolveTables());
          FindDeferredError();
          // Sized once: regrowing tens of MB of stacks copied them and left holes.
          p_.stack_offsets.reserve(raw_.size() + 1);
          p_.stack_locations.reserve(raw_ids_);
          Next(kStacks);
        }
        return false;
      case kStacks:
        RETURN_IF_ERROR(ResolveStacks(budget));
        return false;
      case kSamples:
        RenumberSamples(budget);
        return phase_ == kDone;
      case kDone:
        return true;
    }
    return true;
  }

  // Reading the fields is nearly all of the work.
  double progress() const {
    if (phase_ == kFields) return size_ == 0 ? 0.9 : 0.9 * pos_ / size_;
    if (phase_ == kStacks) return 0.9 + 0.05 * i_ / std::max<size_t>(1, raw_.size());
    if (phase_ == kSamples) return 0.95 + 0.05 * i_ / std::max<size_t>(1, p_.num_samples());
    return 1.0;
  }

  Profile Take() { return std::move(p_); }

 private:
  enum Phase { kFields, kStacks, kSamples, kDone };

  void Next(Phase phase) {
    phase_ = phase;
    i_ = 0;
  }

  // Reads a varint at *p before `end` into *v: 1 when read, 0 when `end` comes first, -1
  // when it runs over 10 bytes.
  [[gnu::always_inline]] static int ScanVarint(const uint8_t** p, const uint8_t* end, uint64_t* v) {
    *v = 0;
    for (int i = 0; i < 10; ++i) {
      if (*p == end) return 0;
      const uint8_t b = *(*p)++;
      *v |= uint64_t{b & 0x7fu} << (7 * i);
      if (b < 0x80) return 1;
    }
    return -1;
  }

  static Status Bad(const FieldName& field, size_t offset, const std::string& what) {
    return Status::Corruption(Format("pprof: %s at offset %zu: %s", field.str().c_str(), offset,
                                     what.c_str()));
  }
  static Status Truncated(const FieldName& field, size_t offset) {
    return Bad(field, offset, "input truncated or malformed varint");
  }

  // Some encoders (.NET's) omit ids and refer to entries by 1-based position.
  uint64_t PositionalIdIfMissing(uint64_t id, size_t index) {
    if (id != 0) return id;
    ++p_.stats.missing_ids;
    return index + 1;
  }

  // Skips one field of `wire_type`, counting it as unknown.
  Status SkipField(CodedInputStream* in, int wire_type, const FieldName& field) {
    size_t at = in->CurrentPosition();
    uint64_t v = 0;
    uint32_t len;
    bool ok = true;
    switch (wire_type) {
      case kVarint:
        ok = in->ReadVarint64(&v);
        break;
      case kFixed64:
        ok = in->Skip(8);
        break;
      case kLengthDelimited:
        ok = in->ReadVarint32(&len) && in->Skip(static_cast<int>(len));
        break;
      case kFixed32:
        ok = in->Skip(4);
        break;
      default:
        return Bad(field, at, Format("unsupported wire type %d", wire_type));
    }
    if (!ok) return Truncated(field, at);
    ++p_.stats.unknown_fields;
    return Status();
  }

  // Reads a varint field value; `field` names it in errors.
  Status Varint(CodedInputStream* in, int wire_type, const FieldName& field, uint64_t* v) {
    size_t at = in->CurrentPosition();
    if (wire_type != kVarint) {
      return Bad(field, at, Format("expected wire type 0 (varint), found %d", wire_type));
    }
    if (!in->ReadVarint64(v)) return Truncated(field, at);
    return Status();
  }

  Status StringIndex(CodedInputStream* in, int wire_type, const FieldName& field,
                     StringId* out) {
    size_t at = in->CurrentPosition();
    uint64_t v = 0;
    RETURN_IF_ERROR(Varint(in, wire_type, field, &v));
    if (v >= kNone) return Bad(field, at, Format("string index %lld out of range",
                                                 static_cast<long long>(v)));
    *out = static_cast<StringId>(v);
    return Status();
  }

  // Runs `on_field(field_number, wire_type)` for each field of a length-delimited
  // message that starts at the current position (the field's wire type is `wt`).
  template <typename F>
  Status Message(CodedInputStream* in, int wt, const FieldName& name, F&& on_field) {
    size_t at = in->CurrentPosition();
    if (wt != kLengthDelimited) {
      return Bad(name, at, Format("expected wire type 2 (length-delimited), found %d", wt));
    }
    uint32_t len;
    if (!in->ReadVarint32(&len)) return Truncated(name, at);
    // Within the enclosing message, or else the input.
    const int enclosing = in->BytesUntilLimit();
    const size_t left = enclosing >= 0 ? static_cast<size_t>(enclosing)
                                       : size_ - in->CurrentPosition();
    if (len > left) {
      return Bad(name, at, Format("length %u runs past the end of %s (%zu bytes left)", len,
                                  enclosing >= 0 ? "its message" : "input", left));
    }
    auto limit = in->PushLimit(static_cast<int>(len));
    while (uint32_t tag = in->ReadTag()) {
      RETURN_IF_ERROR(on_field(static_cast<int>(tag >> 3), static_cast<int>(tag & 7)));
    }
    if (!in->ConsumedEntireMessage() || in->BytesUntilLimit() != 0) {
      return Bad(name, in->CurrentPosition(), "malformed field tag");
    }
    in->PopLimit(limit);
    return Status();
  }

  Status ValueTypeMsg(CodedInputStream* in, int wire_type, const FieldName& name,
                      ValueType* vt) {
    return Message(in, wire_type, name, [&](int f, int wt) -> Status {
      if (f == 1) return StringIndex(in, wt, FieldName(&name, ".type"), &vt->type);
      if (f == 2) return StringIndex(in, wt, FieldName(&name, ".unit"), &vt->unit);
      return SkipField(in, wt, name);
    });
  }

  Status MappingMsg(CodedInputStream* in, int wire_type) {
    const FieldName name("mapping", p_.mappings.size());
    mapping_at_.push_back(in->CurrentPosition());
    Mapping m;
    RETURN_IF_ERROR(Message(in, wire_type, name, [&](int f, int wt) -> Status {
      uint64_t v = 0;
      switch (f) {
        case 1: return Varint(in, wt, FieldName(&name, ".id"), &m.id);
        case 2: return Varint(in, wt, FieldName(&name, ".memory_start"), &m.memory_start);
        case 3: return Varint(in, wt, FieldName(&name, ".memory_limit"), &m.memory_limit);
        case 4: return Varint(in, wt, FieldName(&name, ".file_offset"), &m.file_offset);
        case 5: return StringIndex(in, wt, FieldName(&name, ".filename"), &m.filename);
        case 6: return StringIndex(in, wt, FieldName(&name, ".build_id"), &m.build_id);
        case 7: case 8: case 9: case 10:
          RETURN_IF_ERROR(Varint(in, wt, FieldName(&name, ".has_*"), &v));
          (f == 7 ? m.has_functions : f == 8 ? m.has_filenames
                   : f == 9 ? m.has_line_numbers : m.has_inline_frames) = v != 0;
          return Status();
        default: return SkipField(in, wt, name);
      }
    }));
    p_.mappings.push_back(m);
    return Status();
  }

  Status FunctionMsg(CodedInputStream* in, int wire_type) {
    const FieldName name("function", p_.functions.size());
    size_t at = in->CurrentPosition();
    function_at_.push_back(at);
    Function fn;
    uint64_t id = 0, start = 0;
    RETURN_IF_ERROR(Message(in, wire_type, name, [&](int f, int wt) -> Status {
      switch (f) {
        case 1: return Varint(in, wt, FieldName(&name, ".id"), &id);
        case 2: return StringIndex(in, wt, FieldName(&name, ".name"), &fn.name);
        case 3: return StringIndex(in, wt, FieldName(&name, ".system_name"), &fn.system_name);
        case 4: return StringIndex(in, wt, FieldName(&name, ".filename"), &fn.filename);
        case 5: return Varint(in, wt, FieldName(&name, ".start_line"), &start);
        default: return SkipField(in, wt, name);
      }
    }));
    fn.start_line = static_cast<int64_t>(start);
    id = PositionalIdIfMissing(id, p_.functions.size());
    if (!function_ids_.Insert(id, static_cast<uint32_t>(p_.functions.size()))) {
      return Bad(FieldName(&name, ".id"), at, Format("duplicate function id %llu",
                                          static_cast<unsigned long long>(id)));
    }
    p_.functions.push_back(fn);
    return Status();
  }

  Status LocationMsg(CodedInputStream* in, int wire_type) {
    const FieldName name("location", p_.locations.size());
    size_t at = in->CurrentPosition();
    location_at_.push_back(at);
    Location loc;
    uint64_t id = 0, mapping_id = 0, folded = 0;
    loc.first_line = static_cast<uint32_t>(p_.lines.size());
    RETURN_IF_ERROR(Message(in, wire_type, name, [&](int f, int wt) -> Status {
      switch (f) {
        case 1: return Varint(in, wt, FieldName(&name, ".id"), &id);
        case 2: return Varint(in, wt, FieldName(&name, ".mapping_id"), &mapping_id);
        case 3: return Varint(in, wt, FieldName(&name, ".address"), &loc.address);
        case 5: return Varint(in, wt, FieldName(&name, ".is_folded"), &folded);
        case 4: {
          const FieldName lname(&name, ".line", loc.num_lines);
          Line line;
          uint64_t fid = 0, lineno = 0, column = 0;
          RETURN_IF_ERROR(Message(in, wt, lname, [&](int lf, int lwt) -> Status {
            switch (lf) {
              case 1: return Varint(in, lwt, FieldName(&lname, ".function_id"), &fid);
              case 2: return Varint(in, lwt, FieldName(&lname, ".line"), &lineno);
              case 3: return Varint(in, lwt, FieldName(&lname, ".column"), &column);
              default: return SkipField(in, lwt, lname);
            }
          }));
          // Function ids are resolved once all functions are read (ResolveTables).
          line.function = fid == 0 ? kNone : static_cast<uint32_t>(line_function_ids_.size());
          line_function_ids_.push_back(fid);
          line.line = static_cast<int64_t>(lineno);
          line.column = static_cast<int64_t>(column);
          p_.lines.push_back(line);
          ++loc.num_lines;
          return Status();
        }
        default: return SkipField(in, wt, name);
      }
    }));
    loc.is_folded = folded != 0;
    id = PositionalIdIfMissing(id, p_.locations.size());
    loc.mapping = static_cast<uint32_t>(location_mapping_ids_.size());
    location_mapping_ids_.push_back(mapping_id);
    if (!location_ids_.Insert(id, static_cast<uint32_t>(p_.locations.size()))) {
      return Bad(FieldName(&name, ".id"), at, Format("duplicate location id %llu",
                                          static_cast<unsigned long long>(id)));
    }
    p_.locations.push_back(loc);
    return Status();
  }

  // Reads top-level fields from pos_ until `budget` bytes past it or the end.
  Status ReadFields(size_t budget) {
    CodedInputStream stream(data_, static_cast<int>(size_));
    stream.SetTotalBytesLimit(static_cast<int>(size_));
    stream.SetRecursionLimit(4);
    CodedInputStream* in = &stream;
    in->Skip(static_cast<int>(pos_));  // within the buffer: always succeeds
    const size_t stop = budget >= size_ - pos_ ? size_ : pos_ + budget;
    for (;;) {
      size_t here = static_cast<size_t>(in->CurrentPosition());
      if (here < size_ && (here >= stop || !FieldArrived(here))) {
        waiting_ = here < stop;
        pos_ = here;
        return Status();
      }
      uint32_t tag = in->ReadTag();
      if (tag == 0) break;
      int f = static_cast<int>(tag >> 3), wt = static_cast<int>(tag & 7);
      size_t at = in->CurrentPosition();
      if (f == 2 && wt == kLengthDelimited) {
        RETURN_IF_ERROR(SampleMsg(in));
        continue;
      }
      uint64_t v = 0;
      switch (f) {
        case 1: {
          ValueType vt;
          sample_type_at_.push_back(at);
          RETURN_IF_ERROR(
              ValueTypeMsg(in, wt, FieldName("sample_type", p_.sample_types.size()), &vt));
          p_.sample_types.push_back(vt);
          break;
        }
        case 3: RETURN_IF_ERROR(MappingMsg(in, wt)); break;
        case 4: RETURN_IF_ERROR(LocationMsg(in, wt)); break;
        case 5: RETURN_IF_ERROR(FunctionMsg(in, wt)); break;
        case 6: {
          const FieldName name("string_table", p_.strings.size() - 1 + seen_string_);
          uint32_t len;
          std::string s;
          if (wt != kLengthDelimited) return Bad(name, at, "expected a length-delimited string");
          if (!in->ReadVarint32(&len) || !in->ReadString(&s, static_cast<int>(len))) {
            return Truncated(name, at);
          }
          if (!seen_string_) {
            if (!s.empty()) return Bad(name, at, "string_table[0] must be empty");
            seen_string_ = true;
          } else {
            p_.strings.Add(s);
          }
          break;
        }
        case 7:
          drop_frames_at_ = at;
          RETURN_IF_ERROR(StringIndex(in, wt, "drop_frames", &p_.drop_frames));
          break;
        case 8:
          keep_frames_at_ = at;
          RETURN_IF_ERROR(StringIndex(in, wt, "keep_frames", &p_.keep_frames));
          break;
        case 9: case 10: case 12:
          RETURN_IF_ERROR(Varint(in, wt, f == 9 ? "time_nanos" : f == 10 ?
                                 "duration_nanos" : "period", &v));
          (f == 9 ? p_.time_nanos : f == 10 ? p_.duration_nanos : p_.period) =
              static_cast<int64_t>(v);
          break;
        case 11:
          period_type_at_ = at;
          RETURN_IF_ERROR(ValueTypeMsg(in, wt, "period_type", &p_.period_type));
          break;
        case 13: RETURN_IF_ERROR(RepeatedStringIndex(in, wt)); break;
        case 14:
          default_sample_type_at_ = at;
          RETURN_IF_ERROR(StringIndex(in, wt, "default_sample_type",
                                      &p_.default_sample_type));
          break;
        default: RETURN_IF_ERROR(SkipField(in, wt, "profile")); break;
      }
    }
    if (!in->ConsumedEntireMessage() || in->CurrentPosition() != static_cast<int>(size_)) {
      return Bad("profile", in->CurrentPosition(), "malformed field tag");
    }
    pos_ = size_;
    return Status();
  }

  // Whether the top-level field at `at` has all arrived. One whose bytes do not tell where
  // it ends (a malformed tag or length, another wire type) waits for the whole message:
  // then it reads, and fails, as in a whole read.
  bool FieldArrived(size_t at) const {
    if (available_ >= size_) return true;
    const uint8_t* p = data_ + at;
    const uint8_t* end = data_ + available_;
    uint64_t tag, len = 0;
    if (ScanVarint(&p, end, &tag) <= 0) return false;
    switch (tag & 7) {
      case kVarint: return ScanVarint(&p, end, &len) > 0;
      case kFixed64: len = 8; break;
      case kFixed32: len = 4; break;
      case kLengthDelimited:
        if (ScanVarint(&p, end, &len) <= 0) return false;
        break;
      default: return false;
    }
    return len <= static_cast<uint64_t>(end - p);
  }

  Status RepeatedStringIndex(CodedInputStream* in, int wt) {
    if (wt != kLengthDelimited) {
      StringId id;
      comment_at_.push_back(in->CurrentPosition());
      RETURN_IF_ERROR(StringIndex(in, wt, "comment", &id));
      p_.comments.push_back(id);
      return Status();
    }
    size_t at = in->CurrentPosition();
    uint32_t len;
    if (!in->ReadVarint32(&len)) return Truncated("comment", at);
    auto limit = in->PushLimit(static_cast<int>(len));
    while (in->BytesUntilLimit() > 0) {
      StringId id;
      comment_at_.push_back(in->CurrentPosition());
      RETURN_IF_ERROR(StringIndex(in, kVarint, "comment", &id));
      p_.comments.push_back(id);
    }
    in->PopLimit(limit);
    return Status();
  }

  // `at` is where the entry holding the index starts.
  Status CheckString(StringId id, const FieldName& field, size_t at) const {
    if (id < p_.strings.size()) return Status();
    return Status::Corruption(
        Format("pprof: %s: string index %u out of range (%u strings; entry at offset %zu)",
               field.str().c_str(), id, p_.strings.size(), at));
  }

  // Resolves ids to indexes and checks string indexes of everything but samples.
  Status ResolveTables() {
    for (size_t i = 0; i < p_.sample_types.size(); ++i) {
      size_t at = sample_type_at_[i];
      const FieldName name("sample_type", i);
      RETURN_IF_ERROR(CheckString(p_.sample_types[i].type, FieldName(&name, ".type"), at));
      RETURN_IF_ERROR(CheckString(p_.sample_types[i].unit, FieldName(&name, ".unit"), at));
    }
    RETURN_IF_ERROR(CheckString(p_.drop_frames, "drop_frames", drop_frames_at_));
    RETURN_IF_ERROR(CheckString(p_.keep_frames, "keep_frames", keep_frames_at_));
    RETURN_IF_ERROR(CheckString(p_.period_type.type, "period_type.type", period_type_at_));
    RETURN_IF_ERROR(CheckString(p_.period_type.unit, "period_type.unit", period_type_at_));
    RETURN_IF_ERROR(
        CheckString(p_.default_sample_type, "default_sample_type", default_sample_type_at_));
    for (size_t i = 0; i < p_.comments.size(); ++i) {
      RETURN_IF_ERROR(CheckString(p_.comments[i], FieldName("comment", i), comment_at_[i]));
    }
    IdMap mapping_ids;
    for (size_t i = 0; i < p_.mappings.size(); ++i) {
      Mapping& m = p_.mappings[i];
      m.id = PositionalIdIfMissing(m.id, i);
      const FieldName name("mapping", i);
      RETURN_IF_ERROR(CheckString(m.filename, FieldName(&name, ".filename"), mapping_at_[i]));
      RETURN_IF_ERROR(CheckString(m.build_id, FieldName(&name, ".build_id"), mapping_at_[i]));
      if (!mapping_ids.Insert(m.id, static_cast<uint32_t>(i))) {
        return Bad(FieldName(&name, ".id"), mapping_at_[i],
                   Format("duplicate mapping id %llu", static_cast<unsigned long long>(m.id)));
      }
    }
    for (size_t i = 0; i < p_.functions.size(); ++i) {
      const Function& f = p_.functions[i];
      size_t at = function_at_[i];
      const FieldName name("function", i);
      RETURN_IF_ERROR(CheckString(f.name, FieldName(&name, ".name"), at));
      RETURN_IF_ERROR(CheckString(f.system_name, FieldName(&name, ".system_name"), at));
      RETURN_IF_ERROR(CheckString(f.filename, FieldName(&name, ".filename"), at));
    }
    for (size_t i = 0; i < p_.locations.size(); ++i) {
      Location& loc = p_.locations[i];
      uint64_t mid = location_mapping_ids_[loc.mapping];
      loc.mapping = mid == 0 ? kNone : mapping_ids.Find(mid);
      if (mid != 0 && loc.mapping == kNone) {
        return Bad(Format("location[%zu].mapping_id", i), location_at_[i],
                   Format("unknown mapping id %llu", static_cast<unsigned long long>(mid)));
      }
      for (uint32_t j = loc.first_line; j < loc.first_line + loc.num_lines; ++j) {
        Line& line = p_.lines[j];
        if (line.function == kNone) continue;
        uint64_t fid = line_function_ids_[line.function];
        line.function = function_ids_.Find(fid);
        if (line.function == kNone) {
          return Bad(Format("location[%zu].line[%u].function_id", i, j - loc.first_line),
                     location_at_[i],
                     Format("unknown function id %llu", static_cast<unsigned long long>(fid)));
        }
      }
    }
    return Status();
  }

  // Appends the varints of a packed field (or one unpacked value) to `out`.
  Status PackedOrOne(CodedInputStream* in, int wt, const FieldName& field,
                     std::vector<uint64_t>* out) {
    size_t at = in->CurrentPosition();
    if (wt == kVarint) {
      uint64_t v;
      if (!in->ReadVarint64(&v)) return Truncated(field, at);
      out->push_back(v);
      return Status();
    }
    if (wt != kLengthDelimited) {
      return Bad(field, at, Format("expected wire type 0 or 2, found %d", wt));
    }
    uint32_t len;
    if (!in->ReadVarint32(&len)) return Truncated(field, at);
    auto limit = in->PushLimit(static_cast<int>(len));
    while (in->BytesUntilLimit() > 0) {
      uint64_t v;
      if (!in->ReadVarint64(&v)) return Truncated(field, in->CurrentPosition());
      out->push_back(v);
    }
    if (in->BytesUntilLimit() < 0 || in->CurrentPosition() > static_cast<int>(size_)) {
      return Truncated(field, at);
    }
    in->PopLimit(limit);
    return Status();
  }

  // Field names of the per-sample hot path are constants; an error message gets the
  // sample's index afterwards (IndexSampleError), so no name is built per sample.
  static const std::string& SampleField(int which) {
    static const std::string names[] = {"sample",           "sample.location_id",
                                        "sample.value",     "sample.label",
                                        "sample.label.key", "sample.label.str",
                                        "sample.label.num", "sample.label.num_unit"};
    return names[which];
  }
  enum { kSample, kLocationId, kValue, kLabelField, kKey, kStr, kNum, kNumUnit };

  static Status IndexSampleError(const Status& s, size_t sample) {
    std::string msg = s.message();
    const std::string prefix = "pprof: sample";
    if (msg.compare(0, prefix.size(), prefix) == 0) {
      msg.insert(prefix.size(), Format("[%zu]", sample));
    }
    return Status::Corruption(msg);
  }

  // Samples read before the arrays are sized from them and the message's size.
  static constexpr size_t kSizing = 1024;

  Status SampleMsg(CodedInputStream* in) {
    Status s = SampleBody(in);
    return s.ok() ? s : IndexSampleError(s, p_.sample_stack.size());
  }

  // Keeps a sample's label, whose message ends at `end_at`; its string indexes are checked
  // once the string table is read (FindDeferredError).
  void AddLabel(uint64_t key, uint64_t str, uint64_t num, uint64_t unit, size_t end_at) {
    const uint64_t top = std::max({key, str, unit});
    if (top >= label_records_.back().index) {
      label_records_.push_back({top + 1, p_.sample_stack.size(), end_at});
    }
    labels_.push_back({static_cast<StringId>(key), static_cast<StringId>(str),
                       static_cast<int64_t>(num), static_cast<StringId>(unit)});
  }

  // Reads the sample message [p, end) straight from its bytes when it holds what encoders
  // write: one packed location_id field, one packed value field, labels of varint fields,
  // tags of one byte. Returns false, having kept nothing, for anything else: the general
  // reader then reads it, errors and all.
  bool FastSample(const uint8_t* p, const uint8_t* end, const uint8_t** packed,
                  uint32_t* packed_len) {
    const size_t records = label_records_.size();
    auto fail = [&] {
      labels_.clear();
      label_records_.resize(records);
      vals_.clear();
      *packed = nullptr;
      return false;
    };
    // A length-delimited field's bytes, from p (past the length) to *field_end.
    auto field = [&](const uint8_t** field_end) {
      uint64_t n;
      if (ScanVarint(&p, end, &n) != 1 || n > static_cast<uint64_t>(end - p)) return false;
      *field_end = p + n;
      return true;
    };
    while (p < end) {
      const uint8_t tag = *p++;
      const uint8_t* e;
      if (!field(&e) || (tag == 0x0a && *packed != nullptr)) return fail();
      if (tag == 0x0a) {  // location_id
        *packed = p;
        *packed_len = static_cast<uint32_t>(e - p);
        p = e;
      } else if (tag == 0x12) {  // value
        for (uint64_t v; p < e; vals_.push_back(v)) {
          if (ScanVarint(&p, e, &v) != 1) return fail();
        }
      } else if (tag == 0x1a) {  // label: key, str, num, num_unit
        uint64_t f[5] = {0, 0, 0, 0, 0};
        while (p < e) {
          const uint8_t t = *p++;
          if ((t & 7) != 0 || t < 0x08 || t > 0x20 || ScanVarint(&p, e, &f[t >> 3]) != 1) {
            return fail();
          }
        }
        AddLabel(f[1], f[2], f[3], f[4], static_cast<size_t>(p - data_));
      } else {
        return fail();
      }
    }
    return true;
  }

  Status SampleBody(CodedInputStream* in) {
    auto field_name = [](int which) -> const std::string& { return SampleField(which); };
    ids_.clear();
    vals_.clear();
    labels_.clear();
    const uint8_t* packed = nullptr;
    uint32_t packed_len = 0;
    int location_fields = 0;
    size_t at = in->CurrentPosition();
    if (p_.sample_stack.empty()) first_sample_at_ = at;
    uint32_t len;
    if (!in->ReadVarint32(&len)) return Truncated(field_name(kSample), at);
    if (len > size_ - in->CurrentPosition()) {
      return Bad(field_name(kSample), at,
                 Format("length %u runs past the end of input", len));
    }
    const uint8_t* body = data_ + in->CurrentPosition();
    if (FastSample(body, body + len, &packed, &packed_len)) {
      location_fields = packed != nullptr;
      in->Skip(static_cast<int>(len));
    } else {
      auto limit = in->PushLimit(static_cast<int>(len));
      while (uint32_t tag = in->ReadTag()) {
        int f = static_cast<int>(tag >> 3), wt = static_cast<int>(tag & 7);
        if (f == 1) {
          ++location_fields;
          if (wt == kLengthDelimited && location_fields == 1) {
            size_t pos = in->CurrentPosition();
            uint32_t n;
            if (!in->ReadVarint32(&n)) return Truncated(field_name(kLocationId), pos);
            packed = data_ + in->CurrentPosition();
            packed_len = n;
            if (!in->Skip(static_cast<int>(n))) return Truncated(field_name(kLocationId), pos);
            continue;
          }
          RETURN_IF_ERROR(PackedOrOne(in, wt, field_name(kLocationId), &ids_));
        } else if (f == 2) {
          RETURN_IF_ERROR(PackedOrOne(in, wt, field_name(kValue), &vals_));
        } else if (f == 3) {
          uint64_t key = 0, str = 0, num = 0, unit = 0;
          const std::string& lname = field_name(kLabelField);
          RETURN_IF_ERROR(Message(in, wt, lname, [&](int lf, int lwt) -> Status {
            switch (lf) {
              case 1: return Varint(in, lwt, field_name(kKey), &key);
              case 2: return Varint(in, lwt, field_name(kStr), &str);
              case 3: return Varint(in, lwt, field_name(kNum), &num);
              case 4: return Varint(in, lwt, field_name(kNumUnit), &unit);
              default: return SkipField(in, lwt, lname);
            }
          }));
          AddLabel(key, str, num, unit, in->CurrentPosition());
        } else {
          RETURN_IF_ERROR(SkipField(in, wt, field_name(kSample)));
        }
      }
      if (!in->ConsumedEntireMessage() || in->BytesUntilLimit() != 0) {
        return Bad(field_name(kSample), in->CurrentPosition(), "malformed field tag");
      }
      in->PopLimit(limit);
    }
    // The count of values is checked once the sample types are read (FindDeferredError).
    if (p_.sample_stack.empty()) {
      values_per_sample_ = vals_.size();
    } else if (vals_.size() != values_per_sample_ && odd_values_.sample == 0) {
      odd_values_ = {vals_.size(), p_.sample_stack.size(), at};
    }
    const uint8_t* key = packed;
    uint32_t key_len = packed_len;
    if (location_fields != 1 || packed == nullptr) {
      if (packed != nullptr) {  // a packed run followed by more runs: all in order
        std::vector<uint64_t> rest;
        rest.swap(ids_);
        const uint8_t* p = packed;
        uint64_t v;
        while (ScanVarint(&p, packed + packed_len, &v) == 1) ids_.push_back(v);
        ids_.insert(ids_.end(), rest.begin(), rest.end());
      }
      // Kept as the packed form, so that the same stack written either way is one.
      key_.clear();
      for (uint64_t v : ids_) {
        for (; v >= 0x80; v >>= 7) key_.push_back(static_cast<char>(v | 0x80));
        key_.push_back(static_cast<char>(v));
      }
      key = reinterpret_cast<const uint8_t*>(key_.data());
      key_len = static_cast<uint32_t>(key_.size());
    }
    const uint64_t h = HashBytes(key, key_len);
    uint32_t stack = raw_stacks_.Find(key, key_len, h);
    if (stack == kNone) {
      if (key == packed) {
        const uint8_t* p = packed;
        for (uint64_t v; p != packed + packed_len; ++raw_ids_) {
          const uint8_t* id_at = p;
          if (ScanVarint(&p, packed + packed_len, &v) != 1) {
            return Truncated(field_name(kLocationId), id_at - data_);
          }
        }
      } else {  // kept where it stays put
        key = reinterpret_cast<const uint8_t*>(unpacked_keys_.emplace_back(key_).data());
        raw_ids_ += ids_.size();
      }
      stack = static_cast<uint32_t>(raw_.size());
      raw_.push_back({key, key_len, 0, p_.sample_stack.size(), at});
      raw_stacks_.Insert(key, key_len, h, stack);
    }
    p_.sample_stack.push_back(stack);
    if (p_.sample_stack.size() == kSizing) Reserve(in->CurrentPosition());
    for (uint64_t v : vals_) p_.values.push_back(static_cast<int64_t>(v));
    for (const Label& l : labels_) label_interner_.Add(l);
    p_.label_offsets.push_back(static_cast<uint32_t>(p_.sample_labels.size()));
    return Status();
  }

  // Sizes the sample arrays for the samples the rest of the message holds at the rate of
  // the first kSizing, which end at `end`, instead of regrowing them; not when that would
  // take more than twice the message (first samples unlike the rest): then they grow.
  void Reserve(size_t end) {
    const uint64_t scale = (size_ - first_sample_at_) * 17 / 16 / (end - first_sample_at_);
    const uint64_t n = kSizing * scale, values = p_.values.size() * scale,
                   labels = p_.sample_labels.size() * scale;
    if (n * 8 + values * sizeof(int64_t) + labels * 4 > 2 * uint64_t{size_}) return;
    p_.sample_stack.reserve(n);
    p_.label_offsets.reserve(n + 1);
    p_.values.reserve(values);
    p_.sample_labels.reserve(labels);
  }

  // The first sample at fault in the checks that waited for the tables (its label string
  // indexes, then its count of values): deferred_, and deferred_sample_ its index.
  void FindDeferredError() {
    for (const LabelRecord& r : label_records_) {
      if (r.index > p_.strings.size()) {
        deferred_sample_ = r.sample;
        deferred_ = IndexSampleError(
            Bad(SampleField(kLabelField), r.at,
                Format("string index %llu out of range (%u strings)",
                       static_cast<unsigned long long>(r.index - 1), p_.strings.size())),
            r.sample);
        break;
      }
    }
    if (p_.sample_stack.empty()) return;
    ValueCount odd = values_per_sample_ != p_.num_types()
                         ? ValueCount{values_per_sample_, 0, first_sample_at_}
                         : odd_values_;
    if (odd.at != 0 && odd.sample < deferred_sample_) {
      deferred_sample_ = odd.sample;
      deferred_ = IndexSampleError(Bad(SampleField(kValue), odd.at,
                                       Format("expected %zu values, found %zu",
                                              p_.num_types(), odd.count)),
                                   odd.sample);
    }
  }

  // Turns the raw stacks, in the order their first samples came, into stacks of location
  // indexes; an unknown id is an error of that first sample, unless deferred_ came before.
  Status ResolveStacks(size_t budget) {
    for (size_t spent = 0; i_ < raw_.size() && spent < budget; ++i_) {
      RawStack& r = raw_[i_];
      if (r.sample >= deferred_sample_) return deferred_;
      locs_.clear();
      uint64_t id;
      for (const uint8_t* p = r.key; ScanVarint(&p, r.key + r.len, &id) == 1;) {
        const uint32_t index = location_ids_.Find(id);
        if (index == kNone) {
          return IndexSampleError(
              Bad(SampleField(kLocationId), r.at,
                  Format("unknown location id %llu", static_cast<unsigned long long>(id))),
              r.sample);
        }
        locs_.push_back(index);
      }
      r.stack = stacks_.Intern(locs_.data(), locs_.size());
      spent += r.len + 1;
    }
    if (i_ < raw_.size()) return Status();
    if (deferred_sample_ != SIZE_MAX) return deferred_;
    raw_stacks_ = RawStackCache();
    unpacked_keys_.clear();
    Next(kSamples);
    return Status();
  }

  void RenumberSamples(size_t budget) {
    const size_t end = budget >= p_.num_samples() - i_ ? p_.num_samples() : i_ + budget;
    for (; i_ < end; ++i_) p_.sample_stack[i_] = raw_[p_.sample_stack[i_]].stack;
    if (i_ < p_.num_samples()) return;
    raw_ = {};
    Next(kDone);
  }

  const uint8_t* data_;
  size_t size_;
  size_t available_ = SIZE_MAX;  // bytes arrived so far (PprofReader::Arrived)
  bool waiting_ = false;         // the last step stopped at a field yet to arrive
  Phase phase_ = kFields;
  size_t pos_ = 0;  // where reading fields resumes
  size_t i_ = 0;    // the next item of the later phases
  bool seen_string_ = false;
  Profile p_;
  StackInterner stacks_{&p_};
  LabelInterner label_interner_{&p_};
  IdMap function_ids_, location_ids_;
  std::vector<uint64_t> line_function_ids_, location_mapping_ids_;
  // Where entries start, for errors found once the string table and ids are known.
  std::vector<size_t> sample_type_at_, mapping_at_, function_at_, location_at_, comment_at_;
  size_t drop_frames_at_ = 0, keep_frames_at_ = 0, period_type_at_ = 0, default_sample_type_at_ = 0;
  // A distinct location_id field (packed bytes), the stack it resolves to, and the first
  // sample that has it (index, and the offset of the sample) for errors.
  struct RawStack {
    const uint8_t* key;
    uint32_t len;
    uint32_t stack;
    size_t sample, at;
  };
  RawStackCache raw_stacks_;
  std::vector<RawStack> raw_;  // in order of first sample
  size_t raw_ids_ = 0;         // location ids in raw_, all told
  std::deque<std::string> unpacked_keys_;  // keys of stacks not written as one packed field
  std::string key_;
  size_t first_sample_at_ = 0;
  // Each label whose largest string index + 1 (`index`) is above every earlier label's:
  // the first label with an index out of range is one of them.
  struct LabelRecord {
    uint64_t index;
    size_t sample, at;
  };
  std::vector<LabelRecord> label_records_{{0, 0, 0}};
  // The count of values of the first sample, and the first sample with another count.
  struct ValueCount {
    size_t count, sample, at;
  };
  size_t values_per_sample_ = 0;
  ValueCount odd_values_{0, 0, 0};
  size_t deferred_sample_ = SIZE_MAX;
  Status deferred_;
  std::vector<uint64_t> ids_, vals_;
  std::vector<Label> labels_;  // the sample's, interned once it is read whole
  std::vector<uint32_t> locs_;
};

namespace {

Status TooLarge(size_t size) {
  return Status::ResourceExhausted(Format("pprof: message of %zu bytes exceeds 2 GiB", size));
}

}  // namespace

PprofReader::PprofReader(std::string_view data) : size_(data.size()) {
  if (size_ <= INT32_MAX) impl_ = std::make_unique<Impl>(data);
}
PprofReader::~PprofReader() = default;

Result<bool> PprofReader::Step(size_t budget) {
  if (!impl_) return TooLarge(size_);
  return impl_->Step(budget);
}

void PprofReader::Arrived(size_t n, bool last) {
  if (last) size_ = n;
  if (impl_) impl_->Arrived(n, last);
}

bool PprofReader::waiting() const { return impl_ && impl_->waiting(); }

double PprofReader::progress() const { return impl_ ? impl_->progress() : 0.0; }

Profile PprofReader::Take() { return impl_ ? impl_->Take() : Profile(); }

Result<Profile> ReadPprof(std::string_view data) {
  PprofReader reader(data);
  return RunToEnd(&reader);
}

bool LooksLikePprof(std::string_view data) {
  if (data.empty()) return true;  // an empty message is a valid, empty profile
  // The first field of a pprof written by any known encoder is one of 1..14 with
  // the matching wire type.
  uint8_t tag = static_cast<uint8_t>(data[0]);
  int f = tag >> 3, wt = tag & 7;
  if (f < 1 || f > 14) return false;
  bool len_field = f <= 6 || f == 11 || f == 13;
  return len_field ? wt == kLengthDelimited : wt == kVarint;
}

std::string WritePprof(const Profile& p, bool gzip) {
  perftools::profiles::Profile out;
  for (const ValueType& vt : p.sample_types) {
    auto* t = out.add_sample_type();
    t->set_type(vt.type);
    t->set_unit(vt.unit);
  }
  for (size_t i = 0; i < p.num_samples(); ++i) {
    auto* s = out.add_sample();
    uint32_t st = p.sample_stack[i];
    for (const uint32_t* l = p.stack_begin(st); l != p.stack_end(st); ++l) {
      s->add_location_id(*l + 1);
    }
    const int64_t* v = p.sample_values(i);
    for (size_t t = 0; t < p.num_types(); ++t) s->add_value(v[t]);
    for (uint32_t j = p.label_offsets[i]; j < p.label_offsets[i + 1]; ++j) {
      const Label& l = p.label(j);
      auto* ol = s->add_label();
      ol->set_key(l.key);
      ol->set_str(l.str);
      ol->set_num(l.num);
      ol->set_num_unit(l.num_unit);
    }
  }
  for (size_t i = 0; i < p.mappings.size(); ++i) {
    const Mapping& m = p.mappings[i];
    auto* om = out.add_mapping();
    om->set_id(i + 1);
    om->set_memory_start(m.memory_start);
    om->set_memory_limit(m.memory_limit);
    om->set_file_offset(m.file_offset);
    om->set_filename(m.filename);
    om->set_build_id(m.build_id);
    om->set_has_functions(m.has_functions);
    om->set_has_filenames(m.has_filenames);
    om->set_has_line_numbers(m.has_line_numbers);
    om->set_has_inline_frames(m.has_inline_frames);
  }
  for (size_t i = 0; i < p.locations.size(); ++i) {
    const Location& l = p.locations[i];
    auto* ol = out.add_location();
    ol->set_id(i + 1);
    ol->set_mapping_id(l.mapping == kNone ? 0 : l.mapping + 1);
    ol->set_address(l.address);
    ol->set_is_folded(l.is_folded);
    for (uint32_t j = l.first_line; j < l.first_line + l.num_lines; ++j) {
      auto* line = ol->add_line();
      line->set_function_id(p.lines[j].function == kNone ? 0 : p.lines[j].function + 1);
      line->set_line(p.lines[j].line);
      line->set_column(p.lines[j].column);
    }
  }
  for (size_t i = 0; i < p.functions.size(); ++i) {
    const Function& f = p.functions[i];
    auto* of = out.add_function();
    of->set_id(i + 1);
    of->set_name(f.name);
    of->set_system_name(f.system_name);
    of->set_filename(f.filename);
    of->set_start_line(f.start_line);
  }
  for (uint32_t i = 0; i < p.strings.size(); ++i) out.add_string_table(p.strings[i]);
  out.set_drop_frames(p.drop_frames);
  out.set_keep_frames(p.keep_frames);
  out.set_time_nanos(p.time_nanos);
  out.set_duration_nanos(p.duration_nanos);
  out.mutable_period_type()->set_type(p.period_type.type);
  out.mutable_period_type()->set_unit(p.period_type.unit);
  out.set_period(p.period);
  for (StringId c : p.comments) out.add_comment(c);
  out.set_default_sample_type(p.default_sample_type);
  std::string bytes = out.SerializeAsString();
  return gzip ? GzipCompress(bytes) : bytes;
}

}  // namespace pyrolens
