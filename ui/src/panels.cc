// The frame: toolbar, filters, breadcrumb, top table, sandwich, overlays and keys.
#include <imgui_internal.h>  // TableSetColumnSortDirection, OpenPopupEx
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "colors.h"
#include "json.h"
#include "pyrolens/units.h"
#include "viewer_impl.h"

namespace pyrolens::ui {
namespace {

constexpr ImGuiWindowFlags kRootFlags =
    ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
    ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus;

const char* const kFilterLabels[] = {"focus", "ignore", "hide", "show", "tagfocus", "tagignore"};
const char* const kFilterHints[] = {"keep stacks through (regexp)", "drop stacks through (regexp)",
                                    "remove frames (regexp)",       "keep only frames (regexp)",
                                    "label: key=regexp or range",   "drop labels: key=regexp"};

struct Shortcut {
  const char* keys;
  const char* what;
};
const Shortcut kShortcuts[] = {
    {"click", "zoom into a node (and select its function)"},
    {"double-click, Esc", "reset zoom"},
    {"right-click", "a function's menu: focus, ignore, hide, highlight, sandwich"},
    {"Backspace", "zoom out one level"},
    {"/", "search"},
    {"f / i", "flame graph (root at bottom) / icicle (root at top)"},
    {"t", "top table"},
    {"s", "sandwich of the selected function"},
    {"d", "diff (two or more profiles)"},
    {"b", "show or hide the table beside the graph"},
    {"r", "invert (bottom-up)"},
    {"c", "collapse recursion"},
    {"l", "light / dark theme"},
    {"+ / -", "UI scale"},
    {"?", "this help"},
};

}  // namespace

void Viewer_Impl::ApplyStyle() {
  style_dirty = false;
  ImGuiStyle s;
  if (dark) {
    ImGui::StyleColorsDark(&s);
  } else {
    ImGui::StyleColorsLight(&s);
  }
  s.WindowRounding = 0;
  s.ChildRounding = 0;
  s.FrameRounding = 2;
  s.WindowBorderSize = 0;
  s.ScaleAllSizes(scale);
  ImGui::GetStyle() = s;
  ImGui::GetIO().FontGlobalScale = font_scale;
}

void Viewer_Impl::HandleKeys() {
  ImGuiIO& io = ImGui::GetIO();
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
    if (show_help) {
      show_help = false;
    } else if (!io.WantTextInput) {
      ResetZoom();
    }
  }
  if (io.WantTextInput) return;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Backspace)) && main.valid() &&
      main_panel.zoom != 0) {
    ZoomTo(main.shape->parent[main_panel.zoom]);
  }
  for (int i = 0; i < io.InputQueueCharacters.Size; ++i) {
    switch (io.InputQueueCharacters[i]) {
      case 'f':
        (void)RunCommand("{\"cmd\":\"setView\",\"view\":\"flame\"}");
        break;
      case 'i':
        (void)RunCommand("{\"cmd\":\"setView\",\"view\":\"icicle\"}");
        break;
      case 't':
        (void)RunCommand("{\"cmd\":\"setView\",\"view\":\"top\"}");
        break;
      case 's':
        (void)RunCommand("{\"cmd\":\"setView\",\"view\":\"sandwich\"}");
        break;
      case 'd':
        (void)RunCommand("{\"cmd\":\"setView\",\"view\":\"diff\"}");
        break;
      case 'b':
        show_table = !show_table;
        break;
      case 'r':
        (void)RunCommand("{\"cmd\":\"invert\"}");
        break;
      case 'c':
        (void)RunCommand("{\"cmd\":\"collapseRecursion\"}");
        break;
      case 'l':
        (void)RunCommand(dark ? "{\"cmd\":\"setTheme\",\"theme\":\"light\"}"
                              : "{\"cmd\":\"setTheme\",\"theme\":\"dark\"}");
        break;
      case '+':
      case '=':
        scale = font_scale = std::min(4.f, scale + 0.25f);
        style_dirty = true;
        break;
      case '-':
        scale = font_scale = std::max(0.5f, scale - 0.25f);
        style_dirty = true;
        break;
      case '?':
        show_help = !show_help;
        break;
      case '/':
        focus_search = true;
        break;
      default:
        break;
    }
  }
}

