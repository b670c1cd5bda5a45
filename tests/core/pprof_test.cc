// The pprof reader on real files, on hand-built wire bytes, and round trips
// through WritePprof.
#include "pyrolens/pprof.h"

#include <gtest/gtest.h>

#include <google/protobuf/io/coded_stream.h>

#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "profile.pb.h"
#include "pyrolens/compression.h"
#include "pyrolens/reader.h"
#include "testing/corpus.h"

namespace pyrolens {
namespace {

std::string Plain(const std::string& relative) {
  ByteBuffer storage;
  std::string data = testing::ReadCorpusFile(relative);
  Result<std::string_view> plain = Decompress(data, &storage);
  EXPECT_TRUE(plain.ok());
  return std::string(*plain);
}

// A small, valid profile built with the generated classes (independent of the reader).
perftools::profiles::Profile TinyProfile() {
  perftools::profiles::Profile p;
  for (const char* s : {"", "samples", "count", "cpu", "nanoseconds", "main", "foo", "main.go",
                        "thread", "t1", "bytes"}) {
    p.add_string_table(s);
  }
  auto* st = p.add_sample_type();
  st->set_type(1);
  st->set_unit(2);
  st = p.add_sample_type();
  st->set_type(3);
  st->set_unit(4);
  for (int f = 0; f < 2; ++f) {
    auto* fn = p.add_function();
    fn->set_id(10 + f);
    fn->set_name(5 + f);
    fn->set_filename(7);
  }
  for (int l = 0; l < 2; ++l) {
    auto* loc = p.add_location();
    loc->set_id(100 + l);
    loc->set_address(0x1000 + l);
    auto* line = loc->add_line();
    line->set_function_id(10 + l);
    line->set_line(20 + l);
  }
  for (int i = 0; i < 3; ++i) {
    auto* s = p.add_sample();
    s->add_location_id(101);  // foo, called by main
    s->add_location_id(100);
    s->add_value(1);
    s->add_value(10000000);
    auto* label = s->add_label();
    label->set_key(8);
    label->set_str(9);
    if (i == 2) {
      label = s->add_label();
      label->set_key(10);
      label->set_num(4096);
    }
  }
  p.set_period(10000000);
  p.mutable_period_type()->set_type(3);
  p.mutable_period_type()->set_unit(4);
  return p;
}

TEST(PprofTest, ReadsHandBuiltProfile) {
  Result<Profile> r = ReadPprof(TinyProfile().SerializeAsString());
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Profile& p = *r;
  ASSERT_EQ(p.num_types(), 2u);
  EXPECT_EQ(p.str(p.sample_types[1].type), "cpu");
  EXPECT_EQ(p.num_samples(), 3u);
  EXPECT_EQ(p.num_stacks(), 1u);  // the three samples share one stack
  EXPECT_EQ(p.Total(1), 30000000);
  ASSERT_EQ(p.stack_end(0) - p.stack_begin(0), 2);
  const Location& leaf = p.locations[*p.stack_begin(0)];
  EXPECT_EQ(leaf.address, 0x1001u);
  EXPECT_EQ(p.str(p.functions[p.lines[leaf.first_line].function].name), "foo");
  EXPECT_EQ(p.lines[leaf.first_line].line, 21);
  EXPECT_EQ(p.label_offsets.back(), 4u);
  EXPECT_EQ(p.label(3).num, 4096);
  EXPECT_EQ(p.period, 10000000);
}

// Each sample's labels, read against the generated classes' decoding of the same bytes,
// and each distinct label stored once.
TEST(PprofTest, SampleLabelsAreTheFileOnesStoredOnce) {
  for (const char* file : {"datakit/python.pprof", "parca/profile-with-labels.pb.gz",
                           "cliutils/auto.pprof.gz"}) {
    SCOPED_TRACE(file);
    const std::string bytes = Plain(file);
    perftools::profiles::Profile want;
    ASSERT_TRUE(want.ParseFromString(bytes));
    Result<Profile> p = ReadPprof(bytes);
    ASSERT_TRUE(p.ok()) << p.status().message();
    ASSERT_EQ(p->num_samples(), static_cast<size_t>(want.sample_size()));
    std::set<std::tuple<std::string, std::string, int64_t, std::string>> distinct;
    for (int i = 0; i < want.sample_size(); ++i) {
      const auto& ws = want.sample(i);
      ASSERT_EQ(p->label_offsets[i + 1] - p->label_offsets[i],
                static_cast<uint32_t>(ws.label_size()));
      for (int k = 0; k < ws.label_size(); ++k) {
        const auto& wl = ws.label(k);
        const Label& l = p->label(p->label_offsets[i] + k);
        EXPECT_EQ(p->str(l.key), want.string_table(static_cast<int>(wl.key())));
        EXPECT_EQ(p->str(l.str), want.string_table(static_cast<int>(wl.str())));
        EXPECT_EQ(l.num, wl.num());
        EXPECT_EQ(p->str(l.num_unit), want.string_table(static_cast<int>(wl.num_unit())));
        distinct.insert({want.string_table(static_cast<int>(wl.key())),
                         want.string_table(static_cast<int>(wl.str())), wl.num(),
                         want.string_table(static_cast<int>(wl.num_unit()))});
      }
    }
    EXPECT_EQ(p->label_table.size(), distinct.size());
    EXPECT_LT(p->label_table.size(), p->sample_labels.size());
  }
}

TEST(PprofTest, RoundTripKeepsEverything) {
  for (const char* file : {"dd-trace-go/big-heap.pprof", "cliutils/auto.pprof.gz",
                           "parca/profile-with-labels.pb.gz", "speedscope/pprof/simple.prof"}) {
    SCOPED_TRACE(file);
    Result<Profile> a = ReadProfile(testing::ReadCorpusFile(file));
    ASSERT_TRUE(a.ok()) << a.status().message();
    Result<Profile> b = ReadProfile(WritePprof(*a));
    ASSERT_TRUE(b.ok()) << b.status().message();
    EXPECT_EQ(a->num_samples(), b->num_samples());
    EXPECT_EQ(a->num_stacks(), b->num_stacks());
    EXPECT_EQ(a->locations.size(), b->locations.size());
    EXPECT_EQ(a->functions.size(), b->functions.size());
    EXPECT_EQ(a->sample_labels.size(), b->sample_labels.size());
    EXPECT_EQ(a->time_nanos, b->time_nanos);
    EXPECT_EQ(a->duration_nanos, b->duration_nanos);
    EXPECT_EQ(a->values, b->values);
    EXPECT_EQ(a->stack_locations, b->stack_locations);
    for (uint32_t i = 0; i < a->strings.size(); ++i) EXPECT_EQ(a->str(i), b->str(i));
  }
}

TEST(PprofTest, NumbersEntriesWithoutIdsByPosition) {
  // .NET's encoder writes functions without ids; lines refer to them by position.
  Result<Profile> p = ReadProfile(testing::ReadCorpusFile("pyroscope/ingest/dotnet-pprof-3.pb.gz"));
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_GT(p->stats.missing_ids, 0u);
  EXPECT_EQ(p->functions.size(), 41u);
}

TEST(PprofTest, UnknownLocationIdNamesSampleAndOffset) {
  perftools::profiles::Profile tiny = TinyProfile();
  tiny.mutable_sample(1)->set_location_id(0, 999);
  Result<Profile> r = ReadPprof(tiny.SerializeAsString());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("sample[1].location_id at offset"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("unknown location id 999"), std::string::npos);
}

TEST(PprofTest, WrongValueCountIsAnError) {
  perftools::profiles::Profile tiny = TinyProfile();
  tiny.mutable_sample(2)->add_value(5);
  Result<Profile> r = ReadPprof(tiny.SerializeAsString());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("sample[2].value"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("expected 2 values, found 3"), std::string::npos);
}

TEST(PprofTest, StringIndexOutOfRangeIsAnError) {
  perftools::profiles::Profile tiny = TinyProfile();
  tiny.mutable_function(1)->set_name(77);
  Result<Profile> r = ReadPprof(tiny.SerializeAsString());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("function[1].name: string index 77 out of range"),
            std::string::npos)
      << r.status().message();
}

TEST(PprofTest, StringIndexOutOfRangeNamesTheTableField) {
  perftools::profiles::Profile unit = TinyProfile();
  unit.mutable_sample_type(1)->set_unit(99);
  perftools::profiles::Profile build_id = TinyProfile();
  build_id.add_mapping()->set_build_id(98);
  perftools::profiles::Profile comment = TinyProfile();
  comment.add_comment(97);
  for (const auto& [p, want] : {std::pair(&unit, "sample_type[1].unit: string index 99"),
                                std::pair(&build_id, "mapping[0].build_id: string index 98"),
                                std::pair(&comment, "comment[0]: string index 97")}) {
    Result<Profile> r = ReadPprof(p->SerializeAsString());
    ASSERT_FALSE(r.ok()) << want;
    EXPECT_NE(r.status().message().find(want), std::string::npos) << r.status().message();
  }
}

// A bad field in a table entry is named down to the field, with the entry's index and
// where it starts, whichever table it is in.
TEST(PprofTest, BadTableFieldsAreNamedWithTheirEntry) {
  const std::string tiny = TinyProfile().SerializeAsString();  // 2 types, 2 locations, 11 strings
  const struct {
    std::string field;  // appended to the profile
    const char* name;
  } cases[] = {
      // location { line { function_id: (length-delimited, 1 byte) } }
      {std::string("\x22\x05\x22\x03\x0a\x01\x00", 7), "location[2].line[0].function_id"},
      {std::string("\x30\x05", 2), "string_table[11]"},  // a string as a varint
      {std::string("\x0a\x02\x12\x00", 4), "sample_type[2].unit"},  // unit: length-delimited
      {std::string("\x1a\x02\x32\x00", 4), "mapping[0].build_id"},
      {std::string("\x2a\x02\x12\x00", 4), "function[2].name"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Result<Profile> r = ReadPprof(tiny + c.field);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message().find(std::string("pprof: ") + c.name + " at offset "), 0u)
        << r.status().message();
  }
}

TEST(PprofTest, UnpackedLocationIdsReadLikePacked) {
  // Hand-encode one sample with two unpacked location ids (tag 0x08 each), as old
  // encoders wrote them; the stack must equal the packed form's.
  std::string packed = TinyProfile().SerializeAsString();
  Result<Profile> expected = ReadPprof(packed);
  ASSERT_TRUE(expected.ok());
  perftools::profiles::Profile without_samples = TinyProfile();
  without_samples.clear_sample();
  std::string bytes = without_samples.SerializeAsString();
  // sample { location_id: 101 location_id: 100 value: [1, 10000000] (packed) }
  std::string sample = "\x08\x65\x08\x64\x12\x05\x01\x80\xad\xe2\x04";
  bytes += '\x12';
  bytes += static_cast<char>(sample.size());
  bytes += sample;
  Result<Profile> r = ReadPprof(bytes);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->num_samples(), 1u);
  EXPECT_EQ(std::vector<uint32_t>(r->stack_begin(0), r->stack_end(0)),
            std::vector<uint32_t>(expected->stack_begin(0), expected->stack_end(0)));
  EXPECT_EQ(r->Total(1), 10000000);
}

