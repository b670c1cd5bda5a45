// Merge with the semantics of Google pprof's profile.Merge (profile/merge.go):
// mappings keyed by (size rounded up to 4 KiB, file offset, build id or else file name),
// functions by (name, system name, file name, start line), locations by (mapping,
// address relative to the mapping start, folded flag, lines), samples by (stack, labels).
// Each input's ids are translated lazily through per-input vectors, so an entity is
// looked up once per input however many samples use it; entities equal to the previous
// input's at the same index inherit its translation first (Merger::CarryOver).
#include "pyrolens/merge.h"

#include <algorithm>
#include <cstring>

namespace pyrolens {
namespace {


// Open-addressing index over dense ids 0..n-1 whose keys live elsewhere; callers pass
// the key's hash and an equality test on a candidate id. Slots keep the hash's high half
// so most failed probes never touch the key.
class IdIndex {
 public:
  IdIndex() : slots_(64) {}

  template <typename Eq>
  uint32_t Find(uint64_t h, Eq&& eq) const {
    size_t mask = slots_.size() - 1;
    uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = h & mask; slots_[i].id != kNone; i = (i + 1) & mask) {
      if (slots_[i].tag == tag && eq(slots_[i].id)) return slots_[i].id;
    }
    return kNone;
  }
  // REQUIRES: `id` == number of ids inserted so far.
  void Insert(uint64_t h, uint32_t id) {
    hashes_.push_back(h);
    if (hashes_.size() * 2 > slots_.size()) {
      Rehash(slots_.size() * 2);
    } else {
      Place(h, id);
    }
  }

 private:
  struct Slot {
    uint32_t id = kNone;
    uint32_t tag = 0;
  };
  void Place(uint64_t h, uint32_t id) {
    size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    while (slots_[i].id != kNone) i = (i + 1) & mask;
    slots_[i] = {id, static_cast<uint32_t>(h >> 32)};
  }
  void Rehash(size_t buckets) {
    slots_.assign(buckets, Slot());
    for (uint32_t id = 0; id < hashes_.size(); ++id) Place(hashes_[id], id);
  }
  std::vector<Slot> slots_;
  std::vector<uint64_t> hashes_;  // by id
};

// Merged samples by key (stack << 32 | label set), the key kept in the slot.
class SampleIndex {
 public:
  SampleIndex() : slots_(1024) {}
  // Returns the sample with `key`, adding it as sample `next` when absent.
  uint32_t FindOrAdd(uint64_t key, uint32_t next) {
    size_t mask = slots_.size() - 1;
    size_t i = Mix64(key) & mask;
    for (; slots_[i].id != kNone; i = (i + 1) & mask) {
      if (slots_[i].key == key) return slots_[i].id;
    }
    slots_[i] = {key, next};
    if (++used_ * 2 > slots_.size()) Grow();
    return next;
  }

 private:
  struct Slot {
    uint64_t key = 0;
    uint32_t id = kNone;
  };
  void Grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.id == kNone) continue;
      size_t i = Mix64(s.key) & mask;
      while (slots_[i].id != kNone) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  size_t used_ = 0;
};

std::string TypeList(const Profile& p) {
  std::string out = "[";
  for (size_t i = 0; i < p.sample_types.size(); ++i) {
    if (i > 0) out += ' ';
    out += p.str(p.sample_types[i].type) + "/" + p.str(p.sample_types[i].unit);
  }
  return out + "]";
}

std::string PeriodType(const Profile& p) {
  return p.str(p.period_type.type) + "/" + p.str(p.period_type.unit);
}

bool SameValueType(const Profile& a, ValueType x, const Profile& b, ValueType y) {
  return a.str(x.type) == b.str(y.type) && a.str(x.unit) == b.str(y.unit);
}

