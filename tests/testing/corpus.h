// Access to ../shared/corpus for tests: its files and what MANIFEST.md says of them.
#ifndef PYROLENS_TESTS_TESTING_CORPUS_H_
#define PYROLENS_TESTS_TESTING_CORPUS_H_

#include <map>
#include <string>
#include <vector>

namespace pyrolens::testing {

struct CorpusEntry {
  std::string path;     // relative to the corpus root, e.g. "pprof/legacy/java.contention"
  std::string format;   // MANIFEST's format column, e.g. "pprof-gz", "folded", "jfr"
  std::string details;  // MANIFEST's details column (cross-check figures)
  // For pprof rows: "type/unit" -> sum of values, as MANIFEST's independent decoder saw it.
  std::map<std::string, long long> type_totals;
  long long folded_total = -1;  // for folded rows: "sum of (first) values N"
};

std::string CorpusPath(const std::string& relative);
std::string ReadCorpusFile(const std::string& relative);
// Every file row of MANIFEST.md.
const std::vector<CorpusEntry>& Corpus();
// True for formats Pyrolens reads today.
bool IsReadableFormat(const std::string& format);

}  // namespace pyrolens::testing

#endif  // PYROLENS_TESTS_TESTING_CORPUS_H_