TEST(PprofTest, CountsUnknownFields) {
  std::string bytes = TinyProfile().SerializeAsString();
  bytes += "\xa8\x06\x01";  // field 101, varint 1: not in the schema
  Result<Profile> r = ReadPprof(bytes);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->stats.unknown_fields, 1u);
}

TEST(PprofTest, EveryTruncationOfASmallProfileFails) {
  std::string bytes = Plain("speedscope/pprof/simple.prof");
  Result<Profile> full = ReadPprof(bytes);
  ASSERT_TRUE(full.ok());
  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    Result<Profile> r = ReadPprof(bytes.substr(0, cut));
    // A cut between top-level fields is a valid, smaller message; anything else fails.
    if (r.ok()) {
      EXPECT_LT(r->num_samples() + r->locations.size() + r->functions.size() + r->strings.size(),
                full->num_samples() + full->locations.size() + full->functions.size() +
                    full->strings.size())
          << "cut at " << cut;
    } else {
      EXPECT_NE(r.status().message().find("pprof: "), std::string::npos);
    }
  }
}

TEST(PprofTest, LabelStringIndexOutOfRangeNamesTheFirstSampleAtFault) {
  perftools::profiles::Profile tiny = TinyProfile();
  tiny.mutable_sample(2)->mutable_label(0)->set_str(99);
  tiny.mutable_sample(1)->mutable_label(0)->set_key(77);
  Result<Profile> r = ReadPprof(tiny.SerializeAsString());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("sample[1].label at offset"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("string index 77 out of range (11 strings)"),
            std::string::npos)
      << r.status().message();
}

