#include "pyrolens/folded.h"

#include <charconv>
#include <unordered_map>

#include "lines.h"

namespace pyrolens {
namespace {

// UTF-16 text with a BOM becomes UTF-8; anything else is returned unchanged.
std::string_view ToUtf8(std::string_view in, std::string* storage) {
  if (in.size() < 2) return in;
  auto b0 = static_cast<uint8_t>(in[0]), b1 = static_cast<uint8_t>(in[1]);
  bool le = b0 == 0xff && b1 == 0xfe, be = b0 == 0xfe && b1 == 0xff;
  if (!le && !be) {
    if (in.size() >= 3 && b0 == 0xef && b1 == 0xbb && static_cast<uint8_t>(in[2]) == 0xbf) {
      return in.substr(3);
    }
    return in;
  }
  auto unit = [&](size_t i) -> uint32_t {
    auto lo = static_cast<uint8_t>(in[i + (le ? 0 : 1)]);
    auto hi = static_cast<uint8_t>(in[i + (le ? 1 : 0)]);
    return lo | (hi << 8);
  };
  storage->clear();
  for (size_t i = 2; i + 1 < in.size(); i += 2) {
    uint32_t c = unit(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 3 < in.size()) {
      uint32_t c2 = unit(i + 2);
      if (c2 >= 0xdc00 && c2 < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (c2 - 0xdc00);
        i += 2;
      }
    }
    if (c < 0x80) {
      storage->push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      storage->push_back(static_cast<char>(0xc0 | (c >> 6)));
      storage->push_back(static_cast<char>(0x80 | (c & 0x3f)));
    } else if (c < 0x10000) {
      storage->push_back(static_cast<char>(0xe0 | (c >> 12)));
      storage->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
      storage->push_back(static_cast<char>(0x80 | (c & 0x3f)));
    } else {
      storage->push_back(static_cast<char>(0xf0 | (c >> 18)));
      storage->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
      storage->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
      storage->push_back(static_cast<char>(0x80 | (c & 0x3f)));
    }
  }
  return *storage;
}

std::string_view TrimLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  // '\r' too, as at the end: else a root frame "\r" is read, written, and then trimmed away.
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t' || line.front() == '\r')) {
    line.remove_prefix(1);
  }
  return line;
}

constexpr size_t kMaxValues = 8;

// Values at the end of a line: "stack 12", or jfr-parser's "stack [12 3400]".
struct Counts {
  int64_t v[kMaxValues];
  size_t n = 0;
};

bool ParseInt(std::string_view num, int64_t* v) {
  auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), *v);
  return ec == std::errc() && ptr == num.data() + num.size() && !num.empty();
}

// Splits "a;b;c 12" into stack "a;b;c" and counts {12}. A line without trailing
// counts is one sample. Returns false for lines that cannot be a stack.
bool SplitLine(std::string_view line, std::string_view* stack, Counts* counts) {
  *stack = line;
  counts->n = 1;
  counts->v[0] = 1;
  if (line.size() > 2 && line.back() == ']') {
    size_t open = line.rfind(" [");
    if (open == std::string_view::npos) return false;
    std::string_view list = line.substr(open + 2, line.size() - open - 3);
    counts->n = 0;
    size_t pos = 0;
    while (pos <= list.size()) {
      size_t sp = list.find(' ', pos);
      if (sp == std::string_view::npos) sp = list.size();
      if (counts->n == kMaxValues || !ParseInt(list.substr(pos, sp - pos), &counts->v[counts->n])) {
        return false;
      }
      ++counts->n;
      pos = sp + 1;
    }
    *stack = TrimLine(line.substr(0, open));
    return !stack->empty();
  }
  size_t sp = line.find_last_of(" \t");
  if (sp != std::string_view::npos) {
    if (ParseInt(line.substr(sp + 1), &counts->v[0])) {
      *stack = TrimLine(line.substr(0, sp));
    } else if (line.find(';') == std::string_view::npos) {
      return false;  // "word word" without frames or count is prose, not a stack
    }
  }
  return !stack->empty();
}

}  // namespace

