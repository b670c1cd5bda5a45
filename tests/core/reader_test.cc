// Every corpus file is either read (formats Pyrolens supports) with the totals the
// MANIFEST's independent decoder saw, or refused with a clear error.
#include "pyrolens/reader.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace pyrolens