// The structural invariants the lazy translation below relies on; ids inside the
// tables are checked when first translated.
Status CheckShape(const Profile& p, size_t index) {
  size_t n = p.num_samples();
  if (p.values.size() != n * p.num_types() || p.label_offsets.size() != n + 1 ||
      p.label_offsets.back() > p.sample_labels.size() || p.stack_offsets.empty() ||
      p.stack_offsets.back() > p.stack_locations.size()) {
    return Status::Corruption(Format("merge: profile %zu: inconsistent sample arrays", index));
  }
  StringId top = std::max({p.drop_frames, p.keep_frames, p.default_sample_type,
                           p.period_type.type, p.period_type.unit});
  for (const ValueType& vt : p.sample_types) top = std::max({top, vt.type, vt.unit});
  for (StringId c : p.comments) top = std::max(top, c);
  if (top >= p.strings.size()) {
    return Status::Corruption(Format("merge: profile %zu: string id %u out of range", index, top));
  }
  return Status();
}

class Merger {
 public:
  Merger() : stacks_(&out_), label_interner_(&out_) { strings_.Insert(HashBytes("", 0), 0); }

  Status CombineHeaders(const std::vector<const Profile*>& in) {
    const Profile& first = *in[0];
    // Sample types first: they say more about why two profiles cannot merge.
    for (size_t i = 1; i < in.size(); ++i) {
      const Profile& p = *in[i];
      bool same = p.num_types() == first.num_types();
      for (size_t t = 0; same && t < p.num_types(); ++t) {
        same = SameValueType(first, first.sample_types[t], p, p.sample_types[t]);
      }
      if (!same) {
        return Status::InvalidArgument(Format("merge: sample types differ: %s vs %s (profiles 0 and "
                                              "%zu)", TypeList(first).c_str(),
                                              TypeList(p).c_str(), i));
      }
      if (!SameValueType(first, first.period_type, p, p.period_type)) {
        return Status::InvalidArgument(Format("merge: period types differ: %s vs %s (profiles 0 and "
                                              "%zu)", PeriodType(first).c_str(),
                                              PeriodType(p).c_str(), i));
      }
    }
    for (const ValueType& vt : first.sample_types) {
      out_.sample_types.push_back({Intern(first.str(vt.type)),
                                   Intern(first.str(vt.unit))});
    }
    out_.period_type = {Intern(first.str(first.period_type.type)),
                        Intern(first.str(first.period_type.unit))};
    out_.drop_frames = Intern(first.str(first.drop_frames));
    out_.keep_frames = Intern(first.str(first.keep_frames));
    std::vector<char> seen_comment;
    for (const Profile* p : in) {
      // pprof keeps the earliest time, but a later zero resets it; the earliest
      // non-zero time is what it means and is associative.
      if (p->time_nanos != 0 && (out_.time_nanos == 0 || p->time_nanos < out_.time_nanos)) {
        out_.time_nanos = p->time_nanos;
      }
      out_.duration_nanos = WrapAdd(out_.duration_nanos, p->duration_nanos);
      if (out_.period == 0 || out_.period < p->period) out_.period = p->period;
      for (StringId c : p->comments) {
        StringId id = Intern(p->str(c));
        if (seen_comment.size() <= id) seen_comment.resize(id + 1, 0);
        if (!seen_comment[id]) out_.comments.push_back(id);
        seen_comment[id] = 1;
      }
      if (out_.default_sample_type == 0 && !p->str(p->default_sample_type).empty()) {
        out_.default_sample_type = Intern(p->str(p->default_sample_type));
      }
    }
    num_types_ = first.num_types();
    return Status();
  }

  // Reserves merged stacks for the worst case (inputs share no stack): growing by copying
  // costs more. Finish() gives back what was not used.
  void Reserve(const std::vector<const Profile*>& in) {
    size_t frames = 0;
    for (const Profile* p : in) frames += p->stack_locations.size();
    out_.stack_locations.reserve(frames);
  }

