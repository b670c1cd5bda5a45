// perf script reader. Output layout: tools/perf/builtin-script.c (process_event,
// perf_sample__fprintf_callchain) in the Linux source; the reference consumer is
// Brendan Gregg's stackcollapse-perf.pl.
#include "pyrolens/perf_script.h"

#include <string>
#include <unordered_map>
#include <vector>

#include "lines.h"

namespace pyrolens {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsHex(std::string_view s) {
  if (s.empty() || s.size() > 16) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

uint64_t ParseHex(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) v = v << 4 | static_cast<uint64_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  return v;
}

// A frame line: "ffffffff8105f4a6 native_safe_halt+0x6 ([kernel.kallsyms])".
struct FrameLine {
  uint64_t address = 0;
  std::string_view symbol, dso;
};

bool ParseFrame(std::string_view line, FrameLine* f) {
  line = Trim(line);
  size_t sp = line.find_first_of(" \t");
  if (sp == std::string_view::npos || !IsHex(line.substr(0, sp))) return false;
  f->address = ParseHex(line.substr(0, sp));
  std::string_view rest = Trim(line.substr(sp));
  f->dso = {};
  if (!rest.empty() && rest.back() == ')') {
    size_t open = rest.rfind(" (");
    if (open == std::string_view::npos && rest.front() == '(') open = 0;
    if (open != std::string_view::npos) {
      size_t start = open == 0 && rest.front() == '(' ? 1 : open + 2;
      f->dso = rest.substr(start, rest.size() - start - 1);
      rest = Trim(rest.substr(0, open));
    }
  }
  // "+0x1a" offsets vary per sample; the symbol names the function.
  size_t plus = rest.rfind("+0x");
  if (plus != std::string_view::npos && plus > 0 && IsHex(rest.substr(plus + 3))) {
    rest = rest.substr(0, plus);
  }
  f->symbol = rest;
  return true;
}

// A header line: "comm pid/tid [cpu] time: [period] event: [trailing fields]".
struct Header {
  std::string_view comm, pid, tid, event;
  int64_t period = -1;  // the "period" field (perf script -F period), -1 when absent
};

bool ParseHeader(std::string_view line, Header* h) {
  line = Trim(line);
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !IsSpace(line[i])) ++i;
    if (i > start) tokens.push_back(line.substr(start, i - start));
  }
  // pid or pid/tid: the first all-digit token after the comm (which may hold spaces).
  size_t pid_at = 0;
  for (size_t t = 1; t < tokens.size() && pid_at == 0; ++t) {
    std::string_view tok = tokens[t];
    size_t slash = tok.find('/');
    if (IsDigits(tok.substr(0, slash)) &&
        (slash == std::string_view::npos || IsDigits(tok.substr(slash + 1)))) {
      pid_at = t;
    }
  }
  if (pid_at == 0) return false;
  // The event: the last token before any trailing fields that ends in ':' and is not a
  // time stamp ("12345.678:").
  std::string_view event;
  size_t event_at = 0;
  for (size_t t = pid_at + 1; t < tokens.size(); ++t) {
    std::string_view tok = tokens[t];
    if (tok.size() < 2 || tok.back() != ':') continue;
    std::string_view name = tok.substr(0, tok.size() - 1);
    bool time = !name.empty() && (name[0] >= '0' && name[0] <= '9') &&
                name.find_first_not_of("0123456789.") == std::string_view::npos;
    if (!time && name.front() != '[') event = name, event_at = t;
  }
  if (event.empty()) return false;
  h->period = -1;
  if (event_at > pid_at + 1 && IsDigits(tokens[event_at - 1]) && tokens[event_at - 1].size() < 19) {
    h->period = 0;
    for (char c : tokens[event_at - 1]) h->period = h->period * 10 + (c - '0');
  }
  size_t colon = event.find(':');  // "cycles:u", "task-clock:ppp"
  if (colon != std::string_view::npos && colon > 0) event = event.substr(0, colon);
  h->event = event;
  h->comm = Trim(line.substr(0, static_cast<size_t>(tokens[pid_at].data() - line.data())));
  std::string_view pid = tokens[pid_at];
  size_t slash = pid.find('/');
  h->pid = pid.substr(0, slash);
  h->tid = slash == std::string_view::npos ? std::string_view() : pid.substr(slash + 1);
  return true;
}

