// The perf script reader against Brendan Gregg's stackcollapse-perf.pl: for each
// FlameGraph test input in the corpus, the stacks its `--all` golden (written by the Perl
// script, never by Pyrolens) holds, plus the sample counts MANIFEST counted per event.
#include "pyrolens/perf_script.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "pyrolens/filter.h"
#include "pyrolens/folded.h"
#include "pyrolens/reader.h"
#include "testing/corpus.h"

namespace pyrolens {
namespace {

using Stacks = std::map<std::string, long long>;

// Folded text "a;b;c N" lines summed by stack. `drop_comm` removes the first frame (the
// process name stackcollapse-perf.pl puts at the root) and `_[k]`/`_[j]` annotations.
Stacks ParseFolded(const std::string& text, bool drop_comm, const char* empty_symbol = nullptr) {
  Stacks out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    size_t sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    std::string stack = line.substr(0, sp);
    if (drop_comm) {
      size_t semi = stack.find(';');
      stack = semi == std::string::npos ? "" : stack.substr(semi + 1);
      for (const char* tag : {"_[k]", "_[j]"}) {
        for (size_t at; (at = stack.find(tag)) != std::string::npos;) stack.erase(at, 4);
      }
      if (empty_symbol) {
        stack = ";" + stack + ";";
        for (size_t at; (at = stack.find("; ;")) != std::string::npos;) {
          stack.replace(at + 1, 1, empty_symbol);
        }
        stack = stack.substr(1, stack.size() - 2);
      }
    }
    out[stack] += std::stoll(line.substr(sp + 1));
  }
  return out;
}

struct Case {
  const char* stem;
  // stackcollapse-perf.pl keeps the first event it sees, weighed by its period when the
  // headers have one (our EVENT_period column), else counted (our EVENT column).
  const char* first_event;
  long long samples;  // MANIFEST: samples of that event
  // The Perl script names a frame with an empty symbol " "; Pyrolens names it by its dso.
  const char* empty_symbol_dso = nullptr;
};
const Case kCases[] = {
    {"perf-cycles-instructions-01", "instructions", 333},
    {"perf-dd-stacks-01", "cpu-clock", 11},
    {"perf-funcab-cmd-01", "cpu-clock", 169},
    {"perf-funcab-pid-01", "cpu-clock", 228},
    {"perf-iperf-stacks-pidtid-01", "cpu-clock", 201},
    {"perf-java-faults-01", "page-faults", 23},
    {"perf-java-stacks-01", "cycles", 46},
    {"perf-java-stacks-02", "cycles", 2},
    {"perf-js-stacks-01", "cpu-clock", 2},
    {"perf-mirageos-stacks-01", "cpu-clock", 53},
    {"perf-numa-stacks-01", "cpu-clock", 200},
    {"perf-rust-Yamakaky-dcpu", "cycles", 58},
    {"perf-vertx-stacks-01", "cpu-clock", 286, "[libc-2.15.so]"},
};

TEST(PerfScriptTest, StacksEqualStackcollapsePerf) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.stem);
    std::string input =
        testing::ReadCorpusFile(std::string("flamegraph/perf-script/") + c.stem + ".txt");
    ASSERT_TRUE(LooksLikePerfScript(input));
    Result<Profile> p = ReadProfile(input);
    ASSERT_TRUE(p.ok()) << p.status().message();
    Result<size_t> t = SelectSampleType(*p, c.first_event);
    ASSERT_TRUE(t.ok()) << t.status().message();
    EXPECT_EQ(p->Total(*t), c.samples);
    EXPECT_EQ(p->str(p->sample_types[*t].unit), "count");

    Stacks golden = ParseFolded(testing::ReadCorpusFile(std::string("flamegraph/collapsed/") +
                                                        c.stem + "-collapsed-all.txt"),
                                /*drop_comm=*/true, c.empty_symbol_dso);
    size_t column = *t;
    Result<size_t> weighed = SelectSampleType(*p, std::string(c.first_event) + "_period");
    if (weighed.ok()) column = *weighed;
    // stackcollapse-perf.pl emits a sample at the blank line after it, so it loses the
    // last one of a file that ends without one; compare the stacks of what it saw.
    size_t last_blank = input.rfind("\n\n");
    Result<Profile> seen = ReadProfile(std::string_view(input).substr(0, last_blank + 2));
    ASSERT_TRUE(seen.ok()) << seen.status().message();
    Stacks ours = ParseFolded(WriteFolded(*seen, column), /*drop_comm=*/false);
    // The golden sums to fewer samples only where the Perl script drops a stack it cannot
    // name; every stack it keeps must be ours with the same count.
    for (const auto& [stack, n] : golden) {
      auto it = ours.find(stack);
      ASSERT_NE(it, ours.end()) << "missing stack " << stack;
      EXPECT_EQ(it->second, n) << stack;
    }
  }
}

TEST(PerfScriptTest, LabelsCarryCommAndPid) {
  Result<Profile> p =
      ReadProfile(testing::ReadCorpusFile("speedscope/linux-perf/forks.linux-perf.txt"));
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->Total(0), 561);
  std::map<std::string, long long> by_pid;
  for (size_t i = 0; i < p->num_samples(); ++i) {
    for (uint32_t l = p->label_offsets[i]; l < p->label_offsets[i + 1]; ++l) {
      const Label& label = p->label(l);
      if (p->str(label.key) == "pid") by_pid[p->str(label.str)] += p->sample_values(i)[0];
    }
  }
  EXPECT_GT(by_pid.size(), 1u);  // a recording of a program that forks
  long long sum = 0;
  for (const auto& [pid, n] : by_pid) sum += n;
  EXPECT_EQ(sum, 561);
}

TEST(PerfScriptTest, RefusesTextWithoutSamples) {
  Result<Profile> p = ReadPerfScript("# perf script --header\n# nothing recorded\n");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message().rfind("perf script: ", 0), 0u) << p.status().message();
  EXPECT_FALSE(LooksLikePerfScript("main;foo 3\nmain;bar 4\n"));
}

TEST(PerfScriptTest, EveryTruncationReadsOrFailsCleanly) {
  std::string input = testing::ReadCorpusFile("flamegraph/perf-script/perf-funcab-cmd-01.txt");
  long long full = 169;
  for (size_t cut = 0; cut < input.size(); cut += 97) {
    Result<Profile> p = ReadPerfScript(std::string_view(input).substr(0, cut));
    if (p.ok()) {
      EXPECT_LE(p->Total(0), full) << cut;
    }
  }
}

}  // namespace
}  // namespace pyrolens