TEST(PprofTest, TheEarliestSampleAtFaultIsReportedWhateverItsFault) {
  perftools::profiles::Profile tiny = TinyProfile();
  tiny.mutable_sample(2)->set_location_id(0, 999);  // unknown, in a later sample
  tiny.mutable_sample(1)->add_value(5);             // one value too many
  Result<Profile> r = ReadPprof(tiny.SerializeAsString());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("sample[1].value"), std::string::npos)
      << r.status().message();
  tiny.mutable_sample(0)->set_location_id(0, 998);  // now the first sample's
  r = ReadPprof(tiny.SerializeAsString());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("sample[0].location_id"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("unknown location id 998"), std::string::npos);
}

TEST(PprofTest, SamplesReadAlikeOnTheFastAndTheGeneralPath) {
  // Samples as encoders write them are read straight from their bytes; one with a field
  // the schema lacks goes through the general reader. Both must keep the same profile.
  const std::string bytes = Plain("dd-trace-go/heap.pprof");
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  std::string odd;  // the same, with field 15 (varint 0) added to every sample
  auto varint = [&odd](uint64_t v) {
    for (; v >= 0x80; v >>= 7) odd += static_cast<char>(v | 0x80);
    odd += static_cast<char>(v);
  };
  while (uint32_t tag = in.ReadTag()) {  // a pprof message's fields: varints, or bytes
    varint(tag);
    uint64_t v = 0;
    std::string field;
    uint32_t n = 0;
    if ((tag & 7) != 2) {
      ASSERT_TRUE(in.ReadVarint64(&v));
      varint(v);
      continue;
    }
    ASSERT_TRUE(in.ReadVarint32(&n) && in.ReadString(&field, static_cast<int>(n)));
    if (tag >> 3 == 2) field += std::string("\x78\x00", 2);
    varint(field.size());
    odd += field;
  }
  Result<Profile> fast = ReadPprof(bytes);
  Result<Profile> general = ReadPprof(odd);
  ASSERT_TRUE(fast.ok()) << fast.status().message();
  ASSERT_TRUE(general.ok()) << general.status().message();
  ASSERT_GT(fast->sample_labels.size(), 0u);
  EXPECT_EQ(general->stats.unknown_fields, fast->stats.unknown_fields + fast->num_samples());
  EXPECT_EQ(fast->sample_stack, general->sample_stack);
  EXPECT_EQ(fast->stack_locations, general->stack_locations);
  EXPECT_EQ(fast->values, general->values);
  EXPECT_EQ(fast->label_offsets, general->label_offsets);
  ASSERT_EQ(fast->sample_labels.size(), general->sample_labels.size());
  for (size_t i = 0; i < fast->sample_labels.size(); ++i) {
    EXPECT_EQ(fast->label(i).key, general->label(i).key);
    EXPECT_EQ(fast->label(i).str, general->label(i).str);
    EXPECT_EQ(fast->label(i).num, general->label(i).num);
    EXPECT_EQ(fast->label(i).num_unit, general->label(i).num_unit);
  }
}

TEST(PprofTest, LooksLikePprof) {
  EXPECT_TRUE(LooksLikePprof(TinyProfile().SerializeAsString()));
  EXPECT_FALSE(LooksLikePprof("main;foo 1\n"));
}

}  // namespace
}  // namespace pyrolens
