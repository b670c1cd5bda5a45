// Damaged inputs never crash, hang or read silently: every corpus file ReadProfile accepts
// is truncated (compressed and plain bytes, and a zstd re-compression) and corrupted
// (single-byte flips, overwritten runs; fixed seeds), and each result must be a profile
// or an error whose message names the format (and, for pprof, the byte offset).
// The work per file is bounded by byte budgets, so that big files get fewer cuts, not
// more time (about 60 s for all in the ASan build on 2 cores).
#include <gtest/gtest.h>
#include <libdeflate.h>
#include <zstd.h>

#include <algorithm>
#include <memory>
#include <random>
#include <set>

#include "pyrolens/compression.h"
#include "pyrolens/folded.h"
#include "pyrolens/pprof.h"
#include "pyrolens/reader.h"
#include "testing/corpus.h"

namespace pyrolens {
namespace {

using testing::CorpusEntry;

// Work per file, in bytes fed to a reader: plain bytes get most (their parsers are what
// can go wrong); compressed ones fail in the decompressor's checks, so a few cuts and
// flips show that those checks fire. Files up to kEveryPrefix bytes get every prefix.
constexpr size_t kPlainBudget = size_t{2} << 20;
constexpr size_t kCompressedBudget = size_t{1} << 20;
constexpr size_t kEveryPrefix = 4096;
constexpr size_t kEdgeCuts = 64;
// Files are split over shards, each a test of its own, so that ctest spreads the work
// over the cores without starting a process per file.
constexpr int kShards = 6;

const std::vector<CorpusEntry>& ReadableEntries() {
  static const std::vector<CorpusEntry> entries = [] {
    std::vector<CorpusEntry> out;
    for (const CorpusEntry& e : testing::Corpus()) {
      if (testing::IsReadableFormat(e.format)) out.push_back(e);
    }
    return out;
  }();
  return entries;
}

// Collects failed checks; reports the count and the first few at the end (a broken reader
// would otherwise print thousands of lines).
class Problems {
 public:
  void Add(std::string what) {
    if (list_.size() < 8) list_.push_back(std::move(what));
    ++count_;
  }
  size_t count() const { return count_; }
  std::string Report() const {
    std::string out = std::to_string(count_) + " problem(s):";
    for (const std::string& s : list_) out += "\n  " + s;
    return out;
  }