bool Blank(std::string_view line) { return Trim(line).empty(); }

// The display name stackcollapse-perf.pl gives a symbol (its tidy_generic and tidy_java):
// ';', the folded separator, becomes ':'; arguments "(...)" are cut unless the name holds
// ".(...)." or they open "(anonymous namespace)"; quotes are dropped; in a `java` process
// a class loses its 'L' prefix, so "Ljava/lang/Thread;::run" reads "java/lang/Thread:::run".
std::string TidySymbol(std::string_view symbol, std::string_view comm) {
  std::string s;
  for (char c : symbol) {
    if (c != '"' && c != '\'') s += c == ';' ? ':' : c;
  }
  bool jvm = comm == "java" && s.size() > 1 && s[0] == 'L' && s.find('/') != std::string::npos;
  size_t open = s.find('(');
  size_t close = open == std::string::npos ? open : s.find(").", open);
  bool dotted =
      open != std::string::npos && open > 0 && s[open - 1] == '.' && close != std::string::npos;
  for (; open != std::string::npos && !dotted; open = s.find('(', open + 1)) {
    if (s.compare(open, 20, "(anonymous namespace") != 0) {
      if (open > 0) s.resize(open);
      break;
    }
  }
  if (jvm) s.erase(0, 1);
  return s;
}

}  // namespace

bool LooksLikePerfScript(std::string_view data) {
  std::string_view head = data.substr(0, 1 << 16);
  bool have_header = false, ok = false;
  int lines = 0;
  ForEachLine(head, [&](std::string_view line) {
    if (++lines > 200) return false;
    if (Blank(line) || line[0] == '#') return !have_header;
    if (!have_header) {
      Header h;
      if (!ParseHeader(line, &h)) return false;
      have_header = true;
      return true;
    }
    FrameLine f;
    ok = ParseFrame(line, &f) && !f.dso.empty();
    return false;
  });
  return ok;
}