  // REQUIRES: CheckShape(src, index) passed.
  Status Add(const Profile& src, size_t index) {
    index_ = index;
    // The previous input's translations become hints (see CarryOver).
    str_hint_.swap(str_map_);
    mapping_hint_.swap(mapping_map_);
    mapping_offset_hint_.swap(mapping_offset_);
    function_hint_.swap(function_map_);
    location_hint_.swap(location_map_);
    stack_hint_.swap(stack_map_);
    str_map_.assign(src.strings.size(), kNone);
    mapping_map_.assign(src.mappings.size(), kNone);
    mapping_offset_.assign(src.mappings.size(), 0);
    function_map_.assign(src.functions.size(), kNone);
    location_map_.assign(src.locations.size(), kNone);
    stack_map_.assign(src.num_stacks(), kNone);
    const Profile* prev = src_;  // the previous input, alive for the whole merge
    src_ = &src;
    if (prev != nullptr) CarryOver(*prev);
    // pprof: the first mapping is the main binary, so it goes first in the output.
    if (out_.mappings.empty() && !src.mappings.empty()) {
      if (MapMapping(0) == kNone) return Bad("mapping 0");
    }
    const size_t k = num_types_;
    for (size_t i = 0; i < src.num_samples(); ++i) {
      const int64_t* v = src.sample_values(i);
      uint32_t s = src.sample_stack[i];
      if (s >= stack_map_.size()) return Bad(Format("sample %zu: stack id", i));
      bool zero = true;
      for (size_t t = 0; t < k; ++t) zero = zero && v[t] == 0;
      if (zero) continue;  // pprof drops all-zero samples
      uint32_t stack = stack_map_[s];
      if (stack == kNone) {
        stack = MapStack(s);
        if (stack == kNone) return Bad(Format("sample %zu: stack %u", i, s));
      }
      uint32_t set = 0;
      uint32_t lb = src.label_offsets[i], le = src.label_offsets[i + 1];
      if (lb != le) {
        if (lb > le || le > src.sample_labels.size()) return Bad(Format("sample %zu: labels", i));
        set = MapLabels(lb, le);
        if (set == kNone) return Bad(Format("sample %zu: label string", i));
      }
      uint64_t key = (static_cast<uint64_t>(stack) << 32) | set;
      uint32_t next = static_cast<uint32_t>(sample_keys_.size());
      uint32_t id = samples_.FindOrAdd(key, next);
      if (id == next) {
        sample_keys_.push_back(key);
        out_.values.insert(out_.values.end(), v, v + k);
      } else {
        int64_t* dst = &out_.values[static_cast<size_t>(id) * k];
        for (size_t t = 0; t < k; ++t) dst[t] = WrapAdd(dst[t], v[t]);
      }
    }
    return Status();
  }

  // Writers that list their tables in the same order each time (one process, profile
  // after profile) give entities equal to the previous input's at the same index. One
  // sequential pass per table, comparing raw fields, hands such entities the previous
  // translation; what differs is translated lazily by content as usual. Sequential passes
  // are much cheaper than lookups in first-use order: the inputs' tables are cold in cache.
  void CarryOver(const Profile& prev) {
    const Profile& src = *src_;
    // A string id whose string equals the previous input's at that id keeps its translation.
    size_t n = std::min<size_t>({src.strings.size(), prev.strings.size(), str_hint_.size()});
    for (size_t k = 0; k < n; ++k) {
      if (str_hint_[k] != kNone && src.strings[k] == prev.strings[k]) str_map_[k] = str_hint_[k];
    }
    auto same_str = [&](StringId a, StringId b) { return a == b && Carried(str_map_, a); };
    n = std::min<size_t>({src.mappings.size(), prev.mappings.size(), mapping_hint_.size()});
    for (size_t k = 0; k < n; ++k) {
      const Mapping &a = src.mappings[k], &b = prev.mappings[k];
      if (mapping_hint_[k] != kNone && a.memory_start == b.memory_start &&
          a.memory_limit == b.memory_limit && a.file_offset == b.file_offset &&
          same_str(a.filename, b.filename) && same_str(a.build_id, b.build_id)) {
        mapping_map_[k] = mapping_hint_[k];
        mapping_offset_[k] = mapping_offset_hint_[k];
      }
    }
    n = std::min<size_t>({src.functions.size(), prev.functions.size(), function_hint_.size()});
    for (size_t k = 0; k < n; ++k) {
      const Function &a = src.functions[k], &b = prev.functions[k];
      if (function_hint_[k] != kNone && same_str(a.name, b.name) &&
          same_str(a.system_name, b.system_name) && same_str(a.filename, b.filename) &&
          a.start_line == b.start_line) {
        function_map_[k] = function_hint_[k];
      }
    }
    n = std::min<size_t>({src.locations.size(), prev.locations.size(), location_hint_.size()});
    for (size_t k = 0; k < n; ++k) {
      if (location_hint_[k] != kNone && SameLocation(src.locations[k], prev.locations[k], prev)) {
        location_map_[k] = location_hint_[k];
      }
    }
    n = std::min<size_t>({src.num_stacks(), prev.num_stacks(), stack_hint_.size()});
    for (size_t k = 0; k < n; ++k) {
      if (stack_hint_[k] == kNone) continue;
      const uint32_t *a = src.stack_begin(k), *ae = src.stack_end(k), *b = prev.stack_begin(k);
      if (ae - a != prev.stack_end(k) - b) continue;
      bool same = true;
      for (; same && a != ae; ++a, ++b) {
        same = *a == *b && Carried(location_map_, *a);
      }
      if (same) stack_map_[k] = stack_hint_[k];
    }
  }

