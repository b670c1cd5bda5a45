#include "pyrolens/profile.h"

#include <algorithm>
#include <cstdarg>
#include <cstring>

#include "pyrolens/status.h"

namespace pyrolens {

std::string Format(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  char buf[512];
  int n = vsnprintf(buf, sizeof(buf), fmt, args);
  va_end(args);
  if (n < 0) return fmt;
  if (static_cast<size_t>(n) < sizeof(buf)) return std::string(buf, n);
  std::string out(n, '\0');
  va_start(args, fmt);
  vsnprintf(out.data(), n + 1, fmt, args);
  va_end(args);
  return out;
}

uint64_t HashBytes(const void* data, size_t n, uint64_t seed) {
  // Word-at-a-time multiplicative mixing: stacks are hashed once per sample while
  // reading, so this must run at memory speed.
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = seed ^ (n * 0x9E3779B97F4A7C15ull);
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  if (n > 0) memcpy(&w, p, n);  // p may be null when n == 0 (an empty vector's data())
  h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 32;
  return h;
}

StringId StringTable::Add(std::string_view s) {
  strings_.emplace_back(s);
  return static_cast<StringId>(strings_.size() - 1);
}

void StringTable::Rehash(size_t buckets) {
  slots_.assign(buckets, kNone);
  indexed_ = 0;
  for (size_t id = 0; id < strings_.size(); ++id) {
    const std::string& s = strings_[id];
    size_t i = HashBytes(s.data(), s.size()) & (buckets - 1);
    while (slots_[i] != kNone) {
      if (strings_[slots_[i]] == s) break;  // keep the first of equal strings
      i = (i + 1) & (buckets - 1);
    }
    if (slots_[i] == kNone) slots_[i] = static_cast<uint32_t>(id);
  }
  indexed_ = strings_.size();
}

StringId StringTable::Intern(std::string_view s) {
  if (indexed_ != strings_.size() || (strings_.size() + 1) * 2 > slots_.size()) {
    size_t buckets = 16;
    while (buckets < (strings_.size() + 1) * 4) buckets <<= 1;
    Rehash(buckets);
  }
  size_t mask = slots_.size() - 1;
  size_t i = HashBytes(s.data(), s.size()) & mask;
  while (slots_[i] != kNone) {
    if (strings_[slots_[i]] == s) return slots_[i];
    i = (i + 1) & mask;
  }
  strings_.emplace_back(s);
  slots_[i] = static_cast<uint32_t>(strings_.size() - 1);
  indexed_ = strings_.size();
  return slots_[i];
}

int64_t Profile::Total(size_t type) const {
  int64_t total = 0;
  size_t k = num_types();
  for (size_t i = type; i < values.size(); i += k) total = WrapAdd(total, values[i]);
  return total;
}

uint32_t Profile::AddLineLocation(uint32_t function, int64_t line, int64_t column) {
  Line l;
  l.function = function;
  l.line = line;
  l.column = column;
  Location loc;
  loc.first_line = static_cast<uint32_t>(lines.size());
  loc.num_lines = 1;
  lines.push_back(l);
  locations.push_back(loc);
  return static_cast<uint32_t>(locations.size() - 1);
}

uint32_t Profile::AddFunctionLocation(const Function& function, int64_t line, int64_t column) {
  functions.push_back(function);
  return AddLineLocation(static_cast<uint32_t>(functions.size() - 1), line, column);
}

StackInterner::StackInterner(Profile* profile) : profile_(profile) {
  for (uint32_t s = 0; s < profile_->num_stacks(); ++s) {
    const uint32_t* b = profile_->stack_begin(s);
    hashes_.push_back(HashBytes(b, (profile_->stack_end(s) - b) * sizeof(uint32_t)));
  }
  size_t buckets = 1024;
  while (buckets < hashes_.size() * 2) buckets <<= 1;
  Rehash(buckets);
}

void StackInterner::Rehash(size_t buckets) {
  slots_.assign(buckets, kNone);
  for (uint32_t s = 0; s < hashes_.size(); ++s) {
    size_t i = hashes_[s] & (buckets - 1);
    while (slots_[i] != kNone) i = (i + 1) & (buckets - 1);
    slots_[i] = s;
  }
}

uint32_t StackInterner::Intern(const uint32_t* locs, size_t n) {
  uint64_t h = HashBytes(locs, n * sizeof(uint32_t));
  size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  for (; slots_[i] != kNone; i = (i + 1) & mask) {
    uint32_t s = slots_[i];
    if (hashes_[s] != h) continue;
    const uint32_t* b = profile_->stack_begin(s);
    if (static_cast<size_t>(profile_->stack_end(s) - b) == n &&
        SameBytes(b, locs, n * sizeof(uint32_t))) {
      return s;
    }
  }
  uint32_t id = static_cast<uint32_t>(hashes_.size());
  profile_->stack_locations.insert(profile_->stack_locations.end(), locs, locs + n);
  profile_->stack_offsets.push_back(static_cast<uint32_t>(profile_->stack_locations.size()));
  hashes_.push_back(h);
  slots_[i] = id;
  if (hashes_.size() * 2 > slots_.size()) Rehash(slots_.size() * 2);
  return id;
}

namespace {

uint64_t HashLabel(const Label& l) {
  return Mix64((uint64_t{l.key} << 32 | l.str) ^ Mix64(static_cast<uint64_t>(l.num) + l.num_unit));
}

}  // namespace

LabelInterner::LabelInterner(Profile* profile) : profile_(profile) {
  size_t buckets = 1024;
  while (buckets < profile_->label_table.size() * 2) buckets <<= 1;
  Rehash(buckets);
}

void LabelInterner::Rehash(size_t buckets) {
  slots_.assign(buckets, kNone);
  const std::vector<Label>& table = profile_->label_table;
  for (uint32_t id = 0; id < table.size(); ++id) {
    size_t i = HashLabel(table[id]) & (buckets - 1);
    while (slots_[i] != kNone) i = (i + 1) & (buckets - 1);
    slots_[i] = id;
  }
}

uint32_t LabelInterner::InternSlow(const Label& l) {
  std::vector<Label>& table = profile_->label_table;
  const bool string_label = IsString(l);
  const size_t mask = slots_.size() - 1;
  size_t i = HashLabel(l) & mask;
  uint32_t id = kNone;
  for (; slots_[i] != kNone; i = (i + 1) & mask) {
    if (table[slots_[i]] == l) {
      id = slots_[i];
      break;
    }
  }
  if (id == kNone) {
    id = static_cast<uint32_t>(table.size());
    table.push_back(l);
    slots_[i] = id;
    if (table.size() * 2 > slots_.size()) Rehash(slots_.size() * 2);
  }
  // Grown only within a few times the labels so far: a string id may be anything a file
  // says (readers check them later).
  if (string_label && l.str >= by_str_.size() && l.str < 4 * table.size() + 4096) {
    by_str_.resize(std::max<size_t>(l.str + 1, 2 * by_str_.size()), kNone);
  }
  if (string_label && l.str < by_str_.size()) by_str_[l.str] = uint64_t{l.key} << 32 | id;
  return id;
}

}  // namespace pyrolens
