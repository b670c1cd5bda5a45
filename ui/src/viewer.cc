// The Viewer API, host commands, derived-data builds and StateJson.
#include "pyrolens/ui/viewer.h"

#include <re2/re2.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iterator>

#include "colors.h"
#include "json.h"
#include "pyrolens/filter.h"
#include "pyrolens/folded.h"
#include "pyrolens/merge.h"
#include "pyrolens/pprof.h"
#include "pyrolens/reader.h"
#include "pyrolens/units.h"
#include "viewer_impl.h"

namespace pyrolens::ui {

struct Viewer::Impl : Viewer_Impl {};

const char* ViewModeName(ViewMode v) {
  switch (v) {
    case ViewMode::kFlame:
      return "flame";
    case ViewMode::kIcicle:
      return "icicle";
    case ViewMode::kTop:
      return "top";
    case ViewMode::kSandwich:
      return "sandwich";
    case ViewMode::kDiff:
      return "diff";
  }
  return "flame";
}

namespace {

const char* SourceModeName(SourceMode m) {
  switch (m) {
    case SourceMode::kSingle:
      return "single";
    case SourceMode::kMerge:
      return "merge";
    case SourceMode::kDiff:
      return "diff";
  }
  return "single";
}

std::string JoinFilters(const FilterOptions& f) {
  std::string s;
  for (const std::string* p : {&f.focus, &f.ignore, &f.hide, &f.show, &f.tagfocus, &f.tagignore}) {
    s += *p;
    s += '\x1f';
  }
  return s;
}

std::string* FilterField(FilterOptions* f, int i) {
  std::string* fields[] = {&f->focus, &f->ignore, &f->hide, &f->show, &f->tagfocus, &f->tagignore};
  return fields[i];
}

const char* const kFilterNames[] = {"focus", "ignore", "hide", "show", "tagfocus", "tagignore"};

// The view profile: filters and collapse applied to a copy; nullptr-free when none.
Result<Profile> Transform(const Profile& in, const ProfileFilter& filter, bool collapse,
                          bool* changed) {
  *changed = !filter.empty() || collapse;
  if (!*changed) return Profile();
  Profile p = in;
  if (!filter.empty()) filter.Apply(&p);
  if (collapse) CollapseRecursion(&p);
  return p;
}

// Options of a tree of column `type`.
CallTreeOptions TreeOptions(size_t type) {
  CallTreeOptions options;
  options.sample_type = type;
  return options;
}

Result<CallTree> Tree(const Profile& p, size_t type) {
  return BuildCallTree(p, TreeOptions(type));
}

// Points `data` at a call tree's arrays.
void Show(const CallTree& t, TreeData* data) {
  data->shape = &t;
  data->x = &t.x;
}

// The value column named `name` in `p` ("" = the default); InvalidArgument when absent.
Result<size_t> TypeIndex(const Profile& p, const std::string& name) {
  if (name.empty()) return SelectSampleType(p, "");
  for (size_t i = 0; i < p.num_types(); ++i) {
    if (p.str(p.sample_types[i].type) == name) return i;
  }
  return SelectSampleType(p, "");  // a type the other profile lacks: this one's default
}

}  // namespace

bool Viewer_Impl::TreeKey::operator==(const TreeKey& o) const {
  return profiles_version == o.profiles_version && source == o.source && shown == o.shown &&
         base == o.base && comparison == o.comparison && sample_type == o.sample_type &&
         filters == o.filters && invert == o.invert && collapse == o.collapse;
}

void Viewer_Impl::Emit(const std::string& json) const {
  if (on_event) on_event(json);
}

void Viewer_Impl::ShowError(const std::string& message, uint32_t load) {
  errors.push_back(message);
  if (errors.size() > 8) errors.erase(errors.begin());
  std::string e = "{\"event\":\"error\",\"message\":";
  AppendJsonString(&e, message);
  if (load != 0) e += ",\"load\":" + std::to_string(load);
  e += '}';
  Emit(e);
}

Status Viewer_Impl::Open(std::string name, std::string_view bytes) {
  Load l;
  l.id = next_load_id++;
  l.name = std::move(name);
  l.bytes = bytes;
  Status error;
  while (!StepLoad(&l, &error)) {
  }
  return FinishLoad(&l, error);
}

uint32_t Viewer_Impl::StartOpen(std::string name, std::unique_ptr<char[]> bytes, size_t size,
                                bool pprof_only, bool arriving) {
  Load& l = loads.emplace_back();
  l.pprof_only = pprof_only;
  if (arriving) {
    l.arrived = 0;
    l.last = false;
  }
  l.id = next_load_id++;
  l.name = std::move(name);
  l.bytes = std::string_view(bytes.get(), size);
  l.owned = std::move(bytes);
  return l.id;
}

Viewer_Impl::Load* Viewer_Impl::FindLoad(uint32_t id) {
  for (Load& l : loads) {
    if (l.id == id) return &l;
  }
  return nullptr;
}

bool Viewer_Impl::waiting() const {
  return !loads.empty() && loads.front().reader && loads.front().reader->waiting();
}

void Viewer_Impl::StepLoads(double budget_ms) {
  if (loads.empty()) return;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed_ms = [&] {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  };
  while (!loads.empty() && !waiting() && elapsed_ms() < budget_ms) {
    Load& l = loads.front();
    Status error;
    const double before = elapsed_ms();
    const int phase = l.table ? 2 : l.profile ? 1 : 0;
    const bool done = StepLoad(&l, &error);
    l.ms[phase] += elapsed_ms() - before;
    if (done) {
      Load done = std::move(l);
      loads.pop_front();
      (void)FinishLoad(&done, error);
    }
  }
  loading = !loads.empty();
  if (loading) {
    const Load& l = loads.front();
    double read = l.profile ? 1.0 : l.reader ? l.reader->progress() : 0.0;
    double built = l.table ? 0.9 + 0.1 * l.table->progress()
                   : l.builder ? 0.9 * l.builder->progress() : 0.0;
    loading_message = (l.profile ? "Building the call tree of " : "Reading ") + l.name;
    loading_progress = static_cast<float>(0.6 * read + 0.4 * built);
  }
}

bool Viewer_Impl::StepLoad(Load* l, Status* error) {
  if (!l->profile) {
    if (!l->reader) {
      l->reader = std::make_unique<ProfileReader>(l->bytes);
      if (!l->last) l->reader->Arrived(l->arrived, false);
    }
    Result<bool> done = l->reader->Step(1 << 18);
    if (!done.ok()) {
      *error = done.status();
      return true;
    }
    if (!*done) {
      const InputFormat f = l->reader->format();
      l->convert = l->pprof_only && f != InputFormat::kPprof && f != InputFormat::kUnknown;
      return l->convert;
    }
    l->profile = std::make_unique<Profile>(l->reader->Take());
    l->reader.reset();  // with the decompressed bytes
    l->owned.reset();
    if (l->profile->num_types() == 0) {
      *error = Status::InvalidArgument("the profile has no sample types");
      return true;
    }
    // The tree RebuildTrees would build first (this profile shown alone, unfiltered),
    // built here in steps; any other view is built when the load ends.
    Result<size_t> type = TypeIndex(*l->profile, sample_type);
    if (source == SourceMode::kSingle && JoinFilters(filters) == JoinFilters(FilterOptions()) &&
        !collapse && !invert && type.ok()) {
      l->type = *type;
      l->builder =
          std::make_unique<CallTreeBuilder>(*l->profile, TreeOptions(*type));
    }
    return l->builder == nullptr;
  }
  if (l->table) return l->table->Step(1 << 18);
  Result<bool> done = l->builder->Step(1 << 16);
  if (done.ok() && !*done) return false;
  if (!done.ok()) {
    l->builder.reset();  // RebuildTrees reports it
    return true;
  }
  // The top table's rows, counted in steps too.
  l->tree = std::make_unique<CallTree>(l->builder->Take());
  l->builder.reset();
  l->table = std::make_unique<FunctionTableBuilder>(*l->tree, l->tree->x);
  return false;
}

Status Viewer_Impl::FinishLoad(Load* l, Status error) {
  if (l->convert) {
    Emit("{\"event\":\"convert\",\"load\":" + std::to_string(l->id) + '}');
    return Status();
  }
  if (!error.ok()) {
    Status s = error.WithPrefix(l->name);
    ShowError(s.message(), l->id);
    return s;
  }
  size_t slash = l->name.find_last_of("/\\");
  std::string label = slash == std::string::npos ? l->name : l->name.substr(slash + 1);
  profiles.push_back({l->name, std::move(*l->profile), std::move(label)});
  ++profiles_version;
  if (source == SourceMode::kSingle) shown = static_cast<int>(profiles.size()) - 1;
  if (l->table) {
    prebuilt_rows = l->table->Take();
    l->table.reset();
    prebuilt = std::move(*l->tree);
    prebuilt_profile = profiles.size() - 1;
    prebuilt_type = l->type;
  }
  std::string e = "{\"event\":\"loaded\",\"name\":";
  AppendJsonString(&e, profiles.back().name);
  e += ",\"index\":" + std::to_string(profiles.size() - 1);
  e += ",\"load\":" + std::to_string(l->id);
  e += Format(",\"ms\":{\"read\":%.1f,\"tree\":%.1f,\"table\":%.1f}}", l->ms[0], l->ms[1],
              l->ms[2]);
  Emit(e);
  EnsureDerived();
  return Status();
}

void Viewer_Impl::CancelLoads() {
  while (!loads.empty()) {
    Load l = std::move(loads.front());
    loads.pop_front();
    (void)FinishLoad(&l, Status::Cancelled("loading cancelled"));
  }
  loading = false;
}

void Viewer_Impl::EnsureDerived() {
  TreeKey key;
  key.profiles_version = profiles_version;
  key.source = source;
  key.shown = shown;
  key.base = base;
  key.comparison = comparison;
  key.sample_type = sample_type;
  key.filters = JoinFilters(filters);
  key.invert = invert;
  key.collapse = collapse;
  if (!(key == built_key)) {
    built_key = key;
    Status s = RebuildTrees();
    prebuilt.reset();
    prebuilt_rows.clear();
    if (!s.ok()) ShowError(s.message());
  }
  if (search != built_search || search_regex != built_search_regex ||
      search_tree_version != tree_version) {
    RebuildSearch();
  }
  if (view == ViewMode::kSandwich &&
      (sandwich_built_for != selected_name || sandwich_tree_version != tree_version)) {
    RebuildSandwich();
  }
}

Status Viewer_Impl::RebuildTrees() {
  ++tree_version;
  tooltip_node = kNone;
  main_panel.drawing = FlameDrawing();  // the last frame's nodes are the old tree's
  main = TreeData();
  tree = CallTree();
  table_tree.reset();
  diff = DiffTree();
  view_profile = Profile();
  view_source = nullptr;
  {
    TopTable fresh;
    fresh.sort_column = top.sort_column;
    fresh.sort_descending = top.sort_descending;
    memcpy(fresh.filter, top.filter, sizeof(fresh.filter));
    top = std::move(fresh);
  }
  main_panel.zoom = 0;
  main_panel.scroll_to_root = 2;
  selected_node = kNone;
  selected_name_id = kNone;
  filter_error.clear();
  if (profiles.empty()) return Status();
  std::optional<std::vector<FunctionRow>> rows;  // the prebuilt tree's

  Result<ProfileFilter> filter = ProfileFilter::Compile(filters);
  if (!filter.ok()) {
    filter_error = filter.status().message();
    filter = ProfileFilter::Compile(FilterOptions());
  }

  if (source == SourceMode::kDiff && profiles.size() >= 2) {
    base = std::clamp(base, 0, static_cast<int>(profiles.size()) - 1);
    comparison = std::clamp(comparison, 0, static_cast<int>(profiles.size()) - 1);
    const Profile* sides[2] = {&profiles[base].profile, &profiles[comparison].profile};
    CallTree trees[2], plain_trees[2];  // drawn (inverted when asked); not inverted
    for (int i = 0; i < 2; ++i) {
      bool changed = false;
      ASSIGN_OR_RETURN(Profile p, Transform(*sides[i], *filter, collapse, &changed));
      const Profile& use = changed ? p : *sides[i];
      ASSIGN_OR_RETURN(size_t type, TypeIndex(use, sample_type));
      if (i == 0) {
        type_index = type;
        type_name = use.str(use.sample_types[type].type);
        type_unit = use.str(use.sample_types[type].unit);
      } else if (use.str(use.sample_types[type].type) != type_name) {
        return Status::InvalidArgument("diff: the comparison profile has no sample type " +
                                       type_name);
      }
      if (invert) {
        Profile inverted = use;
        InvertStacks(&inverted);
        ASSIGN_OR_RETURN(trees[i], Tree(inverted, type));
        ASSIGN_OR_RETURN(plain_trees[i], Tree(use, type));
      } else {
        ASSIGN_OR_RETURN(trees[i], Tree(use, type));
      }
    }
    ASSIGN_OR_RETURN(diff, BuildDiffTree(trees[0], trees[1]));
    if (invert) {
      ASSIGN_OR_RETURN(table_diff, BuildDiffTree(plain_trees[0], plain_trees[1]));
    }
    diff_x.resize(diff.left_x.size());
    for (size_t i = 0; i < diff_x.size(); ++i) {
      diff_x[i] = WrapAdd(diff.left_x[i], diff.right_x[i]);
    }
    main.shape = &diff;
    main.x = &diff_x;
    main.diff = &diff;
    main.base_root = diff.left_total(0);
    main.comparison_root = diff.right_total(0);
    RebuildColors(&main);
    // The table has both sides' functions; the sandwich shows the comparison side.
    const DiffTree& td = table_diff ? *table_diff : diff;
    top.rows = BuildFunctionTable(td, td.right_x);
    top.base_rows = BuildFunctionTable(td, td.left_x);
    top.names = &td.names;
    top.root = td.right_total(0);
    top.base_root = td.left_total(0);
    const Profile& cmp = profiles[comparison].profile;
    bool changed = false;
    ASSIGN_OR_RETURN(view_profile, Transform(cmp, *filter, collapse, &changed));
    view_source = changed ? &view_profile : &cmp;
  } else {
    if (source == SourceMode::kDiff) source = SourceMode::kSingle;
    const Profile* in = nullptr;
    if (source == SourceMode::kMerge && profiles.size() >= 2) {
      std::vector<const Profile*> all;
      for (const Loaded& l : profiles) all.push_back(&l.profile);
      Result<Profile> merged = Merge(all);
      if (!merged.ok()) {
        source = SourceMode::kSingle;
        built_key.source = source;
        ShowError(merged.status().message());
      } else {
        view_profile = std::move(merged).value();
        in = &view_profile;
      }
    }
    if (in == nullptr) {
      shown = std::clamp(shown, 0, static_cast<int>(profiles.size()) - 1);
      in = &profiles[shown].profile;
    }
    bool changed = false;
    ASSIGN_OR_RETURN(Profile p, Transform(*in, *filter, collapse, &changed));
    if (changed) view_profile = std::move(p);
    view_source = changed || in == &view_profile ? &view_profile : in;
    ASSIGN_OR_RETURN(type_index, TypeIndex(*view_source, sample_type));
    type_name = view_source->str(view_source->sample_types[type_index].type);
    type_unit = view_source->str(view_source->sample_types[type_index].unit);
    if (invert) {
      Profile inverted = *view_source;
      InvertStacks(&inverted);
      ASSIGN_OR_RETURN(tree, Tree(inverted, type_index));
      ASSIGN_OR_RETURN(table_tree, Tree(*view_source, type_index));
    } else if (prebuilt && view_source == &profiles[prebuilt_profile].profile &&
               type_index == prebuilt_type) {
      tree = std::move(*prebuilt);
      rows = std::move(prebuilt_rows);
    } else {
      ASSIGN_OR_RETURN(tree, Tree(*view_source, type_index));
    }
    Show(tree, &main);
    RebuildColors(&main);
    // The top table, from the not-inverted tree.
    const CallTree& tt = table_tree ? *table_tree : tree;
    top.rows = rows ? std::move(*rows) : BuildFunctionTable(tt, tt.x);
    top.names = &tt.names;
    top.root = tt.size() ? tt.total(0) : 0;
  }
  top.text.assign(top.rows.size() * 4, std::string());
  SortTop();
  if (!selected_name.empty()) Select(selected_name, kNone);
  if (!filter_error.empty()) return Status::InvalidArgument(filter_error);
  return Status();
}

void Viewer_Impl::RebuildColors(TreeData* data) {
  if (!data->valid()) return;
  const StringTable& names = data->shape->names;
  data->name_color.resize(names.size());
  for (uint32_t i = 0; i < names.size(); ++i) data->name_color[i] = PackageColor(names[i], dark);
  data->name_match.assign(names.size(), 0);
  ++looks_version;
}

void Viewer_Impl::SortTop() {
  top.order_dirty = false;
  top.applied_filter = top.filter;
  top.order.clear();
  if (top.names == nullptr) return;
  const StringTable& names = *top.names;
  for (uint32_t i = 0; i < top.rows.size(); ++i) {
    if (top.filter[0] == 0 || names[top.rows[i].name].find(top.filter) != std::string::npos) {
      top.order.push_back(i);
    }
  }
  const bool diff_rows = !top.base_rows.empty();
  // Row i's value in the sort column (a diff's column outside a diff: self).
  auto key = [&](uint32_t i) -> double {
    const FunctionRow& r = top.rows[i];
    const FunctionRow* b = diff_rows ? &top.base_rows[i] : nullptr;
    switch (top.sort_column) {
      case kByTotal:
        return static_cast<double>(r.total);
      case kByBaseSelf:
        return static_cast<double>(b ? b->self : r.self);
      case kByBaseTotal:
        return static_cast<double>(b ? b->total : r.self);
      case kByChange:
        return b ? ShareChange(b->total, top.base_root, r.total, top.root)
                 : static_cast<double>(r.self);
      default:
        return static_cast<double>(r.self);
    }
  };
  // Names are unique within a tree, so this is a total order.
  std::sort(top.order.begin(), top.order.end(), [&](uint32_t a, uint32_t b) {
    if (top.sort_column == kByName) {
      int c = names[top.rows[a].name].compare(names[top.rows[b].name]);
      return top.sort_descending ? c > 0 : c < 0;
    }
    const double ka = key(a), kb = key(b);
    if (ka != kb) return top.sort_descending ? ka > kb : ka < kb;
    // Among equal changes (new functions, gone ones), the largest first.
    if (top.sort_column == kByChange && diff_rows) {
      const int64_t sa = top.rows[a].total + top.base_rows[a].total,
                    sb = top.rows[b].total + top.base_rows[b].total;
      if (sa != sb) return sa > sb;
    }
    return names[top.rows[a].name] < names[top.rows[b].name];
  });
}

void Viewer_Impl::RebuildSearch() {
  built_search = search;
  built_search_regex = search_regex;
  search_tree_version = tree_version;
  ++looks_version;
  search_error.clear();
  search_re.reset();
  matched_total = 0;
  for (TreeData* d : {&main, &callers, &callees}) {
    if (d->valid()) std::fill(d->name_match.begin(), d->name_match.end(), 0);
  }
  if (search.empty() || !main.valid()) return;
  if (search_regex) {
    RE2::Options o;
    o.set_log_errors(false);
    search_re = std::make_unique<RE2>(search, o);
    if (!search_re->ok()) {
      search_error = "search: invalid regexp: " + search_re->error();
      search_re.reset();
      return;
    }
  }
  auto mark = [&](TreeData* d) {
    if (!d->valid()) return;
    const StringTable& names = d->shape->names;
    for (uint32_t i = 1; i < names.size(); ++i) {  // 0 is ""
      const std::string& s = names[i];
      d->name_match[i] =
          search_re ? RE2::PartialMatch(s, *search_re) : s.find(search) != std::string::npos;
    }
    if (d->shape->size() > 0) d->name_match[d->shape->name[0]] = 0;  // never the root
  };
  for (TreeData* d : {&main, &callers, &callees}) mark(d);
  // The share of matches: the total of matching nodes without a matching ancestor.
  const TreeShape& t = *main.shape;
  // Diffs: the comparison side.
  const std::vector<int64_t>& x = main.diff ? main.diff->right_x : *main.x;
  for (uint32_t n = 1; n < t.size();) {
    if (main.name_match[t.name[n]]) {
      matched_total = WrapAdd(matched_total, t.NodeTotal(x, n));
      n = t.subtree_end[n];
    } else {
      ++n;
    }
  }
}

void Viewer_Impl::RebuildSandwich() {
  sandwich_built_for = selected_name;
  sandwich_tree_version = tree_version;
  tooltip_node = kNone;
  callers = TreeData();
  callees = TreeData();
  callers_tree = CallTree();
  callees_tree = CallTree();
  callers_panel = FlamePanel();
  callees_panel = FlamePanel();
  callers_panel.root_at_bottom = true;
  callees_panel.root_at_bottom = false;
  callers_panel.hide_root = callees_panel.hide_root = true;
  if (selected_name.empty() || view_source == nullptr) return;
  for (int side = 0; side < 2; ++side) {
    Profile p = *view_source;
    KeepSandwichSide(&p, selected_name, side ? SandwichSide::kCallees : SandwichSide::kCallers);
    Result<CallTree> t = Tree(p, type_index);
    if (!t.ok()) {
      ShowError(t.status().message());
      return;
    }
    CallTree& dst = side ? callees_tree : callers_tree;
    TreeData& data = side ? callees : callers;
    dst = std::move(t).value();
    Show(dst, &data);
    RebuildColors(&data);
  }
  built_search.clear();  // mark the new trees' matches
  built_search_regex = !search_regex;
  RebuildSearch();
}

void Viewer_Impl::Select(const std::string& name, uint32_t node) {
  selected_name = name;
  selected_node = node;
  selected_name_id = kNone;
  if (main.valid() && !name.empty()) {
    const TreeShape& t = *main.shape;
    // Names are interned in the tree's table, so a linear probe over names is enough.
    for (uint32_t i = 0; i < t.names.size(); ++i) {
      if (t.names[i] == name) {
        selected_name_id = i;
        break;
      }
    }
  }
  top.scroll_to_selection = true;
  if (view == ViewMode::kSandwich) EnsureDerived();
}

void Viewer_Impl::ZoomTo(uint32_t node) {
  if (!main.valid() || node >= main.shape->size()) return;
  main_panel.zoom = node;
  const TreeShape& t = *main.shape;
  std::string e = "{\"event\":\"zoom\",\"id\":" + std::to_string(node) + ",\"name\":";
  AppendJsonString(&e, t.node_name(node));
  e += ",\"total\":";
  AppendJsonInt(&e, main.total(node));
  e += '}';
  Emit(e);
}

void Viewer_Impl::ResetZoom() {
  main_panel.zoom = 0;
  callers_panel.zoom = 0;
  callees_panel.zoom = 0;
  selected_node = kNone;
}

Status Viewer_Impl::Export(const std::string& format) {
  if (view_source == nullptr) return Status::InvalidArgument("export: no profile loaded");
  std::string bytes, file;
  std::string stem = source == SourceMode::kMerge ? "merged" : profiles[shown].name;
  size_t slash = stem.find_last_of("/\\");
  if (slash != std::string::npos) stem = stem.substr(slash + 1);
  if (format == "pprof") {
    bytes = WritePprof(*view_source, true);
    file = stem + ".pb.gz";
  } else if (format == "folded") {
    bytes = WriteFolded(*view_source, type_index);
    file = stem + ".folded";
  } else if (format == "png") {
    Emit("{\"event\":\"exportPng\"}");
    return Status();
  } else {
    return Status::InvalidArgument("export: unknown format " + format +
                                   " (expected pprof, folded or png)");
  }
  if (on_export) on_export(file, bytes);
  std::string e = "{\"event\":\"export\",\"format\":";
  AppendJsonString(&e, format);
  e += ",\"name\":";
  AppendJsonString(&e, file);
  e += ",\"size\":" + std::to_string(bytes.size()) + '}';
  Emit(e);
  return Status();
}

void Viewer_Impl::SetFilterField(int i, std::string value) {
  snprintf(filter_bufs[i], sizeof(filter_bufs[i]), "%s", value.c_str());
  *FilterField(&filters, i) = std::move(value);
}

// ---- commands

namespace {

Status Need(const JsonValue& v, const char* key, JsonValue::Type type, const JsonValue** out) {
  const JsonValue* f = v.Find(key);
  if (f == nullptr || f->type != type) {
    return Status::InvalidArgument(Format("command: missing or mistyped \"%s\"", key));
  }
  *out = f;
  return Status();
}

bool BoolArg(const JsonValue& v, const char* key, bool fallback) {
  const JsonValue* f = v.Find(key);
  return f && f->is_bool() ? f->boolean : fallback;
}

}  // namespace

Status Viewer_Impl::RunCommand(std::string_view json) {
  ASSIGN_OR_RETURN(JsonValue v, ParseJson(json));
  const JsonValue* cmd_v = nullptr;
  RETURN_IF_ERROR(Need(v, "cmd", JsonValue::Type::kString, &cmd_v));
  const std::string& cmd = cmd_v->string;
  const JsonValue* a = nullptr;
  // A profile named by index or by name.
  auto profile_index = [&](const JsonValue* p, int* out) -> Status {
    if (p && p->is_number() && p->number >= 0 && p->number < profiles.size()) {
      *out = static_cast<int>(p->number);
      return Status();
    }
    if (p && p->is_string()) {
      for (size_t i = 0; i < profiles.size(); ++i) {
        if (profiles[i].name == p->string) {
          *out = static_cast<int>(i);
          return Status();
        }
      }
    }
    return Status::InvalidArgument("command " + cmd + ": no such profile");
  };
  // A node of the main tree by "id" or by "name" (first in pre-order).
  auto node_arg = [&](uint32_t* out) -> Status {
    if (!main.valid()) return Status::InvalidArgument("command " + cmd + ": no profile");
    const TreeShape& t = *main.shape;
    if (const JsonValue* id = v.Find("id"); id && id->is_number()) {
      if (id->number < 0 || id->number >= t.size()) {
        return Status::InvalidArgument("command " + cmd + ": node id out of range");
      }
      *out = static_cast<uint32_t>(id->number);
      return Status();
    }
    if (const JsonValue* name = v.Find("name"); name && name->is_string()) {
      for (uint32_t n = 0; n < t.size(); ++n) {
        if (t.node_name(n) == name->string) {
          *out = n;
          return Status();
        }
      }
      return Status::NotFound("command " + cmd + ": no node named " + name->string);
    }
    return Status::InvalidArgument("command " + cmd + ": needs \"id\" or \"name\"");
  };

  if (cmd == "setTheme") {
    RETURN_IF_ERROR(Need(v, "theme", JsonValue::Type::kString, &a));
    if (a->string != "dark" && a->string != "light") {
      return Status::InvalidArgument("setTheme: expected \"dark\" or \"light\"");
    }
    dark = a->string == "dark";
    style_dirty = true;
    RebuildColors(&main);
    RebuildColors(&callers);
    RebuildColors(&callees);
    built_search_regex = !search_regex;  // recompute matches cleared by RebuildColors
  } else if (cmd == "setScale") {
    RETURN_IF_ERROR(Need(v, "scale", JsonValue::Type::kNumber, &a));
    if (!(a->number >= 0.5 && a->number <= 4)) {
      return Status::InvalidArgument("setScale: scale must be in [0.5, 4]");
    }
    scale = static_cast<float>(a->number);
    const JsonValue* fs = v.Find("fontScale");
    font_scale = fs && fs->is_number() ? static_cast<float>(fs->number) : scale;
    style_dirty = true;
  } else if (cmd == "setSampleType") {
    const JsonValue* t = v.Find("sampleType");
    if (t == nullptr) return Status::InvalidArgument("setSampleType: missing \"sampleType\"");
    const Profile* p = view_source;
    if (p == nullptr) return Status::InvalidArgument("setSampleType: no profile loaded");
    std::string spec = t->is_string()   ? t->string
                       : t->is_number() ? std::to_string(static_cast<int>(t->number))
                                        : "";
    ASSIGN_OR_RETURN(size_t idx, SelectSampleType(*p, spec));
    sample_type = p->str(p->sample_types[idx].type);
  } else if (cmd == "setSearch") {
    RETURN_IF_ERROR(Need(v, "query", JsonValue::Type::kString, &a));
    search = a->string;
    search_regex = BoolArg(v, "regex", false);
    snprintf(search_buf, sizeof(search_buf), "%s", search.c_str());
    EnsureDerived();
    if (!search_error.empty()) return Status::InvalidArgument(search_error);
  } else if (cmd == "zoom") {
    uint32_t n = 0;
    RETURN_IF_ERROR(node_arg(&n));
    ZoomTo(n);
    Select(main.shape->node_name(n), n);
  } else if (cmd == "select") {
    uint32_t n = 0;
    if (const JsonValue* fn = v.Find("function"); fn && fn->is_string()) {
      Select(fn->string, kNone);
    } else {
      RETURN_IF_ERROR(node_arg(&n));
      Select(main.shape->node_name(n), n);
    }
  } else if (cmd == "reset") {
    ResetZoom();
  } else if (cmd == "setView") {
    RETURN_IF_ERROR(Need(v, "view", JsonValue::Type::kString, &a));
    static const ViewMode kModes[] = {ViewMode::kFlame, ViewMode::kIcicle, ViewMode::kTop,
                                      ViewMode::kSandwich, ViewMode::kDiff};
    bool found = false;
    for (ViewMode m : kModes) {
      if (a->string == ViewModeName(m)) {
        view = m;
        found = true;
      }
    }
    if (!found) return Status::InvalidArgument("setView: unknown view " + a->string);
    if (view == ViewMode::kDiff && source != SourceMode::kDiff) {
      if (profiles.size() < 2) {
        view = ViewMode::kFlame;
        return Status::InvalidArgument("setView: a diff needs two profiles");
      }
      source = SourceMode::kDiff;
      if (base == comparison) comparison = base == 0 ? 1 : 0;
    } else if (view != ViewMode::kDiff && source == SourceMode::kDiff && view != ViewMode::kTop &&
               view != ViewMode::kSandwich) {
      source = SourceMode::kSingle;
      shown = comparison;
    }
    main_panel.root_at_bottom = view != ViewMode::kIcicle;
    main_panel.scroll_to_root = 2;
  } else if (cmd == "diff") {
    if (profiles.size() < 2) return Status::InvalidArgument("diff: needs two loaded profiles");
    int b = 0, c = 1;
    RETURN_IF_ERROR(profile_index(v.Find("base"), &b));
    RETURN_IF_ERROR(profile_index(v.Find("comparison"), &c));
    base = b;
    comparison = c;
    source = SourceMode::kDiff;
    view = ViewMode::kDiff;
    main_panel.root_at_bottom = true;
  } else if (cmd == "merge") {
    source = SourceMode::kMerge;
    if (view == ViewMode::kDiff) view = ViewMode::kFlame;
  } else if (cmd == "show") {
    int p = 0;
    RETURN_IF_ERROR(profile_index(v.Find("profile"), &p));
    shown = p;
    source = SourceMode::kSingle;
    if (view == ViewMode::kDiff) view = ViewMode::kFlame;
  } else if (cmd == "setFilter") {
    for (int i = 0; i < 6; ++i) {
      const JsonValue* f = v.Find(kFilterNames[i]);
      if (f && f->is_string()) SetFilterField(i, f->string);
    }
    EnsureDerived();
    if (!filter_error.empty()) return Status::InvalidArgument(filter_error);
  } else if (cmd == "invert") {
    invert = BoolArg(v, "on", !invert);
  } else if (cmd == "collapseRecursion") {
    collapse = BoolArg(v, "on", !collapse);
  } else if (cmd == "colorBlind") {
    colorblind = BoolArg(v, "on", !colorblind);
  } else if (cmd == "sortTop") {
    RETURN_IF_ERROR(Need(v, "by", JsonValue::Type::kString, &a));
    static constexpr const char* kColumns[] = {"name",     "self",      "total",
                                               "baseSelf", "baseTotal", "change"};
    const auto* c = std::find(std::begin(kColumns), std::end(kColumns), a->string);
    if (c == std::end(kColumns)) {
      return Status::InvalidArgument(
          "sortTop: expected name, self, total, baseSelf, baseTotal or change");
    }
    top.sort_column = static_cast<int>(c - std::begin(kColumns));
    top.sort_descending = BoolArg(v, "descending", top.sort_column != kByName);
    top.sort_to_header = true;
    top.order_dirty = true;
  } else if (cmd == "filterTop") {
    RETURN_IF_ERROR(Need(v, "text", JsonValue::Type::kString, &a));
    snprintf(top.filter, sizeof(top.filter), "%s", a->string.c_str());
    top.order_dirty = true;
  } else if (cmd == "export") {
    RETURN_IF_ERROR(Need(v, "format", JsonValue::Type::kString, &a));
    return Export(a->string);
  } else if (cmd == "setLoading") {
    const JsonValue* m = v.Find("message");
    if (m && m->is_string()) {
      loading = true;
      loading_message = m->string;
      const JsonValue* p = v.Find("progress");
      loading_progress = p && p->is_number() ? static_cast<float>(p->number) : -1.f;
    } else {
      loading = false;
    }
  } else if (cmd == "dismissErrors") {
    errors.clear();
  } else if (cmd == "clear") {
    CancelLoads();
    profiles.clear();
    ++profiles_version;
    source = SourceMode::kSingle;
    shown = 0;
    selected_name.clear();
    if (view == ViewMode::kDiff) view = ViewMode::kFlame;
  } else if (cmd == "help") {
    show_help = BoolArg(v, "on", !show_help);
  } else if (cmd == "showTable") {
    show_table = BoolArg(v, "on", !show_table);
  } else {
    return Status::InvalidArgument("command: unknown \"" + cmd + "\"");
  }
  EnsureDerived();
  return Status();
}

// ---- state

std::string Viewer_Impl::State() const {
  std::string o = "{\"profiles\":[";
  for (size_t i = 0; i < profiles.size(); ++i) {
    const Profile& p = profiles[i].profile;
    if (i) o += ',';
    o += "{\"name\":";
    AppendJsonString(&o, profiles[i].name);
    o += ",\"sampleTypes\":[";
    for (size_t t = 0; t < p.num_types(); ++t) {
      if (t) o += ',';
      o += "{\"type\":";
      AppendJsonString(&o, p.str(p.sample_types[t].type));
      o += ",\"unit\":";
      AppendJsonString(&o, p.str(p.sample_types[t].unit));
      o += ",\"total\":";
      AppendJsonInt(&o, p.Total(t));
      o += '}';
    }
    o += "]}";
  }
  o += "],\"view\":\"";
  o += ViewModeName(view);
  o += "\",\"mode\":\"";
  o += SourceModeName(source);
  o += "\",\"shown\":" + std::to_string(shown);
  o += ",\"theme\":\"";
  o += dark ? "dark" : "light";
  o += "\",\"colorBlind\":";
  o += colorblind ? "true" : "false";
  o += ",\"scale\":";
  AppendJsonNumber(&o, scale);
  o += ",\"frames\":" + std::to_string(frames);
  o += ",\"sampleType\":";
  if (main.valid()) {
    o += "{\"index\":" + std::to_string(type_index) + ",\"type\":";
    AppendJsonString(&o, type_name);
    o += ",\"unit\":";
    AppendJsonString(&o, type_unit);
    o += '}';
  } else {
    o += "null";
  }
  const bool have = main.valid();
  const TreeShape* t = main.shape;
  auto node_obj = [&](uint32_t n) {
    o += "{\"id\":" + std::to_string(n) + ",\"name\":";
    AppendJsonString(&o, t->node_name(n));
    o += ",\"total\":";
    AppendJsonInt(&o, main.total(n));
    o += ",\"self\":";
    AppendJsonInt(&o, main.self(n));
    o += ",\"depth\":" + std::to_string(t->depth(n)) + '}';
  };
  o += ",\"rootTotal\":";
  if (have) {
    AppendJsonInt(&o, main.diff ? main.diff->right_total(0) : main.total(0));
  } else {
    o += "0";
  }
  o += ",\"numNodes\":" + std::to_string(have ? t->size() : 0);
  o += ",\"zoom\":";
  if (have) {
    node_obj(main_panel.zoom);
  } else {
    o += "null";
  }
  o += ",\"selected\":";
  if (!selected_name.empty()) {
    o += "{\"name\":";
    AppendJsonString(&o, selected_name);
    o += ",\"id\":";
    o += selected_node == kNone ? "null" : std::to_string(selected_node);
    o += '}';
  } else {
    o += "null";
  }
  o += ",\"search\":{\"query\":";
  AppendJsonString(&o, search);
  o += ",\"regex\":";
  o += search_regex ? "true" : "false";
  o += ",\"matchedTotal\":";
  AppendJsonInt(&o, matched_total);
  o += ",\"share\":";
  int64_t root = have ? (main.diff ? main.diff->right_total(0) : main.total(0)) : 0;
  AppendJsonNumber(&o, root != 0 ? static_cast<double>(matched_total) / root : 0.0);
  o += ",\"error\":";
  AppendJsonString(&o, search_error);
  o += "},\"filters\":{";
  for (int i = 0; i < 6; ++i) {
    if (i) o += ',';
    AppendJsonString(&o, kFilterNames[i]);
    o += ':';
    AppendJsonString(&o, *FilterField(const_cast<FilterOptions*>(&filters), i));
  }
  o += ",\"error\":";
  AppendJsonString(&o, filter_error);
  o += "},\"invert\":";
  o += invert ? "true" : "false";
  o += ",\"collapseRecursion\":";
  o += collapse ? "true" : "false";
  o += ",\"diff\":";
  if (main.diff) {
    o += "{\"base\":" + std::to_string(base) + ",\"comparison\":" + std::to_string(comparison);
    o += ",\"baseTotal\":";
    AppendJsonInt(&o, main.base_root);
    o += ",\"comparisonTotal\":";
    AppendJsonInt(&o, main.comparison_root);
    o += '}';
  } else {
    o += "null";
  }
  o += ",\"nodes\":[";
  // At most 20000 (a state for tests and hosts, not a dump of the tree).
  const std::vector<DrawnNode>& drawn = main_panel.drawing.nodes;
  for (size_t i = 0; have && i < std::min<size_t>(drawn.size(), 20000); ++i) {
    const DrawnNode& d = drawn[i];
    if (i) o += ',';
    o += "{\"id\":" + std::to_string(d.id) + ",\"name\":";
    AppendJsonString(&o, t->node_name(d.id));
    o += ",\"x\":";
    AppendJsonNumber(&o, std::round(d.x * 10) / 10);
    o += ",\"y\":";
    AppendJsonNumber(&o, std::round(d.y * 10) / 10);
    o += ",\"w\":";
    AppendJsonNumber(&o, std::round(d.w * 10) / 10);
    o += ",\"h\":";
    AppendJsonNumber(&o, std::round(d.h * 10) / 10);
    o += ",\"total\":";
    AppendJsonInt(&o, main.total(d.id));
    if (main.diff) {
      o += ",\"base\":";
      AppendJsonInt(&o, main.diff->left_total(d.id));
      o += ",\"comparison\":";
      AppendJsonInt(&o, main.diff->right_total(d.id));
    }
    o += '}';
  }
  o += "],\"top\":[";
  for (size_t i = 0; i < top.order.size() && i < 100; ++i) {
    const FunctionRow& r = top.rows[top.order[i]];
    if (i) o += ',';
    o += "{\"name\":";
    AppendJsonString(&o, (*top.names)[r.name]);
    o += ",\"self\":";
    AppendJsonInt(&o, r.self);
    o += ",\"total\":";
    AppendJsonInt(&o, r.total);
    if (!top.base_rows.empty()) {
      const FunctionRow& b = top.base_rows[top.order[i]];
      o += ",\"baseSelf\":";
      AppendJsonInt(&o, b.self);
      o += ",\"baseTotal\":";
      AppendJsonInt(&o, b.total);
    }
    o += '}';
  }
  o += "],\"topRows\":" + std::to_string(top.order.size());
  o += ",\"menu\":";
  if (menu_open) {
    AppendJsonString(&o, menu_function);
  } else {
    o += "null";
  }
  o += ",\"sandwich\":";
  if (!sandwich_built_for.empty() && callers.valid() && callees.valid()) {
    o += "{\"function\":";
    AppendJsonString(&o, sandwich_built_for);
    o += ",\"callers\":";
    AppendJsonInt(&o, callers.total(0));
    o += ",\"callees\":";
    AppendJsonInt(&o, callees.total(0));
    o += ",\"callerNames\":[";
    for (uint32_t c = callers.shape->first_child(0), k = 0; c != kNone;
         c = callers.shape->next_sibling(c)) {
      for (uint32_t g = callers.shape->first_child(c); g != kNone && k < 50;
           g = callers.shape->next_sibling(g), ++k) {
        if (k) o += ',';
        AppendJsonString(&o, callers.shape->node_name(g));
      }
    }
    o += "],\"calleeNames\":[";
    for (uint32_t c = callees.shape->first_child(0), k = 0; c != kNone;
         c = callees.shape->next_sibling(c)) {
      for (uint32_t g = callees.shape->first_child(c); g != kNone && k < 50;
           g = callees.shape->next_sibling(g), ++k) {
        if (k) o += ',';
        AppendJsonString(&o, callees.shape->node_name(g));
      }
    }
    o += "]}";
  } else {
    o += "null";
  }
  o += ",\"errors\":[";
  for (size_t i = 0; i < errors.size(); ++i) {
    if (i) o += ',';
    AppendJsonString(&o, errors[i]);
  }
  o += "],\"loading\":";
  if (loading) {
    o += "{\"message\":";
    AppendJsonString(&o, loading_message);
    o += ",\"progress\":";
    AppendJsonNumber(&o, loading_progress);
    o += '}';
  } else {
    o += "null";
  }
  o += '}';
  return o;
}

// ---- the public API

Viewer::Viewer() : impl_(std::make_unique<Impl>()) {}
Viewer::~Viewer() = default;

Status Viewer::Open(std::string name, std::string_view bytes) {
  return impl_->Open(std::move(name), bytes);
}

uint32_t Viewer::StartOpen(std::string name, std::unique_ptr<char[]> bytes, size_t size,
                           bool pprof_only, bool arriving) {
  return impl_->StartOpen(std::move(name), std::move(bytes), size, pprof_only, arriving);
}

void Viewer::Arrived(uint32_t load, size_t n, bool last) {
  Viewer_Impl::Load* l = impl_->FindLoad(load);
  if (l == nullptr || l->last) return;
  l->arrived = std::min(n, l->bytes.size());
  l->last = last;
  if (last) l->bytes = l->bytes.substr(0, l->arrived);
  if (l->reader) l->reader->Arrived(l->arrived, last);
}

void Viewer::GiveBack(uint32_t load) {
  auto it = std::find_if(impl_->loads.begin(), impl_->loads.end(),
                         [&](const Viewer_Impl::Load& l) { return l.id == load; });
  if (it == impl_->loads.end()) return;
  Viewer_Impl::Load given = std::move(*it);
  impl_->loads.erase(it);
  given.convert = true;
  (void)impl_->FinishLoad(&given, Status());
  impl_->loading = !impl_->loads.empty();
}

bool Viewer::opening() const { return !impl_->loads.empty(); }

bool Viewer::WorkOnLoads(double budget_ms) {
  impl_->StepLoads(budget_ms);
  return opening() && !impl_->waiting();
}

void Viewer::SetFrameLoadBudget(double ms) { impl_->frame_load_ms = ms; }

void Viewer::ShowError(const std::string& message) { impl_->ShowError(message); }

void Viewer::Clear() { (void)impl_->RunCommand("{\"cmd\":\"clear\"}"); }

void Viewer::Frame(float width, float height) { impl_->Frame(width, height); }

std::string Viewer::StateJson() const { return impl_->State(); }

Status Viewer::Command(std::string_view json) { return impl_->RunCommand(json); }

void Viewer::SetEventCallback(std::function<void(const std::string& json)> callback) {
  impl_->on_event = std::move(callback);
}

void Viewer::SetExportCallback(
    std::function<void(const std::string& file_name, std::string_view bytes)> callback) {
  impl_->on_export = std::move(callback);
}

void Viewer::SetLoading(std::string message, float progress) {
  impl_->loading = true;
  impl_->loading_message = std::move(message);
  impl_->loading_progress = progress;
}

void Viewer::ClearLoading() { impl_->loading = false; }

}  // namespace pyrolens::ui
