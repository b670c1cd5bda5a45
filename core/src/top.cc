// pprof -top over the flat model. Sources of each rule: internal/report/report.go
// (newTrimmedGraph, selectOutputUnit, TextItems, printText, ProfileLabels,
// reportLabels, computeTotal), internal/graph/graph.go (newGraph, nodeInfo,
// NameComponents, Nodes.Sort, TrimLowFrequencyEdges), internal/driver/driver.go.
#include "pyrolens/top.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <unordered_map>

#include "pyrolens/units.h"

namespace pyrolens {
namespace {

int64_t Abs64(int64_t v) { return v < 0 ? -v : v; }

// Go's int64(float64(x)) for the cutoffs; saturates instead of overflowing.
int64_t TruncToInt64(double v) {
  if (!(v == v)) return 0;
  if (v >= 9.2e18) return INT64_MAX;
  if (v <= -9.2e18) return INT64_MIN;
  return static_cast<int64_t>(v);
}

// Go's filepath.Base for a non-empty path.
std::string BaseName(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (p == "/") return p;
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// Pads on the left to `width` code points, as Go's %10s does.
std::string PadLeft(const std::string& s, size_t width) {
  size_t runes = 0;
  for (unsigned char c : s) runes += (c & 0xC0) != 0x80;
  return runes >= width ? s : std::string(width - runes, ' ') + s;
}

// A node at function granularity (pprof's NodeInfo after Aggregate with functions
// only): a named function is its name; a nameless frame is its mapping file and start
// line.
struct Node {
  std::string name;     // NodeInfo.Name
  std::string objfile;  // NodeInfo.Objfile (nameless frames only)
  int64_t start_line = 0;
  std::string printable;
  int64_t flat = 0, cum = 0;
  bool inline_in = false, noninline_in = false;
};

// fmt.Sprint(NodeInfo), pprof's last tie-breaker.
std::string SprintInfo(const Node& n) {
  return Format("{%s  0  %lld 0 %s}", n.name.c_str(), static_cast<long long>(n.start_line),
                n.objfile.c_str());
}

class EdgeTable {
 public:
  struct Edge {
    uint64_t key;
    int64_t weight;
    uint32_t last_stack;
    bool inline_edge;
  };
  // Returns the edge for (parent, child), creating it when absent (*created = true).
  Edge* FindOrAdd(uint32_t parent, uint32_t child, bool* created) {
    if ((edges_.size() + 1) * 2 > slots_.size()) Grow();
    uint64_t key = (static_cast<uint64_t>(parent) << 32) | child;
    size_t mask = slots_.size() - 1;
    for (size_t i = Hash(key) & mask;; i = (i + 1) & mask) {
      uint32_t e = slots_[i];
      if (e == kNone) {
        slots_[i] = static_cast<uint32_t>(edges_.size());
        edges_.push_back({key, 0, kNone, true});
        *created = true;
        return &edges_.back();
      }
      if (edges_[e].key == key) {
        *created = false;
        return &edges_[e];
      }
    }
  }
  const std::vector<Edge>& edges() const { return edges_; }
  Edge* at(uint32_t i) { return &edges_[i]; }
  uint32_t index(const Edge* e) const { return static_cast<uint32_t>(e - edges_.data()); }

 private:
  static uint64_t Hash(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return k;
  }
  void Grow() {
    slots_.assign(slots_.empty() ? 1024 : slots_.size() * 2, kNone);
    size_t mask = slots_.size() - 1;
    for (size_t e = 0; e < edges_.size(); ++e) {
      size_t i = Hash(edges_[e].key) & mask;
      while (slots_[i] != kNone) i = (i + 1) & mask;
      slots_[i] = static_cast<uint32_t>(e);
    }
  }
  std::vector<uint32_t> slots_;
  std::vector<Edge> edges_;
};

class TopBuilder {
 public:
  TopBuilder(Profile* p, size_t type, const TopOptions& o) : p_(*p), type_(type), o_(o) {}

  void Run(TopReport* r) {
    AssignNodes();
    StackWeights();
    NodeValues();
    std::vector<uint32_t> g;  // the graph's nodes (pprof drops those with flat == cum == 0)
    int64_t total_value = 0;
    for (uint32_t n = 0; n < nodes_.size(); ++n) {
      if (nodes_[n].flat != 0 || nodes_[n].cum != 0) g.push_back(n);
      total_value += nodes_[n].flat;
    }
    int64_t node_cutoff = Abs64(TruncToInt64(static_cast<double>(total_value) * o_.node_fraction));
    int64_t edge_cutoff = Abs64(TruncToInt64(static_cast<double>(total_value) * o_.edge_fraction));
    bool rebuilt = false;
    size_t dropped = 0;
    if (node_cutoff > 0) {
      std::vector<uint32_t> kept;
      for (uint32_t n : g) {
        if (Abs64(nodes_[n].cum) >= node_cutoff) kept.push_back(n);
      }
      if (kept.size() != g.size()) {
        dropped = g.size() - kept.size();
        g.swap(kept);
        rebuilt = true;
      }
    }
    size_t orig_count = g.size();
    Sort(&g);
    if (o_.node_count > 0 && static_cast<uint64_t>(o_.node_count) < g.size()) {
      g.resize(static_cast<size_t>(o_.node_count));
      rebuilt = true;
    }
    // Edges of the final graph: a rebuilt graph only has the kept nodes; otherwise
    // every node exists, even those with zero values.
    if (rebuilt) {
      for (uint32_t n : g) flags_[n] |= kInFinal;
    } else {
      for (uint8_t& f : flags_) f |= kInFinal;
    }
    InlineMarks(g, edge_cutoff);

    r->output_unit = OutputUnit(g, r->total, r->sample_unit);
    int64_t flat_sum = 0;
    for (uint32_t n : g) {
      const Node& node = nodes_[n];
      TopRow row;
      row.name = node.printable;
      row.flat = node.flat;
      row.cum = node.cum;
      if (node.inline_in) {
        row.inline_mark = node.noninline_in ? InlineMark::kPartialInline : InlineMark::kInline;
      }
      flat_sum += node.flat;
      r->rows.push_back(std::move(row));
    }
    r->labels.push_back(
        Format("Showing nodes accounting for %s, %s of %s total", r->FormatValue(flat_sum).c_str(),
               Trim(Percentage(flat_sum, r->total)).c_str(), r->FormatValue(r->total).c_str()));
    if (r->total != 0) {
      if (dropped > 0) {
        int64_t cut = Abs64(TruncToInt64(static_cast<double>(r->total) * o_.node_fraction));
        r->labels.push_back(Format("Dropped %zu node%s (cum <= %s)", dropped,
                                   dropped > 1 ? "s" : "", r->FormatValue(cut).c_str()));
      }
      if (!g.empty() && g.size() < orig_count) {
        r->labels.push_back(Format("Showing top %zu nodes out of %zu", g.size(), orig_count));
      }
    }
  }

 private:
  static std::string Trim(const std::string& s) {
    size_t b = s.find_first_not_of(' ');
    return b == std::string::npos ? "" : s.substr(b);
  }

  // REQUIRES: `name` lives as long as this builder (it is a string of the profile).
  uint32_t InternNamed(std::string_view name) {
    auto [it, inserted] = named_.emplace(name, static_cast<uint32_t>(nodes_.size()));
    if (inserted) {
      Node n;
      n.name = std::string(name);
      n.printable = n.name;
      nodes_.push_back(std::move(n));
    }
    return it->second;
  }

  uint32_t InternNameless(std::string_view objfile, int64_t start_line) {
    std::string key(objfile);
    key.push_back('\0');
    key += std::to_string(start_line);
    auto [it, inserted] = nameless_.emplace(key, static_cast<uint32_t>(nodes_.size()));
    if (inserted) {
      Node n;
      n.objfile = std::string(objfile);
      n.start_line = start_line;
      n.printable = objfile.empty() ? "<unknown>" : "[" + BaseName(n.objfile) + "]";
      nodes_.push_back(std::move(n));
    }
    return it->second;
  }

  // The nodes of every location, outermost caller first (a location without lines is
  // one nameless frame), into frame_nodes_[frame_offsets_[loc], frame_offsets_[loc + 1]).
  void AssignNodes() {
    std::vector<uint32_t> func_node(p_.functions.size(), kNone);
    std::vector<uint8_t> inlined;  // per node: an inner line of some location
    named_.reserve(p_.functions.size());
    frame_offsets_.assign(p_.locations.size() + 1, 0);
    single_node_.assign(p_.locations.size(), kNone);
    frame_nodes_.clear();
    frame_nodes_.reserve(p_.lines.size() + p_.locations.size());
    for (size_t li = 0; li < p_.locations.size(); ++li) {
      const Location& loc = p_.locations[li];
      std::string_view objfile;
      if (loc.mapping != kNone && loc.mapping < p_.mappings.size()) {
        objfile = p_.str(p_.mappings[loc.mapping].filename);
      }
      if (loc.num_lines == 0) frame_nodes_.push_back(InternNameless(objfile, 0));
      for (uint32_t j = loc.num_lines; j-- > 0;) {
        uint32_t f = p_.lines[loc.first_line + j].function;
        uint32_t node;
        if (f != kNone && f < p_.functions.size() && !p_.str(p_.functions[f].name).empty()) {
          if (func_node[f] == kNone) func_node[f] = InternNamed(p_.str(p_.functions[f].name));
          node = func_node[f];
        } else {
          int64_t start = f != kNone && f < p_.functions.size() ? p_.functions[f].start_line : 0;
          node = InternNameless(objfile, start);
        }
        frame_nodes_.push_back(node);
        if (inlined.size() < nodes_.size()) inlined.resize(nodes_.size(), 0);
        if (j + 1 < loc.num_lines) inlined[node] = 1;  // an inner (inlined) line
      }
      frame_offsets_[li + 1] = static_cast<uint32_t>(frame_nodes_.size());
      if (frame_offsets_[li + 1] - frame_offsets_[li] == 1) single_node_[li] = frame_nodes_.back();
    }
    inlined.resize(nodes_.size(), 0);
    flags_.assign(nodes_.size(), 0);
    for (size_t n = 0; n < nodes_.size(); ++n) flags_[n] = inlined[n] ? kCandidate : 0;
  }

  // Per stack: the summed value of its samples, and whether any sample is non-zero
  // (pprof skips zero samples entirely).
  void StackWeights() {
    weight_.assign(p_.num_stacks(), 0);
    nonzero_.assign(p_.num_stacks(), 0);
    size_t nt = p_.num_types();
    for (size_t i = 0; i < p_.num_samples(); ++i) {
      int64_t v = p_.values[i * nt + type_];
      uint32_t s = p_.sample_stack[i];
      weight_[s] += v;
      if (v != 0) nonzero_[s] = 1;
    }
  }

  // Calls visit(node, inlined) for the frames of stack s from the root to the leaf,
  // skipping locations l with filter[l] == 0 when `filter` is given.
  template <typename F>
  void ForEachFrame(uint32_t s, const uint8_t* filter, F&& visit) const {
    const uint32_t* b = p_.stack_begin(s);
    const uint32_t* offsets = frame_offsets_.data();
    const uint32_t* frames = frame_nodes_.data();
    const uint32_t* single = single_node_.data();
    for (const uint32_t* l = p_.stack_end(s); l != b;) {
      --l;
      if (filter != nullptr && filter[*l] == 0) continue;
      if (single[*l] != kNone) {  // the common case: one frame, one memory access
        visit(single[*l], false);
        continue;
      }
      uint32_t first = offsets[*l], end = offsets[*l + 1];
      for (uint32_t k = first; k < end; ++k) visit(frames[k], k != first);
    }
  }

  // Flat and cum per node; cum counts each stack once per node.
  void NodeValues() {
    struct Acc {
      int64_t cum = 0;
      uint32_t last = kNone;  // the last stack that added to cum
    };
    std::vector<Acc> acc(nodes_.size());
    std::vector<int64_t> flat(nodes_.size(), 0);
    for (uint32_t s = 0; s < p_.num_stacks(); ++s) {
      if (!nonzero_[s] || p_.stack_begin(s) == p_.stack_end(s)) continue;
      int64_t w = weight_[s];
      uint32_t leaf = kNone;
      ForEachFrame(s, nullptr, [&](uint32_t n, bool) {
        Acc& a = acc[n];
        if (a.last != s) {
          a.last = s;
          a.cum += w;
        }
        leaf = n;
      });
      flat[leaf] += w;
    }
    for (size_t n = 0; n < nodes_.size(); ++n) {
      nodes_[n].flat = flat[n];
      nodes_[n].cum = acc[n].cum;
    }
  }

  void Sort(std::vector<uint32_t>* g) const {
    bool cum = o_.cum;
    std::sort(g->begin(), g->end(), [&](uint32_t a, uint32_t b) {
      const Node& l = nodes_[a];
      const Node& r = nodes_[b];
      int64_t lk = Abs64(cum ? l.cum : l.flat), rk = Abs64(cum ? r.cum : r.flat);
      if (lk != rk) return lk > rk;
      if (l.printable != r.printable) return l.printable < r.printable;
      int64_t l2 = Abs64(cum ? l.flat : l.cum), r2 = Abs64(cum ? r.flat : r.cum);
      if (l2 != r2) return l2 > r2;
      return SprintInfo(l) < SprintInfo(r);
    });
  }

  // An incoming edge is inline when the callee is an inlined line of its location;
  // pprof marks a row "(inline)" when all its kept incoming edges are inline and
  // "(partial-inline)" when only some are. Only callee nodes that are inlined
  // somewhere need their edges counted.
  void InlineMarks(const std::vector<uint32_t>& g, int64_t edge_cutoff) {
    bool any = false;
    for (uint32_t n : g) any = any || (flags_[n] & kCandidate);
    if (!any) return;
    // Locations without a node of the final graph are skipped with one byte read.
    std::vector<uint8_t> has_final(p_.locations.size(), 0);
    for (size_t li = 0; li < p_.locations.size(); ++li) {
      for (uint32_t k = frame_offsets_[li]; k < frame_offsets_[li + 1]; ++k) {
        if (flags_[frame_nodes_[k]] & kInFinal) has_final[li] = 1;
      }
    }
    EdgeTable edges;
    // Per callee, the last edge looked up: stacks share prefixes, so the same caller
    // comes back most of the time and the hash lookup is skipped.
    std::vector<uint32_t> last_parent(nodes_.size(), kNone), last_edge(nodes_.size(), kNone);
    for (uint32_t s = 0; s < p_.num_stacks(); ++s) {
      if (!nonzero_[s]) continue;
      int64_t w = weight_[s];
      uint32_t parent = kNone;
      ForEachFrame(s, has_final.data(), [&](uint32_t n, bool inlined) {
        uint8_t f = flags_[n];
        if (!(f & kInFinal)) return;
        if (parent != kNone && n != parent && (f & kCandidate)) {
          bool created = false;
          EdgeTable::Edge* e;
          if (last_parent[n] == parent) {
            e = edges.at(last_edge[n]);
          } else {
            e = edges.FindOrAdd(parent, n, &created);
            last_parent[n] = parent;
            last_edge[n] = edges.index(e);
          }
          if (e->last_stack != s) {
            e->last_stack = s;
            e->weight += w;
            e->inline_edge = created ? inlined : e->inline_edge && inlined;
          }
        }
        parent = n;
      });
    }
    for (const EdgeTable::Edge& e : edges.edges()) {
      if (Abs64(e.weight) < edge_cutoff) continue;
      Node& child = nodes_[static_cast<uint32_t>(e.key)];
      (e.inline_edge ? child.inline_in : child.noninline_in) = true;
    }
  }

  // report.go selectOutputUnit.
  std::string OutputUnit(const std::vector<uint32_t>& g, int64_t total,
                         const std::string& sample_unit) const {
    if (o_.unit != "minimum" || g.empty()) return o_.unit;
    int64_t min_value = 0;
    for (uint32_t n : g) {
      int64_t v = Abs64(nodes_[n].flat);
      if (v == 0) v = Abs64(nodes_[n].cum);
      if (v > 0 && (min_value == 0 || v < min_value)) min_value = v;
    }
    int64_t max_value = total;
    if (min_value == 0) min_value = max_value;
    std::string min_unit = ScaleValue(min_value, sample_unit, "minimum").unit;
    std::string max_unit = ScaleValue(max_value, sample_unit, "minimum").unit;
    std::string unit = min_unit;
    if (min_unit != max_unit && min_value * 100 < max_value) {
      unit = ScaleValue(100 * min_value, sample_unit, "minimum").unit;
    }
    return unit.empty() ? sample_unit : unit;
  }

  Profile& p_;
  size_t type_;
  const TopOptions& o_;
  std::vector<Node> nodes_;
  std::unordered_map<std::string_view, uint32_t> named_;
  std::unordered_map<std::string, uint32_t> nameless_;
  enum : uint8_t { kCandidate = 1, kInFinal = 2 };
  std::vector<uint8_t> flags_;  // per node
  std::vector<uint32_t> frame_offsets_, frame_nodes_;
  std::vector<uint32_t> single_node_;  // per location: its only frame's node, or kNone
  std::vector<int64_t> weight_;
  std::vector<uint8_t> nonzero_;
};

// report.go computeTotal: sum of |value|; only the diff base when one is marked.
int64_t ComputeTotal(const Profile& p, size_t type) {
  StringId base_key = kNone, base_true = kNone;
  for (StringId i = 0; i < p.strings.size() && (base_key == kNone || base_true == kNone); ++i) {
    if (base_key == kNone && p.strings[i] == "pprof::base") base_key = i;
    if (base_true == kNone && p.strings[i] == "true") base_true = i;
  }
  bool may_have_base = base_key != kNone && base_true != kNone;
  int64_t total = 0, diff_total = 0;
  size_t nt = p.num_types();
  for (size_t i = 0; i < p.num_samples(); ++i) {
    int64_t v = Abs64(p.values[i * nt + type]);
    total += v;
    if (!may_have_base) continue;
    for (uint32_t j = p.label_offsets[i]; j < p.label_offsets[i + 1]; ++j) {
      const Label& l = p.label(j);
      if (l.str != 0 && p.str(l.key) == "pprof::base" && p.str(l.str) == "true") {
        diff_total += v;
        break;
      }
    }
  }
  return diff_total > 0 ? diff_total : total;
}

bool ParseBool(std::string_view v, bool* out) {
  if (v.empty() || v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") {
    *out = true;
    return true;
  }
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") {
    *out = false;
    return true;
  }
  return false;
}

}  // namespace

bool IsBooleanTopFlag(std::string_view name) { return name == "cum" || name == "flat"; }

Status ParseTopFlag(std::string_view name, std::string_view value, TopOptions* o) {
  std::string v(value);
  auto bad = [&](const char* what) {
    return Status::InvalidArgument(Format("-%.*s: %s, found \"%s\"", static_cast<int>(name.size()),
                                          name.data(), what, v.c_str()));
  };
  if (name == "cum" || name == "flat") {
    bool b = false;
    if (!ParseBool(value, &b)) return bad("expected true or false");
    o->cum = name == "cum" ? b : !b;
    return Status();
  }
  if (name == "nodecount") {
    char* end = nullptr;
    errno = 0;
    long long n = v.empty() ? 0 : strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || errno == ERANGE) return bad("expected an integer");
    o->node_count = n;
    return Status();
  }
  if (name == "nodefraction" || name == "edgefraction") {
    char* end = nullptr;
    errno = 0;
    double d = v.empty() ? 0 : strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || errno == ERANGE || std::isnan(d)) {
      return bad("expected a number");
    }
    (name == "nodefraction" ? o->node_fraction : o->edge_fraction) = d;
    return Status();
  }
  if (name == "unit") {
    if (v.empty()) return bad("expected a unit (minimum, auto, ms, MB, ...)");
    o->unit = v;
    return Status();
  }
  std::string* target = name == "sample_index" ? &o->sample_index
                        : name == "focus"      ? &o->filters.focus
                        : name == "ignore"     ? &o->filters.ignore
                        : name == "hide"       ? &o->filters.hide
                        : name == "show"       ? &o->filters.show
                        : name == "tagfocus"   ? &o->filters.tagfocus
                        : name == "tagignore"  ? &o->filters.tagignore
                                               : nullptr;
  if (target == nullptr) {
    return Status::InvalidArgument(
        Format("unknown flag -%.*s", static_cast<int>(name.size()), name.data()));
  }
  *target = v;
  return Status();
}

