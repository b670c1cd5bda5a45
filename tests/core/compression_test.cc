#include "pyrolens/compression.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <cstring>

#include "testing/corpus.h"

namespace pyrolens {
namespace {

std::string Zstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3));
  return out;
}

TEST(CompressionTest, DetectsByMagicBytes) {
  EXPECT_EQ(DetectCompression("\x1f\x8b\x08"), Compression::kGzip);
  EXPECT_EQ(DetectCompression(Zstd("abc")), Compression::kZstd);
  EXPECT_EQ(DetectCompression("main;foo 1\n"), Compression::kNone);
  EXPECT_EQ(DetectCompression(""), Compression::kNone);
}

TEST(CompressionTest, GzipAndZstdRoundTripRealProfile) {
  ByteBuffer storage;
  std::string gz = testing::ReadCorpusFile("cliutils/auto.pprof.gz");
  Result<std::string_view> plain = Decompress(gz, &storage);
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  std::string raw(*plain);
  EXPECT_GT(raw.size(), gz.size());

  ByteBuffer s2;
  Result<std::string_view> again = Decompress(GzipCompress(raw), &s2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, raw);

  ByteBuffer s3;
  Result<std::string_view> z = Decompress(Zstd(raw), &s3);
  ASSERT_TRUE(z.ok()) << z.status().message();
  EXPECT_EQ(*z, raw);
}

TEST(CompressionTest, SizeHintIsTheAnnouncedPlainSize) {
  std::string gz = testing::ReadCorpusFile("cliutils/auto.pprof.gz");
  ByteBuffer storage;
  Result<std::string_view> plain = Decompress(gz, &storage);
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_EQ(DecompressedSizeHint(gz), plain->size());          // the gzip trailer's ISIZE
  EXPECT_EQ(DecompressedSizeHint(Zstd(std::string(*plain))), plain->size());  // content size
  EXPECT_EQ(DecompressedSizeHint(*plain), plain->size());      // not compressed
  // A trailer beyond deflate's ratio (a cut file) announces nothing; one within it but
  // above 64:1 is trusted only that far.
  std::string cut = gz.substr(0, 40);
  EXPECT_EQ(DecompressedSizeHint(cut), 0u);
  std::string tall = gz;
  uint32_t isize = static_cast<uint32_t>(gz.size() * 100);
  memcpy(&tall[tall.size() - 4], &isize, 4);
  EXPECT_EQ(DecompressedSizeHint(tall), gz.size() * 64);
}

TEST(CompressionTest, ConcatenatedGzipMembers) {
  ByteBuffer storage;
  Result<std::string_view> out = Decompress(GzipCompress("abc") + GzipCompress("def"), &storage);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, "abcdef");
}

TEST(CompressionTest, RefusesOutputBeyondLimit) {
  std::string bomb(10 << 20, 'a');
  for (const std::string& packed : {GzipCompress(bomb), Zstd(bomb)}) {
    ByteBuffer storage;
    Result<std::string_view> out = Decompress(packed, &storage, 1 << 20);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
    EXPECT_NE(out.status().message().find("limit"), std::string::npos);
    ByteBuffer ok_storage;
    EXPECT_TRUE(Decompress(packed, &ok_storage, 10 << 20).ok());
  }
}

TEST(CompressionTest, EveryTruncationIsAnError) {
  std::string raw(5000, 'x');
  for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<char>('a' + (i * 7919) % 26);
  for (const std::string& packed : {GzipCompress(raw), Zstd(raw)}) {
    for (size_t cut = 4; cut < packed.size(); ++cut) {  // from the magic on
      ByteBuffer storage;
      Result<std::string_view> out = Decompress(packed.substr(0, cut), &storage);
      ASSERT_FALSE(out.ok()) << "cut at " << cut;
      EXPECT_EQ(out.status().code(), StatusCode::kCorruption) << out.status().message();
    }
  }
}

}  // namespace
}  // namespace pyrolens