void Viewer_Impl::DrawToolbar() {
  char buf[256];
  // Profiles: one, merged, or base + comparison.
  if (!profiles.empty()) {
    const char* preview = source == SourceMode::kMerge  ? "merged"
                          : source == SourceMode::kDiff ? "diff"
                                                        : profiles[shown].label.c_str();
    if (source == SourceMode::kMerge) {
      snprintf(buf, sizeof(buf), "merged (%zu)", profiles.size());
      preview = buf;
    }
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
    if (ImGui::BeginCombo("##profile", preview)) {
      for (size_t i = 0; i < profiles.size(); ++i) {
        ImGui::PushID(static_cast<int>(i));
        if (ImGui::Selectable(profiles[i].label.c_str(),
                              source == SourceMode::kSingle && shown == static_cast<int>(i))) {
          snprintf(buf, sizeof(buf), "{\"cmd\":\"show\",\"profile\":%zu}", i);
          (void)RunCommand(buf);
        }
        ImGui::PopID();
      }
      if (profiles.size() >= 2) {
        ImGui::Separator();
        if (ImGui::Selectable("merge all", source == SourceMode::kMerge)) {
          (void)RunCommand("{\"cmd\":\"merge\"}");
        }
        if (ImGui::Selectable("diff two...", source == SourceMode::kDiff)) {
          (void)RunCommand("{\"cmd\":\"setView\",\"view\":\"diff\"}");
        }
      }
      ImGui::EndCombo();
    }
    ImGui::SameLine();
  }
  // Sample type.
  if (view_source != nullptr) {
    const Profile& p = *view_source;
    snprintf(buf, sizeof(buf), "%s (%s)", type_name.c_str(), type_unit.c_str());
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 13);
    size_t chosen = kNone;
    if (ImGui::BeginCombo("##sampletype", buf)) {
      for (size_t i = 0; i < p.num_types(); ++i) {
        snprintf(buf, sizeof(buf), "%s (%s)##%zu", p.str(p.sample_types[i].type).c_str(),
                 p.str(p.sample_types[i].unit).c_str(), i);
        if (ImGui::Selectable(buf, i == type_index)) chosen = i;
      }
      ImGui::EndCombo();
    }
    // Applied after the loop: the rebuild replaces the profile `p` may refer to.
    if (chosen != kNone) {
      sample_type = p.str(p.sample_types[chosen].type);
      EnsureDerived();
    }
    ImGui::SameLine();
  }
  // Views.
  static const ViewMode kModes[] = {ViewMode::kFlame, ViewMode::kIcicle, ViewMode::kTop,
                                    ViewMode::kSandwich, ViewMode::kDiff};
  static const char* const kLabels[] = {"Flame", "Icicle", "Top", "Sandwich", "Diff"};
  for (int i = 0; i < 5; ++i) {
    if (kModes[i] == ViewMode::kDiff && profiles.size() < 2) continue;
    if (ImGui::RadioButton(kLabels[i], view == kModes[i])) {
      snprintf(buf, sizeof(buf), "{\"cmd\":\"setView\",\"view\":\"%s\"}", ViewModeName(kModes[i]));
      Status s = RunCommand(buf);
      if (!s.ok()) ShowError(s.message());
    }
    ImGui::SameLine();
  }
  // Search.
  if (focus_search) {
    ImGui::SetKeyboardFocusHere();
    focus_search = false;
  }
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
  if (ImGui::InputTextWithHint("##search", "search (/)", search_buf, sizeof(search_buf))) {
    search = search_buf;
    EnsureDerived();
  }
  ImGui::SameLine();
  if (ImGui::Checkbox("regex", &search_regex)) EnsureDerived();
  if (!search.empty()) {
    ImGui::SameLine();
    if (!search_error.empty()) {
      ImGui::TextColored(ImVec4(1, 0.35f, 0.35f, 1), "bad regexp");
    } else if (main.valid()) {
      int64_t root = main.diff ? main.diff->right_total(0) : main.total(0);
      ImGui::Text("%.2f%% matched", root ? 100.0 * matched_total / root : 0.0);
    }
  }
  ImGui::SameLine();
  if (ImGui::SmallButton(dark ? "light" : "dark")) {
    (void)RunCommand(dark ? "{\"cmd\":\"setTheme\",\"theme\":\"light\"}"
                          : "{\"cmd\":\"setTheme\",\"theme\":\"dark\"}");
  }
  ImGui::SameLine();
  if (ImGui::SmallButton("?")) show_help = !show_help;
  if (view == ViewMode::kDiff && source == SourceMode::kDiff && profiles.size() >= 2) {
    ImGui::TextUnformatted("base");
    ImGui::SameLine();
    for (int side = 0; side < 2; ++side) {
      int* which = side ? &comparison : &base;
      ImGui::PushID(side);
      ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
      if (ImGui::BeginCombo("##side", profiles[*which].label.c_str())) {
        for (size_t i = 0; i < profiles.size(); ++i) {
          ImGui::PushID(static_cast<int>(i));
          if (ImGui::Selectable(profiles[i].label.c_str(), *which == static_cast<int>(i))) {
            *which = static_cast<int>(i);
            EnsureDerived();
          }
          ImGui::PopID();
        }
        ImGui::EndCombo();
      }
      ImGui::PopID();
      ImGui::SameLine();
      if (side == 0) {
        ImGui::TextUnformatted("vs comparison");
        ImGui::SameLine();
      }
    }
    ImGui::Checkbox("colour-blind palette", &colorblind);
    ImGui::SameLine();
    ImGui::TextColored(colorblind ? ImVec4(0.9f, 0.47f, 0, 1) : ImVec4(0.85f, 0.16f, 0.16f, 1),
                       "bigger");
    ImGui::SameLine();
    ImGui::TextColored(colorblind ? ImVec4(0.12f, 0.43f, 0.86f, 1) : ImVec4(0.16f, 0.67f, 0.24f, 1),
                       "smaller");
  }
}

