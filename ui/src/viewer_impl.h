// [Internal] The viewer's state and its panels. Split like Tracy's View: viewer.cc holds
// the API, commands, derived-data builds and StateJson; flame.cc draws trees;
// panels.cc draws the toolbar, the top table, the sandwich and the overlays.
#ifndef PYROLENS_UI_SRC_VIEWER_IMPL_H_
#define PYROLENS_UI_SRC_VIEWER_IMPL_H_

#include <imgui.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pyrolens/call_tree.h"
#include "pyrolens/filter.h"
#include "pyrolens/profile.h"
#include "pyrolens/reader.h"
#include "pyrolens/views.h"

namespace re2 {
class RE2;
}

namespace pyrolens::ui {

enum class ViewMode { kFlame, kIcicle, kTop, kSandwich, kDiff };
enum class SourceMode { kSingle, kMerge, kDiff };

const char* ViewModeName(ViewMode v);

// Everything a tree panel reads: the shape and per-node values (for diffs the sums of
// both sides), per-name colours and search matches.
struct TreeData {
  const TreeShape* shape = nullptr;
  const std::vector<int64_t>* x = nullptr;  // the layout (CallTree::x)
  const DiffTree* diff = nullptr;  // set for diff trees: colours by change
  int64_t base_root = 0, comparison_root = 0;
  std::vector<ImU32> name_color;            // per name id
  std::vector<uint8_t> name_match;          // per name id: matches the search
  bool valid() const { return shape != nullptr && shape->size() > 0; }
  int64_t total(uint32_t n) const { return shape->NodeTotal(*x, n); }
  int64_t self(uint32_t n) const { return TreeShape::NodeSelf(*x, n); }
};

// A node drawn in the last frame of a panel (pixels, window coordinates).
struct DrawnNode {
  uint32_t id;
  float x, y, w, h;
};

// A panel's levels as last drawn (DrawFlame): a frame whose view is the same (`key`: tree,
// colours, search, zoom, size, scroll...) copies their vertices instead of searching every
// level again, and finds the hovered node among their rectangles.
struct FlameDrawing {
  std::vector<double> key;
  std::vector<ImDrawVert> vtx;
  std::vector<ImDrawIdx> idx;
  unsigned int base = 0;  // the vertex index idx counts from
  std::vector<DrawnNode> nodes;
};

// A panel's view state: zoom node, scroll, orientation.
struct FlamePanel {
  uint32_t zoom = 0;
  bool root_at_bottom = true;
  bool hide_root = false;  // draw from the root's children (the sandwich's halves)
  int scroll_to_root = 2;  // frames left to re-scroll so the root row is visible
  uint32_t hovered = kNone;
  FlameDrawing drawing;
};

// The last line of node and row tooltips.
inline constexpr char kMenuHint[] = "right-click: focus, ignore, hide, highlight, sandwich";

// The top table's sort columns.
enum TopColumn { kByName, kBySelf, kByTotal, kByBaseSelf, kByBaseTotal, kByChange };

struct TopTable {
  std::vector<FunctionRow> rows;  // from core
  // In a diff: the base side's rows, row for row (same name ids; rows are the comparison's).
  std::vector<FunctionRow> base_rows;
  const StringTable* names = nullptr;  // of the tree the rows come from
  int64_t root = 0, base_root = 0;     // the totals the shares are of
  // Per row: self, total, base self, base total, formatted when first drawn.
  std::vector<std::string> text;
  std::vector<uint32_t> order;  // indexes into rows: sorted and filtered
  int sort_column = kBySelf;    // a TopColumn
  bool sort_descending = true;
  bool sort_to_header = false;        // the table's header is to show this sort (set by a command)
  const char* drawn_table = nullptr;  // the ImGui table last drawn (each keeps its own sort)
  bool order_dirty = true;
  char filter[256] = "";
  std::string applied_filter;
  bool scroll_to_selection = false;
};

struct Viewer_Impl {
  struct Loaded {
    std::string name;
    Profile profile;
    std::string label;  // the name without its directories, for menus
  };

  // ---- inputs
  std::vector<Loaded> profiles;
  uint64_t profiles_version = 0;
  SourceMode source = SourceMode::kSingle;
  int shown = 0, base = 0, comparison = 1;
  std::string sample_type;  // by name, so it survives switching profiles; "" = default
  FilterOptions filters;
  bool invert = false, collapse = false;
  ViewMode view = ViewMode::kFlame;
  bool dark = true, colorblind = false, show_table = true, show_help = false;
  float scale = 1, font_scale = 1;
  std::string search;
  bool search_regex = false;
  std::vector<std::string> errors;
  bool loading = false;
  std::string loading_message;
  float loading_progress = -1;
  std::function<void(const std::string&)> on_event;
  std::function<void(const std::string&, std::string_view)> on_export;

  // ---- loads, read and given their first tree a step at a time (StepLoads, each frame)
  struct Load {
    uint32_t id = 0;
    std::string name;
    std::unique_ptr<char[]> owned;  // StartOpen's bytes; Open borrows the caller's
    std::string_view bytes;
    std::unique_ptr<ProfileReader> reader;
    std::unique_ptr<Profile> profile;  // once read, while its tree is built
    std::unique_ptr<CallTreeBuilder> builder;
    std::unique_ptr<CallTree> tree;  // once built, while its function table is counted
    std::unique_ptr<FunctionTableBuilder> table;
    size_t type = 0;
    bool pprof_only = false;  // StartOpen's
    size_t arrived = SIZE_MAX;  // bytes there so far (Viewer::Arrived)
    bool last = true;           // all of them are there
    bool convert = false;     // not pprof, and pprof_only (or given back): left to the host
    double ms[3] = {};        // time in steps reading, building the tree, counting the table
  };
  std::deque<Load> loads;
  uint32_t next_load_id = 1;
  // A load's tree and its function table, for RebuildTrees to take instead of building
  // them again.
  std::optional<CallTree> prebuilt;
  std::vector<FunctionRow> prebuilt_rows;
  size_t prebuilt_profile = 0, prebuilt_type = 0;