  // Whether the current input's `id` has a translation (in CarryOver: one carried over).
  static bool Carried(const std::vector<uint32_t>& map, uint32_t id) {
    return id < map.size() && map[id] != kNone;
  }

  // Whether location `a` of the current input has the content of `b` of `prev` (same raw
  // ids, each of them carried over).
  bool SameLocation(const Location& a, const Location& b, const Profile& prev) const {
    const Profile& src = *src_;
    if (a.address != b.address || a.is_folded != b.is_folded || a.mapping != b.mapping ||
        a.num_lines != b.num_lines) {
      return false;
    }
    if (a.mapping != kNone && !Carried(mapping_map_, a.mapping)) return false;
    if (a.first_line > src.lines.size() || a.num_lines > src.lines.size() - a.first_line ||
        b.first_line > prev.lines.size() || b.num_lines > prev.lines.size() - b.first_line) {
      return false;
    }
    for (uint32_t j = 0; j < a.num_lines; ++j) {
      const Line &x = src.lines[a.first_line + j], &y = prev.lines[b.first_line + j];
      if (x.function != y.function || x.line != y.line || x.column != y.column) return false;
      if (x.function != kNone && !Carried(function_map_, x.function)) return false;
    }
    return true;
  }

  // Fills the sample arrays; returns true when a merged sample summed to all zeros
  // (then, as in pprof, the result is merged once more to drop it and what it used).
  bool Finish() {
    if (out_.stack_locations.capacity() > 2 * out_.stack_locations.size() + 4096) {
      out_.stack_locations.shrink_to_fit();
    }
    const size_t k = num_types_;
    bool has_zero = false;
    out_.sample_stack.reserve(sample_keys_.size());
    out_.label_offsets.reserve(sample_keys_.size() + 1);
    for (size_t i = 0; i < sample_keys_.size(); ++i) {
      uint64_t key = sample_keys_[i];
      out_.sample_stack.push_back(static_cast<uint32_t>(key >> 32));
      uint32_t set = static_cast<uint32_t>(key);
      labels_.clear();
      for (uint32_t w = set_offsets_[set]; w < set_offsets_[set + 1]; w += 3) {
        Label l;
        l.key = static_cast<StringId>(set_words_[w] >> 32);
        l.str = static_cast<StringId>(set_words_[w]);
        l.num = static_cast<int64_t>(set_words_[w + 1]);
        l.num_unit = static_cast<StringId>(set_words_[w + 2]);
        labels_.push_back(l);
      }
      // pprof writes string labels, then numeric ones, each sorted by key name.
      std::stable_sort(labels_.begin(), labels_.end(), [&](const Label& a, const Label& b) {
        bool an = a.str == 0, bn = b.str == 0;
        if (an != bn) return bn;
        return out_.strings[a.key] < out_.strings[b.key];
      });
      for (const Label& l : labels_) label_interner_.Add(l);
      out_.label_offsets.push_back(static_cast<uint32_t>(out_.sample_labels.size()));
      bool zero = true;
      for (size_t t = 0; t < k; ++t) zero = zero && out_.values[i * k + t] == 0;
      has_zero = has_zero || zero;
    }
    return has_zero;
  }

  Profile& out() { return out_; }

 private:
  Status Bad(const std::string& what) const {
    return Status::Corruption(Format("merge: profile %zu: %s out of range", index_, what.c_str()));
  }