void Viewer_Impl::DrawFilters() {
  if (!ImGui::CollapsingHeader("Filters and options")) return;
  const float w = ImGui::GetFontSize() * 12;
  for (int i = 0; i < 6; ++i) {
    ImGui::PushID(i);
    ImGui::SetNextItemWidth(w);
    if (ImGui::InputTextWithHint(kFilterLabels[i], kFilterHints[i], filter_bufs[i],
                                 sizeof(filter_bufs[i]), ImGuiInputTextFlags_EnterReturnsTrue)) {
      SetFilterField(i, filter_bufs[i]);
      EnsureDerived();
    }
    ImGui::PopID();
    if (i % 3 != 2) ImGui::SameLine();
  }
  if (!filter_error.empty())
    ImGui::TextColored(ImVec4(1, 0.35f, 0.35f, 1), "%s", filter_error.c_str());
  if (ImGui::Checkbox("invert (bottom-up)", &invert)) EnsureDerived();
  ImGui::SameLine();
  if (ImGui::Checkbox("collapse recursion", &collapse)) EnsureDerived();
  ImGui::SameLine();
  ImGui::Checkbox("table", &show_table);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
  float s = scale;
  if (ImGui::SliderFloat("scale", &s, 0.5f, 4.f, "%.2f", ImGuiSliderFlags_AlwaysClamp)) {
    scale = font_scale = s;
    style_dirty = true;
  }
  ImGui::SameLine();
  if (ImGui::SmallButton("export pprof")) (void)Export("pprof");
  ImGui::SameLine();
  if (ImGui::SmallButton("export folded")) (void)Export("folded");
  ImGui::SameLine();
  if (ImGui::SmallButton("export PNG")) (void)Export("png");
}

void Viewer_Impl::DrawBreadcrumb() {
  if (!main.valid()) return;
  const TreeShape& t = *main.shape;
  uint32_t chain[64];
  int n = 0;
  for (uint32_t a = main_panel.zoom; a != kNone && n < 64; a = t.parent[a]) chain[n++] = a;
  for (int i = n - 1; i >= 0; --i) {
    ImGui::PushID(static_cast<int>(chain[i]));
    if (ImGui::SmallButton(t.node_name(chain[i]).c_str())) ZoomTo(chain[i]);
    ImGui::PopID();
    if (i > 0) {
      ImGui::SameLine(0, 2);
      ImGui::TextDisabled(">");
      ImGui::SameLine(0, 2);
    }
  }
  if (n == 0) ImGui::NewLine();
}

