// Damaged inputs never crash, hang or read silently: every corpus file ReadProfile accepts
// is truncated (compressed and plain bytes, and a zstd re-compression) and corrupted
// (single-byte flips, overwritten runs; fixed seeds), and each result must be a profile
// or an error whose message names the format (and, for pprof, the byte offset).
// One test per corpus file, so ctest runs them in parallel; the work per file is bounded
// by a byte budget (kBudget) so that big files get fewer cuts, not more time.
#include <gtest/gtest.h>
#include <libdeflate.h>
#include <zstd.h>

#include <algorithm>
#include <memory>
#include <random>
#include <set>

#include "pyrolens/compression.h"
#include "pyrolens/pprof.h"
#include "pyrolens/reader.h"
#include "testing/corpus.h"

namespace pyrolens {
namespace testing {
// Test names and failure messages show the corpus path, not the struct's bytes.
void PrintTo(const CorpusEntry& e, std::ostream* os) { *os << e.path; }
}  // namespace testing

namespace {

using testing::CorpusEntry;

// Bytes each series (plain cuts, compressed cuts, corruptions) may feed to a reader per
// file. Files up to kEveryPrefix bytes get every prefix regardless.
constexpr size_t kBudget = size_t{24} << 20;
constexpr size_t kEveryPrefix = 4096;
constexpr size_t kSpreadCuts = 200;
constexpr size_t kEdgeCuts = 64;

std::vector<CorpusEntry> ReadableEntries() {
  std::vector<CorpusEntry> out;
  for (const CorpusEntry& e : testing::Corpus()) {
    if (testing::IsReadableFormat(e.format)) out.push_back(e);
  }
  return out;
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
      !StartsWith(m, "folded: ")) {
    return problems->Add(what + ": message names no format: " + m);
  }
  if (StartsWith(m, "pprof: ") && m.find(" at offset ") == std::string::npos) {
    problems->Add(what + ": pprof message without a byte offset: " + m);
  }
}

// Cut points for a buffer of `size` bytes: every prefix of small buffers; else evenly
// spread cuts plus the first and last kEdgeCuts, thinned to stay within kBudget. A cut
// costs up to `cost` bytes of work: the plain size, also for compressed buffers, since
// the decompressor expands a prefix before it can tell it is truncated.
std::vector<size_t> CutPoints(size_t size, size_t cost) {
  std::set<size_t> cuts;
  if (size <= kEveryPrefix && cost <= kBudget / kEveryPrefix) {
    for (size_t c = 0; c < size; ++c) cuts.insert(c);
    return {cuts.begin(), cuts.end()};
  }
  size_t spread = std::clamp<size_t>(2 * kBudget / cost, 2, kSpreadCuts);
  size_t edge = std::clamp<size_t>(kBudget / 4 / cost, 1, kEdgeCuts);
  for (size_t i = 1; i <= spread; ++i) cuts.insert(size * i / (spread + 1));
  for (size_t c = 0; c < std::min(size, kEdgeCuts); ++c) cuts.insert(c);
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

class RobustnessTest : public ::testing::TestWithParam<CorpusEntry> {
 protected:
  void SetUp() override {
    file_ = testing::ReadCorpusFile(GetParam().path);
    ASSERT_FALSE(file_.empty()) << GetParam().path;
    std::string storage;
    Result<std::string_view> plain = Decompress(file_, &storage);
    ASSERT_TRUE(plain.ok()) << plain.status().message();
    plain_ = std::string(*plain);
    compressed_ = DetectCompression(file_) != Compression::kNone;
    Result<Profile> p = ReadProfile(file_);
    ASSERT_TRUE(p.ok()) << p.status().message();
    original_ = std::move(p).value();
    is_pprof_ = DetectFormat(plain_, &unsupported_) == InputFormat::kPprof;
  }

  // Reads `bytes` through the whole pipeline and checks the outcome is clean.
  Result<Profile> Check(std::string_view bytes, const std::string& what, Problems* problems) {
    Result<Profile> r = ReadProfile(bytes);
    if (!r.ok()) CheckError(r.status(), what, problems);
    return r;
  }

  std::string file_, plain_;
  bool compressed_ = false, is_pprof_ = false;
  const char* unsupported_ = nullptr;
  Profile original_;
};

// A cut inside a top-level field must fail; a cut between fields is a shorter valid
// message, so it may read, but then it lacks at least one whole field: fewer entries of a
// repeated field, or a header field back at its default (unless the dropped scalar fields
// all held their default values, when the profile is genuinely the same).
TEST_P(RobustnessTest, TruncatedPlainBytes) {
  Problems problems;
  std::vector<WireField> fields;
  if (is_pprof_) ASSERT_TRUE(TopLevelFields(plain_, &fields)) << "the walker disagrees";
  std::set<size_t> boundaries;
  for (const WireField& f : fields) boundaries.insert(f.begin);
  for (size_t cut : CutPoints(plain_.size(), plain_.size())) {
    std::string what = "plain cut at " + std::to_string(cut);
    std::string_view bytes = std::string_view(plain_).substr(0, cut);
    if (!is_pprof_) {
      Check(bytes, what, &problems);
      continue;
    }
    Result<Profile> r = ReadPprof(bytes);
    if (!r.ok()) {
      CheckError(r.status(), what, &problems);
      continue;
    }
    if (boundaries.count(cut) == 0) {
      problems.Add(what + ": a cut inside a field read as a profile");
      continue;
    }
    bool repeated_dropped = false, nondefault_dropped = false;
    for (const WireField& f : fields) {
      if (f.begin < cut) continue;
      bool repeated = (f.number >= 1 && f.number <= 6) || f.number == 13 || f.number > 14;
      repeated_dropped |= repeated;
      nondefault_dropped |= !repeated && f.value != 0;
    }
    if (repeated_dropped && Entries(*r) >= Entries(original_)) {
      problems.Add(what + ": dropped entries but reads as many as the whole file");
    } else if (!repeated_dropped && nondefault_dropped && SameHeader(*r, original_)) {
      problems.Add(what + ": dropped header fields but reads the same header");
    }
  }
  EXPECT_EQ(problems.count(), 0u) << problems.Report();
}

// Compressed inputs: a cut anywhere but at the end of a gzip member must fail in the
// decompressor, naming it. Plain files are re-compressed with zstd for the same check.
TEST_P(RobustnessTest, TruncatedCompressedBytes) {
  Problems problems;
  std::string zstd = ZstdCompress(plain_);
  ASSERT_FALSE(zstd.empty());
  std::vector<std::pair<std::string, const std::string*>> inputs = {{"zstd", &zstd}};
  if (compressed_) inputs.push_back({"gzip", &file_});
  for (const auto& [name, bytes] : inputs) {
    std::set<size_t> valid_ends;
    if (name == "gzip") valid_ends = GzipMemberEnds(*bytes);
    size_t magic = name == "gzip" ? 2 : 4;
    for (size_t cut : CutPoints(bytes->size(), plain_.size())) {
      std::string what = name + " cut at " + std::to_string(cut);
      Result<Profile> r = Check(std::string_view(*bytes).substr(0, cut), what, &problems);
      if (cut < magic || valid_ends.count(cut)) continue;
      if (r.ok()) {
        problems.Add(what + ": a truncated stream read as a profile");
      } else if (!StartsWith(r.status().message(), (name + ": ").c_str())) {
        problems.Add(what + ": not reported by the decompressor: " + r.status().message());
      }
    }
  }
  EXPECT_EQ(problems.count(), 0u) << problems.Report();
}

// Flipped and overwritten bytes at seeded random offsets, in the plain bytes (parsers)
// and in the compressed file (decompressor checks).
TEST_P(RobustnessTest, CorruptedBytes) {
  Problems problems;
  std::mt19937_64 rng(std::hash<std::string>()(GetParam().path) ^ 0x5eed);
  // Each corruption costs about the plain size: the whole input is decompressed or parsed.
  size_t n = std::clamp<size_t>(kBudget / std::max<size_t>(plain_.size(), 1), 2, 300);
  auto corrupt = [&](const std::string& input, const char* name) {
    for (size_t i = 0; i < n; ++i) {
      std::string bytes = input;
      size_t at = rng() % bytes.size();
      std::string what = std::string(name) + " corrupted at " + std::to_string(at);
      switch (i % 3) {
        case 0:  // one bit
          bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
          break;
        case 1:  // one byte, any value but its own
          bytes[at] = static_cast<char>(bytes[at] ^ (1 + rng() % 255));
          break;
        default:  // a run of up to 16 random bytes
          for (size_t j = at, end = std::min(bytes.size(), at + 1 + rng() % 16); j < end; ++j) {
            bytes[j] = static_cast<char>(rng());
          }
          break;
      }
      Check(bytes, what, &problems);
    }
  };
  if (!plain_.empty()) corrupt(plain_, "plain");
  if (compressed_) corrupt(file_, "compressed");
  EXPECT_EQ(problems.count(), 0u) << problems.Report();
}

std::string ParamName(const ::testing::TestParamInfo<CorpusEntry>& info) {
  std::string name = std::to_string(info.index) + "_";
  for (char c : info.param.path) name += isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, RobustnessTest, ::testing::ValuesIn(ReadableEntries()), ParamName);

}  // namespace
}  // namespace pyrolens