 private:
  std::vector<std::string> list_;
  size_t count_ = 0;
};

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// An error must say what is wrong in which format: Corruption and ResourceExhausted name
// the format ("pprof:", "gzip:", "zstd:", "folded:") and pprof ones the byte offset.
// NotSupported (the damaged bytes are no known format at all) must still say so.
void CheckError(const Status& s, const std::string& what, Problems* problems) {
  const std::string& m = s.message();
  if (m.empty()) return problems->Add(what + ": error with an empty message");
  if (s.code() == StatusCode::kNotSupported) return;
  if (s.code() != StatusCode::kCorruption && s.code() != StatusCode::kResourceExhausted) {
    return problems->Add(what + ": unexpected status code: " + m);
  }
  if (!StartsWith(m, "pprof: ") && !StartsWith(m, "gzip: ") && !StartsWith(m, "zstd: ") &&
      !StartsWith(m, "folded: ") && !StartsWith(m, "jfr: ") && !StartsWith(m, "cpuprofile: ") &&
      !StartsWith(m, "heapprofile: ") && !StartsWith(m, "speedscope: ") &&
      !StartsWith(m, "perf script: ")) {
    return problems->Add(what + ": message names no format: " + m);
  }
  if (StartsWith(m, "pprof: ") && m.find(" at offset ") == std::string::npos) {
    problems->Add(what + ": pprof message without a byte offset: " + m);
  }
}

// Cut points for a buffer of `size` bytes: every prefix of small buffers; else up to
// `max_spread` evenly spread cuts plus the `first` ones and a few last ones, thinned so
// that their cost stays within `budget`. A cut costs up to `cost` bytes of work: the
// plain size, also for compressed buffers, whose prefixes the decompressor expands before
// it can tell they are truncated.
std::vector<size_t> CutPoints(size_t size, size_t cost, size_t budget, size_t max_spread,
                              size_t first) {
  std::set<size_t> cuts;
  if (size <= kEveryPrefix && cost <= 2 * budget / kEveryPrefix) {
    for (size_t c = 0; c < size; ++c) cuts.insert(c);
    return {cuts.begin(), cuts.end()};
  }
  size_t spread = std::clamp<size_t>(2 * budget / cost, 1, max_spread);
  size_t edge = std::clamp<size_t>(budget / 4 / cost, 1, kEdgeCuts);
  for (size_t i = 1; i <= spread; ++i) cuts.insert(size * i / (spread + 1));
  for (size_t c = 0; c < std::min(size, first); ++c) cuts.insert(c);
  for (size_t c = 1; c <= std::min(size, edge); ++c) cuts.insert(size - c);
  return {cuts.begin(), cuts.end()};
}

// One top-level field of a pprof message: [begin, end), number, and its varint value or
// length (what decides whether dropping it changes the profile).
struct WireField {
  size_t begin, end;
  int number;
  uint64_t value;  // varint value, or payload length for length-delimited fields
};

bool ReadVarint(std::string_view d, size_t* pos, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *pos < d.size(); shift += 7) {
    auto b = static_cast<uint8_t>(d[(*pos)++]);
    *v |= uint64_t{b & 0x7fu} << shift;
    if (b < 0x80) return true;
  }
  return false;
}

// Splits a valid pprof message into its top-level fields (an independent walker, so the
// test does not trust the reader under test).
bool TopLevelFields(std::string_view d, std::vector<WireField>* out) {
  size_t pos = 0;
  while (pos < d.size()) {
    WireField f;
    f.begin = pos;
    uint64_t tag, len;
    if (!ReadVarint(d, &pos, &tag)) return false;
    f.number = static_cast<int>(tag >> 3);
    switch (tag & 7) {
      case 0:
        if (!ReadVarint(d, &pos, &f.value)) return false;
        break;
      case 1:
        pos += 8;
        f.value = 1;
        break;
      case 2:
        if (!ReadVarint(d, &pos, &len) || len > d.size() - pos) return false;
        pos += len;
        f.value = len;
        break;
      case 5:
        pos += 4;
        f.value = 1;
        break;
      default:
        return false;
    }
    if (pos > d.size()) return false;
    f.end = pos;
    out->push_back(f);
  }
  return true;
}

// Everything a repeated top-level field adds to: dropping one always lowers it.
size_t Entries(const Profile& p) {
  return p.sample_types.size() + p.num_samples() + p.mappings.size() + p.locations.size() +
         p.functions.size() + p.strings.size() + p.comments.size() + p.stats.unknown_fields;
}

bool SameHeader(const Profile& a, const Profile& b) {
  return a.drop_frames == b.drop_frames && a.keep_frames == b.keep_frames &&
         a.time_nanos == b.time_nanos && a.duration_nanos == b.duration_nanos &&
         a.period_type.type == b.period_type.type && a.period_type.unit == b.period_type.unit &&
         a.period == b.period && a.default_sample_type == b.default_sample_type;
}

std::string ZstdCompress(std::string_view in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 1);
  if (ZSTD_isError(n)) return "";
  out.resize(n);
  return out;
}

// Where each gzip member ends (a cut there leaves whole members, which is valid input).
std::set<size_t> GzipMemberEnds(std::string_view gz) {
  std::set<size_t> ends;
  std::unique_ptr<libdeflate_decompressor, decltype(&libdeflate_free_decompressor)> d(
      libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
  std::string out(size_t{1} << 20, '\0');
  size_t pos = 0;
  while (pos < gz.size()) {
    size_t in_used = 0, out_used = 0;
    libdeflate_result r = libdeflate_gzip_decompress_ex(
        d.get(), gz.data() + pos, gz.size() - pos, out.data(), out.size(), &in_used, &out_used);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
      out.resize(out.size() * 4);
      continue;
    }
    if (r != LIBDEFLATE_SUCCESS) break;
    pos += in_used;
    ends.insert(pos);
  }
  return ends;
}

// One corpus file and its plain bytes (reader_test.cc checks that it reads).
struct Input {
  std::string path, file, plain;
  bool compressed = false, is_pprof = false;
};

bool Load(const CorpusEntry& e, Input* in, Problems* problems) {
  in->path = e.path;
  in->file = testing::ReadCorpusFile(e.path);
  ByteBuffer storage;
  Result<std::string_view> plain = Decompress(in->file, &storage);
  if (in->file.empty() || !plain.ok()) {
    problems->Add(e.path + ": the intact file does not decompress");
    return false;
  }
  in->plain = std::string(*plain);
  in->compressed = DetectCompression(in->file) != Compression::kNone;
  const char* unsupported;
  in->is_pprof = DetectFormat(in->plain, &unsupported) == InputFormat::kPprof;
  return true;
}