void Viewer_Impl::DrawTopTable(ImVec2 size) {
  ImGui::BeginChild("##toppanel", size);
  ImGui::SetNextItemWidth(-1);
  if (ImGui::InputTextWithHint("##topfilter", "filter functions", top.filter, sizeof(top.filter))) {
    top.order_dirty = true;
  }
  // The value columns; a diff's table has both sides' values and the change of the total's
  // share, as the flame graph colours it.
  // The first four are also the indexes of the row's formatted values.
  enum Cell { kSelf, kTotal, kBaseSelf, kBaseTotal, kSelfShare, kTotalShare, kChange };
  struct Column {
    const char* title;
    Cell cell;
    int sort;  // a TopColumn; -1: not sortable
  };
  static constexpr Column kSingle[] = {{"Self", kSelf, kBySelf},
                                       {"Self %", kSelfShare, -1},
                                       {"Total", kTotal, kByTotal},
                                       {"Total %", kTotalShare, -1}};
  static constexpr Column kSingleNarrow[] = {{"Self", kSelf, kBySelf}, {"Total", kTotal, kByTotal}};
  static constexpr Column kDiff[] = {{"Base self", kBaseSelf, kByBaseSelf},
                                     {"Self", kSelf, kBySelf},
                                     {"Base total", kBaseTotal, kByBaseTotal},
                                     {"Total", kTotal, kByTotal},
                                     {"Change", kChange, kByChange}};
  static constexpr Column kDiffNarrow[] = {{"Base total", kBaseTotal, kByBaseTotal},
                                           {"Total", kTotal, kByTotal},
                                           {"Change", kChange, kByChange}};
  struct Layout {
    const char* id;  // each ImGui table keeps its own sort and widths
    const Column* columns;
    int size;
  };
  const bool diff_rows = !top.base_rows.empty();
  const Layout full = diff_rows ? Layout{"##topdiff", kDiff, 5} : Layout{"##top", kSingle, 4};
  const Layout narrow = diff_rows ? Layout{"##topdiffnarrow", kDiffNarrow, 3}
                                  : Layout{"##topnarrow", kSingleNarrow, 2};
  // Columns wide enough for any value ("-1023 MiB", "-100.00%") and the title with its
  // sort arrow, so that none is cut; the function names take the rest, and when that is
  // too little (beside the flame graph, in an embedding) the table keeps fewer columns.
  const float font = ImGui::GetFontSize();
  auto width = [&](const Column& c) {
    const char* widest = c.cell == kSelfShare || c.cell == kTotalShare ? "-100.00%" : "-1023 MiB";
    return std::max(ImGui::CalcTextSize(widest).x, ImGui::CalcTextSize(c.title).x + font);
  };
  float full_width = font * 12;
  for (int c = 0; c < full.size; ++c) {
    full_width += width(full.columns[c]) + 2 * ImGui::GetStyle().CellPadding.x;
  }
  const Layout& layout = size.x < full_width ? narrow : full;
  const Column* columns = layout.columns;
  const int num_columns = layout.size;
  if (layout.id != top.drawn_table) top.sort_to_header = true;  // not the table's own sort
  top.drawn_table = layout.id;
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_Sortable |
                                ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit;
  if (top.names != nullptr && ImGui::BeginTable(layout.id, num_columns + 1, flags)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    // A new table shows the viewer's sort (below); when that column is not here, self or
    // else total.
    int default_sort = kByTotal;
    for (int c = 0; c < num_columns; ++c) {
      if (columns[c].sort == kBySelf) default_sort = kBySelf;
    }
    for (int c = 0; c < num_columns; ++c) {
      ImGuiTableColumnFlags f = columns[c].sort < 0 ? ImGuiTableColumnFlags_NoSort
                                                    : ImGuiTableColumnFlags_PreferSortDescending;
      if (columns[c].sort == default_sort) f |= ImGuiTableColumnFlags_DefaultSort;
      ImGui::TableSetupColumn(columns[c].title, f | ImGuiTableColumnFlags_WidthFixed,
                              width(columns[c]),
                              static_cast<ImGuiID>(std::max(0, columns[c].sort)));
    }
    ImGui::TableSetupColumn("Function", ImGuiTableColumnFlags_WidthStretch, 0, kByName);
    ImGui::TableHeadersRow();
    if (top.sort_to_header) {
      top.sort_to_header = false;
      for (int c = 0; c <= num_columns; ++c) {
        if ((c < num_columns ? columns[c].sort : kByName) != top.sort_column) continue;
        ImGui::TableSetColumnSortDirection(
            c, top.sort_descending ? ImGuiSortDirection_Descending : ImGuiSortDirection_Ascending,
            false);
      }
    }
    if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs()) {
      if (specs->SpecsDirty && specs->SpecsCount > 0) {
        top.sort_column = static_cast<int>(specs->Specs[0].ColumnUserID);
        top.sort_descending = specs->Specs[0].SortDirection == ImGuiSortDirection_Descending;
        top.order_dirty = true;
      }
      specs->SpecsDirty = false;
    }
    if (top.order_dirty || top.applied_filter != top.filter) SortTop();
    const StringTable& names = *top.names;
    const float row_h = ImGui::GetTextLineHeight() + ImGui::GetStyle().CellPadding.y * 2;
    if (top.scroll_to_selection) {
      top.scroll_to_selection = false;
      for (size_t i = 0; i < top.order.size(); ++i) {
        if (names[top.rows[top.order[i]].name] == selected_name) {
          ImGui::SetScrollY(std::max(0.f, row_h * i - ImGui::GetWindowHeight() * 0.4f));
          break;
        }
      }
    }
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(top.order.size()), row_h);
    char pct[32];
    while (clipper.Step()) {
      for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
        const uint32_t r = top.order[i];
        const FunctionRow& row = top.rows[r];
        const FunctionRow& base_row = diff_rows ? top.base_rows[r] : row;
        const std::string& name = names[row.name];
        // Value cells are formatted once per row (an idle frame allocates nothing).
        std::string* text = &top.text[4 * size_t{r}];
        if (text[0].empty()) {
          text[0] = FormatPretty(row.self, type_unit);
          text[1] = FormatPretty(row.total, type_unit);
          text[2] = FormatPretty(base_row.self, type_unit);
          text[3] = FormatPretty(base_row.total, type_unit);
        }
        ImGui::TableNextRow();
        for (int c = 0; c < num_columns; ++c) {
          ImGui::TableNextColumn();
          const char* cell = pct;
          ImVec4 colour = ImGui::GetStyleColorVec4(ImGuiCol_Text);
          switch (columns[c].cell) {
            case kSelf:
            case kTotal:
            case kBaseSelf:
            case kBaseTotal:
              cell = text[columns[c].cell].c_str();
              break;
            case kSelfShare:
            case kTotalShare: {
              const int64_t v = columns[c].cell == kSelfShare ? row.self : row.total;
              snprintf(pct, sizeof(pct), "%.2f%%", top.root ? 100.0 * v / top.root : 0.0);
              break;
            }
            case kChange: {
              const double change = ShareChange(base_row.total, top.base_root, row.total, top.root);
              snprintf(pct, sizeof(pct), "%s", ChangeText(change).c_str());
              if (std::fabs(change) > 0.01) {
                colour = ImGui::ColorConvertU32ToFloat4(
                    DiffColor(change > 0 ? 1 : -1, colorblind, dark));
              }
              break;
            }
          }
          if (c > 0) {
            ImGui::TextColored(colour, "%s", cell);
            continue;
          }
          ImGui::PushID(i);
          if (ImGui::Selectable(cell, name == selected_name, ImGuiSelectableFlags_SpanAllColumns)) {
            Select(name, kNone);
            std::string e = "{\"event\":\"select\",\"name\":";
            AppendJsonString(&e, name);
            e += ",\"self\":";
            AppendJsonInt(&e, row.self);
            e += ",\"total\":";
            AppendJsonInt(&e, row.total);
            e += '}';
            Emit(e);
          }
          ImGui::PopID();
          if (ImGui::IsItemClicked(ImGuiMouseButton_Right)) OpenFunctionMenu(name);
          if (ImGui::IsItemHovered()) DrawRowTooltip(name, row, base_row, text);
        }
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(name.c_str());
      }
    }
    ImGui::EndTable();
  }
  ImGui::EndChild();
}