  // ---- derived data, rebuilt when its key changes
  struct TreeKey {
    uint64_t profiles_version = ~0ull;
    SourceMode source = SourceMode::kSingle;
    int shown = -1, base = -1, comparison = -1;
    std::string sample_type;
    std::string filters;  // all six joined
    bool invert = false, collapse = false;
    bool operator==(const TreeKey& o) const;
  };
  TreeKey built_key;
  Profile view_profile;  // the shown profile after filters and collapse (top, sandwich, export)
  const Profile* view_source = nullptr;  // view_profile, or the loaded profile when unfiltered
  size_t type_index = 0;
  std::string type_name, type_unit;
  CallTree tree;                       // what the main panel draws (inverted when asked)
  std::optional<CallTree> table_tree;  // the not-inverted tree, only when inverted
  DiffTree diff;
  std::optional<DiffTree> table_diff;  // the not-inverted diff, only when inverted
  std::vector<int64_t> diff_x;  // the two sides' layouts summed
  TreeData main;
  TopTable top;
  std::string filter_error;  // bad filter regexp, shown beside the filters

  // search, rebuilt when (query, regex, tree) change
  std::string built_search;
  bool built_search_regex = false;
  uint64_t search_tree_version = ~0ull;
  uint64_t tree_version = 0;
  uint64_t looks_version = 0;  // bumped when name colours or search matches change
  std::unique_ptr<re2::RE2> search_re;
  std::string search_error;
  int64_t matched_total = 0;

  // selection: a function (by name) and the node clicked, in the main tree
  std::string selected_name;
  std::string menu_function;  // the function the context menu is for
  bool menu_open = false;     // in the last frame
  uint32_t selected_node = kNone;
  uint32_t selected_name_id = kNone;  // in main.shape->names

  // sandwich halves for selected_name, rebuilt on change
  std::string sandwich_built_for;
  uint64_t sandwich_tree_version = ~0ull;
  CallTree callers_tree, callees_tree;
  TreeData callers, callees;

  // panels and per-frame scratch (capacity kept: idle frames do not allocate)
  // main_panel.drawing.nodes: the nodes the state hook reports (none unless a frame drew
  // the flame graph or icicle).
  FlamePanel main_panel, callers_panel, callees_panel;
  uint32_t tooltip_node = kNone;  // the tooltip texts below describe this node
  const TreeData* tooltip_tree = nullptr;
  std::string tooltip_source, tooltip_values;
  char search_buf[256] = "";
  char filter_bufs[6][256] = {};
  bool style_dirty = true;
  bool focus_search = false;
  uint64_t frames = 0;
  // How long a frame works on loads (SetFrameLoadBudget): long enough that loading is not
  // slowed much by drawing, short enough that a window answers within 100 ms.
  double frame_load_ms = 80;
  float last_width = 0, last_height = 0;

  // viewer.cc
  Status Open(std::string name, std::string_view bytes);
  uint32_t StartOpen(std::string name, std::unique_ptr<char[]> bytes, size_t size,
                     bool pprof_only, bool arriving);
  Load* FindLoad(uint32_t id);
  bool waiting() const;  // the first load waits for its bytes
  // Works on the queued loads for about `budget_ms`, finishing those that end.
  void StepLoads(double budget_ms);
  // One unit of `l`'s work; true when it has ended (then *error says how).
  bool StepLoad(Load* l, Status* error);
  Status FinishLoad(Load* l, Status error);
  void CancelLoads();
  Status RunCommand(const std::string_view json);
  std::string State() const;
  void Emit(const std::string& json) const;
  // Shows `message` in the error bar and emits an error event (naming `load` when not 0).
  void ShowError(const std::string& message, uint32_t load = 0);
  void EnsureDerived();
  Status RebuildTrees();
  void RebuildSearch();
  void RebuildSandwich();
  void RebuildColors(TreeData* data);
  // top.order from top.rows, its filter and sort column: at every rebuild (so that a load's
  // first frame does not sort tens of thousands of rows) and when the user changes them.
  void SortTop();
  void Select(const std::string& name, uint32_t node);
  void ZoomTo(uint32_t node);
  void ResetZoom();
  Status Export(const std::string& format);
  void SetFilterField(int i, std::string value);

  // frame
  void Frame(float width, float height);
  void ApplyStyle();
  void HandleKeys();
  void DrawToolbar();
  void DrawFilters();
  void DrawBreadcrumb();
  void DrawTopTable(ImVec2 size);
  // A table row's values and shares (text: the row's formatted self, total, base self,
  // base total).
  void DrawRowTooltip(const std::string& name, const FunctionRow& row, const FunctionRow& base_row,
                      const std::string* text);
  // A function's context menu (right click on a node or a table row): focus on it, ignore
  // it, hide it, highlight it, its sandwich, each through the command it stands for.
  void OpenFunctionMenu(const std::string& name);
  void DrawFunctionMenu();
  void DrawSandwich(ImVec2 size);
  void DrawOverlays(float width, float height);
  void DrawEmpty();
  // Draws `data` into a child region of `size`; panel->drawing keeps the nodes drawn.
  void DrawFlame(const char* id, const TreeData& data, FlamePanel* panel, ImVec2 size);
  void DrawTooltip(const TreeData& data, uint32_t node, uint32_t zoom);
};

}  // namespace pyrolens::ui

#endif  // PYROLENS_UI_SRC_VIEWER_IMPL_H_
