// Protocol tests for every endpoint of `pyrolens serve`: good and bad requests, binary
// proto and JSON, with real profiles from ../shared/corpus.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

#include "push.pb.h"
#include "pyrolens/compression.h"
#include "pyrolens/merge.h"
#include "pyrolens/pprof.h"
#include "pyrolens/reader.h"
#include "pyrolens/top.h"
#include "querier.pb.h"
#include "server/connect.h"
#include "server_test_util.h"
#include "testing/corpus.h"

namespace pyrolens::testing {
namespace {

const char kCpu[] = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
const int64_t kNow = 1700000000;  // the fixture clock, seconds

std::string Ingest(const std::string& query) { return "/ingest?" + query; }

httplib::Result PostConnect(TestServer& s, const std::string& method, const std::string& body,
                            bool json, httplib::Headers headers = {}) {
  return s.client().Post(("/querier.v1.QuerierService/" + method).c_str(), headers, body,
                         json ? "application/json" : "application/proto");
}

rapidjson::Document Json(const std::string& s) {
  rapidjson::Document d;
  d.Parse(s.c_str());
  EXPECT_FALSE(d.HasParseError()) << s.substr(0, 300);
  return d;
}

int64_t FlameTotalJson(TestServer& s, const std::string& type, const std::string& selector,
                       httplib::Headers headers = {}) {
  auto r = PostConnect(
      s, "SelectMergeStacktraces",
      "{\"profileTypeID\":\"" + type + "\",\"labelSelector\":" + JsonString(selector) + "}", true,
      headers);
  EXPECT_TRUE(r);
  if (!r) return -1;
  EXPECT_EQ(r->status, 200) << r->body;
  rapidjson::Document d = Json(r->body);
  if (!d.IsObject() || !d.HasMember("flamegraph")) return -1;
  return std::stoll(d["flamegraph"]["total"].GetString());
}

int64_t FlameTotalProto(TestServer& s, const std::string& type, const std::string& selector) {
  querier::v1::SelectMergeStacktracesRequest req;
  req.set_profile_typeid(type);
  req.set_label_selector(selector);
  auto r = PostConnect(s, "SelectMergeStacktraces", req.SerializeAsString(), false);
  EXPECT_TRUE(r);
  if (!r) return -1;
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/proto");
  querier::v1::SelectMergeStacktracesResponse resp;
  EXPECT_TRUE(resp.ParseFromString(r->body));
  return resp.flamegraph().total();
}

void IngestFile(TestServer& s, const std::string& file, const std::string& name,
                int64_t from = kNow, httplib::Headers headers = {}) {
  std::string body = ReadCorpusFile(file);
  auto r = s.client().Post(
      Ingest("name=" + httplib::detail::encode_query_param(name) +
             "&format=pprof&from=" + std::to_string(from) + "&until=" + std::to_string(from + 10))
          .c_str(),
      headers, body, "application/octet-stream");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << file << ": " << r->body;
  EXPECT_EQ(r->body, "");
}

// ---- /ingest --------------------------------------------------------------------------

TEST(IngestTest, RawPprofThenQueryBothEncodings) {
  TestServer s;
  IngestFile(s, "pyroscope/ingest/cpu.pb.gz", "myapp.cpu{env=prod}");
  EXPECT_EQ(FlameTotalJson(s, kCpu, "{service_name=\"myapp\"}"), 470000000);
  EXPECT_EQ(FlameTotalProto(s, kCpu, "{service_name=\"myapp\", env=\"prod\"}"), 470000000);
  EXPECT_EQ(FlameTotalProto(s, "process_cpu:samples:count:cpu:nanoseconds", "{}"), 47);
  EXPECT_EQ(FlameTotalJson(s, kCpu, "{service_name=\"other\"}"), 0);
}

TEST(IngestTest, GoSdkMultipartWithSampleTypeConfig) {
  TestServer s;
  struct Case {
    const char* stem;
    const char* type;
    int64_t total;
  } cases[] = {
      {"req_4", "mutex:delay:nanoseconds:contentions:count", 4688969939},
      {"req_4", "mutex:contentions:count:contentions:count", 21},
      {"req_3", "block:delay:nanoseconds:contentions:count", 22674240703},
      {"req_3", "block:contentions:count:contentions:count", 43},
      {"req_2", "goroutines:goroutine:count:goroutine:count", 10},
      {"req_5", "memory:alloc_space:bytes:space:bytes", 3360919},
  };
  for (const char* stem : {"req_2", "req_3", "req_4", "req_5"}) {
    httplib::MultipartFormDataItems items = {
        {"profile", ReadCorpusFile(std::string("pyroscope/ingest/") + stem + ".pprof"),
         "profile.pprof", "application/octet-stream"},
        {"sample_type_config", ReadCorpusFile(std::string("pyroscope/ingest/") + stem + ".st.json"),
         "sample_type_config.json", "application/octet-stream"},
    };
    auto r = s.client().Post(Ingest("name=goapp.x&from=" + std::to_string(kNow) + "&until=" +
                                    std::to_string(kNow + 10) + "&spyName=gospy&sampleRate=100")
                                 .c_str(),
                             items);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << stem << ": " << r->body;
  }
  for (const Case& c : cases) {
    EXPECT_EQ(FlameTotalProto(s, c.type, "{service_name=\"goapp.x\"}"), c.total) << c.type;
  }
}

TEST(IngestTest, TimeInAnyPrecision) {
  TestServer s;
  const char* froms[] = {"1700000000", "1700000000000", "1700000000000000", "1700000000000000000"};
  for (const char* f : froms) {
    auto r =
        s.client().Post(Ingest(std::string("name=t.cpu&format=pprof&from=") + f).c_str(),
                        ReadCorpusFile("pyroscope/ingest/cpu.pb.gz"), "application/octet-stream");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }
  // All four land at the same millisecond: a 1 ms window holds them all.
  auto r = PostConnect(s, "SelectMergeStacktraces",
                       std::string("{\"profileTypeID\":\"") + kCpu +
                           "\",\"start\":\"1700000000000\",\"end\":\"1700000000000\"}",
                       true);
  ASSERT_TRUE(r);
  rapidjson::Document d = Json(r->body);
  EXPECT_STREQ(d["flamegraph"]["total"].GetString(), "1880000000");
}

TEST(IngestTest, FoldedWithUnitsAndSampleRate) {
  TestServer s;
  auto r = s.client().Post(Ingest("name=py.cpu{region=eu}&sampleRate=100&spyName=pyspy").c_str(),
                           "main;work;hot 10\nmain;idle 5\n", "text/plain");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(FlameTotalJson(s, kCpu, "{service_name=\"py\",region=\"eu\"}"), 150000000);
  r = s.client().Post(Ingest("name=py.alloc&units=bytes&format=folded").c_str(), "a;b 100\n",
                      "text/plain");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(
      FlameTotalJson(s, "memory:alloc_space:bytes:space:bytes", "{service_name=\"py.alloc\"}"),
      100);
}

TEST(IngestTest, CompressedRequestBodies) {
  TestServer s;
  std::string plain;
  {
    Result<Profile> p = ReadProfile(ReadCorpusFile("pyroscope/ingest/cpu.pb.gz"));
    ASSERT_TRUE(p.ok());
    plain = WritePprof(*p, false);
  }
  httplib::Headers gz = {{"Content-Encoding", "gzip"}};
  auto r = s.client().Post(Ingest("name=c.cpu&format=pprof").c_str(), gz, GzipCompress(plain),
                           "application/octet-stream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  // zstd Content-Encoding: a zstd frame of the plain pprof.
  std::string zstd = ReadCorpusFile("pyroscope/ingest/cpu.pb.gz");
  r = s.client().Post(Ingest("name=c.cpu&format=pprof").c_str(), {{"Content-Encoding", "zstd"}},
                      plain, "application/octet-stream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << "body is not zstd: " << r->body;
  r = s.client().Post(Ingest("name=c.cpu&format=pprof").c_str(), {{"Content-Encoding", "compress"}},
                      plain, "application/octet-stream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 415) << r->body;
  EXPECT_EQ(FlameTotalJson(s, kCpu, "{service_name=\"c\"}"), 470000000);
}

TEST(IngestTest, BadRequestsNameTheField) {
  TestServer s;
  std::string pprof = ReadCorpusFile("pyroscope/ingest/cpu.pb.gz");
  struct Case {
    std::string query, body;
    int status;
    const char* mention;
  } cases[] = {
      {"format=pprof", pprof, 400, "\"name\""},
      {"name=", pprof, 400, "\"name\""},
      {"name=a.cpu&from=abc", pprof, 400, "\"from\""},
      {"name=a.cpu&until=1x", pprof, 400, "\"until\""},
      {"name=a.cpu&from=200&until=100", pprof, 400, "before"},
      {"name=a.cpu&sampleRate=-1", pprof, 400, "sampleRate"},
      {"name=a.cpu&format=png", pprof, 400, "\"format\""},
      {"name=a.cpu{env", pprof, 400, "'}'"},
      {"name=a.cpu{1bad=x}", pprof, 400, "label name"},
      {"name=a.cpu&format=pprof", pprof.substr(0, pprof.size() / 2), 400, "profile"},
      {"name=a.cpu&format=pprof", "", 400, "empty"},
      {"name=a.cpu&format=trie", "xx", 415, "trie"},
      {"name=a.cpu&format=speedscope", "{\"$schema\":\"x\"}", 415, "speedscope"},
  };
  for (const Case& c : cases) {
    auto r = s.client().Post(Ingest(c.query).c_str(), c.body, "application/octet-stream");
    ASSERT_TRUE(r) << c.query;
    EXPECT_EQ(r->status, c.status) << c.query << ": " << r->body;
    EXPECT_NE(r->body.find(c.mention), std::string::npos) << c.query << ": " << r->body;
  }
  auto r = s.client().Get("/ingest");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
}

// The value of sample type `type` summed over `file` as core reads it.
int64_t CoreTotal(const std::string& file, const std::string& type) {
  Result<Profile> p = ReadProfile(ReadCorpusFile(file));
  EXPECT_TRUE(p.ok()) << p.status().message();
  if (!p.ok()) return -1;
  for (size_t t = 0; t < p->num_types(); ++t) {
    if (p->str(p->sample_types[t].type) == type) return p->Total(t);
  }
  ADD_FAILURE() << file << " has no sample type " << type;
  return -1;
}

TEST(IngestTest, RawJfrGetsPyroscopeProfileTypes) {
  TestServer s;
  auto r = s.client().Post(Ingest("name=japp&format=jfr").c_str(),
                           ReadCorpusFile("jfr-parser/wall.jfr.gz"), "application/octet-stream");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  int64_t wall = CoreTotal("jfr-parser/wall.jfr.gz", "wall");
  EXPECT_GT(wall, 0);
  EXPECT_EQ(FlameTotalJson(s, "wall:wall:nanoseconds:wall:nanoseconds", "{service_name=\"japp\"}"),
            wall);
}

TEST(IngestTest, RawSpeedscope) {
  TestServer s;
  const char kFile[] = "speedscope/speedscope/0.6.0/two-sampled.speedscope.json";
  auto r = s.client().Post(Ingest("name=ss&format=speedscope").c_str(), ReadCorpusFile(kFile),
                           "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  int64_t cpu = CoreTotal(kFile, "cpu");
  EXPECT_GT(cpu, 0);
  EXPECT_EQ(FlameTotalJson(s, kCpu, "{service_name=\"ss\"}"), cpu);
}

TEST(IngestTest, JavaAgentJfrMultipart) {
  TestServer s;
  httplib::MultipartFormDataItems items = {
      {"jfr", ReadCorpusFile("jfr-parser/dump1.jfr.gz"), "jfr", "application/octet-stream"},
      {"labels", ReadCorpusFile("jfr-parser/dump1.labels.pb.gz"), "labels",
       "application/octet-stream"},
  };
  auto r = s.client().Post(
      "/ingest?name=javaapp.cpu%7Bhost%3Da%7D&format=jfr&from=1700000000&until=1700000010&"
      "spyName=javaspy&sampleRate=100&units=samples&aggregationType=sum",
      items);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  int64_t cpu = CoreTotal("jfr-parser/dump1.jfr.gz", "cpu");
  EXPECT_GT(cpu, 0);
  EXPECT_EQ(FlameTotalProto(s, kCpu, "{service_name=\"javaapp\", host=\"a\"}"), cpu);
  // The labels part splits the samples into series by context, as Pyroscope does: its own
  // output for this upload (pyroscope/jfr-expected/dump1.json.gz: series -> folded stacks)
  // gives each series' sample count.
  ByteBuffer storage;
  Result<std::string_view> golden =
      Decompress(ReadCorpusFile("pyroscope/jfr-expected/dump1.json.gz"), &storage);
  ASSERT_TRUE(golden.ok()) << golden.status().message();
  rapidjson::Document series = Json(std::string(*golden));
  int checked = 0;
  for (const auto& m : series.GetObject()) {
    std::string key = m.name.GetString();  // "kafka.app.itimer{thread_name=pool-2-thread-1}"
    size_t open = key.find('{');
    if (key.compare(0, open, "kafka.app.itimer") != 0) continue;
    std::string selector = "{service_name=\"javaapp\", host=\"a\"";
    std::string inner = key.substr(open + 1, key.size() - open - 2);
    if (inner.empty()) {
      selector += ", thread_name=\"\"";  // samples without a context: no such label
    } else {
      size_t eq = inner.find('=');
      selector += ", " + inner.substr(0, eq) + "=\"" + inner.substr(eq + 1) + "\"";
    }
    selector += "}";
    int64_t samples = 0;
    std::string folded = m.value.GetString();
    for (size_t pos = 0, nl; pos < folded.size(); pos = nl + 1) {
      nl = folded.find('\n', pos);
      if (nl == std::string::npos) nl = folded.size();
      size_t sp = folded.rfind(' ', nl);
      if (sp != std::string::npos && sp > pos)
        samples += std::stoll(folded.substr(sp + 1, nl - sp - 1));
    }
    EXPECT_EQ(FlameTotalJson(s, "process_cpu:samples:count:cpu:nanoseconds", selector), samples)
        << key;
    ++checked;
  }
  EXPECT_EQ(checked, 5);
  // A labels part that is no LabelsSnapshot is a 400 naming the part.
  items[1].content = "\xff\xff\xff not a protobuf";
  r = s.client().Post("/ingest?name=javaapp.cpu&format=jfr", items);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("labels part"), std::string::npos) << r->body;
  // A multipart body without a profile part is a 400 naming the parts.
  r = s.client().Post("/ingest?name=x.cpu",
                      httplib::MultipartFormDataItems{{"other", "x", "", ""}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("\"profile\""), std::string::npos) << r->body;
}

TEST(IngestTest, SizeLimitsAre413) {
  ServerOptions o;
  o.limits.max_request_bytes = 64 << 10;
  o.limits.max_decompressed_bytes = 1 << 20;
  TestServer s({}, o);
  // Declared body over the request limit.
  auto r = s.client().Post(Ingest("name=a.cpu").c_str(), std::string(100 << 10, 'x'),
                           "application/octet-stream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  // A gzip bomb as Content-Encoding: 16 MiB of zeros in a few KiB.
  std::string bomb = GzipCompress(std::string(16 << 20, '\0'), 9);
  ASSERT_LT(bomb.size(), 64u << 10);
  r = s.client().Post(Ingest("name=a.cpu").c_str(), {{"Content-Encoding", "gzip"}}, bomb,
                      "application/octet-stream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413) << r->body;
  // The same bomb as the profile itself (gzip detected by magic).
  r = s.client().Post(Ingest("name=a.cpu&format=pprof").c_str(), bomb, "application/octet-stream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413) << r->body;
  r = s.client().Get("/ready");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

// ---- push ------------------------------------------------------------------------------

push::v1::PushRequest MakePush(const std::string& service, const std::string& file) {
  push::v1::PushRequest req;
  auto* s = req.add_series();
  auto* l = s->add_labels();
  l->set_name("service_name");
  l->set_value(service);
  l = s->add_labels();
  l->set_name("__name__");
  l->set_value("process_cpu");
  auto* smp = s->add_samples();
  smp->set_raw_profile(ReadCorpusFile(file));
  smp->set_id("0b6c5f4b-0000-4000-8000-000000000001");
  return req;
}

std::string Base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t)in[i] << 16 | (uint8_t)in[i + 1] << 8 | (uint8_t)in[i + 2];
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += t[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = (uint8_t)in[i] << 16;
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t)in[i] << 16 | (uint8_t)in[i + 1] << 8;
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

TEST(PushTest, BinaryAndJson) {
  TestServer s;
  auto r = s.client().Post("/push.v1.PusherService/Push",
                           MakePush("svc-bin", "pyroscope/ingest/cpu.pb.gz").SerializeAsString(),
                           "application/proto");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  std::string raw = ReadCorpusFile("pyroscope/ingest/cpu.pb.gz");
  std::string json =
      "{\"series\":[{\"labels\":[{\"name\":\"service_name\",\"value\":\"svc-json\"},"
      "{\"name\":\"__name__\",\"value\":\"process_cpu\"}],\"samples\":[{\"rawProfile\":\"" +
      Base64(raw) + "\",\"ID\":\"x\"}]}]}";
  r = s.client().Post("/push.v1.PusherService/Push", json, "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, "{}");
  EXPECT_EQ(FlameTotalProto(s, kCpu, "{service_name=\"svc-bin\"}"), 470000000);
  EXPECT_EQ(FlameTotalProto(s, kCpu, "{service_name=\"svc-json\"}"), 470000000);
  EXPECT_EQ(FlameTotalProto(s, kCpu, "{service_name=~\"svc-.*\"}"), 940000000);
}

TEST(PushTest, BadRequests) {
  TestServer s;
  struct Case {
    std::string body, type;
    int status;
  } cases[] = {
      {"\xff\xff\xff", "application/proto", 400},
      {"{\"series\":[{\"samples\":[{\"rawProfile\":\"!!!\"}]}]}", "application/json", 400},
      {"{\"series\":[{\"samples\":[{\"rawProfile\":\"AAAA\"}]}]}", "application/json", 400},
      {"{\"series\":7}", "application/json", 400},
      {"{\"series\":[{\"labels\":[{\"name\":\"1x\",\"value\":\"v\"}]}]}", "application/json", 400},
      {"not json", "application/json", 400},
      {"{}", "text/plain", 415},
  };
  for (const Case& c : cases) {
    auto r = s.client().Post("/push.v1.PusherService/Push", c.body, c.type.c_str());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, c.status) << c.body << ": " << r->body;
    rapidjson::Document d = Json(r->body);
    EXPECT_TRUE(d.IsObject() && d.HasMember("code") && d.HasMember("message")) << r->body;
  }
  auto r = s.client().Get("/push.v1.PusherService/Push");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  r = s.client().Post("/push.v1.PusherService/Nope", "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

// ---- querier ---------------------------------------------------------------------------

class QuerierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two services, two environments; heap and cpu; 3 cpu profiles 10 s apart.
    for (int i = 0; i < 3; ++i) {
      IngestFile(s_, "pyroscope/ingest/cpu.pb.gz",
                 "api.cpu{env=prod,pod=p" + std::to_string(i) + "}", kNow + 10 * i);
    }
    IngestFile(s_, "pyroscope/ingest/cpu.pb.gz", "api.cpu{env=staging}", kNow);
    IngestFile(s_, "pyroscope/ingest/cpu-js.pb.gz", "web.wall{env=prod}", kNow);
    IngestFile(s_, "pyroscope/ingest/heap.pb.gz", "api{env=prod}", kNow);
  }
  TestServer s_;
};

TEST_F(QuerierTest, ProfileTypes) {
  for (bool json : {true, false}) {
    auto r = PostConnect(s_, "ProfileTypes", json ? "{}" : "", json);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    querier::v1::ProfileTypesResponse resp;
    if (json) {
      rapidjson::Document d = Json(r->body);
      for (auto& t : d["profileTypes"].GetArray()) {
        auto* pt = resp.add_profile_types();
        pt->set_id(t["ID"].GetString());
        pt->set_name(t["name"].GetString());
        pt->set_sample_type(t["sampleType"].GetString());
      }
    } else {
      ASSERT_TRUE(resp.ParseFromString(r->body));
    }
    std::set<std::string> ids;
    for (const auto& t : resp.profile_types()) ids.insert(t.id());
    EXPECT_TRUE(ids.count(kCpu));
    EXPECT_TRUE(ids.count("memory:inuse_space:bytes:space:bytes"));
    EXPECT_TRUE(ids.count("memory:alloc_objects:count:space:bytes"));
    EXPECT_TRUE(ids.count("wall:wall:microseconds:wall:microseconds")) << r->body;
  }
}

TEST_F(QuerierTest, LabelNamesAndValues) {
  auto r = PostConnect(s_, "LabelNames", "{\"matchers\":[\"{service_name=\\\"api\\\"}\"]}", true);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  for (const char* n :
       {"\"env\"", "\"pod\"", "\"service_name\"", "\"__profile_type__\"", "\"__name__\""}) {
    EXPECT_NE(r->body.find(n), std::string::npos) << n << " in " << r->body;
  }
  types::v1::LabelValuesRequest lv;
  lv.set_name("env");
  lv.add_matchers("{service_name=\"api\", __profile_type__=\"" + std::string(kCpu) + "\"}");
  r = PostConnect(s_, "LabelValues", lv.SerializeAsString(), false);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  types::v1::LabelValuesResponse resp;
  ASSERT_TRUE(resp.ParseFromString(r->body));
  ASSERT_EQ(resp.names_size(), 2);
  EXPECT_EQ(resp.names(0), "prod");
  EXPECT_EQ(resp.names(1), "staging");
  r = PostConnect(s_, "LabelValues", "{\"name\":\"service_name\"}", true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "{\"names\":[\"api\",\"web\"]}");
  r = PostConnect(s_, "LabelValues", "{}", true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << "name is required";
}

TEST_F(QuerierTest, Series) {
  querier::v1::SeriesRequest req;
  req.add_matchers("{service_name=\"api\", env!=\"staging\", __profile_type__=\"" +
                   std::string(kCpu) + "\"}");
  req.add_label_names("pod");
  req.add_label_names("env");
  auto r = PostConnect(s_, "Series", req.SerializeAsString(), false);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  querier::v1::SeriesResponse resp;
  ASSERT_TRUE(resp.ParseFromString(r->body));
  EXPECT_EQ(resp.labels_set_size(), 3);
  r = PostConnect(s_, "Series",
                  "{\"matchers\":[\"{pod=~\\\"p[01]\\\"}\"],\"labelNames\":[\"pod\"]}", true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body,
            "{\"labelsSet\":[{\"labels\":[{\"name\":\"pod\",\"value\":\"p0\"}]},{\"labels\":[{"
            "\"name\":\"pod\",\"value\":\"p1\"}]}]}");
}

TEST_F(QuerierTest, SelectorsAndMaxNodes) {
  EXPECT_EQ(FlameTotalJson(s_, kCpu, "{service_name=\"api\"}"), 4 * 470000000LL);
  EXPECT_EQ(FlameTotalJson(s_, kCpu, "{env=\"prod\"}"), 3 * 470000000LL);
  EXPECT_EQ(FlameTotalJson(s_, kCpu, "{env!=\"prod\"}"), 470000000LL);
  EXPECT_EQ(FlameTotalJson(s_, kCpu, "{pod=~\"p[12]\"}"), 2 * 470000000LL);
  EXPECT_EQ(FlameTotalJson(s_, kCpu, "{pod!~\"p[12]\"}"), 2 * 470000000LL);  // p0 and staging
  EXPECT_EQ(FlameTotalJson(s_, kCpu, "{}"), 4 * 470000000LL);
  // The time range: only the second profile of p*.
  auto r = PostConnect(s_, "SelectMergeStacktraces",
                       std::string("{\"profileTypeID\":\"") + kCpu +
                           "\",\"labelSelector\":\"{env=\\\"prod\\\"}\",\"start\":" +
                           std::to_string((kNow + 5) * 1000) +
                           ",\"end\":" + std::to_string((kNow + 15) * 1000) + ",\"maxNodes\":3}",
                       true);
  ASSERT_TRUE(r);
  rapidjson::Document d = Json(r->body);
  EXPECT_STREQ(d["flamegraph"]["total"].GetString(), "470000000");
  int nodes = 0;
  for (auto& l : d["flamegraph"]["levels"].GetArray()) nodes += l["values"].Size() / 4;
  EXPECT_LE(nodes, 1 + 3 + 6) << "max_nodes keeps 3 nodes plus 'other' leaves";
  bool other = false;
  for (auto& n : d["flamegraph"]["names"].GetArray())
    other |= std::string(n.GetString()) == "other";
  EXPECT_TRUE(other);
}

TEST_F(QuerierTest, BadQueries) {
  struct Case {
    std::string method, body;
    int status;
  } cases[] = {
      {"SelectMergeStacktraces", "{\"profileTypeID\":\"cpu\"}", 400},
      {"SelectMergeStacktraces",
       std::string("{\"profileTypeID\":\"") + kCpu + "\",\"labelSelector\":\"{a=}\"}", 400},
      {"SelectMergeStacktraces",
       std::string("{\"profileTypeID\":\"") + kCpu + "\",\"labelSelector\":\"{a=~\\\"(\\\"}\"}",
       400},
      {"SelectMergeStacktraces", "{\"start\":\"x\"}", 400},
      {"SelectSeries", "{\"aggregation\":\"NOPE\"}", 400},
      {"Diff", "{\"left\":{}}", 400},
      {"LabelNames", "[1,2]", 400},
      {"LabelNames", "{\"matchers\":[\"{\"]}", 400},
      {"Nope", "{}", 404},
  };
  for (const Case& c : cases) {
    auto r = PostConnect(s_, c.method, c.body, true);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, c.status) << c.method << " " << c.body << ": " << r->body;
    rapidjson::Document d = Json(r->body);
    ASSERT_TRUE(d.IsObject() && d.HasMember("code") && d.HasMember("message")) << r->body;
    EXPECT_STREQ(d["code"].GetString(), c.status == 404 ? "not_found" : "invalid_argument");
  }
  auto r = PostConnect(s_, "ProfileTypes", "\x08\x01\xff", false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  r = s_.client().Get("/querier.v1.QuerierService/ProfileTypes");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  r = s_.client().Post("/querier.v1.QuerierService/ProfileTypes", "{}", "application/xml");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 415);
  r = s_.client().Post("/querier.v1.QuerierService/ProfileTypes", "{}",
                       "application/json; charset=utf-8");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(QuerierTest, SelectMergeProfileBothEncodings) {
  querier::v1::SelectMergeProfileRequest req;
  req.set_profile_typeid(kCpu);
  req.set_label_selector("{service_name=\"api\"}");
  auto r = PostConnect(s_, "SelectMergeProfile", req.SerializeAsString(), false);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  Result<Profile> p = ReadProfile(r->body);
  ASSERT_TRUE(p.ok()) << p.status().message();
  ASSERT_EQ(p->num_types(), 1u);
  EXPECT_EQ(p->Total(0), 4 * 470000000LL);
  r = PostConnect(s_, "SelectMergeProfile",
                  std::string("{\"profileTypeID\":\"") + kCpu + "\",\"labelSelector\":\"{}\"}",
                  true);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  rapidjson::Document d = Json(r->body);
  ASSERT_TRUE(d.IsObject());
  EXPECT_TRUE(d.HasMember("sampleType") && d.HasMember("stringTable") && d.HasMember("sample"));
}

TEST_F(QuerierTest, SelectSeriesStepGroupByAggregation) {
  querier::v1::SelectSeriesRequest req;
  req.set_profile_typeid(kCpu);
  req.set_label_selector("{service_name=\"api\"}");
  req.set_start(kNow * 1000);
  req.set_end((kNow + 60) * 1000);
  req.set_step(10);
  req.add_group_by("env");
  auto r = PostConnect(s_, "SelectSeries", req.SerializeAsString(), false);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  querier::v1::SelectSeriesResponse resp;
  ASSERT_TRUE(resp.ParseFromString(r->body));
  ASSERT_EQ(resp.series_size(), 2);
  EXPECT_EQ(resp.series(0).labels(0).value(), "prod");
  ASSERT_EQ(resp.series(0).points_size(), 3);
  EXPECT_EQ(resp.series(0).points(1).timestamp(), (kNow + 10) * 1000);
  EXPECT_DOUBLE_EQ(resp.series(0).points(1).value(), 470000000.0);
  // One 60 s step: sum is 3 profiles, average is one.
  std::string body =
      std::string("{\"profileTypeID\":\"") + kCpu +
      "\",\"labelSelector\":\"{env=\\\"prod\\\",service_name=\\\"api\\\"}\",\"start\":" +
      std::to_string(kNow * 1000) + ",\"end\":" + std::to_string((kNow + 59) * 1000) +
      ",\"step\":60,\"aggregation\":\"TIME_SERIES_AGGREGATION_TYPE_AVERAGE\"}";
  r = PostConnect(s_, "SelectSeries", body, true);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->body.find("\"value\":470000000,\"timestamp\":\"1700000000000\""), std::string::npos)
      << r->body;
}

TEST_F(QuerierTest, Diff) {
  querier::v1::DiffRequest req;
  req.mutable_left()->set_profile_typeid(kCpu);
  req.mutable_left()->set_label_selector("{env=\"staging\"}");
  req.mutable_right()->set_profile_typeid(kCpu);
  req.mutable_right()->set_label_selector("{env=\"prod\"}");
  auto r = PostConnect(s_, "Diff", req.SerializeAsString(), false);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  querier::v1::DiffResponse resp;
  ASSERT_TRUE(resp.ParseFromString(r->body));
  EXPECT_EQ(resp.flamegraph().leftticks(), 470000000);
  EXPECT_EQ(resp.flamegraph().rightticks(), 3 * 470000000LL);
  ASSERT_GT(resp.flamegraph().levels_size(), 0);
  EXPECT_EQ(resp.flamegraph().levels(0).values_size(), 7);
  std::string json =
      std::string("{\"left\":{\"profileTypeID\":\"") + kCpu +
      "\",\"labelSelector\":\"{env=\\\"staging\\\"}\"},\"right\":{\"profileTypeID\":\"" + kCpu +
      "\",\"labelSelector\":\"{env=\\\"prod\\\"}\"}}";
  r = PostConnect(s_, "Diff", json, true);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  rapidjson::Document d = Json(r->body);
  EXPECT_STREQ(d["flamegraph"]["leftTicks"].GetString(), "470000000");
}

// ---- legacy ----------------------------------------------------------------------------

TEST_F(QuerierTest, LegacyRenderAndLabelValues) {
  auto r = s_.client().Get(
      "/pyroscope/render?query=api.cpu%7Benv%3D%22prod%22%7D&from=1699999000&until=1700001000"
      "&format=json&max-nodes=16");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  rapidjson::Document d = Json(r->body);
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(d["version"].GetInt(), 1);
  EXPECT_EQ(d["flamebearer"]["numTicks"].GetInt64(), 3 * 470000000LL);
  EXPECT_STREQ(d["metadata"]["format"].GetString(), "single");
  EXPECT_TRUE(d["flamebearer"]["levels"][0].IsArray());
  EXPECT_TRUE(d["timeline"]["samples"].IsArray());
  // The profile type id form.
  r = s_.client().Get(
      (std::string("/pyroscope/render?from=1699999000&until=1700001000&query=") +
       httplib::detail::encode_query_param(std::string(kCpu) + "{service_name=\"api\"}"))
          .c_str());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  d = Json(r->body);
  EXPECT_EQ(d["flamebearer"]["numTicks"].GetInt64(), 4 * 470000000LL);

  r = s_.client().Get(
      "/pyroscope/render-diff?leftQuery=api.cpu%7Benv%3D%22staging%22%7D&leftFrom=1699999000&"
      "leftUntil=1700001000&rightQuery=api.cpu%7Benv%3D%22prod%22%7D&rightFrom=1699999000&"
      "rightUntil=1700001000&format=json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  d = Json(r->body);
  EXPECT_STREQ(d["metadata"]["format"].GetString(), "double");
  EXPECT_EQ(d["leftTicks"].GetInt64(), 470000000LL);
  EXPECT_EQ(d["rightTicks"].GetInt64(), 3 * 470000000LL);

  r = s_.client().Get("/pyroscope/label-values?label=env&query=api.cpu%7B%7D");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "[\"prod\",\"staging\"]");
  r = s_.client().Get("/pyroscope/label-values?label=service_name");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "[\"api\",\"web\"]");

  for (const char* bad : {"/pyroscope/render", "/pyroscope/render?query=%7Ba%3D%7D",
                          "/pyroscope/render?query=api.cpu&from=yesterday",
                          "/pyroscope/label-values", "/pyroscope/render-diff"}) {
    r = s_.client().Get(bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad << ": " << r->body;
  }
}

// ---- round trip, tenants, auth, headers -------------------------------------------------

TEST(RoundTripTest, IngestThenQueryEqualsCoreMergeTop) {
  TestServer s;
  std::vector<std::string> files;
  for (const char* t : {"1644509272337470000", "1644509275338070000", "1644509278338696000",
                        "1644509281339135000", "1644509284338649000"}) {
    files.push_back(std::string("parca/many/") + t + ".pb.gz");
  }
  std::vector<Profile> direct;
  for (size_t i = 0; i < files.size(); ++i) {
    IngestFile(s, files[i], "parca.alloc_space", kNow + 10 * i);
    Result<Profile> p = ReadProfile(ReadCorpusFile(files[i]));
    ASSERT_TRUE(p.ok()) << p.status().message();
    direct.push_back(std::move(*p));
  }
  std::vector<const Profile*> ptrs;
  for (const Profile& p : direct) ptrs.push_back(&p);
  Result<Profile> merged = Merge(ptrs);
  ASSERT_TRUE(merged.ok());
  TopOptions topts;
  topts.sample_index = "alloc_space";
  Result<TopReport> want = BuildTop(std::move(*merged), topts);
  ASSERT_TRUE(want.ok());

  querier::v1::SelectMergeProfileRequest req;
  req.set_profile_typeid("memory:alloc_space:bytes:space:bytes");
  req.set_label_selector("{service_name=\"parca\"}");
  auto r = PostConnect(s, "SelectMergeProfile", req.SerializeAsString(), false);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  Result<Profile> got_p = ReadProfile(r->body);
  ASSERT_TRUE(got_p.ok());
  Result<TopReport> got = BuildTop(std::move(*got_p), topts);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->total, want->total);
  ASSERT_EQ(got->rows.size(), want->rows.size());
  for (size_t i = 0; i < got->rows.size(); ++i) {
    EXPECT_EQ(got->rows[i].name, want->rows[i].name) << i;
    EXPECT_EQ(got->rows[i].flat, want->rows[i].flat) << i;
    EXPECT_EQ(got->rows[i].cum, want->rows[i].cum) << i;
  }
}

TEST(TenantTest, OneTenantNeverSeesAnother) {
  TestServer s;
  IngestFile(s, "pyroscope/ingest/cpu.pb.gz", "secret.cpu", kNow, {{"X-Scope-OrgID", "team-a"}});
  IngestFile(s, "pyroscope/ingest/cpu.pb.gz", "public.cpu", kNow);
  httplib::Headers a = {{"X-Scope-OrgID", "team-a"}}, b = {{"X-Scope-OrgID", "team-b"}};
  EXPECT_EQ(FlameTotalJson(s, kCpu, "{}", a), 470000000);
  EXPECT_EQ(FlameTotalJson(s, kCpu, "{}", b), 0);
  EXPECT_EQ(FlameTotalJson(s, kCpu, "{service_name=\"secret\"}"), 0);  // default tenant
  auto r = PostConnect(s, "LabelValues", "{\"name\":\"service_name\"}", true, b);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "{\"names\":[]}");
  r = PostConnect(s, "LabelValues", "{\"name\":\"service_name\"}", true, a);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "{\"names\":[\"secret\"]}");
  r = PostConnect(s, "ProfileTypes", "{}", true, b);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "{\"profileTypes\":[]}");
  r = s.client().Get("/pyroscope/label-values?label=service_name", b);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "[]");
  r = PostConnect(s, "ProfileTypes", "{}", true, {{"X-Scope-OrgID", "../etc"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

TEST(ServerTest, AuthTokenAndHeaders) {
  ServerOptions o;
  o.auth_token = "s3cret";
  o.allow_embedding = "https://grafana.example.com";
  TestServer s({}, o);
  auto r = PostConnect(s, "ProfileTypes", "{}", true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = PostConnect(s, "ProfileTypes", "{}", true, {{"Authorization", "Bearer wrong"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = PostConnect(s, "ProfileTypes", "{}", true, {{"Authorization", "Bearer s3cret"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = s.client().Post("/ingest?name=a.cpu", {{"Authorization", "Basic " + Base64("user:s3cret")}},
                      ReadCorpusFile("pyroscope/ingest/cpu.pb.gz"), "application/octet-stream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = s.client().Get("/", {{"Origin", "https://evil.example"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Security-Policy").find("https://grafana.example.com"),
            std::string::npos);
  EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin")) << "CORS is off by default";
  r = s.client().Get("/pyrolens/config.json");
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("\"mode\":\"server\""), std::string::npos);
}

TEST(ServerTest, CorsWhenEnabledAndFrameDefaults) {
  ServerOptions o;
  o.cors_origins = "https://ui.example";
  TestServer s({}, o);
  auto r = s.client().Get("/ready", {{"Origin", "https://ui.example"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "https://ui.example");
  EXPECT_EQ(r->get_header_value("X-Frame-Options"), "SAMEORIGIN");
  r = s.client().Get("/ready", {{"Origin", "https://other.example"}});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin"));
  r = s.client().Get("/does-not-exist.js");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

}  // namespace
}  // namespace pyrolens::testing