  // Interns into out_.strings through strings_, which keeps each string's hash so that
  // bytes are compared only when hashes match.
  StringId Intern(std::string_view s) {
    uint64_t h = HashBytes(s.data(), s.size());
    uint32_t id = strings_.Find(h, [&](uint32_t c) { return out_.strings[c] == s; });
    if (id == kNone) {
      id = out_.strings.Add(s);
      strings_.Insert(h, id);
    }
    return id;
  }

  // Translates a string id of the current input; kNone when out of range.
  uint32_t Str(StringId s) {
    if (s >= str_map_.size()) return kNone;
    uint32_t& m = str_map_[s];
    if (m == kNone) m = Intern(src_->strings[s]);
    return m;
  }

  static uint64_t MappingSize(const Mapping& m) {
    // pprof rounds the size up to 4 KiB to absorb small differences between runs.
    uint64_t size = m.memory_limit - m.memory_start + 0xfff;
    return size - size % 0x1000;
  }
  static uint32_t BuildIdOrFile(const Mapping& m) {
    return m.build_id != 0 ? m.build_id : m.filename;
  }

  uint32_t MapMapping(uint32_t mi) {
    if (mi >= mapping_map_.size()) return kNone;
    if (mapping_map_[mi] != kNone) return mapping_map_[mi];
    Mapping m = src_->mappings[mi];
    m.filename = Str(m.filename);
    m.build_id = Str(m.build_id);
    if (m.filename == kNone || m.build_id == kNone) return kNone;
    uint64_t size = MappingSize(m);
    uint32_t bf = BuildIdOrFile(m);
    uint64_t h = HashWords({size, m.file_offset, bf});
    uint32_t id = mappings_.Find(h, [&](uint32_t c) {
      const Mapping& o = out_.mappings[c];
      return MappingSize(o) == size && o.file_offset == m.file_offset && BuildIdOrFile(o) == bf;
    });
    if (id != kNone) {
      // Addresses of this input's locations are shifted into the kept mapping's range.
      mapping_offset_[mi] = out_.mappings[id].memory_start - m.memory_start;
    } else {
      id = static_cast<uint32_t>(out_.mappings.size());
      m.id = id + 1;
      out_.mappings.push_back(m);
      mappings_.Insert(h, id);
    }
    mapping_map_[mi] = id;
    return id;
  }

  uint32_t MapFunction(uint32_t fi) {
    if (fi >= function_map_.size()) return kNone;
    if (function_map_[fi] != kNone) return function_map_[fi];
    Function f = src_->functions[fi];
    f.name = Str(f.name);
    f.system_name = Str(f.system_name);
    f.filename = Str(f.filename);
    if (f.name == kNone || f.system_name == kNone || f.filename == kNone) return kNone;
    auto same = [&](uint32_t c) {
      const Function& o = out_.functions[c];
      return o.name == f.name && o.system_name == f.system_name && o.filename == f.filename &&
             o.start_line == f.start_line;
    };
    uint64_t h = HashWords({f.name, f.system_name, f.filename, static_cast<uint64_t>(f.start_line)});
    uint32_t id = functions_.Find(h, same);
    if (id == kNone) {
      id = static_cast<uint32_t>(out_.functions.size());
      out_.functions.push_back(f);
      functions_.Insert(h, id);
    }
    function_map_[fi] = id;
    return id;
  }

