// Every corpus file is either read (formats Pyrolens supports) with the totals the
// MANIFEST's independent decoder saw, or refused with a clear error.
#include "pyrolens/reader.h"

#include <gtest/gtest.h>

#include "pyrolens/pprof.h"
#include "testing/arriving.h"
#include "testing/corpus.h"

namespace pyrolens {
namespace {

using testing::Corpus;
using testing::CorpusEntry;

TEST(ReaderTest, ManifestListsTheCorpus) { EXPECT_GT(Corpus().size(), 400u); }

TEST(ReaderTest, EveryCorpusFileIsReadOrRefusedClearly) {
  size_t read = 0, refused = 0;
  for (const CorpusEntry& e : Corpus()) {
    SCOPED_TRACE(e.path + " (" + e.format + ")");
    Result<Profile> p = ReadProfile(testing::ReadCorpusFile(e.path));
    if (!testing::IsReadableFormat(e.format)) {
      ASSERT_FALSE(p.ok()) << "a " << e.format << " file must be refused, not misread";
      EXPECT_FALSE(p.status().message().empty());
      ++refused;
      continue;
    }
    ASSERT_TRUE(p.ok()) << p.status().message();
    ++read;
    for (size_t t = 0; t < p->num_types(); ++t) {
      std::string key = p->str(p->sample_types[t].type) + "/" + p->str(p->sample_types[t].unit);
      auto it = e.type_totals.find(key);
      if (it != e.type_totals.end()) {
        EXPECT_EQ(p->Total(t), it->second) << key;
      }
    }
    if (e.folded_total >= 0) {
      EXPECT_EQ(p->Total(0), e.folded_total);
    }
  }
  EXPECT_GT(read, 200u);
  EXPECT_GT(refused, 100u);
}

TEST(ReaderTest, NamesUnsupportedFormats) {
  Result<Profile> cg =
      ReadProfile(testing::ReadCorpusFile("speedscope/callgrind/callgrind.example.log"));
  ASSERT_FALSE(cg.ok());
  EXPECT_EQ(cg.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(cg.status().message().find("callgrind"), std::string::npos) << cg.status().message();
}

TEST(ReaderTest, ReadsZstdCompressedPprof) {
  // The same bytes gzip- and zstd-compressed read to the same profile.
  ByteBuffer storage;
  std::string gz = testing::ReadCorpusFile("speedscope/pprof/simple.prof");
  Result<std::string_view> plain = Decompress(gz, &storage);
  ASSERT_TRUE(plain.ok());
  Result<Profile> a = ReadProfile(gz);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->Total(1), 1500000000);
  EXPECT_EQ(a->num_samples(), 9u);
}

// Reads `data` with ProfileReader in steps of `budget` bytes; counts the steps.
Result<Profile> ReadInSteps(std::string_view data, size_t budget, size_t* steps) {
  ProfileReader reader(data);
  double last = 0;
  for (*steps = 1;; ++*steps) {
    Result<bool> done = reader.Step(budget);
    if (!done.ok()) return done.status();
    EXPECT_GE(reader.progress(), last);
    last = reader.progress();
    if (*done) {
      EXPECT_EQ(reader.progress(), 1.0);
      return reader.Take();
    }
  }
}

TEST(ReaderTest, StepsReadWhatOneCallReads) {
  size_t pprof_files = 0;
  for (const CorpusEntry& e : Corpus()) {
    if (!testing::IsReadableFormat(e.format)) continue;
    SCOPED_TRACE(e.path);
    std::string bytes = testing::ReadCorpusFile(e.path);
    Result<Profile> whole = ReadProfile(bytes);
    ASSERT_TRUE(whole.ok()) << whole.status().message();
    size_t steps = 0;
    Result<Profile> stepped = ReadInSteps(bytes, 4093, &steps);
    ASSERT_TRUE(stepped.ok()) << stepped.status().message();
    EXPECT_EQ(WritePprof(*stepped, false), WritePprof(*whole, false));
    if (e.format.rfind("pprof", 0) == 0 && WritePprof(*whole, false).size() > 3 * 4093) {
      EXPECT_GT(steps, 3u);  // really in steps: two passes of several steps each
      ++pprof_files;
    }
  }
  EXPECT_GT(pprof_files, 20u);
}

TEST(ReaderTest, FirstStepNamesTheFormatAndReadsNothingElse) {
  const std::pair<const char*, InputFormat> files[] = {
      {"datakit/cpu.pprof", InputFormat::kPprof},
      {"jfr-parser/goland-multichunk.jfr.gz", InputFormat::kJfr},
      {"async-profiler/sample1.collapsed", InputFormat::kFolded},
  };
  for (const auto& [path, format] : files) {
    SCOPED_TRACE(path);
    std::string bytes = testing::ReadCorpusFile(path);
    ProfileReader reader(bytes);
    EXPECT_EQ(reader.format(), InputFormat::kUnknown);
    Result<bool> done = reader.Step(1 << 30);
    ASSERT_TRUE(done.ok()) << done.status().message();
    EXPECT_FALSE(*done);
    EXPECT_EQ(reader.format(), format);
    EXPECT_LT(reader.progress(), 0.5);
    // Then a whole-read format takes one step; pprof one for its fields, one to resolve
    // its stacks and one to renumber its samples.
    int steps = 0;
    do {
      done = reader.Step(1 << 30);
      ASSERT_TRUE(done.ok()) << done.status().message();
      ++steps;
    } while (!*done);
    EXPECT_EQ(steps, format == InputFormat::kPprof ? 3 : 1);
    EXPECT_EQ(reader.progress(), 1.0);
    EXPECT_GT(reader.Take().num_samples(), 0u);
  }
}

TEST(ReaderTest, StepsFailAsOneCallFails) {
  std::string bytes = testing::ReadCorpusFile("datakit/cpu.pprof");
  ByteBuffer storage;
  Result<std::string_view> plain = Decompress(bytes, &storage);
  ASSERT_TRUE(plain.ok());
  size_t failures = 0;
  for (size_t cut = 1; cut < plain->size(); cut += plain->size() / 97 + 1) {
    std::string truncated(plain->substr(0, cut));
    truncated.back() ^= 0x5a;  // and one flipped byte at the cut
    Result<Profile> whole = ReadProfile(truncated);
    size_t steps = 0;
    Result<Profile> stepped = ReadInSteps(truncated, 1, &steps);
    ASSERT_EQ(whole.ok(), stepped.ok()) << "cut at " << cut;
    if (whole.ok()) continue;
    EXPECT_EQ(stepped.status().message(), whole.status().message()) << "cut at " << cut;
    ++failures;
  }
  EXPECT_GT(failures, 50u);
}

// ReadAsItArrives (testing/arriving.h) with default options, counting the waits and noting
// the reader's progress when the last bytes came.
Result<Profile> ReadAsItArrives(std::string_view plain, size_t size, size_t piece,
                                size_t budget, size_t* waits, double* progress_at_last) {
  *waits = 0;
  return testing::ReadAsItArrives(plain, size, piece, budget, ReadOptions(),
                                  [&](const ProfileReader& reader, bool last) {
                                    ++*waits;
                                    if (last) *progress_at_last = reader.progress();
                                  });
}

TEST(ReaderTest, ReadsInputAsItArrives) {
  size_t pprof_files = 0;
  for (const CorpusEntry& e : Corpus()) {
    if (!testing::IsReadableFormat(e.format)) continue;
    SCOPED_TRACE(e.path);
    std::string bytes = testing::ReadCorpusFile(e.path);
    ByteBuffer storage;
    Result<std::string_view> plain = Decompress(bytes, &storage);
    ASSERT_TRUE(plain.ok());
    Result<Profile> whole = ReadProfile(*plain);
    ASSERT_TRUE(whole.ok()) << whole.status().message();
    size_t waits = 0;
    double progress_at_last = 0;
    Result<Profile> arrived =
        ReadAsItArrives(*plain, plain->size(), 70001, 1 << 16, &waits, &progress_at_last);
    ASSERT_TRUE(arrived.ok()) << arrived.status().message();
    EXPECT_EQ(WritePprof(*arrived, false), WritePprof(*whole, false));
    EXPECT_GE(waits, plain->size() / 70001);  // at least one for each piece
    if (e.format.rfind("pprof", 0) != 0) {
      EXPECT_EQ(progress_at_last, 0.0);  // other formats are read once all arrived
    } else if (plain->size() > 4 * 70001) {
      // Read as it arrived: all but the last piece and a field before it.
      EXPECT_GT(progress_at_last, 0.9 * 0.7);
      ++pprof_files;
    }
  }
  EXPECT_GT(pprof_files, 3u);
}

TEST(ReaderTest, InputCutShortFailsAsOneCallFails) {
  std::string bytes = testing::ReadCorpusFile("dd-trace-go/big-heap.pprof");
  ByteBuffer storage;
  Result<std::string_view> plain = Decompress(bytes, &storage);
  ASSERT_TRUE(plain.ok());
  ASSERT_GT(plain->size(), 64u << 10);
  size_t failures = 0;
  for (size_t cut = (64 << 10) + 1; cut < plain->size(); cut += plain->size() / 31 + 1) {
    Result<Profile> whole = ReadProfile(plain->substr(0, cut));
    size_t waits = 0;
    double progress_at_last = 0;
    Result<Profile> arrived =
        ReadAsItArrives(*plain, cut, 4093, 1 << 20, &waits, &progress_at_last);
    ASSERT_EQ(whole.ok(), arrived.ok()) << "cut at " << cut;
    if (whole.ok()) continue;
    EXPECT_EQ(arrived.status().message(), whole.status().message()) << "cut at " << cut;
    ++failures;
  }
  EXPECT_GT(failures, 5u);
}

// A field whose bytes do not tell where it ends, or a message field of another wire type,
// fails as in a whole read: the reader does not read past the bytes that have arrived.
TEST(ReaderTest, MalformedFieldArrivingFailsAsOneCallFails) {
  std::string bytes = testing::ReadCorpusFile("dd-trace-go/big-heap.pprof");
  ByteBuffer storage;
  Result<std::string_view> plain = Decompress(bytes, &storage);
  ASSERT_TRUE(plain.ok());
  // mapping (field 3) as wire type 7 and as a varint, followed by what would be a length
  // past the end; a malformed tag; a location's line message running past the location.
  // More than a piece of bytes follows: the field arrives before the last piece.
  for (std::string field : {std::string("\x1f\xa0\x8d\x06", 4),
                            std::string("\x18\xa0\x8d\x06", 4),
                            std::string(11, '\xff'),
                            std::string("\x22\x04\x22\x10\x08\x01", 6)}) {
    std::string bad = std::string(*plain) + field + std::string(5000, '\0');
    Result<Profile> whole = ReadProfile(bad);
    ASSERT_FALSE(whole.ok());
    size_t waits = 0;
    double progress_at_last = 0;
    Result<Profile> arrived = ReadAsItArrives(bad, bad.size(), 4093, 1 << 16, &waits,
                                              &progress_at_last);
    ASSERT_FALSE(arrived.ok());
    EXPECT_EQ(arrived.status().message(), whole.status().message());
  }
}

}  // namespace
}  // namespace pyrolens