// Reads `bytes` through the whole pipeline and checks the outcome is clean.
Result<Profile> Check(std::string_view bytes, const std::string& what, Problems* problems) {
  Result<Profile> r = ReadProfile(bytes);
  if (!r.ok()) CheckError(r.status(), what, problems);
  return r;
}

// A cut inside a top-level field must fail; a cut between fields is a shorter valid
// message, so it may read, but then it lacks at least one whole field: fewer entries of a
// repeated field, or a header field back at its default (unless the dropped scalar fields
// all held their default values, when the profile is genuinely the same).
void TruncatePlain(const Input& in, Problems* problems) {
  std::vector<WireField> fields;
  Profile original;
  if (in.is_pprof) {
    if (!TopLevelFields(in.plain, &fields)) {
      return problems->Add(in.path + ": the test's wire walker cannot split the file");
    }
    Result<Profile> r = ReadPprof(in.plain);
    if (!r.ok()) return problems->Add(in.path + ": the intact file does not read");
    original = std::move(r).value();
  }
  std::set<size_t> boundaries;
  for (const WireField& f : fields) boundaries.insert(f.begin);
  for (size_t cut : CutPoints(in.plain.size(), in.plain.size(), kPlainBudget, 200, kEdgeCuts)) {
    std::string what = in.path + ": plain cut at " + std::to_string(cut);
    std::string_view bytes = std::string_view(in.plain).substr(0, cut);
    if (!in.is_pprof) {
      Check(bytes, what, problems);
      continue;
    }
    Result<Profile> r = ReadPprof(bytes);
    if (!r.ok()) {
      CheckError(r.status(), what, problems);
      continue;
    }
    if (boundaries.count(cut) == 0) {
      problems->Add(what + ": a cut inside a field read as a profile");
      continue;
    }
    bool repeated_dropped = false, nondefault_dropped = false;
    for (const WireField& f : fields) {
      if (f.begin < cut) continue;
      bool repeated = (f.number >= 1 && f.number <= 6) || f.number == 13 || f.number > 14;
      repeated_dropped |= repeated;
      nondefault_dropped |= !repeated && f.value != 0;
    }
    if (repeated_dropped && Entries(*r) >= Entries(original)) {
      problems->Add(what + ": dropped entries but reads as many as the whole file");
    } else if (!repeated_dropped && nondefault_dropped && SameHeader(*r, original)) {
      problems->Add(what + ": dropped header fields but reads the same header");
    }
  }
}

// Compressed inputs: a cut anywhere but at the end of a gzip member must fail in the
// decompressor, naming it. The plain bytes are re-compressed with zstd for the same check.
void TruncateCompressed(const Input& in, Problems* problems) {
  std::string zstd = ZstdCompress(in.plain);
  if (zstd.empty()) return problems->Add(in.path + ": zstd compression failed");
  std::vector<std::pair<std::string, const std::string*>> inputs = {{"zstd", &zstd}};
  if (in.compressed) inputs.push_back({"gzip", &in.file});
  for (const auto& [name, bytes] : inputs) {
    std::set<size_t> valid_ends;
    if (name == "gzip") valid_ends = GzipMemberEnds(*bytes);
    size_t magic = name == "gzip" ? 2 : 4;
    // Only 16 first cuts: once a zstd prefix holds the frame header, the decompressor
    // allocates the declared content size, so each costs the plain size too.
    for (size_t cut : CutPoints(bytes->size(), in.plain.size(), kCompressedBudget, 32, 16)) {
      std::string what = in.path + ": " + name + " cut at " + std::to_string(cut);
      Result<Profile> r = Check(std::string_view(*bytes).substr(0, cut), what, problems);
      if (cut < magic || valid_ends.count(cut)) continue;
      if (r.ok()) {
        problems->Add(what + ": a truncated stream read as a profile");
      } else if (!StartsWith(r.status().message(), (name + ": ").c_str())) {
        problems->Add(what + ": not reported by the decompressor: " + r.status().message());
      }
    }
  }
}