  uint32_t MapLocation(uint32_t li) {
    if (li >= location_map_.size()) return kNone;
    if (location_map_[li] != kNone) return location_map_[li];
    const Location& src = src_->locations[li];
    if (src.first_line > src_->lines.size() || src.num_lines > src_->lines.size() - src.first_line) {
      return kNone;
    }
    Location loc;
    loc.address = src.address;
    loc.is_folded = src.is_folded;
    uint64_t norm = src.address;
    if (src.mapping != kNone) {
      loc.mapping = MapMapping(src.mapping);
      if (loc.mapping == kNone) return kNone;
      loc.address = src.address + mapping_offset_[src.mapping];
      norm = loc.address - out_.mappings[loc.mapping].memory_start;
    }
    size_t nw = 3 + 3 * static_cast<size_t>(src.num_lines);
    if (key_.size() < nw) key_.resize(nw);
    if (line_scratch_.size() < src.num_lines) line_scratch_.resize(src.num_lines);
    uint64_t* w = key_.data();
    w[0] = loc.mapping;
    w[1] = norm;
    w[2] = loc.is_folded;
    for (uint32_t j = 0; j < src.num_lines; ++j) {
      Line line = src_->lines[src.first_line + j];
      if (line.function != kNone) {
        line.function = MapFunction(line.function);
        if (line.function == kNone) return kNone;
      }
      line_scratch_[j] = line;
      w[3 + 3 * j] = line.function;
      w[4 + 3 * j] = static_cast<uint64_t>(line.line);
      w[5 + 3 * j] = static_cast<uint64_t>(line.column);
    }
    auto same = [&](uint32_t c) {
      uint32_t b = loc_key_offsets_[c], e = loc_key_offsets_[c + 1];
      return e - b == nw && SameBytes(&loc_key_words_[b], w, nw * sizeof(uint64_t));
    };
    uint64_t h = HashBytes(w, nw * sizeof(uint64_t));
    uint32_t id = locations_.Find(h, same);
    if (id == kNone) {
      id = static_cast<uint32_t>(out_.locations.size());
      loc.first_line = static_cast<uint32_t>(out_.lines.size());
      loc.num_lines = src.num_lines;
      out_.lines.insert(out_.lines.end(), line_scratch_.begin(),
                        line_scratch_.begin() + src.num_lines);
      out_.locations.push_back(loc);
      loc_key_words_.insert(loc_key_words_.end(), w, w + nw);
      loc_key_offsets_.push_back(static_cast<uint32_t>(loc_key_words_.size()));
      locations_.Insert(h, id);
    }
    location_map_[li] = id;
    return id;
  }

  uint32_t MapStack(uint32_t s) {
    uint32_t b = src_->stack_offsets[s], e = src_->stack_offsets[s + 1];
    if (b > e || e > src_->stack_locations.size()) return kNone;
    size_t n = e - b;
    if (locs_.size() < n) locs_.resize(n);
    uint32_t* out = locs_.data();
    const uint32_t* in = src_->stack_locations.data() + b;
    const uint32_t* cached = location_map_.data();  // MapLocation never resizes it
    const size_t num_locations = location_map_.size();
    for (size_t j = 0; j < n; ++j) {
      uint32_t l = in[j];
      if (l >= num_locations) return kNone;
      uint32_t m = cached[l];
      if (m == kNone) {
        m = MapLocation(l);
        if (m == kNone) return kNone;
      }
      out[j] = m;
    }
    uint32_t id = stacks_.Intern(out, n);
    stack_map_[s] = id;
    return id;
  }

