// Flame graphs and icicles: per visible level, a binary search for the zoomed x range,
// sub-pixel runs merged into one placeholder (skipping to the next pixel by another
// binary search), text cut to what fits. Work per frame is O(visible levels x pixels x
// log nodes) whatever the tree size, and nothing is allocated.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>

#include "colors.h"
#include "json.h"
#include "pyrolens/units.h"
#include "viewer_impl.h"

namespace pyrolens::ui {
namespace {

ImU32 Dim(ImU32 c, bool dark) {
  ImU32 bg = dark ? IM_COL32(60, 60, 64, 255) : IM_COL32(225, 225, 228, 255);
  auto ch = [&](int s) {
    int x = (c >> s) & 0xff, y = (bg >> s) & 0xff;
    return static_cast<ImU32>((x + 3 * y) / 4) << s;
  };
  return ch(IM_COL32_R_SHIFT) | ch(IM_COL32_G_SHIFT) | ch(IM_COL32_B_SHIFT) |
         (0xffu << IM_COL32_A_SHIFT);
}

double Change(const DiffTree& d, uint32_t n, int64_t base_root, int64_t cmp_root) {
  return ShareChange(d.left_total(n), base_root, d.right_total(n), cmp_root);
}

}  // namespace

void Viewer_Impl::DrawFlame(const char* id, const TreeData& data, FlamePanel* panel,
                            ImVec2 size) {
  panel->hovered = kNone;
  if (!data.valid() || size.x < 4 || size.y < 4) {
    panel->drawing = FlameDrawing();
    ImGui::Dummy(size);
    return;
  }
  const TreeShape& t = *data.shape;
  const std::vector<int64_t>& X = *data.x;
  if (panel->zoom >= t.size()) panel->zoom = 0;
  const uint32_t z = panel->zoom;
  const uint32_t zoom_depth = t.depth(z);

  ImGui::BeginChild(id, size, false, ImGuiWindowFlags_NoMove);
  ImFont* font = ImGui::GetFont();
  const float font_size = ImGui::GetFontSize();
  const float row_h = std::floor(font_size + 6.f);
  // Levels drawn: all, or all but the root's (the sandwich's halves start at the function).
  const uint32_t first = panel->hide_root && t.num_levels() > 1 ? 1 : 0;
  const uint32_t levels = t.num_levels() - first;
  const float content_h = levels * row_h;
  ImVec2 origin = ImGui::GetCursorScreenPos();
  const float width = std::max(1.f, ImGui::GetContentRegionAvail().x);
  const float room = ImGui::GetContentRegionAvail().y;
  ImGui::Dummy(ImVec2(width, content_h));
  // A short flame graph sits on the bottom edge, as its root is drawn there.
  if (panel->root_at_bottom && content_h < room) origin.y += std::floor(room - content_h);
  if (panel->scroll_to_root > 0) {
    ImGui::SetScrollY(panel->root_at_bottom ? content_h : 0.f);
    --panel->scroll_to_root;
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 win_pos = ImGui::GetWindowPos();
  const float clip_top = win_pos.y, clip_bottom = win_pos.y + ImGui::GetWindowHeight();
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const bool hover_ok = ImGui::IsWindowHovered();

  const int64_t x0 = X[z];
  const int64_t span = std::max<int64_t>(1, data.total(z));
  const double scale = width / static_cast<double>(span);
  const float left = origin.x;
  const float char_w =
      font->GetCharAdvance('x') * font_size / (font->FontSize > 0 ? font->FontSize : 1.f);
  const float pad = 3.f;
  const ImU32 text_col = IM_COL32(20, 20, 20, 255);
  const ImU32 merged_col = dark ? IM_COL32(95, 95, 100, 255) : IM_COL32(175, 175, 180, 255);
  const bool searching = !search.empty() && search_error.empty();
  // Without RendererHasVtxOffset, one draw list holds at most 2^16 vertices (16-bit
  // indices): labels stop first, then nodes, instead of overflowing.
  const bool vtx_offset =
      (ImGui::GetIO().BackendFlags & ImGuiBackendFlags_RendererHasVtxOffset) != 0;
  const int vtx_budget = vtx_offset ? INT32_MAX - 4000 : 60000;  // + 4000 for merged runs
  const int text_budget = vtx_offset ? INT32_MAX : 40000;
  const bool is_main = &data == &main;
  const uint32_t sel_name = is_main ? selected_name_id : kNone;
  const ImU32 sel_col = dark ? IM_COL32(255, 255, 255, 255) : IM_COL32(0, 0, 0, 255);

  auto row_y = [&](uint32_t d) {
    uint32_t row = panel->root_at_bottom ? levels - 1 - (d - first) : d - first;
    return origin.y + row * row_h;
  };
  auto node_color = [&](uint32_t n) {
    ImU32 c;
    if (data.diff != nullptr) {
      c = DiffColor(Change(*data.diff, n, data.base_root, data.comparison_root), colorblind, dark);
    } else {
      c = data.name_color[t.name[n]];
    }
    if (searching && n != 0 && !data.name_match[t.name[n]]) c = Dim(c, dark);
    return c;
  };
  auto draw_node = [&](uint32_t n, float px, float pw, float y, bool faded) {
    float x_end = std::min(px + pw, left + width);
    px = std::max(px, left);
    ImU32 c = node_color(n);
    if (faded) c = Dim(c, dark);
    float gap = pw > 3.f ? 1.f : 0.f;
    dl->AddRectFilled(ImVec2(px, y), ImVec2(x_end - gap, y + row_h - 1.f), c);
    if (t.name[n] == sel_name) {
      dl->AddRect(ImVec2(px, y), ImVec2(x_end - gap, y + row_h - 1.f), sel_col, 0.f, 0, 2.f);
    }
    float text_room = x_end - px - 2 * pad;
    if (text_room >= char_w * 3 && dl->VtxBuffer.Size < text_budget) {
      const std::string& name = t.node_name(n);
      size_t fit = static_cast<size_t>(text_room / char_w);
      const char* b = name.data();
      const char* e = b + std::min(name.size(), fit);
      ImVec4 clip(px, y, x_end - gap, y + row_h);
      dl->AddText(font, font_size, ImVec2(px + pad, y + (row_h - font_size) * 0.5f), text_col, b, e,
                  0.f, &clip);
    }
    panel->drawing.nodes.push_back({n, px, y, x_end - px, row_h});
  };

  // What the levels' drawing depends on, besides the tree: the same as last frame, their
  // vertices are copied (a frame that only moves the hover).
  const double key[] = {static_cast<double>(reinterpret_cast<uintptr_t>(&data)),
                        static_cast<double>(tree_version), static_cast<double>(looks_version),
                        static_cast<double>(z), static_cast<double>(first),
                        static_cast<double>(panel->root_at_bottom), static_cast<double>(dark),
                        static_cast<double>(colorblind), static_cast<double>(searching),
                        static_cast<double>(selected_name_id), origin.x, origin.y, width,
                        clip_top, clip_bottom, font_size,
                        static_cast<double>(data.base_root),
                        static_cast<double>(data.comparison_root)};
  FlameDrawing& drawing = panel->drawing;
  const bool same = drawing.key.size() == std::size(key) &&
                    std::equal(std::begin(key), std::end(key), drawing.key.begin());
  if (same) {
    dl->PrimReserve(static_cast<int>(drawing.idx.size()), static_cast<int>(drawing.vtx.size()));
    const unsigned int base = dl->_VtxCurrentIdx;
    std::copy(drawing.vtx.begin(), drawing.vtx.end(), dl->_VtxWritePtr);
    dl->_VtxWritePtr += drawing.vtx.size();
    for (ImDrawIdx i : drawing.idx) {
      *dl->_IdxWritePtr++ = static_cast<ImDrawIdx>(i - drawing.base + base);
    }
    dl->_VtxCurrentIdx += static_cast<unsigned int>(drawing.vtx.size());
  } else {
    drawing.nodes.clear();
  }
  const int vtx0 = dl->VtxBuffer.Size, idx0 = dl->IdxBuffer.Size, cmds0 = dl->CmdBuffer.Size;
  const unsigned int base0 = dl->_VtxCurrentIdx;
  // Visible rows, then levels.
  const float first_row_f = std::floor((clip_top - origin.y) / row_h);
  const float last_row_f = std::floor((clip_bottom - origin.y) / row_h);
  const int first_row = std::max(0, static_cast<int>(first_row_f));
  const int last_row = std::min(static_cast<int>(levels) - 1, static_cast<int>(last_row_f));
  for (int row = first_row; !same && row <= last_row; ++row) {
    const uint32_t d = (panel->root_at_bottom ? levels - 1 - row : row) + first;
    const float y = row_y(d);
    if (d < zoom_depth) {
      // An ancestor of the zoomed node: drawn faded across the whole width.
      uint32_t a = z;
      for (uint32_t up = zoom_depth; up > d; --up) a = t.parent[a];
      draw_node(a, left, width, y, true);
      continue;
    }
    // Positions along the level (x ascends): the x and width of the node at each.
    const uint32_t* LN = t.level_nodes.data();
    auto x_at = [&](size_t k) { return X[LN[k]]; };
    auto width_at = [&](size_t k) { return data.total(LN[k]); };
    // The first position in [a, b) whose x is not `before`, by binary search.
    auto first_not = [&](size_t a, size_t b, auto before) {
      while (a < b) {
        const size_t m = a + (b - a) / 2;
        if (before(x_at(m))) {
          a = m + 1;
        } else {
          b = m;
        }
      }
      return a;
    };
    const size_t lo = t.level_offsets[d], hi = t.level_offsets[d + 1];
    // The first node ending past x0: the last one starting at or before x0 when it reaches
    // past x0 (nodes of a level never overlap), else the first starting after x0.
    size_t p = first_not(lo, hi, [&](int64_t x) { return x <= x0; });
    if (p > lo && WrapAdd(x_at(p - 1), width_at(p - 1)) > x0) --p;
    const int64_t x1 = x0 + span;
    // Adjacent sub-pixel runs grow one placeholder, drawn when a wide node or the end comes.
    float run_x0 = 0, run_x1 = -1;
    auto flush_run = [&] {
      if (run_x1 > run_x0 && dl->VtxBuffer.Size < vtx_budget + 4000) {
        dl->AddRectFilled(ImVec2(run_x0, y), ImVec2(run_x1, y + row_h - 1.f), merged_col);
      }
      run_x1 = -1;
    };
    while (p < hi) {
      const int64_t node_x = x_at(p);
      if (node_x >= x1) break;
      const double rel = static_cast<double>(node_x - x0) * scale;
      const float px = left + static_cast<float>(rel);
      const int64_t node_w = width_at(p);
      const float pw = static_cast<float>(node_w * scale);
      if (pw >= 1.f) {
        flush_run();
        if (dl->VtxBuffer.Size < vtx_budget) draw_node(LN[p], px, pw, y, false);
        ++p;
        continue;
      }
      // A run of sub-pixel nodes: merged up to the next pixel boundary.
      const double next_px = std::floor(rel) + 1.0;
      const int64_t boundary = x0 + static_cast<int64_t>(std::ceil(next_px / scale));
      // Galloping search: the next pixel's first node is usually a few nodes away.
      size_t low = p + 1, probe = p + 1, step = 1;
      while (probe < hi && x_at(probe) < boundary) {
        low = probe + 1;
        probe += std::min(step, hi - probe);
        step *= 2;
      }
      size_t next = first_not(low, probe, [&](int64_t x) { return x < boundary; });
      float run_end = std::min(left + static_cast<float>(next_px), left + width);
      // A wide node may start inside this pixel; it can only be the last one skipped.
      if (next - p > 1 && width_at(next - 1) * scale >= 1.0) {
        --next;
        run_end = left + static_cast<float>(static_cast<double>(x_at(next) - x0) * scale);
      }
      if (node_w > 0 || next - p > 1) {
        if (run_x1 >= px - 0.5f) {
          run_x1 = run_end;
        } else {
          flush_run();
          run_x0 = px;
          run_x1 = run_end;
        }
      }
      p = next;
    }
    flush_run();
  }
  if (!same) {
    // Kept when it all went into one draw command (a split would renumber the vertices).
    drawing.key.assign(std::begin(key), std::end(key));
    if (dl->CmdBuffer.Size != cmds0) drawing.key.clear();
    drawing.vtx.assign(dl->VtxBuffer.Data + vtx0, dl->VtxBuffer.Data + dl->VtxBuffer.Size);
    drawing.idx.assign(dl->IdxBuffer.Data + idx0, dl->IdxBuffer.Data + dl->IdxBuffer.Size);
    drawing.base = base0;
  }
  for (const DrawnNode& d : drawing.nodes) {
    if (hover_ok && mouse.x >= d.x && mouse.x < d.x + d.w && mouse.y >= d.y && mouse.y < d.y + d.h) {
      panel->hovered = d.id;
    }
  }
  if (panel->hovered != kNone) {
    const uint32_t h = panel->hovered;
    const uint32_t hovered_depth = t.depth(h);
    const float y = row_y(hovered_depth);
    const bool across = h == z || hovered_depth < zoom_depth;  // the zoomed node or above
    float px = across ? left : left + static_cast<float>(static_cast<double>(X[h] - x0) * scale);
    float pw = across ? width : static_cast<float>(data.total(h) * scale);
    dl->AddRect(ImVec2(px, y), ImVec2(std::min(px + pw, left + width), y + row_h - 1.f), sel_col);
    DrawTooltip(data, h, z);
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Right)) {
      OpenFunctionMenu(t.node_name(h));
    } else if (ImGui::IsMouseDoubleClicked(0)) {
      panel->zoom = 0;
      if (is_main) ResetZoom();
    } else if (ImGui::IsMouseClicked(0)) {
      panel->zoom = h;  // a descendant zooms in, an ancestor zooms out
      if (is_main) {
        ZoomTo(h);
        Select(t.node_name(h), h);
        std::string e = "{\"event\":\"select\",\"id\":" + std::to_string(h) + ",\"name\":";
        AppendJsonString(&e, t.node_name(h));
        e += ",\"self\":";
        AppendJsonInt(&e, data.self(h));
        e += ",\"total\":";
        AppendJsonInt(&e, data.total(h));
        e += '}';
        Emit(e);
      }
    }
  } else if (hover_ok && ImGui::IsMouseDoubleClicked(0)) {
    panel->zoom = 0;
    if (is_main) ResetZoom();
  }
  ImGui::EndChild();
}

