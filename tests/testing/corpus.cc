#include "testing/corpus.h"

#include <fstream>
#include <regex>
#include <sstream>

namespace pyrolens::testing {

std::string CorpusPath(const std::string& relative) {
  return std::string(PYROLENS_CORPUS_DIR) + "/" + relative;
}

std::string ReadCorpusFile(const std::string& relative) {
  std::ifstream in(CorpusPath(relative), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

static long long ParseNumber(const std::string& s) {
  std::string digits;
  for (char c : s) {
    if (isdigit(static_cast<unsigned char>(c)) || c == '-') digits += c;
  }
  return digits.empty() ? 0 : std::stoll(digits);
}

const std::vector<CorpusEntry>& Corpus() {
  static const std::vector<CorpusEntry> entries = [] {
    std::vector<CorpusEntry> out;
    std::ifstream in(CorpusPath("MANIFEST.md"));
    std::string line;
    const std::regex row(R"(^\| `([^`]+)` \| [^|]+ \| ([^|]+) \| [^|]+ \| [^|]+ \| (.*)\|\s*$)");
    const std::regex total("`([^`/]+/[^`]+)`=([0-9,]+)");
    const std::regex folded_sum(R"(sum of \(first\) values ([0-9,]+))");
    while (std::getline(in, line)) {
      std::smatch m;
      if (!std::regex_match(line, m, row)) continue;
      CorpusEntry e;
      e.path = m[1];
      e.format = m[2];
      while (!e.format.empty() && e.format.back() == ' ') e.format.pop_back();
      // JFR 0.9 (JDK 7/8) is refused, as by JDK 17's own tools: not a readable format.
      if (m[3].str().find("File version 0.9") != std::string::npos) e.format += " (0.9)";
      e.details = m[3];
      for (auto it = std::sregex_iterator(e.details.begin(), e.details.end(), total);
           it != std::sregex_iterator(); ++it) {
        e.type_totals[(*it)[1]] = ParseNumber((*it)[2]);
      }
      std::smatch fm;
      if (std::regex_search(e.details, fm, folded_sum)) e.folded_total = ParseNumber(fm[1]);
      out.push_back(e);
    }
    return out;
  }();
  return entries;
}

bool IsReadableFormat(const std::string& format) {
  return format == "pprof" || format == "pprof-gz" || format == "folded" ||
         format == "jfr-parser-expected-collapsed-gz" ||  // gzipped folded stacks
         format == "jfr" || format == "jfr-gz" || format == "chrome-cpuprofile" ||
         format == "chrome-heapprofile" || format == "speedscope-json" ||
         format == "perf-script" || format == "perf-script-gz";
}

}  // namespace pyrolens::testing