// Flipped bits, changed bytes and overwritten runs at seeded random offsets, in the plain
// bytes (parsers) and in the compressed file (the decompressor's checks). Each costs about
// the plain size: the whole input is decompressed or parsed.
void Corrupt(const Input& in, Problems* problems) {
  std::mt19937_64 rng(std::hash<std::string>()(in.path) ^ 0x5eed);
  auto corrupt = [&](std::string bytes, const char* name, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      size_t at = rng() % bytes.size();
      size_t end = std::min(bytes.size(), at + (i % 3 == 2 ? 1 + rng() % 16 : 1));
      std::string saved = bytes.substr(at, end - at);
      switch (i % 3) {
        case 0:  // one bit
          bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
          break;
        case 1:  // one byte, any value but its own
          bytes[at] = static_cast<char>(bytes[at] ^ (1 + rng() % 255));
          break;
        default:  // a run of up to 16 random bytes
          for (size_t j = at; j < end; ++j) bytes[j] = static_cast<char>(rng());
          break;
      }
      Check(bytes, in.path + ": " + name + " corrupted at " + std::to_string(at), problems);
      bytes.replace(at, saved.size(), saved);
    }
  };
  size_t cost = std::max<size_t>(in.plain.size(), 1);
  if (!in.plain.empty()) {
    corrupt(in.plain, "plain", std::clamp<size_t>(kPlainBudget / cost, 1, 300));
  }
  if (in.compressed) {
    corrupt(in.file, "compressed", std::clamp<size_t>(kCompressedBudget / cost, 1, 16));
  }
}

class RobustnessTest : public ::testing::TestWithParam<int> {
 protected:
  // Runs `series` on every readable corpus file of this shard.
  void RunShard(void (*series)(const Input&, Problems*)) {
    Problems problems;
    size_t files = 0;
    const std::vector<CorpusEntry>& entries = ReadableEntries();
    for (size_t i = GetParam(); i < entries.size(); i += kShards) {
      Input in;
      if (!Load(entries[i], &in, &problems)) continue;
      series(in, &problems);
      ++files;
    }
    EXPECT_GT(files, 20u);
    EXPECT_EQ(problems.count(), 0u) << problems.Report();
  }
};

TEST_P(RobustnessTest, TruncatedPlainBytes) { RunShard(TruncatePlain); }
TEST_P(RobustnessTest, TruncatedCompressedBytes) { RunShard(TruncateCompressed); }
TEST_P(RobustnessTest, CorruptedBytes) { RunShard(Corrupt); }

INSTANTIATE_TEST_SUITE_P(Shard, RobustnessTest, ::testing::Range(0, kShards));

// Found by fuzz_folded: sums of huge counts overflowed int64 (undefined behaviour).
TEST(RobustnessRegressionTest, HugeCountsWrapInsteadOfOverflowing) {
  Result<Profile> p = ReadFolded("a;b 6666666666666666666\na;b 6666666666666666666\n");
  ASSERT_TRUE(p.ok()) << p.status().message();
  int64_t sum = WrapAdd(6666666666666666666, 6666666666666666666);
  EXPECT_EQ(p->Total(0), sum);
  EXPECT_EQ(WriteFolded(*p, 0), "a;b " + std::to_string(sum) + "\n");
}

// Found by fuzz_folded: a line "\r;" was a stack of one frame "\r", written as "\r 1",
// which reads back as no stack at all (the trailing "\r" is trimmed).
TEST(RobustnessRegressionTest, FoldedRoundTripKeepsTheTotal) {
  Result<Profile> p = ReadFolded("a 1\n\r;\n");
  ASSERT_TRUE(p.ok()) << p.status().message();
  Result<Profile> back = ReadFolded(WriteFolded(*p, 0));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->Total(0), p->Total(0));
}

// Found by fuzz_read_profile: with every stack empty (or no value column) the stack and
// value accessors indexed an empty vector.
TEST(RobustnessRegressionTest, EmptyStacksAndValuesWriteBack) {
  Result<Profile> p = ReadPprof(std::string("\x12\x00", 2));  // one sample, nothing in it
  ASSERT_TRUE(p.ok()) << p.status().message();
  ASSERT_EQ(p->num_samples(), 1u);
  EXPECT_EQ(p->stack_begin(0), p->stack_end(0));
  Result<Profile> back = ReadProfile(WritePprof(*p));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->num_samples(), 1u);
}

// Found by fuzz_read_profile: names that are not UTF-8 (common in real C++ and JVM
// profiles) made protobuf log an error for each string on every write.
TEST(RobustnessRegressionTest, NonUtf8StringsWriteQuietlyAndIntact) {
  Result<Profile> p = ReadFolded("main;\xff\xfe\xc3( 3\n");
  ASSERT_TRUE(p.ok()) << p.status().message();
  ::testing::internal::CaptureStderr();
  std::string bytes = WritePprof(*p);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  Result<Profile> back = ReadProfile(bytes);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(WriteFolded(*back, 0), "main;\xff\xfe\xc3( 3\n");
}

}  // namespace
}  // namespace pyrolens