void Viewer_Impl::DrawRowTooltip(const std::string& name, const FunctionRow& row,
                                 const FunctionRow& base_row, const std::string* text) {
  auto share = [](int64_t v, int64_t of) { return of ? 100.0 * v / of : 0.0; };
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40);
  ImGui::TextUnformatted(name.c_str());
  ImGui::PopTextWrapPos();
  ImGui::Separator();
  if (top.base_rows.empty()) {
    ImGui::Text("Self:  %s  %.2f%% of all", text[0].c_str(), share(row.self, top.root));
    ImGui::Text("Total: %s  %.2f%% of all", text[1].c_str(), share(row.total, top.root));
  } else {
    ImGui::Text("Base:       self %s (%.2f%%), total %s (%.2f%%)", text[2].c_str(),
                share(base_row.self, top.base_root), text[3].c_str(),
                share(base_row.total, top.base_root));
    ImGui::Text("Comparison: self %s (%.2f%%), total %s (%.2f%%)", text[0].c_str(),
                share(row.self, top.root), text[1].c_str(), share(row.total, top.root));
    ImGui::Text(
        "Change:     %s of total share",
        ChangeText(ShareChange(base_row.total, top.base_root, row.total, top.root)).c_str());
  }
  ImGui::TextDisabled("%s", kMenuHint);
  ImGui::EndTooltip();
}

