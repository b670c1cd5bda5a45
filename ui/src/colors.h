// Node colours: by package (stable across reloads: a hash of the package name, not of an
// id), by relative change for diffs, and the greys for merged and unmatched nodes.
#ifndef PYROLENS_UI_SRC_COLORS_H_
#define PYROLENS_UI_SRC_COLORS_H_

#include <imgui.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace pyrolens::ui {

// The package part of a frame name: Go "net/http.(*conn).serve" -> "net/http", Java
// "org.foo.Bar.run" -> "org.foo", C++/Rust "std::vector<int>::push" -> "std", Python
// "module.py:func"/"func (module.py:12)" -> "module.py"; else the text before the first
// '.' or the whole name.
std::string_view PackageOf(std::string_view name);

// A warm flame colour chosen by a hash of PackageOf(name).
ImU32 PackageColor(std::string_view name, bool dark);

// Diff colour for `change` = (comparison share - base share) / max(base share, tiny):
// red/orange when bigger, green/blue when smaller, neutral grey near 0 (±1% or less).
// The colour-blind palette is orange for bigger and blue for smaller.
ImU32 DiffColor(double change, bool colorblind, bool dark);

// The relative change of a share from base to comparison: (value / root - base / base_root)
// / (base / base_root); +inf when only the comparison has it (0 when neither has).
double ShareChange(int64_t base, int64_t base_root, int64_t value, int64_t root);
// ShareChange as people read it: "+12.3%", "-4.0%", or "new" (+inf).
std::string ChangeText(double change);

}  // namespace pyrolens::ui

#endif  // PYROLENS_UI_SRC_COLORS_H_
