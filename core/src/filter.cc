// Filters over the flat model with pprof's semantics; see filter.h for the sources.
#include "pyrolens/filter.h"

#include <cxxabi.h>
#include <re2/re2.h>

#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "pyrolens/units.h"

namespace pyrolens {
namespace {

std::unique_ptr<RE2> NewRegex(std::string_view pattern, std::string* error) {
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    *error = re->error();
    return nullptr;
  }
  return re;
}

bool Matches(const RE2& re, std::string_view s) {
  return RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), re);
}

// Go's strconv.ParseInt(s, 10, 64) (and Atoi): optional sign, decimal digits only.
bool ParseInt64(std::string_view s, int64_t* out) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  if (i == s.size()) return false;
  uint64_t v = 0;
  const uint64_t limit = neg ? (1ull << 63) : (1ull << 63) - 1;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (limit - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

// symbolizer.go removeMatching: removes nested start..end groups; an unbalanced end
// stops the scan and keeps what was removed so far.
std::string RemoveMatching(std::string name, char start, char end) {
  int nesting = 0;
  size_t first = 0;
  size_t current = 0;
  while (true) {
    size_t index = name.find_first_of(std::string{start, end}, current);
    if (index == std::string::npos) break;
    current = index;
    if (name[current] == start) {
      if (++nesting == 1) first = current;
    } else {
      --nesting;
      if (nesting < 0) return name;
      if (nesting == 0) {
        name.erase(first, current + 1 - first);
        current = first;
        continue;
      }
    }
    ++current;
  }
  return name;
}

bool LooksLikeDemangledCpp(std::string_view name) {
  if (name.find(".<") != std::string_view::npos) return false;  // Java's "Class.<init>"
  return name.find_first_of("<>[]") != std::string_view::npos ||
         name.find("::") != std::string_view::npos;
}

std::string DemangleName(const std::string& system_name) {
  if (system_name.compare(0, 2, "_Z") == 0) {
    // pprof's Go demangler prints without parameters and template arguments; the
    // system demangler prints everything, so strip the same groups afterwards.
    int status = 0;
    char* out = abi::__cxa_demangle(system_name.c_str(), nullptr, nullptr, &status);
    if (status == 0 && out != nullptr) {
      std::string s = out;
      free(out);
      return RemoveMatching(RemoveMatching(s, '(', ')'), '<', '>');
    }
    free(out);
  }
  std::string name = system_name;
  if (LooksLikeDemangledCpp(name)) {
    name = RemoveMatching(name, '(', ')');
    name = RemoveMatching(name, '<', '>');
  }
  return name;
}

// prune.go simplifyFunc: the name without a leading '.' and without its argument
// list, where "(anonymous namespace)" and "operator()" do not start an argument list.
std::string_view SimplifyFunc(std::string_view name) {
  if (!name.empty() && name[0] == '.') name.remove_prefix(1);
  static constexpr std::string_view kReserved[] = {"(anonymous namespace)", "operator()"};
  size_t pos = 0;
  while (pos < name.size()) {
    bool reserved = false;
    for (std::string_view r : kReserved) {
      if (name.substr(pos, r.size()) == r) {
        pos += r.size();
        reserved = true;
        break;
      }
    }
    if (reserved) continue;
    if (name[pos] == '(') return name.substr(0, pos);
    ++pos;
  }
  return name;
}

// Rebuilds the stack CSR arrays, keeping stack s's frames [begin[s], end[s]) of the
// current arrays (positions relative to the stack's start).
void RewriteStacks(Profile* p, const std::vector<uint32_t>& begin,
                   const std::vector<uint32_t>& end) {
  std::vector<uint32_t> offsets(p->num_stacks() + 1, 0);
  std::vector<uint32_t> locs;
  locs.reserve(p->stack_locations.size());
  for (uint32_t s = 0; s < p->num_stacks(); ++s) {
    const uint32_t* base = p->stack_begin(s);
    locs.insert(locs.end(), base + begin[s], base + end[s]);
    offsets[s + 1] = static_cast<uint32_t>(locs.size());
  }
  p->stack_offsets.swap(offsets);
  p->stack_locations.swap(locs);
}

// Keeps the samples for which keep[i] is set, preserving order.
void CompactSamples(Profile* p, const std::vector<uint8_t>& keep) {
  size_t nt = p->num_types();
  size_t w = 0;
  uint32_t label_w = 0;
  uint32_t old_begin = p->label_offsets[0];
  for (size_t i = 0; i < p->num_samples(); ++i) {
    uint32_t old_end = p->label_offsets[i + 1];
    if (keep[i]) {
      p->sample_stack[w] = p->sample_stack[i];
      if (w != i && nt > 0) {
        memmove(&p->values[w * nt], &p->values[i * nt], nt * sizeof(int64_t));
      }
      for (uint32_t j = old_begin; j < old_end; ++j) {
        p->sample_labels[label_w++] = p->sample_labels[j];
      }
      p->label_offsets[w + 1] = label_w;
      ++w;
    }
    old_begin = old_end;
  }
  p->sample_stack.resize(w);
  p->values.resize(w * nt);
  p->sample_labels.resize(label_w);
  p->label_offsets.resize(w + 1);
}

// pprof's numeric tag range (driver_focus.go parseTagFilterRange).
struct RangeFilter {
  enum Kind { kEqual, kAtLeast, kAtMost, kBetween } kind = kEqual;
  double low = 0, high = 0;
  std::string unit;

  bool Matches(int64_t v, std::string_view v_unit) const {
    ScaledValue s = ScaleValue(v, v_unit, unit);
    if (s.unit != unit) return false;
    switch (kind) {
      case kEqual:
        return s.value == low;
      case kAtLeast:
        return s.value >= low;
      case kAtMost:
        return s.value <= low;
      case kBetween:
        return s.value >= low && s.value <= high;
    }
    return false;
  }
};

struct RangeToken {
  size_t begin, end;
  std::string_view number, unit;
};

// Up to two leftmost matches of ([+-]?[0-9]+)([A-Za-z]+)? in `s`.
std::vector<RangeToken> FindRangeTokens(std::string_view s) {
  std::vector<RangeToken> out;
  size_t i = 0;
  auto digit = [&](size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
  auto alpha = [&](size_t k) {
    return k < s.size() && ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z'));
  };
  while (i < s.size() && out.size() < 2) {
    size_t start = i, j = i;
    if (s[j] == '+' || s[j] == '-') ++j;
    if (!digit(j)) {
      ++i;
      continue;
    }
    while (digit(j)) ++j;
    size_t num_end = j;
    while (alpha(j)) ++j;
    out.push_back({start, j, s.substr(start, num_end - start), s.substr(num_end, j - num_end)});
    i = j;
  }
  return out;
}

// Returns true and fills *range when `filter` is one of pprof's range forms; false
// means "treat as regexps". Fails only on numbers out of int64 range.
Result<bool> ParseRange(std::string_view filter, std::string_view flag, RangeFilter* range) {
  std::vector<RangeToken> tokens = FindRangeTokens(filter);
  if (tokens.empty()) return false;
  int64_t v = 0;
  if (!ParseInt64(tokens[0].number, &v)) {
    return Status::InvalidArgument(
        Format("%.*s: number %.*s out of range", static_cast<int>(flag.size()), flag.data(),
               static_cast<int>(tokens[0].number.size()), tokens[0].number.data()));
  }
  ScaledValue first = ScaleValue(v, tokens[0].unit, tokens[0].unit);
  range->low = first.value;
  range->unit = first.unit;
  std::string_view match = filter.substr(tokens[0].begin, tokens[0].end - tokens[0].begin);
  if (tokens.size() == 1) {
    if (filter == match) {
      range->kind = RangeFilter::kEqual;
    } else if (filter.size() == match.size() + 1 && filter.substr(0, match.size()) == match &&
               filter.back() == ':') {
      range->kind = RangeFilter::kAtLeast;
    } else if (filter.size() == match.size() + 1 && filter[0] == ':' && filter.substr(1) == match) {
      range->kind = RangeFilter::kAtMost;
    } else {
      return false;
    }
    return true;
  }
  std::string_view second = filter.substr(tokens[1].begin, tokens[1].end - tokens[1].begin);
  if (filter.size() != match.size() + 1 + second.size() ||
      filter.substr(0, match.size()) != match || filter[match.size()] != ':' ||
      filter.substr(match.size() + 1) != second) {
    return false;
  }
  if (!ParseInt64(tokens[1].number, &v)) {
    return Status::InvalidArgument(
        Format("%.*s: number %.*s out of range", static_cast<int>(flag.size()), flag.data(),
               static_cast<int>(tokens[1].number.size()), tokens[1].number.data()));
  }
  ScaledValue hi = ScaleValue(v, tokens[1].unit, range->unit);
  if (hi.unit != range->unit) return false;
  range->high = hi.value;
  range->kind = RangeFilter::kBetween;
  return true;
}

// One -tagfocus / -tagignore expression (driver_focus.go compileTagFilter).
struct TagFilter {
  bool active = false;
  std::string key;  // "" matches any key
  bool numeric = false;
  RangeFilter range;
  std::vector<std::unique_ptr<RE2>> regexes;
};

Result<TagFilter> CompileTagFilter(const std::string& value_in, const char* flag) {
  TagFilter f;
  if (value_in.empty()) return f;
  f.active = true;
  std::string_view value = value_in;
  size_t eq = value.find('=');
  if (eq != std::string_view::npos) {
    f.key = std::string(value.substr(0, eq));
    value = value.substr(eq + 1);
  }
  ASSIGN_OR_RETURN(f.numeric, ParseRange(value, flag, &f.range));
  if (f.numeric) return f;
  size_t pos = 0;
  while (true) {
    size_t comma = value.find(',', pos);
    std::string_view part =
        value.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    std::string error;
    auto re = NewRegex(part, &error);
    if (re == nullptr) {
      return Status::InvalidArgument(Format("%s: invalid regexp \"%.*s\": %s", flag,
                                            static_cast<int>(part.size()), part.data(),
                                            error.c_str()));
    }
    f.regexes.push_back(std::move(re));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return f;
}

// pprof's Profile.NumLabelUnits: per numeric label key, the first unit seen (samples
// whose values are all zero do not count: pprof's merge drops them first); keys
// without any unit get "bytes" for "alignment"/"request", else the key itself.
std::unordered_map<std::string, std::string> NumLabelUnits(const Profile& p) {
  std::unordered_map<std::string, std::string> units;
  size_t nt = p.num_types();
  for (size_t i = 0; i < p.num_samples(); ++i) {
    const int64_t* v = p.sample_values(i);
    bool zero = true;
    for (size_t t = 0; t < nt && zero; ++t) zero = v[t] == 0;
    if (zero) continue;
    for (uint32_t j = p.label_offsets[i]; j < p.label_offsets[i + 1]; ++j) {
      const Label& l = p.label(j);
      if (l.str != 0 || (l.num == 0 && l.num_unit == 0)) continue;
      std::string& u = units[p.str(l.key)];
      if (u.empty() && l.num_unit != 0) u = p.str(l.num_unit);
    }
  }
  for (auto& [key, unit] : units) {
    if (unit.empty()) unit = key == "alignment" || key == "request" ? "bytes" : key;
  }
  return units;
}

// Evaluates one tag filter against samples, caching per string id.
class TagMatcher {
 public:
  TagMatcher(const TagFilter& f, const Profile& p,
             const std::unordered_map<std::string, std::string>* units)
      : f_(f), p_(p), units_(units), key_ok_(p.strings.size(), -1) {
    per_regex_.resize(f.regexes.size());
    if (!f.key.empty())
      by_value_.assign(f.regexes.size(), std::vector<int8_t>(p.strings.size(), -1));
  }

  bool Match(size_t sample) {
    uint32_t b = p_.label_offsets[sample], e = p_.label_offsets[sample + 1];
    if (f_.numeric) {
      for (uint32_t j = b; j < e; ++j) {
        const Label& l = p_.label(j);
        if (l.str != 0 || (l.num == 0 && l.num_unit == 0)) continue;
        if (!f_.key.empty() && !KeyOk(l.key)) continue;
        auto it = units_->find(p_.str(l.key));
        std::string_view unit = it == units_->end() ? std::string_view() : it->second;
        if (f_.range.Matches(l.num, unit)) return true;
      }
      return false;
    }
    if (!f_.key.empty()) {
      for (uint32_t j = b; j < e; ++j) {
        const Label& l = p_.label(j);
        if (l.str == 0 || !KeyOk(l.key)) continue;
        for (size_t r = 0; r < f_.regexes.size(); ++r) {
          if (Cached(r, l.key, l.str, false)) return true;
        }
      }
      return false;
    }
    for (size_t r = 0; r < f_.regexes.size(); ++r) {
      bool found = false;
      for (uint32_t j = b; j < e && !found; ++j) {
        const Label& l = p_.label(j);
        if (l.str != 0) found = Cached(r, l.key, l.str, true);
      }
      if (!found) return false;
    }
    return true;
  }

 private:
  bool KeyOk(StringId key) {
    if (key_ok_[key] < 0) key_ok_[key] = p_.str(key) == f_.key ? 1 : 0;
    return key_ok_[key] == 1;
  }
  // Does regex r match the label's value (with_key: "key:value")? Cached per string id.
  bool Cached(size_t r, StringId key, StringId str, bool with_key) {
    if (!with_key) {
      int8_t& m = by_value_[r][str];
      if (m < 0) m = Matches(*f_.regexes[r], p_.str(str)) ? 1 : 0;
      return m == 1;
    }
    uint64_t k = (static_cast<uint64_t>(key) << 32) | str;
    auto [it, inserted] = per_regex_[r].try_emplace(k, false);
    if (inserted) it->second = Matches(*f_.regexes[r], p_.str(key) + ":" + p_.str(str));
    return it->second;
  }

  const TagFilter& f_;
  const Profile& p_;
  const std::unordered_map<std::string, std::string>* units_;
  std::vector<int8_t> key_ok_;
  std::vector<std::unordered_map<uint64_t, bool>> per_regex_;  // "key:value" matches
  std::vector<std::vector<int8_t>> by_value_;  // value matches, per regex and string id
};

}  // namespace

Result<size_t> SelectSampleType(const Profile& p, std::string_view spec) {
  if (p.num_types() == 0) {
    return Status::InvalidArgument("sample_index: profile has no samples");
  }
  if (spec.empty()) {
    if (p.default_sample_type != 0 && !p.str(p.default_sample_type).empty()) {
      for (size_t i = 0; i < p.num_types(); ++i) {
        if (p.str(p.sample_types[i].type) == p.str(p.default_sample_type)) return i;
      }
    }
    return p.num_types() - 1;
  }
  int64_t n = 0;
  if (ParseInt64(spec, &n)) {
    if (n < 0 || n >= static_cast<int64_t>(p.num_types())) {
      return Status::InvalidArgument(Format("sample_index %.*s is outside the range [0..%zu]",
                                            static_cast<int>(spec.size()), spec.data(),
                                            p.num_types() - 1));
    }
    return static_cast<size_t>(n);
  }
  std::string_view no_inuse = spec;
  if (no_inuse.substr(0, 6) == "inuse_") no_inuse.remove_prefix(6);
  std::string names;
  for (size_t i = 0; i < p.num_types(); ++i) {
    const std::string& t = p.str(p.sample_types[i].type);
    if (t == spec || t == no_inuse) return i;
    names += (i ? " " : "") + t;
  }
  return Status::InvalidArgument(Format("sample_index \"%.*s\" must be one of: [%s]",
                                        static_cast<int>(spec.size()), spec.data(), names.c_str()));
}

void SimplifyFunctionNames(Profile* p) {
  for (Function& f : p->functions) {
    std::string name = p->str(f.name);
    std::string system = p->str(f.system_name);
    if (!name.empty() && system != name) continue;  // already demangled
    std::string simplified = DemangleName(system);
    if (simplified != name) f.name = p->strings.Intern(simplified);
  }
}

void PruneUninteresting(Profile* p) {
  if (p->drop_frames == 0 || p->str(p->drop_frames).empty()) return;
  std::string error;
  auto drop = NewRegex("^(" + p->str(p->drop_frames) + ")$", &error);
  if (drop == nullptr) return;
  std::unique_ptr<RE2> keep;
  if (p->keep_frames != 0 && !p->str(p->keep_frames).empty()) {
    keep = NewRegex("^(" + p->str(p->keep_frames) + ")$", &error);
    if (keep == nullptr) return;
  }
  // Per function: does its (simplified) name mark a frame to cut?
  std::vector<uint8_t> cut(p->functions.size(), 0);
  for (size_t i = 0; i < p->functions.size(); ++i) {
    const std::string& name = p->str(p->functions[i].name);
    if (name.empty()) continue;
    std::string_view simple = SimplifyFunc(name);
    cut[i] = Matches(*drop, simple) && (keep == nullptr || !Matches(*keep, simple));
  }
  enum : uint8_t { kKeep = 0, kPrune = 1, kPruneBeneath = 2 };
  std::vector<uint8_t> state(p->locations.size(), kKeep);
  for (size_t li = 0; li < p->locations.size(); ++li) {
    Location& loc = p->locations[li];
    int64_t i = static_cast<int64_t>(loc.num_lines) - 1;
    for (; i >= 0; --i) {  // from the outermost caller inwards
      uint32_t fn = p->lines[loc.first_line + i].function;
      if (fn != kNone && fn < cut.size() && cut[fn]) break;
    }
    if (i < 0) continue;
    if (i == static_cast<int64_t>(loc.num_lines) - 1) {
      state[li] = kPrune;
    } else {
      state[li] = kPruneBeneath;
      loc.first_line += static_cast<uint32_t>(i + 1);
      loc.num_lines -= static_cast<uint32_t>(i + 1);
    }
  }
  std::vector<uint32_t> begin(p->num_stacks(), 0), end(p->num_stacks(), 0);
  bool changed = false;
  for (uint32_t s = 0; s < p->num_stacks(); ++s) {
    const uint32_t* locs = p->stack_begin(s);
    uint32_t n = static_cast<uint32_t>(p->stack_end(s) - locs);
    end[s] = n;
    bool found_user = false;
    for (int64_t i = static_cast<int64_t>(n) - 1; i >= 0; --i) {
      uint8_t st = state[locs[i]];
      if (st == kKeep) {
        found_user = true;
        continue;
      }
      if (!found_user) continue;
      begin[s] = static_cast<uint32_t>(st == kPrune ? i + 1 : i);
      changed = true;
      break;
    }
  }
  if (changed) RewriteStacks(p, begin, end);
}

std::vector<std::string> FilterMatches::Warnings() const {
  std::vector<std::string> out;
  auto add = [&](bool matched, const char* name) {
    if (!matched) out.push_back(std::string(name) + " expression matched no samples");
  };
  add(focus, "Focus");
  add(ignore, "Ignore");
  add(hide, "Hide");
  add(show, "Show");
  add(tagfocus, "TagFocus");
  add(tagignore, "TagIgnore");
  return out;
}

struct ProfileFilter::Impl {
  std::unique_ptr<RE2> focus, ignore, hide, show;
  TagFilter tagfocus, tagignore;

  bool empty() const {
    return !focus && !ignore && !hide && !show && !tagfocus.active && !tagignore.active;
  }
  void ApplyNames(Profile* p, std::vector<uint8_t>* keep, FilterMatches* m) const;
};

ProfileFilter::ProfileFilter() : impl_(std::make_unique<Impl>()) {}
ProfileFilter::~ProfileFilter() = default;
ProfileFilter::ProfileFilter(ProfileFilter&&) noexcept = default;
ProfileFilter& ProfileFilter::operator=(ProfileFilter&&) noexcept = default;

bool ProfileFilter::empty() const { return impl_->empty(); }

Result<ProfileFilter> ProfileFilter::Compile(const FilterOptions& o) {
  ProfileFilter f;
  struct Named {
    const std::string& pattern;
    const char* flag;
    std::unique_ptr<RE2>* out;
  };
  for (const Named& n :
       {Named{o.focus, "focus", &f.impl_->focus}, Named{o.ignore, "ignore", &f.impl_->ignore},
        Named{o.hide, "hide", &f.impl_->hide}, Named{o.show, "show", &f.impl_->show}}) {
    if (n.pattern.empty()) continue;
    std::string error;
    *n.out = NewRegex(n.pattern, &error);
    if (*n.out == nullptr) {
      return Status::InvalidArgument(
          Format("%s: invalid regexp \"%s\": %s", n.flag, n.pattern.c_str(), error.c_str()));
    }
  }
  ASSIGN_OR_RETURN(f.impl_->tagfocus, CompileTagFilter(o.tagfocus, "tagfocus"));
  ASSIGN_OR_RETURN(f.impl_->tagignore, CompileTagFilter(o.tagignore, "tagignore"));
  return f;
}

// profile/filter.go FilterSamplesByName, per location and per unique stack.
void ProfileFilter::Impl::ApplyNames(Profile* p, std::vector<uint8_t>* keep,
                                     FilterMatches* m) const {
  // Bit r of fn_bits[f] / map_bits[m]: regex r matches the function's name or file
  // (the mapping's file). r: 0 focus, 1 ignore, 2 hide, 3 show.
  const RE2* res[4] = {focus.get(), ignore.get(), hide.get(), show.get()};
  std::vector<uint8_t> fn_bits(p->functions.size(), 0), map_bits(p->mappings.size(), 0);
  for (int r = 0; r < 4; ++r) {
    if (res[r] == nullptr) continue;
    for (size_t i = 0; i < p->functions.size(); ++i) {
      const Function& f = p->functions[i];
      if (Matches(*res[r], p->str(f.name)) || Matches(*res[r], p->str(f.filename))) {
        fn_bits[i] |= 1 << r;
      }
    }
    for (size_t i = 0; i < p->mappings.size(); ++i) {
      if (Matches(*res[r], p->str(p->mappings[i].filename))) map_bits[i] |= 1 << r;
    }
  }
  // pprof gives a profile without mappings one fake mapping with no file name.
  uint8_t no_mapping_bits = 0;
  if (p->mappings.empty()) {
    for (int r = 0; r < 4; ++r) {
      if (res[r] != nullptr && Matches(*res[r], "")) no_mapping_bits |= 1 << r;
    }
  }
  auto line_bits = [&](const Line& l) -> uint8_t {
    return l.function != kNone && l.function < fn_bits.size() ? fn_bits[l.function] : 0;
  };
  enum : uint8_t { kNeither = 0, kFocused = 1, kIgnored = 2 };
  std::vector<uint8_t> loc_state(p->locations.size(), kNeither);
  std::vector<uint8_t> hidden(p->locations.size(), 0);
  bool any_hidden = false;
  bool fm = false, im = false, hm = false, hnm = false;
  std::vector<Line> new_lines;
  new_lines.reserve(p->lines.size());
  for (size_t li = 0; li < p->locations.size(); ++li) {
    Location& loc = p->locations[li];
    uint8_t mbits = loc.mapping != kNone && loc.mapping < map_bits.size() ? map_bits[loc.mapping]
                                                                          : no_mapping_bits;
    uint8_t any = mbits;
    for (uint32_t j = 0; j < loc.num_lines; ++j) any |= line_bits(p->lines[loc.first_line + j]);
    if (ignore && (any & 2)) {
      im = true;
      loc_state[li] = kIgnored;
    } else if (!focus || (any & 1)) {
      fm = true;
      loc_state[li] = kFocused;
    }
    uint32_t first = static_cast<uint32_t>(new_lines.size());
    for (uint32_t j = 0; j < loc.num_lines; ++j) new_lines.push_back(p->lines[loc.first_line + j]);
    uint32_t count = loc.num_lines;
    if (hide && (any & 4)) {
      hm = true;
      if (mbits & 4) {
        count = 0;
      } else {
        uint32_t w = first;
        for (uint32_t j = first; j < first + count; ++j) {
          if (!(line_bits(new_lines[j]) & 4)) new_lines[w++] = new_lines[j];
        }
        count = w - first;
      }
    }
    if (show && !(mbits & 8)) {
      uint32_t w = first;
      for (uint32_t j = first; j < first + count; ++j) {
        const Line& l = new_lines[j];
        if (l.function == kNone || (line_bits(l) & 8)) new_lines[w++] = l;
      }
      count = w - first;
    }
    if (show && count > 0) hnm = true;
    if ((hide && (any & 4) && count == 0) || (show && count == 0)) {
      hidden[li] = 1;
      any_hidden = true;
    }
    new_lines.resize(first + count);
    loc.first_line = first;
    loc.num_lines = count;
  }
  p->lines.swap(new_lines);

  std::vector<uint8_t> stack_keep(p->num_stacks(), 0);
  for (uint32_t s = 0; s < p->num_stacks(); ++s) {
    bool f = false, ignored = false;
    for (const uint32_t* l = p->stack_begin(s); l != p->stack_end(s) && !ignored; ++l) {
      if (loc_state[*l] == kFocused) f = true;
      if (loc_state[*l] == kIgnored) ignored = true;
    }
    stack_keep[s] = f && !ignored;
  }
  if (any_hidden) {
    std::vector<uint32_t> offsets(p->num_stacks() + 1, 0), locs;
    locs.reserve(p->stack_locations.size());
    for (uint32_t s = 0; s < p->num_stacks(); ++s) {
      size_t before = locs.size();
      for (const uint32_t* l = p->stack_begin(s); l != p->stack_end(s); ++l) {
        if (!hidden[*l]) locs.push_back(*l);
      }
      if (locs.size() == before) stack_keep[s] = 0;  // nothing left: drop its samples
      offsets[s + 1] = static_cast<uint32_t>(locs.size());
    }
    p->stack_offsets.swap(offsets);
    p->stack_locations.swap(locs);
  }
  for (size_t i = 0; i < p->num_samples(); ++i) {
    if (!stack_keep[p->sample_stack[i]]) (*keep)[i] = 0;
  }
  m->focus = !focus || fm;
  m->ignore = !ignore || im;
  m->hide = !hide || hm;
  m->show = !show || hnm;
}

FilterMatches ProfileFilter::Apply(Profile* p) const {
  FilterMatches m;
  if (impl_->empty()) return m;
  std::vector<uint8_t> keep(p->num_samples(), 1);
  std::unordered_map<std::string, std::string> units;
  if (impl_->tagfocus.numeric || impl_->tagignore.numeric) units = NumLabelUnits(*p);
  if (impl_->focus || impl_->ignore || impl_->hide || impl_->show) {
    impl_->ApplyNames(p, &keep, &m);
  }
  if (impl_->tagfocus.active || impl_->tagignore.active) {
    bool fm = false, im = false;
    TagMatcher focus(impl_->tagfocus, *p, &units), ignore(impl_->tagignore, *p, &units);
    for (size_t i = 0; i < p->num_samples(); ++i) {
      if (!keep[i]) continue;
      bool focused = !impl_->tagfocus.active || focus.Match(i);
      bool ignored = impl_->tagignore.active && ignore.Match(i);
      fm = fm || focused;
      im = im || ignored;
      if (!focused || ignored) keep[i] = 0;
    }
    m.tagfocus = !impl_->tagfocus.active || fm;
    m.tagignore = !impl_->tagignore.active || im;
  }
  CompactSamples(p, keep);
  return m;
}

}  // namespace pyrolens