namespace {
// The context menu's popup: one for the whole viewer, opened from any window.
ImGuiID FunctionMenuId() { return ImHashStr("pyrolens function menu"); }
}  // namespace

void Viewer_Impl::OpenFunctionMenu(const std::string& name) {
  menu_function = name;
  ImGui::OpenPopupEx(FunctionMenuId());
}

void Viewer_Impl::DrawFunctionMenu() {
  if (!ImGui::BeginPopupEx(FunctionMenuId(), ImGuiWindowFlags_AlwaysAutoResize |
                                                 ImGuiWindowFlags_NoTitleBar |
                                                 ImGuiWindowFlags_NoSavedSettings)) {
    menu_open = false;
    return;
  }
  menu_open = true;
  ImGui::TextDisabled("%s", menu_function.c_str());
  ImGui::Separator();
  // The filters are regexps matched anywhere: this one matches the whole name only.
  std::string exact;
  AppendJsonString(&exact, "^" + RE2::QuoteMeta(menu_function) + "$");
  std::string function;
  AppendJsonString(&function, menu_function);
  std::vector<std::string> commands;
  if (ImGui::MenuItem("Focus on it (only stacks through it)")) {
    commands = {"{\"cmd\":\"setFilter\",\"focus\":" + exact + "}"};
  }
  if (ImGui::MenuItem("Ignore it (drop stacks through it)")) {
    commands = {"{\"cmd\":\"setFilter\",\"ignore\":" + exact + "}"};
  }
  if (ImGui::MenuItem("Hide it (remove its frames)")) {
    commands = {"{\"cmd\":\"setFilter\",\"hide\":" + exact + "}"};
  }
  if (ImGui::MenuItem("Highlight it (search)")) {
    commands = {"{\"cmd\":\"setSearch\",\"regex\":true,\"query\":" + exact + "}"};
  }
  if (ImGui::MenuItem("Sandwich (its callers and callees)")) {
    commands = {"{\"cmd\":\"select\",\"function\":" + function + "}",
                "{\"cmd\":\"setView\",\"view\":\"sandwich\"}"};
  }
  ImGui::EndPopup();
  for (const std::string& c : commands) (void)RunCommand(c);
}

void Viewer_Impl::DrawSandwich(ImVec2 size) {
  ImGui::BeginChild("##sandwich", size);
  if (selected_name.empty()) {
    ImGui::TextDisabled("Select a function in the table or the flame graph.");
  } else {
    ImGui::Text("callers of %s (above) and its callees (below)", selected_name.c_str());
    ImVec2 avail = ImGui::GetContentRegionAvail();
    float half = std::floor((avail.y - ImGui::GetStyle().ItemSpacing.y) * 0.5f);
    DrawFlame("##callers", callers, &callers_panel, ImVec2(avail.x, half));
    DrawFlame("##callees", callees, &callees_panel, ImVec2(avail.x, half));
  }
  ImGui::EndChild();
}