bool LooksLikeFolded(std::string_view data) {
  std::string storage;
  std::string_view text = ToUtf8(data.substr(0, 4096), &storage);
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\n' && c != '\r' && c != '\t') return false;
  }
  // The first line must be a stack, and most of the first few: text reports
  // (pprof's -raw dumps, perf script) start with a header line. '#' and '//' lines
  // are comments.
  int good = 0, bad = 0;
  ForEachLine(text, [&](std::string_view raw) {
    std::string_view line = TrimLine(raw);
    if (line.empty() || line[0] == '#' || line.substr(0, 2) == "//") return true;
    std::string_view stack;
    Counts counts;
    bool counted = line.find_last_of(" \t") != std::string_view::npos;
    (SplitLine(line, &stack, &counts) && (counted || line.find(';') != std::string_view::npos)
         ? good : bad)++;
    return good > 0 && good + bad < 8;
  });
  return good > bad;
}

Result<Profile> ReadFolded(std::string_view data) {
  std::string storage;
  std::string_view text = ToUtf8(data, &storage);
  Profile p;
  StackInterner stacks(&p);
  std::unordered_map<std::string_view, uint32_t> location_of;  // frame name -> location
  std::vector<uint32_t> locs;
  std::vector<std::string_view> frames;
  size_t line_no = 0;
  ForEachLine(text, [&](std::string_view raw) {
    std::string_view line = TrimLine(raw);
    ++line_no;
    std::string_view stack;
    Counts counts;
    if (line.empty()) return true;
    if (!SplitLine(line, &stack, &counts) || (!p.sample_types.empty() && counts.n != p.num_types())) {
      ++p.stats.skipped_lines;
      return true;
    }
    frames.clear();
    size_t start = 0;
    for (;;) {
      size_t semi = stack.find(';', start);
      std::string_view frame = stack.substr(start, semi == std::string_view::npos
                                                       ? std::string_view::npos : semi - start);
      // A frame of blanks only is none, as an empty one is: written first on a line, it
      // would be trimmed away when read again.
      if (!TrimLine(frame).empty()) frames.push_back(frame);
      if (semi == std::string_view::npos) break;
      start = semi + 1;
    }
    if (frames.empty()) {
      ++p.stats.skipped_lines;
      return true;
    }
    if (p.sample_types.empty()) {  // the first stack line fixes the number of values
      for (size_t i = 0; i < counts.n; ++i) {
        std::string type = counts.n == 1 ? "samples" : Format("value%zu", i + 1);
        p.sample_types.push_back({p.strings.Intern(type), p.strings.Intern("count")});
      }
      p.period_type = p.sample_types[0];
      p.period = 1;
    }
    locs.clear();
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) {  // leaf first
      auto [slot, added] = location_of.emplace(*it, static_cast<uint32_t>(p.locations.size()));
      if (added) {
        Function fn;
        fn.name = p.strings.Intern(*it);
        p.AddFunctionLocation(fn);
      }
      locs.push_back(slot->second);
    }
    p.sample_stack.push_back(stacks.Intern(locs.data(), locs.size()));
    p.values.insert(p.values.end(), counts.v, counts.v + counts.n);
    p.label_offsets.push_back(0);
    return true;
  });
  if (p.num_samples() == 0) {
    return Status::Corruption(Format("folded: no stack lines found in %zu lines", line_no));
  }
  return p;
}

std::string WriteFolded(const Profile& p, size_t sample_type) {
  std::vector<int64_t> per_stack(p.num_stacks(), 0);
  std::vector<char> seen(p.num_stacks(), 0);
  std::vector<uint32_t> order;
  for (size_t i = 0; i < p.num_samples(); ++i) {
    uint32_t s = p.sample_stack[i];
    if (!seen[s]) order.push_back(s);
    seen[s] = 1;
    per_stack[s] = WrapAdd(per_stack[s], p.sample_values(i)[sample_type]);
  }
  std::string out;
  for (uint32_t s : order) {
    if (per_stack[s] == 0) continue;
    bool first = true;
    for (const uint32_t* l = p.stack_end(s); l != p.stack_begin(s);) {
      const Location& loc = p.locations[*--l];
      for (uint32_t j = loc.first_line + loc.num_lines; j-- > loc.first_line;) {  // caller first
        if (!first) out += ';';
        first = false;
        uint32_t fn = p.lines[j].function;
        out += fn == kNone ? "<unknown>" : p.str(p.functions[fn].name);
      }
      if (loc.num_lines == 0) {
        if (!first) out += ';';
        first = false;
        out += Format("0x%llx", static_cast<unsigned long long>(loc.address));
      }
    }
    out += ' ';
    out += std::to_string(per_stack[s]);
    out += '\n';
  }
  return out;
}

}  // namespace pyrolens
