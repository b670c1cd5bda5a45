// Line splitting for the text readers (folded.cc, perf_script.cc).
#ifndef PYROLENS_CORE_SRC_LINES_H_
#define PYROLENS_CORE_SRC_LINES_H_

#include <string_view>

namespace pyrolens {

// Calls f(line) for each '\n'-terminated line of `text` (the last may lack the '\n';
// a '\r' before it stays), in order, until f returns false. Lines are views into `text`.
template <typename F>
void ForEachLine(std::string_view text, F&& f) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    if (!f(text.substr(pos, nl - pos))) return;
    pos = nl + 1;
  }
}

}  // namespace pyrolens

#endif  // PYROLENS_CORE_SRC_LINES_H_