  // Interns the canonical form of labels[lb, le): pprof groups labels by key (string
  // labels, then numeric ones), keeps the order of values within a key, and ignores
  // labels that carry neither a string nor a number nor a unit.
  uint32_t MapLabels(uint32_t lb, uint32_t le) {
    // Three words per label: key << 32 | str, num, unit; sorted in place by the first
    // word's kind and key (stable insertion sort: label runs are short).
    size_t n = le - lb;
    if (words_.size() < 3 * n) {
      words_.resize(3 * n);
      ranks_.resize(n);
    }
    uint64_t* w = words_.data();
    uint64_t* r = ranks_.data();
    size_t m = 0;
    for (uint32_t j = lb; j < le; ++j) {
      if (src_->sample_labels[j] >= src_->label_table.size()) return kNone;
      const Label& l = src_->label(j);
      uint64_t key = Str(l.key), a, num = 0, unit = 0;
      if (key == kNone) return kNone;
      if (l.str != 0) {
        uint64_t str = Str(l.str);
        if (str == kNone) return kNone;
        a = key << 32 | str;
      } else if (l.num != 0 || l.num_unit != 0) {
        a = key << 32;
        num = static_cast<uint64_t>(l.num);
        unit = Str(l.num_unit);
        if (unit == kNone) return kNone;
      } else {
        continue;
      }
      uint64_t rank = (l.str != 0 ? 0 : 1ull << 32) | key;  // string labels first
      size_t pos = m++;
      while (pos > 0 && r[pos - 1] > rank) {
        memcpy(w + 3 * pos, w + 3 * (pos - 1), 3 * sizeof(uint64_t));
        r[pos] = r[pos - 1];
        --pos;
      }
      w[3 * pos] = a;
      w[3 * pos + 1] = num;
      w[3 * pos + 2] = unit;
      r[pos] = rank;
    }
    if (m == 0) return 0;
    size_t nw = 3 * m;
    uint64_t h = 0x9E3779B97F4A7C15ull * nw;
    for (size_t i = 0; i < nw; ++i) h = Mix64(h ^ w[i]);
    // label_sets_ holds set - 1: set 0 (no labels) is never looked up.
    uint32_t id = label_sets_.Find(h, [&](uint32_t c) {
      uint32_t b = set_offsets_[c + 1], e = set_offsets_[c + 2];
      if (e - b != nw) return false;
      for (size_t i = 0; i < nw; ++i) {
        if (set_words_[b + i] != w[i]) return false;
      }
      return true;
    });
    if (id != kNone) return id + 1;
    id = static_cast<uint32_t>(set_offsets_.size() - 1);
    set_words_.insert(set_words_.end(), w, w + nw);
    set_offsets_.push_back(static_cast<uint32_t>(set_words_.size()));
    label_sets_.Insert(h, id - 1);
    return id;
  }

  static uint64_t HashWords(std::initializer_list<uint64_t> words) {
    return HashBytes(words.begin(), words.size() * sizeof(uint64_t));
  }

  Profile out_;
  StackInterner stacks_;
  LabelInterner label_interner_;
  size_t num_types_ = 0;

  // The current input and its id translations (reused across inputs).
  const Profile* src_ = nullptr;
  size_t index_ = 0;
  std::vector<uint32_t> str_map_, mapping_map_, function_map_, location_map_, stack_map_;
  std::vector<uint32_t> str_hint_, mapping_hint_, function_hint_, location_hint_, stack_hint_;
  std::vector<uint64_t> mapping_offset_, mapping_offset_hint_;

  // Content indexes of the merged tables.
  IdIndex strings_, mappings_, functions_, locations_, label_sets_;
  SampleIndex samples_;
  std::vector<uint64_t> loc_key_words_;
  std::vector<uint32_t> loc_key_offsets_{0};
  std::vector<uint64_t> set_words_;  // label set s: words [set_offsets_[s], set_offsets_[s+1])
  std::vector<uint32_t> set_offsets_{0, 0};  // set 0 is the empty set
  std::vector<uint64_t> sample_keys_;  // stack << 32 | label set, by merged sample

  // Scratch.
  std::vector<uint64_t> key_;
  std::vector<Line> line_scratch_;
  std::vector<uint32_t> locs_;
  std::vector<uint64_t> words_, ranks_;
  std::vector<Label> labels_;
};

Result<Profile> MergeOnce(const std::vector<const Profile*>& profiles, bool* has_zero) {
  for (size_t i = 0; i < profiles.size(); ++i) RETURN_IF_ERROR(CheckShape(*profiles[i], i));
  Merger m;
  RETURN_IF_ERROR(m.CombineHeaders(profiles));
  m.Reserve(profiles);
  for (size_t i = 0; i < profiles.size(); ++i) RETURN_IF_ERROR(m.Add(*profiles[i], i));
  *has_zero = m.Finish();
  return std::move(m.out());
}

}  // namespace

Result<Profile> Merge(const std::vector<const Profile*>& profiles) {
  if (profiles.empty()) return Status::InvalidArgument("merge: no profiles to merge");
  for (size_t i = 0; i < profiles.size(); ++i) {
    if (profiles[i] == nullptr) {
      return Status::InvalidArgument(Format("merge: profile %zu is null", i));
    }
  }
  bool has_zero = false;
  ASSIGN_OR_RETURN(Profile merged, MergeOnce(profiles, &has_zero));
  if (!has_zero) return merged;
  // Samples that summed to zero: merge the result alone to drop them and compact.
  return MergeOnce({&merged}, &has_zero);
}

}  // namespace pyrolens
