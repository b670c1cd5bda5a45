#include "pyrolens/folded.h"

#include <gtest/gtest.h>

#include "pyrolens/reader.h"
#include "testing/corpus.h"

namespace pyrolens {
namespace {

// Root-first frame names of stack s.
std::vector<std::string> Frames(const Profile& p, uint32_t s) {
  std::vector<std::string> out;
  for (const uint32_t* l = p.stack_end(s); l != p.stack_begin(s);) {
    const Location& loc = p.locations[*--l];
    out.push_back(p.str(p.functions[p.lines[loc.first_line].function].name));
  }
  return out;
}

TEST(FoldedTest, ReadsCountsAndSharesStacks) {
  Result<Profile> r = ReadFolded("a;b;c 1\na;b;c 2\na;b;d 4\na 5\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->num_samples(), 4u);
  EXPECT_EQ(r->num_stacks(), 3u);
  EXPECT_EQ(r->Total(0), 12);
  EXPECT_EQ(Frames(*r, r->sample_stack[2]), (std::vector<std::string>{"a", "b", "d"}));
  EXPECT_EQ(r->functions.size(), 4u);
  EXPECT_EQ(r->str(r->sample_types[0].type), "samples");
}

TEST(FoldedTest, LinesWithoutCountsAreOneSample) {
  Result<Profile> r = ReadFolded("main;work\nmain;work\nmain;idle\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Total(0), 3);
  EXPECT_EQ(r->num_stacks(), 2u);
}

TEST(FoldedTest, FramesMayContainSpaces) {
  Result<Profile> r = ReadFolded("main;operator new(unsigned long) 7\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Frames(*r, 0), (std::vector<std::string>{"main", "operator new(unsigned long)"}));
  EXPECT_EQ(r->Total(0), 7);
}

TEST(FoldedTest, FramesOfBlanksOnlyAreNone) {
  // Found by fuzz_folded: the stack ";\r;" read as one frame "\r", written as "\r 8", which
  // reads again as a stack "8" of one sample.
  Result<Profile> r = ReadFolded("a;b 2\n;\r; 8\na; \t;b 3\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->num_samples(), 2u);
  EXPECT_EQ(r->stats.skipped_lines, 1u);
  EXPECT_EQ(Frames(*r, r->sample_stack[1]), (std::vector<std::string>{"a", "b"}));
  Result<Profile> again = ReadFolded(WriteFolded(*r, 0));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->Total(0), r->Total(0));
}

TEST(FoldedTest, BracketedValueListsGiveSeveralTypes) {
  Result<Profile> r = ReadFolded("a;b [2 300]\na;c [1 50]\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->num_types(), 2u);
  EXPECT_EQ(r->Total(0), 3);
  EXPECT_EQ(r->Total(1), 350);
}

TEST(FoldedTest, CorpusEncodingsAgree) {
  // The same stacks as UTF-8, CRLF, UTF-16 LE and BE read to the same totals.
  for (const char* f : {"simple.txt", "simple-crlf.txt", "simple-utf16-le.txt",
                        "simple-utf16-be.txt", "simple-with-invalids.txt"}) {
    SCOPED_TRACE(f);
    Result<Profile> r = ReadProfile(testing::ReadCorpusFile(std::string("speedscope/stackcollapse/") + f));
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->Total(0), 14);
    EXPECT_EQ(r->num_stacks(), 3u);
  }
  Result<Profile> invalid =
      ReadProfile(testing::ReadCorpusFile("speedscope/stackcollapse/simple-with-invalids.txt"));
  EXPECT_EQ(invalid->stats.skipped_lines, 3u);  // two comments and "invalid line"
}

TEST(FoldedTest, WriteThenReadKeepsStacksAndTotals) {
  const char* text = "a;b;c 1\na;b;d 4\na;b 5\n";
  Result<Profile> r = ReadFolded(text);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(WriteFolded(*r, 0), "a;b;c 1\na;b;d 4\na;b 5\n");
}

TEST(FoldedTest, NoStackLinesIsAnError) {
  Result<Profile> r = ReadFolded("\n\n# only a comment\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("folded:"), std::string::npos);
}

TEST(FoldedTest, Detection) {
  EXPECT_TRUE(LooksLikeFolded("a;b;c 1\n"));
  EXPECT_TRUE(LooksLikeFolded("# header\na;b 3\n"));
  EXPECT_FALSE(LooksLikeFolded("PeriodType: cpu nanoseconds\nPeriod: 10000000\n"));
  EXPECT_FALSE(LooksLikeFolded(std::string("\x0a\x04\x08\x01\x10\x02", 6)));
}

}  // namespace
}  // namespace pyrolens