Result<Profile> ReadPerfScript(std::string_view text) {
  Profile p;
  StackInterner stacks(&p);
  std::unordered_map<std::string, uint32_t> location_of;  // symbol \0 dso -> location
  std::unordered_map<std::string_view, uint32_t> mapping_of;
  std::unordered_map<std::string, uint32_t> column_of;  // event -> value column
  std::unordered_map<std::string, uint32_t> sample_of;  // stack, labels, event -> sample
  std::vector<std::vector<int64_t>> columns;            // per column, per sample
  LabelInterner labels(&p);
  StringId comm_key = p.strings.Intern("comm"), pid_key = p.strings.Intern("pid"),
           tid_key = p.strings.Intern("tid");
  std::vector<uint32_t> locs;
  std::string key;
  Header h;
  bool in_sample = false;
  size_t line_no = 0, headers = 0;

  auto finish = [&]() {
    if (!in_sample) return;
    in_sample = false;
    auto [col, new_col] = column_of.try_emplace(std::string(h.event), columns.size());
    if (new_col) {
      columns.emplace_back(p.sample_stack.size(), 0);
      p.sample_types.push_back({p.strings.Intern(h.event), p.strings.Intern("count")});
    }
    // With a period field a second column sums it (what stackcollapse-perf.pl weighs
    // stacks by): nanoseconds for the clock events, event counts otherwise.
    uint32_t period_col = 0;
    if (h.period >= 0) {
      std::string name = std::string(h.event) + "_period";
      auto [pc, new_pc] = column_of.try_emplace(name, columns.size());
      if (new_pc) {
        columns.emplace_back(p.sample_stack.size(), 0);
        bool clock = h.event == "cpu-clock" || h.event == "task-clock";
        p.sample_types.push_back(
            {p.strings.Intern(name), p.strings.Intern(clock ? "nanoseconds" : "count")});
      }
      period_col = pc->second;
    }
    uint32_t stack = stacks.Intern(locs.data(), locs.size());
    StringId comm = p.strings.Intern(h.comm), pid = p.strings.Intern(h.pid),
             tid = p.strings.Intern(h.tid);
    key.assign(reinterpret_cast<const char*>(&stack), sizeof(stack));
    key.append(reinterpret_cast<const char*>(&comm), sizeof(comm));
    key.append(reinterpret_cast<const char*>(&pid), sizeof(pid));
    key.append(reinterpret_cast<const char*>(&tid), sizeof(tid));
    auto [it, added] = sample_of.try_emplace(key, static_cast<uint32_t>(p.sample_stack.size()));
    if (added) {
      p.sample_stack.push_back(stack);
      for (auto& c : columns) c.push_back(0);
      if (comm != 0) labels.Add({comm_key, comm, 0, 0});
      if (pid != 0) labels.Add({pid_key, pid, 0, 0});
      if (tid != 0) labels.Add({tid_key, tid, 0, 0});
      p.label_offsets.push_back(static_cast<uint32_t>(p.sample_labels.size()));
    }
    ++columns[col->second][it->second];
    if (h.period >= 0) columns[period_col][it->second] += h.period;
  };

  ForEachLine(text, [&](std::string_view line) {
    ++line_no;
    if (Blank(line)) {
      finish();
      return true;
    }
    if (line[0] == '#' && !in_sample) return true;
    FrameLine f;
    // Frames follow a header; old perf does not indent them, so a frame is told from a
    // header by its shape, not by its indentation.
    if (in_sample && ParseFrame(line, &f)) {
      std::string name;
      if (f.symbol.empty() || f.symbol == "[unknown]") {
        std::string_view base = f.dso.substr(f.dso.rfind('/') + 1);
        // As stackcollapse-perf.pl: the dso's base name in brackets, "[unknown]" without one.
        name = base.empty() || base == "[unknown]" ? "[unknown]" : "[" + std::string(base) + "]";
      } else {
        name = TidySymbol(f.symbol, h.comm);
      }
      key.assign(name.data(), name.size());
      key += '\0';
      key.append(f.dso.data(), f.dso.size());
      auto [it, added] = location_of.try_emplace(key, static_cast<uint32_t>(p.locations.size()));
      if (added) {
        Function fn;
        fn.name = p.strings.Intern(name);
        fn.system_name = p.strings.Intern(f.symbol.empty() ? std::string_view(name) : f.symbol);
        Location& loc = p.locations[p.AddFunctionLocation(fn)];
        loc.address = f.address;
        if (!f.dso.empty()) {
          auto [m, new_mapping] =
              mapping_of.try_emplace(f.dso, static_cast<uint32_t>(p.mappings.size()));
          if (new_mapping) {
            Mapping mp;
            mp.id = p.mappings.size() + 1;
            mp.filename = p.strings.Intern(f.dso);
            mp.has_functions = true;
            p.mappings.push_back(mp);
          }
          loc.mapping = m->second;
        }
      }
      locs.push_back(it->second);
      return true;
    }
    finish();
    if (ParseHeader(line, &h)) {
      in_sample = true;
      ++headers;
      locs.clear();
    } else {
      ++p.stats.skipped_lines;
    }
    return true;
  });
  finish();
  if (headers == 0) {
    return Status::Corruption(
        Format("perf script: no sample header (\"comm pid ... event:\") in %zu lines", line_no));
  }
  for (size_t i = 0; i < p.num_samples(); ++i) {
    for (const auto& c : columns) p.values.push_back(c[i]);
  }
  p.default_sample_type = p.sample_types[0].type;
  p.period_type = p.sample_types[0];
  p.period = 1;
  return p;
}

}  // namespace pyrolens