void Viewer_Impl::DrawTooltip(const TreeData& data, uint32_t node, uint32_t zoom) {
  const TreeShape& t = *data.shape;
  if (tooltip_node != node || tooltip_tree != &data) {
    tooltip_node = node;
    tooltip_tree = &data;
    tooltip_source.clear();
    if (view_source != nullptr) {
      FrameSource src = FindFrameSource(*view_source, t.node_name(node));
      if (!src.file.empty()) {
        tooltip_source = src.line > 0 ? src.file + ":" + std::to_string(src.line) : src.file;
      }
    }
    auto pct = [](int64_t v, int64_t of) {
      char buf[32];
      snprintf(buf, sizeof(buf), "%.2f%%", of != 0 ? 100.0 * v / of : 0.0);
      return std::string(buf);
    };
    if (data.diff != nullptr) {
      const DiffTree& d = *data.diff;
      const std::string change = ChangeText(Change(d, node, data.base_root, data.comparison_root));
      tooltip_values = "Base:       " + FormatPretty(d.left_total(node), type_unit) + " (" +
                       pct(d.left_total(node), data.base_root) +
                       ")\nComparison: " + FormatPretty(d.right_total(node), type_unit) + " (" +
                       pct(d.right_total(node), data.comparison_root) + ")\nChange:     " + change +
                       " of share";
    } else {
      const int64_t self = data.self(node), total = data.total(node);
      const int64_t all = data.total(0), zoomed = data.total(zoom);
      tooltip_values = "Total: " + FormatPretty(total, type_unit) + "  " + pct(total, all) +
                       " of all, " + pct(total, zoomed) +
                       " of zoomed\nSelf:  " + FormatPretty(self, type_unit) + "  " +
                       pct(self, all) + " of all, " + pct(self, zoomed) + " of zoomed";
    }
  }
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40);
  ImGui::TextUnformatted(t.node_name(node).c_str());
  ImGui::PopTextWrapPos();
  if (!tooltip_source.empty()) ImGui::TextDisabled("%s", tooltip_source.c_str());
  ImGui::Separator();
  ImGui::TextUnformatted(tooltip_values.c_str());
  ImGui::TextDisabled("%s", kMenuHint);
  ImGui::EndTooltip();
}

}  // namespace pyrolens::ui