void Viewer_Impl::DrawEmpty() {
  ImVec2 avail = ImGui::GetContentRegionAvail();
  const char* msg =
      "Drop profiles here: pprof, JFR, .cpuprofile, speedscope, perf script or folded stacks "
      "(raw, gzip or zstd).";
  ImVec2 ts = ImGui::CalcTextSize(msg);
  ImGui::SetCursorPos(ImVec2(ImGui::GetCursorPosX() + std::max(0.f, (avail.x - ts.x) * 0.5f),
                             ImGui::GetCursorPosY() + std::max(0.f, (avail.y - ts.y) * 0.4f)));
  ImGui::TextDisabled("%s", msg);
}

void Viewer_Impl::DrawOverlays(float width, float height) {
  if (show_help) {
    ImGui::SetNextWindowPos(ImVec2(width * 0.5f, height * 0.5f), ImGuiCond_Always,
                            ImVec2(0.5f, 0.5f));
    ImGui::Begin("Keyboard shortcuts", &show_help,
                 ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoCollapse);
    if (ImGui::BeginTable("##keys", 2, ImGuiTableFlags_SizingFixedFit)) {
      for (const Shortcut& s : kShortcuts) {
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(s.keys);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(s.what);
      }
      ImGui::EndTable();
    }
    ImGui::End();
  }
  if (loading) {
    ImGui::SetNextWindowPos(ImVec2(width * 0.5f, height * 0.5f), ImGuiCond_Always,
                            ImVec2(0.5f, 0.5f));
    ImGui::SetNextWindowSize(ImVec2(std::min(width * 0.8f, ImGui::GetFontSize() * 30), 0));
    ImGui::Begin("##loading", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_AlwaysAutoResize);
    ImGui::TextUnformatted(loading_message.empty() ? "loading" : loading_message.c_str());
    float p = loading_progress;
    if (p < 0) p = std::fmod(static_cast<float>(ImGui::GetTime()) * 0.5f, 1.f);
    ImGui::ProgressBar(p, ImVec2(-1, 0), loading_progress < 0 ? "" : nullptr);
    ImGui::End();
  }
}

void Viewer_Impl::Frame(float width, float height) {
  ++frames;
  StepLoads(frame_load_ms);
  if (style_dirty) ApplyStyle();
  last_width = width;
  last_height = height;
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(width, height));
  ImGui::Begin("##pyrolens", nullptr, kRootFlags);
  HandleKeys();
  DrawToolbar();
  for (size_t i = 0; i < errors.size(); ++i) {
    ImGui::PushID(static_cast<int>(i));
    if (ImGui::SmallButton("x")) {
      errors.erase(errors.begin() + i);
      ImGui::PopID();
      break;
    }
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(1, 0.35f, 0.35f, 1), "%s", errors[i].c_str());
    ImGui::PopID();
  }
  if (profiles.empty()) {
    main_panel.drawing = FlameDrawing();
    DrawEmpty();
  } else {
    DrawFilters();
    ImVec2 avail = ImGui::GetContentRegionAvail();
    switch (view) {
      case ViewMode::kTop:
        main_panel.drawing = FlameDrawing();
        DrawTopTable(avail);
        break;
      case ViewMode::kSandwich: {
        main_panel.drawing = FlameDrawing();
        float tw = std::floor(avail.x * 0.4f);
        DrawTopTable(ImVec2(tw, avail.y));
        ImGui::SameLine();
        DrawSandwich(ImGui::GetContentRegionAvail());
        break;
      }
      default: {
        main_panel.root_at_bottom = view != ViewMode::kIcicle;
        if (show_table && avail.x > 700) {
          float tw = std::floor(avail.x * 0.33f);
          DrawTopTable(ImVec2(tw, avail.y));
          ImGui::SameLine();
        }
        ImGui::BeginGroup();
        DrawBreadcrumb();
        DrawFlame("##flame", main, &main_panel, ImGui::GetContentRegionAvail());
        ImGui::EndGroup();
        break;
      }
    }
  }
  ImGui::End();
  DrawFunctionMenu();
  DrawOverlays(width, height);
}

}  // namespace pyrolens::ui
