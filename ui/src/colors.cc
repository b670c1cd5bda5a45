#include "colors.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace pyrolens::ui {
namespace {

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

ImU32 Rgb(float r, float g, float b) {
  auto c = [](float v) { return static_cast<int>(std::clamp(v, 0.f, 1.f) * 255.f + 0.5f); };
  return IM_COL32(c(r), c(g), c(b), 255);
}

ImU32 Mix(ImU32 a, ImU32 b, float t) {
  auto ch = [&](int shift) {
    float x = static_cast<float>((a >> shift) & 0xff), y = static_cast<float>((b >> shift) & 0xff);
    return static_cast<ImU32>(x + (y - x) * t + 0.5f) << shift;
  };
  return ch(IM_COL32_R_SHIFT) | ch(IM_COL32_G_SHIFT) | ch(IM_COL32_B_SHIFT) |
         (0xffu << IM_COL32_A_SHIFT);
}

}  // namespace

std::string_view PackageOf(std::string_view name) {
  if (name.empty()) return name;
  // Python (py-spy, Pyroscope): "func (path/module.py:12)" or "path/module.py:func".
  size_t py = name.find(".py");
  if (py != std::string_view::npos) {
    size_t start = name.rfind('(', py);
    start = start == std::string_view::npos ? 0 : start + 1;
    size_t slash = name.rfind('/', py);
    if (slash != std::string_view::npos && slash >= start) start = slash + 1;
    return name.substr(start, py + 3 - start);
  }
  // C++ / Rust namespaces: the outermost one (after a leading "const " or template-free).
  size_t paren = name.find('(');
  std::string_view head = name.substr(0, paren);
  size_t colons = head.find("::");
  if (colons != std::string_view::npos && colons > 0) return head.substr(0, colons);
  // Go: the import path up to the first '.' after its last '/'.
  size_t slash = head.rfind('/');
  if (slash != std::string_view::npos) {
    size_t dot = head.find('.', slash);
    return dot == std::string_view::npos ? head : head.substr(0, dot);
  }
  // Java: "org.foo.Bar.method" -> "org.foo"; Go "runtime.mallocgc" -> "runtime".
  size_t dots = std::count(head.begin(), head.end(), '.');
  if (dots >= 3) {
    size_t last = head.rfind('.');
    size_t cls = head.rfind('.', last - 1);
    return head.substr(0, cls);
  }
  size_t dot = head.find('.');
  if (dot != std::string_view::npos && dot > 0) return head.substr(0, dot);
  return head.empty() ? name : head;
}

ImU32 PackageColor(std::string_view name, bool dark) {
  uint64_t h = Fnv1a(PackageOf(name));
  // Hues from red to yellow (0..55 degrees), as flame graphs are coloured.
  float hue = static_cast<float>(h % 56) / 360.f;
  float sat = 0.55f + static_cast<float>((h >> 8) % 30) / 100.f;
  float val = (dark ? 0.78f : 0.93f) + static_cast<float>((h >> 16) % 7) / 100.f;
  float r, g, b;
  ImGui::ColorConvertHSVtoRGB(hue, sat, val, r, g, b);
  return Rgb(r, g, b);
}

ImU32 DiffColor(double change, bool colorblind, bool dark) {
  ImU32 neutral = dark ? IM_COL32(120, 120, 125, 255) : IM_COL32(205, 205, 210, 255);
  if (!std::isfinite(change)) change = change > 0 ? 1 : -1;
  if (std::fabs(change) <= 0.01) return neutral;
  float t = static_cast<float>(std::min(1.0, 0.25 + std::fabs(change) * 0.75));
  ImU32 bigger = colorblind ? IM_COL32(230, 120, 0, 255) : IM_COL32(215, 40, 40, 255);
  ImU32 smaller = colorblind ? IM_COL32(30, 110, 220, 255) : IM_COL32(40, 170, 60, 255);
  return Mix(neutral, change > 0 ? bigger : smaller, t);
}

double ShareChange(int64_t base, int64_t base_root, int64_t value, int64_t root) {
  double ls = base_root ? static_cast<double>(base) / base_root : 0;
  double rs = root ? static_cast<double>(value) / root : 0;
  if (ls == 0) return rs > 0 ? HUGE_VAL : 0;
  return (rs - ls) / ls;
}

std::string ChangeText(double change) {
  if (std::isinf(change)) return "new";
  char buf[32];
  snprintf(buf, sizeof(buf), "%+.1f%%", change * 100);
  return buf;
}

}  // namespace pyrolens::ui