std::string TopReport::FormatValue(int64_t value) const {
  return ScaledLabel(value, sample_unit, output_unit);
}

std::string FormatProfileTime(int64_t time_nanos) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t secs = time_nanos / 1000000000;
  if (time_nanos % 1000000000 < 0) --secs;  // Go rounds toward the earlier second
  time_t t = static_cast<time_t>(secs);
  struct tm tm {};
  if (localtime_r(&t, &tm) == nullptr) return "";
  int hour = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
  return Format("%s %d, %04d at %d:%02d%s (%s)", kMonths[tm.tm_mon % 12], tm.tm_mday,
                tm.tm_year + 1900, hour, tm.tm_min, tm.tm_hour < 12 ? "am" : "pm",
                tm.tm_zone != nullptr ? tm.tm_zone : "UTC");
}

Result<TopReport> BuildTop(Profile p, const TopOptions& o) {
  ASSIGN_OR_RETURN(ProfileFilter filter, ProfileFilter::Compile(o.filters));
  ASSIGN_OR_RETURN(size_t type, SelectSampleType(p, o.sample_index));
  // What pprof does while fetching, before any report option applies.
  SimplifyFunctionNames(&p);
  PruneUninteresting(&p);

  TopReport r;
  r.sample_unit = p.str(p.sample_types[type].unit);
  r.total = ComputeTotal(p, type);

  // Profile labels (report.go ProfileLabels); Duration needs the output unit and is
  // completed below.
  if (!p.mappings.empty()) {
    const Mapping& m = p.mappings[0];
    if (!p.str(m.filename).empty()) r.labels.push_back("File: " + BaseName(p.str(m.filename)));
    if (!p.str(m.build_id).empty()) r.labels.push_back("Build ID: " + p.str(m.build_id));
  }
  for (StringId c : p.comments) {
    if (p.str(c).empty() || p.str(c)[0] != '#') r.labels.push_back(p.str(c));
  }
  const std::string& type_name = p.str(p.sample_types[type].type);
  if (!type_name.empty()) r.labels.push_back("Type: " + type_name);
  if (p.time_nanos != 0) r.labels.push_back("Time: " + FormatProfileTime(p.time_nanos));
  size_t duration_label = kNone;
  if (p.duration_nanos != 0) {
    duration_label = r.labels.size();
    r.labels.emplace_back();
  }
  std::vector<std::string> active;
  auto add_filter = [&](const char* name, const std::string& v) {
    if (v.empty()) return;
    std::string s = std::string(name) + "=" + v;
    if (s.size() > 80) s = s.substr(0, 80) + "\xe2\x80\xa6";  // pprof cuts bytes, adds "…"
    active.push_back("   " + s);
  };
  add_filter("focus", o.filters.focus);
  add_filter("ignore", o.filters.ignore);
  add_filter("hide", o.filters.hide);
  add_filter("show", o.filters.show);
  add_filter("tagfocus", o.filters.tagfocus);
  add_filter("tagignore", o.filters.tagignore);
  if (!active.empty()) {
    r.labels.push_back("Active filters:");
    r.labels.insert(r.labels.end(), active.begin(), active.end());
  }

  FilterMatches matches = filter.Apply(&p);
  r.warnings = matches.Warnings();

  TopBuilder(&p, type, o).Run(&r);

  if (duration_label != kNone) {
    std::string ratio;
    ScaledValue ns = ScaleValue(r.total, r.sample_unit, "nanoseconds");
    if (ns.unit == "ns" && ns.value != 0) {
      ratio = "(" + Percentage(TruncToInt64(ns.value), p.duration_nanos) + ")";
    }
    r.labels[duration_label] = Format("Duration: %s, Total samples = %s %s",
                                      ScaledLabel(p.duration_nanos, "nanoseconds", "auto").c_str(),
                                      r.FormatValue(r.total).c_str(), ratio.c_str());
  }
  return r;
}

std::string FormatTop(const TopReport& r) {
  std::string out;
  for (const std::string& l : r.labels) {
    out += l;
    out += '\n';
  }
  out += "      flat  flat%   sum%        cum   cum%\n";
  int64_t flat_sum = 0;
  for (const TopRow& row : r.rows) {
    flat_sum += row.flat;
    out += PadLeft(r.FormatValue(row.flat), 10);
    out += ' ';
    out += Percentage(row.flat, r.total);
    out += ' ';
    out += Percentage(flat_sum, r.total);
    out += ' ';
    out += PadLeft(r.FormatValue(row.cum), 10);
    out += ' ';
    out += Percentage(row.cum, r.total);
    out += "  ";
    out += row.name;
    if (row.inline_mark == InlineMark::kInline) out += " (inline)";
    if (row.inline_mark == InlineMark::kPartialInline) out += " (partial-inline)";
    out += '\n';
  }
  return out;
}

}  // namespace pyrolens
