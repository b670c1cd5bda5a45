// The viewer driven headless: a real ImGui context with a built font atlas and no
// renderer. Opens corpus files, runs commands and frames, and checks StateJson against
// figures computed independently from the profile (core's totals, filters and top).
#include "pyrolens/ui/viewer.h"

#include <gtest/gtest.h>
#include <imgui.h>
#include <imgui_internal.h>  // FindWindowByName
#include <rapidjson/document.h>
#include <re2/re2.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <tuple>

#include "pyrolens/call_tree.h"
#include "pyrolens/filter.h"
#include "pyrolens/merge.h"
#include "pyrolens/reader.h"
#include "pyrolens/top.h"
#include "testing/corpus.h"

// Every operator new of the process, counted for the idle-frame test.
static size_t g_news = 0;
void* operator new(size_t n) {
  ++g_news;
  if (void* p = malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
// The whole family, so that every allocation and release of the process pairs malloc
// with free (AddressSanitizer checks that new and delete match).
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  ++g_news;
  return malloc(n == 0 ? 1 : n);
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
// GCC takes free() in a replaced operator delete for a release that does not match new.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { free(p); }
#pragma GCC diagnostic pop

namespace pyrolens::ui {
namespace {

constexpr float kWidth = 1280, kHeight = 800;

// ImGui allocations, counted to check that an idle frame allocates nothing.
size_t g_imgui_allocs = 0;
void* CountingAlloc(size_t size, void*) {
  ++g_imgui_allocs;
  return malloc(size);
}
void CountingFree(void* p, void*) { free(p); }

class ViewerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ImGui::SetAllocatorFunctions(CountingAlloc, CountingFree);
    ctx_ = ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(kWidth, kHeight);
    io.DeltaTime = 1.f / 60;
    for (int k = 0; k < ImGuiKey_COUNT; ++k) io.KeyMap[k] = k;  // as a backend would
    unsigned char* pixels;
    int w, h;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    viewer_.SetEventCallback([this](const std::string& e) { events_.push_back(e); });
  }
  void TearDown() override { ImGui::DestroyContext(ctx_); }

  void Frames(int n = 2) {
    for (int i = 0; i < n; ++i) {
      ImGui::NewFrame();
      viewer_.Frame(kWidth, kHeight);
      ImGui::Render();
    }
  }

  rapidjson::Document State() {
    std::string json = viewer_.StateJson();
    rapidjson::Document d;
    d.Parse(json.c_str(), json.size());
    EXPECT_FALSE(d.HasParseError()) << json.substr(0, 500);
    return d;
  }

  Profile Load(const std::string& relative) {
    Result<Profile> p = ReadProfile(testing::ReadCorpusFile(relative));
    EXPECT_TRUE(p.ok()) << relative;
    return p.ok() ? std::move(p).value() : Profile();
  }

  void OpenCorpus(const std::string& relative) {
    Status s = viewer_.Open(relative, testing::ReadCorpusFile(relative));
    ASSERT_TRUE(s.ok()) << s.message();
  }

  void Cmd(const std::string& json) {
    Status s = viewer_.Command(json);
    ASSERT_TRUE(s.ok()) << json << ": " << s.message();
  }

  ImGuiContext* ctx_ = nullptr;
  Viewer viewer_;
  std::vector<std::string> events_;
};

size_t DefaultType(const Profile& p) {
  Result<size_t> t = SelectSampleType(p, "");
  EXPECT_TRUE(t.ok());
  return t.ok() ? *t : 0;
}

// Sum of the samples whose stack has a frame whose function name `matches`.
template <typename Match>
int64_t MatchedTotal(const Profile& p, size_t type, Match matches) {
  std::vector<int8_t> stack_hit(p.num_stacks(), -1);
  int64_t sum = 0;
  for (size_t i = 0; i < p.num_samples(); ++i) {
    uint32_t s = p.sample_stack[i];
    if (stack_hit[s] < 0) {
      stack_hit[s] = 0;
      for (const uint32_t* l = p.stack_begin(s); l != p.stack_end(s) && !stack_hit[s]; ++l) {
        const Location& loc = p.locations[*l];
        for (uint32_t j = loc.first_line; j < loc.first_line + loc.num_lines; ++j) {
          uint32_t f = p.lines[j].function;
          if (f != kNone && matches(p.str(p.functions[f].name))) stack_hit[s] = 1;
        }
      }
    }
    if (stack_hit[s]) sum += p.sample_values(i)[type];
  }
  return sum;
}

TEST_F(ViewerTest, EmptyViewerDraws) {
  Frames();
  rapidjson::Document s = State();
  EXPECT_EQ(s["profiles"].Size(), 0u);
  EXPECT_TRUE(s["zoom"].IsNull());
  EXPECT_EQ(s["rootTotal"].GetInt64(), 0);
}

TEST_F(ViewerTest, OpensCorpusFileAndDrawsFlameGraph) {
  const std::string file = "parca/fib.pb.gz";
  Profile p = Load(file);
  OpenCorpus(file);
  Frames();
  rapidjson::Document s = State();
  size_t type = DefaultType(p);
  EXPECT_EQ(s["rootTotal"].GetInt64(), p.Total(type));
  EXPECT_EQ(s["sampleType"]["index"].GetUint64(), type);
  EXPECT_STREQ(s["sampleType"]["unit"].GetString(), p.str(p.sample_types[type].unit).c_str());
  EXPECT_STREQ(s["view"].GetString(), "flame");
  EXPECT_EQ(s["zoom"]["id"].GetUint(), 0u);
  ASSERT_GT(s["nodes"].Size(), 10u);
  // The root is drawn at the bottom (flame), as wide as the graph; children above it.
  const auto& nodes = s["nodes"];
  float root_y = -1, root_w = 0, max_y = 0;
  for (const auto& n : nodes.GetArray()) {
    max_y = std::max(max_y, n["y"].GetFloat());
    if (n["id"].GetUint() == 0) {
      root_y = n["y"].GetFloat();
      root_w = n["w"].GetFloat();
      EXPECT_STREQ(n["name"].GetString(), "total");
    }
  }
  ASSERT_GE(root_y, 0) << "root drawn";
  EXPECT_EQ(root_y, max_y) << "root at the bottom";
  EXPECT_GT(root_w, kWidth * 0.5f);
  for (const auto& n : nodes.GetArray()) {
    EXPECT_LE(n["w"].GetFloat(), root_w + 0.5f);
    EXPECT_GE(n["w"].GetFloat(), 1.f) << "sub-pixel nodes are merged, not listed";
  }

  // Every node at least two pixels wide in the first levels is drawn (sub-pixel runs
  // before it must not swallow it).
  CallTreeOptions options;
  options.sample_type = type;
  Result<CallTree> tree = BuildCallTree(p, options);
  ASSERT_TRUE(tree.ok());
  std::set<uint32_t> drawn;
  for (const auto& n : nodes.GetArray()) drawn.insert(n["id"].GetUint());
  int checked = 0;
  for (uint32_t n = 0; n < tree->size(); ++n) {
    double px = static_cast<double>(tree->total(n)) / tree->total(0) * root_w;
    if (tree->depth(n) <= 8 && px >= 2) {
      EXPECT_TRUE(drawn.count(n)) << tree->node_name(n) << " " << px << "px";
      ++checked;
    }
  }
  EXPECT_GT(checked, 5);

  Cmd(R"({"cmd":"setView","view":"icicle"})");
  Frames();
  rapidjson::Document icicle = State();
  for (const auto& n : icicle["nodes"].GetArray()) {
    if (n["id"].GetUint() == 0) {
      EXPECT_LT(n["y"].GetFloat(), 100.f) << "root at the top";
    }
  }
}

TEST_F(ViewerTest, SampleTypeSwitch) {
  const std::string file = "parca/alloc_objects.pb.gz";
  Profile p = Load(file);
  ASSERT_EQ(p.num_types(), 4u);
  OpenCorpus(file);
  Frames();
  for (size_t t = 0; t < p.num_types(); ++t) {
    const std::string& name = p.str(p.sample_types[t].type);
    Cmd(R"({"cmd":"setSampleType","sampleType":")" + name + "\"}");
    Frames();
    rapidjson::Document s = State();
    EXPECT_EQ(s["rootTotal"].GetInt64(), p.Total(t)) << name;
    EXPECT_STREQ(s["sampleType"]["type"].GetString(), name.c_str());
    EXPECT_STREQ(s["sampleType"]["unit"].GetString(), p.str(p.sample_types[t].unit).c_str());
  }
  Cmd(R"({"cmd":"setSampleType","sampleType":1})");
  EXPECT_EQ(State()["rootTotal"].GetInt64(), p.Total(1));
  EXPECT_FALSE(viewer_.Command(R"({"cmd":"setSampleType","sampleType":"nope"})").ok());
}

TEST_F(ViewerTest, ZoomAndReset) {
  OpenCorpus("parca/fib.pb.gz");
  Frames();
  Cmd(R"({"cmd":"zoom","name":"math/big.nat.add"})");
  Frames();
  rapidjson::Document s = State();
  ASSERT_TRUE(s["zoom"].IsObject());
  EXPECT_STREQ(s["zoom"]["name"].GetString(), "math/big.nat.add");
  uint32_t zoom = s["zoom"]["id"].GetUint();
  int64_t zoom_total = s["zoom"]["total"].GetInt64();
  EXPECT_GT(zoom, 0u);
  EXPECT_STREQ(s["selected"]["name"].GetString(), "math/big.nat.add");
  // The zoomed node spans the graph; every other drawn node is inside it or an ancestor.
  float zoom_w = 0;
  for (const auto& n : s["nodes"].GetArray()) {
    if (n["id"].GetUint() == zoom) zoom_w = n["w"].GetFloat();
  }
  EXPECT_GT(zoom_w, kWidth * 0.5f);
  for (const auto& n : s["nodes"].GetArray()) {
    if (n["id"].GetUint() > zoom) {
      EXPECT_LE(n["total"].GetInt64(), zoom_total);
    }
  }
  Cmd(R"({"cmd":"reset"})");
  Frames();
  EXPECT_EQ(State()["zoom"]["id"].GetUint(), 0u);
  EXPECT_FALSE(viewer_.Command(R"({"cmd":"zoom","name":"no.such.function"})").ok());
  EXPECT_FALSE(viewer_.Command(R"({"cmd":"zoom","id":123456789})").ok());
}

TEST_F(ViewerTest, ClickZoomsAndEscapeResets) {
  OpenCorpus("parca/fib.pb.gz");
  Frames();
  rapidjson::Document s = State();
  // The widest drawn node other than the root.
  uint32_t target = 0;
  float best = 0, cx = 0, cy = 0;
  for (const auto& n : s["nodes"].GetArray()) {
    if (n["id"].GetUint() != 0 && n["w"].GetFloat() > best && n["w"].GetFloat() < kWidth * 0.9f) {
      best = n["w"].GetFloat();
      target = n["id"].GetUint();
      cx = n["x"].GetFloat() + n["w"].GetFloat() / 2;
      cy = n["y"].GetFloat() + n["h"].GetFloat() / 2;
    }
  }
  ASSERT_GT(target, 0u);
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2(cx, cy);
  Frames(1);
  io.MouseDown[0] = true;
  Frames(1);
  io.MouseDown[0] = false;
  Frames(1);
  EXPECT_EQ(State()["zoom"]["id"].GetUint(), target);
  bool selected_event = false;
  for (const std::string& e : events_) selected_event |= e.find("\"select\"") != std::string::npos;
  EXPECT_TRUE(selected_event);
  io.KeysDown[io.KeyMap[ImGuiKey_Escape]] = true;
  Frames(1);
  io.KeysDown[io.KeyMap[ImGuiKey_Escape]] = false;
  Frames(1);
  EXPECT_EQ(State()["zoom"]["id"].GetUint(), 0u);
}

// A right click opens a function's menu; its items run the commands they name.
TEST_F(ViewerTest, RightClickMenuFocusesAndOpensSandwich) {
  const std::string file = "parca/fib.pb.gz";
  Profile p = Load(file);
  OpenCorpus(file);
  Frames();
  rapidjson::Document s = State();
  // A wide node below the root, and its function's cumulative value by core's top.
  std::string function;
  float cx = 0, cy = 0, best = 0;
  for (const auto& n : s["nodes"].GetArray()) {
    const float w = n["w"].GetFloat();
    if (n["id"].GetUint() != 0 && w > best && n["total"].GetInt64() < s["rootTotal"].GetInt64()) {
      best = w;
      function = n["name"].GetString();
      cx = n["x"].GetFloat() + w / 2;
      cy = n["y"].GetFloat() + n["h"].GetFloat() / 2;
    }
  }
  ASSERT_FALSE(function.empty());
  TopOptions options;
  options.node_fraction = 0;
  Result<TopReport> top = BuildTop(p, options);
  ASSERT_TRUE(top.ok());
  int64_t cum = -1;
  for (const TopRow& r : top->rows) {
    if (r.name == function) cum = r.cum;
  }
  ASSERT_GT(cum, 0);
  ASSERT_LT(cum, s["rootTotal"].GetInt64());
  ImGuiIO& io = ImGui::GetIO();
  auto click = [&](ImVec2 at, int button) {
    io.MousePos = at;
    Frames(1);
    io.MouseDown[button] = true;
    Frames(1);
    io.MouseDown[button] = false;
    Frames(2);  // the frame after the release shows what it did
  };
  // The centre of menu item k (of 5, the last items of the popup).
  auto item = [&](int k) {
    ImGuiContext& g = *ImGui::GetCurrentContext();
    EXPECT_EQ(g.OpenPopupStack.Size, 1);
    const ImGuiWindow* w = g.OpenPopupStack.back().Window;
    const ImGuiStyle& style = ImGui::GetStyle();
    const float line = ImGui::GetTextLineHeight(),
                bottom = w->Pos.y + w->Size.y - style.WindowPadding.y;
    return ImVec2(w->Pos.x + w->Size.x / 2,
                  bottom - (4 - k) * (line + style.ItemSpacing.y) - line / 2);
  };
  click(ImVec2(cx, cy), 1);
  s = State();
  ASSERT_TRUE(s["menu"].IsString());
  EXPECT_EQ(s["menu"].GetString(), function);
  click(item(0), 0);  // focus on it
  s = State();
  EXPECT_TRUE(s["menu"].IsNull());
  EXPECT_EQ(s["filters"]["focus"].GetString(), "^" + RE2::QuoteMeta(function) + "$");
  EXPECT_EQ(s["rootTotal"].GetInt64(), cum);
  // Its sandwich, from the table's row this time.
  Cmd(R"({"cmd":"setFilter","focus":""})");
  Cmd(R"({"cmd":"filterTop","text":")" + function + R"("})");
  Frames();
  const ImGuiWindow* table = nullptr;
  for (ImGuiWindow* w : ImGui::GetCurrentContext()->Windows) {
    if (std::string(w->Name).find("##top") != std::string::npos && w->ParentWindow) table = w;
  }
  ASSERT_NE(table, nullptr);
  const float row_y = table->Pos.y + ImGui::GetFrameHeight() * 1.5f;  // below the header
  io.MousePos = ImVec2(table->Pos.x + 20, row_y);
  Frames(2);
  const ImGuiWindow* tooltip = ImGui::FindWindowByName("##Tooltip_00");
  EXPECT_TRUE(tooltip != nullptr && tooltip->Active) << "a row's tooltip";
  click(ImVec2(table->Pos.x + 20, row_y), 1);
  ASSERT_TRUE(State()["menu"].IsString());
  click(item(4), 0);
  s = State();
  EXPECT_STREQ(s["view"].GetString(), "sandwich");
  ASSERT_TRUE(s["sandwich"].IsObject());
  EXPECT_EQ(s["sandwich"]["function"].GetString(), function);
}

TEST_F(ViewerTest, SearchShareMatchesProfile) {
  const std::string file = "parca/fib.pb.gz";
  Profile p = Load(file);
  size_t type = DefaultType(p);
  OpenCorpus(file);
  Frames();
  Cmd(R"({"cmd":"setSearch","query":"runtime"})");
  Frames();
  rapidjson::Document s = State();
  int64_t want = MatchedTotal(
      p, type, [](const std::string& n) { return n.find("runtime") != std::string::npos; });
  ASSERT_GT(want, 0);
  EXPECT_EQ(s["search"]["matchedTotal"].GetInt64(), want);
  EXPECT_NEAR(s["search"]["share"].GetDouble(), static_cast<double>(want) / p.Total(type), 1e-6);

  Cmd(R"({"cmd":"setSearch","query":"^math/big\\.n","regex":true})");
  RE2 re("^math/big\\.n");
  int64_t want_re =
      MatchedTotal(p, type, [&](const std::string& n) { return RE2::PartialMatch(n, re); });
  ASSERT_GT(want_re, 0);
  EXPECT_EQ(State()["search"]["matchedTotal"].GetInt64(), want_re);

  EXPECT_FALSE(viewer_.Command(R"({"cmd":"setSearch","query":"(","regex":true})").ok());
  Frames();
  EXPECT_STRNE(State()["search"]["error"].GetString(), "");
}

TEST_F(ViewerTest, TopRowsMatchCoreTop) {
  const std::string file = "parca/fib.pb.gz";
  Profile p = Load(file);
  OpenCorpus(file);
  Frames();
  TopOptions options;
  options.node_fraction = 0;
  Result<TopReport> top = BuildTop(p, options);
  ASSERT_TRUE(top.ok());
  std::map<std::string, std::pair<int64_t, int64_t>> want;
  for (const TopRow& r : top->rows) want[r.name] = {r.flat, r.cum};
  rapidjson::Document s = State();
  ASSERT_GT(s["top"].Size(), 0u);
  EXPECT_EQ(s["topRows"].GetUint64(), top->rows.size());
  int64_t prev = INT64_MAX;
  for (const auto& r : s["top"].GetArray()) {
    auto it = want.find(r["name"].GetString());
    ASSERT_NE(it, want.end()) << r["name"].GetString();
    EXPECT_EQ(r["self"].GetInt64(), it->second.first) << r["name"].GetString();
    EXPECT_EQ(r["total"].GetInt64(), it->second.second) << r["name"].GetString();
    EXPECT_LE(r["self"].GetInt64(), prev) << "sorted by self, largest first";
    prev = r["self"].GetInt64();
  }
  Cmd(R"({"cmd":"sortTop","by":"total"})");
  Cmd(R"({"cmd":"filterTop","text":"math/"})");
  Frames();
  rapidjson::Document f = State();
  ASSERT_GT(f["top"].Size(), 0u);
  prev = INT64_MAX;
  for (const auto& r : f["top"].GetArray()) {
    EXPECT_NE(std::string(r["name"].GetString()).find("math/"), std::string::npos);
    EXPECT_LE(r["total"].GetInt64(), prev);
    prev = r["total"].GetInt64();
  }
}

TEST_F(ViewerTest, SandwichOfSelectedFunction) {
  const std::string file = "parca/fib.pb.gz";
  OpenCorpus(file);
  Cmd(R"({"cmd":"select","function":"github.com/polarsignals/pprof-example-app-go/fib.Fibonacci"})");
  Cmd(R"({"cmd":"setView","view":"sandwich"})");
  Frames();
  rapidjson::Document s = State();
  ASSERT_TRUE(s["sandwich"].IsObject());
  EXPECT_STREQ(s["sandwich"]["function"].GetString(),
               "github.com/polarsignals/pprof-example-app-go/fib.Fibonacci");
  int64_t cum = -1;
  for (const auto& r : s["top"].GetArray()) {
    if (std::string(r["name"].GetString()) ==
        "github.com/polarsignals/pprof-example-app-go/fib.Fibonacci")
      cum = r["total"].GetInt64();
  }
  EXPECT_GT(cum, 0);
  EXPECT_EQ(s["sandwich"]["callers"].GetInt64(), cum);
  EXPECT_EQ(s["sandwich"]["callees"].GetInt64(), cum);
  EXPECT_GT(s["sandwich"]["callerNames"].Size(), 0u);
}

TEST_F(ViewerTest, DiffOfTwoProfiles) {
  const std::string a = "parca/many/1644509272337470000.pb.gz";
  const std::string b = "parca/many/1644509299337903000.pb.gz";
  Profile pa = Load(a), pb = Load(b);
  OpenCorpus(a);
  OpenCorpus(b);
  Cmd(R"({"cmd":"setSampleType","sampleType":"alloc_space"})");
  Cmd(R"({"cmd":"diff","base":0,"comparison":1})");
  Frames();
  rapidjson::Document s = State();
  EXPECT_STREQ(s["mode"].GetString(), "diff");
  EXPECT_STREQ(s["view"].GetString(), "diff");
  ASSERT_TRUE(s["diff"].IsObject());
  Result<size_t> ta = SelectSampleType(pa, "alloc_space"), tb = SelectSampleType(pb, "alloc_space");
  ASSERT_TRUE(ta.ok() && tb.ok());
  EXPECT_EQ(s["diff"]["baseTotal"].GetInt64(), pa.Total(*ta));
  EXPECT_EQ(s["diff"]["comparisonTotal"].GetInt64(), pb.Total(*tb));
  ASSERT_GT(s["nodes"].Size(), 1u);
  for (const auto& n : s["nodes"].GetArray()) {
    EXPECT_EQ(n["total"].GetInt64(), n["base"].GetInt64() + n["comparison"].GetInt64());
  }
  // The table: every function of either side with both sides' self and total, as core's
  // top reports them for each profile alone (0 where a side lacks the function).
  std::map<std::string, std::pair<int64_t, int64_t>> base_top, cmp_top;
  for (auto [profile, type, out] :
       {std::tuple(&pa, *ta, &base_top), std::tuple(&pb, *tb, &cmp_top)}) {
    TopOptions options;
    options.node_fraction = 0;
    options.sample_index = std::to_string(type);
    Result<TopReport> top = BuildTop(*profile, options);
    ASSERT_TRUE(top.ok()) << top.status().message();
    for (const TopRow& r : top->rows) (*out)[r.name] = {r.flat, r.cum};
  }
  std::set<std::string> functions;
  for (const auto& m : {base_top, cmp_top}) {
    for (const auto& [name, values] : m) functions.insert(name);
  }
  auto value = [](const std::map<std::string, std::pair<int64_t, int64_t>>& m,
                  const std::string& name) {
    auto it = m.find(name);
    return it == m.end() ? std::pair<int64_t, int64_t>{0, 0} : it->second;
  };
  EXPECT_EQ(s["topRows"].GetUint64(), functions.size());
  ASSERT_GT(s["top"].Size(), 10u);
  for (const auto& r : s["top"].GetArray()) {
    const std::string name = r["name"].GetString();
    EXPECT_EQ(r["self"].GetInt64(), value(cmp_top, name).first) << name;
    EXPECT_EQ(r["total"].GetInt64(), value(cmp_top, name).second) << name;
    EXPECT_EQ(r["baseSelf"].GetInt64(), value(base_top, name).first) << name;
    EXPECT_EQ(r["baseTotal"].GetInt64(), value(base_top, name).second) << name;
  }
  // Sorted by the change of the total's share, largest growth (or new functions) first.
  Cmd(R"({"cmd":"sortTop","by":"change"})");
  Frames();
  rapidjson::Document c = State();
  const double base_all = static_cast<double>(pa.Total(*ta)),
               cmp_all = static_cast<double>(pb.Total(*tb));
  double prev = HUGE_VAL;
  bool grew = false;
  for (const auto& r : c["top"].GetArray()) {
    const double before = r["baseTotal"].GetInt64() / base_all,
                 after = r["total"].GetInt64() / cmp_all;
    const double change = before == 0 ? HUGE_VAL : (after - before) / before;
    EXPECT_LE(change, prev) << r["name"].GetString();
    prev = change;
    grew |= change > 0.01;
  }
  EXPECT_TRUE(grew) << "the first rows are functions that grew";
  // Inverted, the flame graph is bottom-up but the table still counts self and total.
  Cmd(R"({"cmd":"invert","on":true})");
  Frames();
  rapidjson::Document inv = State();
  ASSERT_GT(inv["top"].Size(), 10u);
  for (const auto& r : inv["top"].GetArray()) {
    const std::string name = r["name"].GetString();
    EXPECT_EQ(r["self"].GetInt64(), value(cmp_top, name).first) << name;
    EXPECT_EQ(r["baseTotal"].GetInt64(), value(base_top, name).second) << name;
  }
  Cmd(R"({"cmd":"invert","on":false})");
  EXPECT_FALSE(viewer_.Command(R"({"cmd":"sortTop","by":"bogus"})").ok());
  Cmd(R"({"cmd":"colorBlind","on":true})");
  Frames();
  EXPECT_TRUE(State()["colorBlind"].GetBool());
  // Merging the two instead.
  Cmd(R"({"cmd":"merge"})");
  Frames();
  rapidjson::Document m = State();
  EXPECT_STREQ(m["mode"].GetString(), "merge");
  EXPECT_EQ(m["rootTotal"].GetInt64(), pa.Total(*ta) + pb.Total(*tb));
}

TEST_F(ViewerTest, BadFileShowsErrorAndViewerKeepsWorking) {
  Status bad = viewer_.Open("broken.pb.gz", std::string("\x1f\x8b\x08\x00garbage", 11));
  EXPECT_FALSE(bad.ok());
  Frames();
  rapidjson::Document s = State();
  ASSERT_EQ(s["errors"].Size(), 1u);
  EXPECT_NE(std::string(s["errors"][0].GetString()).find("broken.pb.gz"), std::string::npos);
  EXPECT_FALSE(viewer_.Open("text.txt", "this is not a profile\n").ok());
  EXPECT_FALSE(viewer_.Command("{not json").ok());
  EXPECT_FALSE(viewer_.Command(R"({"cmd":"noSuchCommand"})").ok());
  const std::string file = "async-profiler/sample1.collapsed";
  Profile p = Load(file);
  OpenCorpus(file);
  Frames();
  rapidjson::Document after = State();
  EXPECT_EQ(after["profiles"].Size(), 1u);
  EXPECT_EQ(after["rootTotal"].GetInt64(), p.Total(0));
  EXPECT_GT(after["nodes"].Size(), 1u);
  Cmd(R"({"cmd":"dismissErrors"})");
  EXPECT_EQ(State()["errors"].Size(), 0u);
}

// Loads in steps: queued in order, read during frames, each ending with an event that
// names its id; the shown profile stays until a load ends; Clear cancels what is queued.
TEST_F(ViewerTest, StartOpenLoadsDuringFramesInOrder) {
  // Starts loading `relative`'s first `keep` bytes (all when 0).
  auto start = [this](const std::string& name, const std::string& relative, size_t keep = 0) {
    std::string b = testing::ReadCorpusFile(relative);
    size_t size = keep ? keep : b.size();
    auto owned = std::make_unique<char[]>(size);
    memcpy(owned.get(), b.data(), size);
    return viewer_.StartOpen(name, std::move(owned), size);
  };
  OpenCorpus("parca/fib.pb.gz");
  events_.clear();
  uint32_t heap = start("big-heap.pprof", "dd-trace-go/big-heap.pprof");
  uint32_t bad = start("bad.pb.gz", "parca/fib.pb.gz", 200);
  uint32_t cpu = start("cpu.pprof", "datakit/cpu.pprof");
  EXPECT_TRUE(viewer_.opening());
  EXPECT_EQ(State()["profiles"].Size(), 1u);  // nothing read before a frame
  for (int i = 0; i < 1000 && viewer_.opening(); ++i) Frames(1);
  ASSERT_FALSE(viewer_.opening());
  ASSERT_EQ(events_.size(), 3u);
  EXPECT_NE(events_[0].find("\"loaded\""), std::string::npos) << events_[0];
  EXPECT_NE(events_[0].find("\"load\":" + std::to_string(heap)), std::string::npos);
  EXPECT_NE(events_[1].find("\"error\""), std::string::npos) << events_[1];
  EXPECT_NE(events_[1].find("bad.pb.gz: gzip"), std::string::npos) << events_[1];
  EXPECT_NE(events_[1].find("\"load\":" + std::to_string(bad)), std::string::npos);
  EXPECT_NE(events_[2].find("\"load\":" + std::to_string(cpu)), std::string::npos);
  Frames();
  rapidjson::Document s = State();
  EXPECT_EQ(s["profiles"].Size(), 3u);
  Profile p = Load("datakit/cpu.pprof");
  EXPECT_EQ(s["rootTotal"].GetInt64(), p.Total(DefaultType(p)));
  EXPECT_TRUE(s["loading"].IsNull());
  // The tree built in steps is the one Open builds.
  Viewer other;
  ASSERT_TRUE(other.Open("cpu.pprof", testing::ReadCorpusFile("datakit/cpu.pprof")).ok());
  ImGui::NewFrame();
  other.Frame(kWidth, kHeight);
  ImGui::Render();
  rapidjson::Document o;
  std::string oj = other.StateJson();
  o.Parse(oj.c_str(), oj.size());
  EXPECT_EQ(s["numNodes"].GetUint64(), o["numNodes"].GetUint64());
  // And so is its top table, counted in steps too.
  ASSERT_GT(o["top"].Size(), 10u);
  ASSERT_EQ(s["top"].Size(), o["top"].Size());
  for (rapidjson::SizeType i = 0; i < o["top"].Size(); ++i) {
    EXPECT_STREQ(s["top"][i]["name"].GetString(), o["top"][i]["name"].GetString());
    EXPECT_EQ(s["top"][i]["self"].GetInt64(), o["top"][i]["self"].GetInt64());
    EXPECT_EQ(s["top"][i]["total"].GetInt64(), o["top"][i]["total"].GetInt64());
  }

  events_.clear();
  uint32_t cancelled = start("x.pprof", "datakit/cpu.pprof");
  viewer_.Clear();
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_NE(events_[0].find("x.pprof: loading cancelled"), std::string::npos) << events_[0];
  EXPECT_NE(events_[0].find("\"load\":" + std::to_string(cancelled)), std::string::npos);
  EXPECT_FALSE(viewer_.opening());
}

TEST_F(ViewerTest, WorkOnLoadsOutsideFrames) {
  // A host that works on loads in tasks of its own lets frames do none of it.
  viewer_.SetFrameLoadBudget(0);
  std::string b = testing::ReadCorpusFile("datakit/cpu.pprof");
  auto owned = std::make_unique<char[]>(b.size());
  memcpy(owned.get(), b.data(), b.size());
  uint32_t id = viewer_.StartOpen("cpu.pprof", std::move(owned), b.size());
  Frames(5);
  EXPECT_TRUE(viewer_.opening());
  EXPECT_EQ(State()["profiles"].Size(), 0u);
  int tasks = 0;
  while (viewer_.WorkOnLoads(1e9)) ++tasks;
  EXPECT_EQ(tasks, 0);  // one long enough task ends it
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_NE(events_[0].find("\"load\":" + std::to_string(id)), std::string::npos) << events_[0];
  // The top table was sorted in that task too, not in the first frame after it: by self,
  // largest first, then by name.
  rapidjson::Document s = State();
  ASSERT_GT(s["topRows"].GetUint64(), 1u);
  const auto& top = s["top"];
  for (rapidjson::SizeType i = 1; i < top.Size(); ++i) {
    int64_t a = top[i - 1]["self"].GetInt64(), b = top[i]["self"].GetInt64();
    EXPECT_GE(a, b);
    if (a == b) {
      EXPECT_LT(std::string(top[i - 1]["name"].GetString()), top[i]["name"].GetString());
    }
  }
  Frames();
  Profile p = Load("datakit/cpu.pprof");
  EXPECT_EQ(State()["rootTotal"].GetInt64(), p.Total(DefaultType(p)));
}

TEST_F(ViewerTest, PprofOnlyLoadLeavesOtherFormatsToTheHost) {
  auto start = [&](const char* path, bool pprof_only) {
    std::string b = testing::ReadCorpusFile(path);
    auto owned = std::make_unique<char[]>(b.size());
    memcpy(owned.get(), b.data(), b.size());
    return viewer_.StartOpen(path, std::move(owned), b.size(), pprof_only);
  };
  uint32_t jfr = start("datakit/main.jfr", true);
  while (viewer_.WorkOnLoads(1e9)) {
  }
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0], "{\"event\":\"convert\",\"load\":" + std::to_string(jfr) + "}");
  rapidjson::Document s = State();
  EXPECT_EQ(s["profiles"].Size(), 0u);
  EXPECT_EQ(s["errors"].Size(), 0u);
  // pprof is read as usual; so is anything when the host cannot convert.
  start("datakit/cpu.pprof", true);
  start("datakit/main.jfr", false);
  while (viewer_.WorkOnLoads(1e9)) {
  }
  ASSERT_EQ(events_.size(), 3u);
  EXPECT_NE(events_[1].find("\"loaded\""), std::string::npos) << events_[1];
  EXPECT_NE(events_[2].find("\"loaded\""), std::string::npos) << events_[2];
  EXPECT_EQ(State()["profiles"].Size(), 2u);
}

TEST_F(ViewerTest, BytesAreReadAsTheyArrive) {
  // The page's worker inflates a file while the viewer reads what has arrived.
  viewer_.SetFrameLoadBudget(0);
  const std::string path = "dd-trace-go/big-heap.pprof";
  const std::string b = testing::ReadCorpusFile(path);
  ASSERT_GT(b.size(), 200000u);
  auto owned = std::make_unique<char[]>(b.size() + 4096);  // room for more than comes
  char* room = owned.get();
  uint32_t id = viewer_.StartOpen(path, std::move(owned), b.size() + 4096, true, true);
  EXPECT_FALSE(viewer_.WorkOnLoads(1e9));  // nothing to read yet
  EXPECT_TRUE(viewer_.opening());
  size_t n = 0;
  int tasks = 0;
  while (n < b.size()) {
    size_t more = std::min<size_t>(50000, b.size() - n);
    memcpy(room + n, b.data() + n, more);
    n += more;
    viewer_.Arrived(id, n, n == b.size());
    while (viewer_.WorkOnLoads(1e9)) ++tasks;
    if (n < b.size()) {
      EXPECT_TRUE(events_.empty()) << events_[0];
    }
  }
  EXPECT_EQ(tasks, 0);  // each arrival is read in one task
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_NE(events_[0].find("\"loaded\""), std::string::npos) << events_[0];
  Frames();
  Profile p = Load(path);
  EXPECT_EQ(State()["rootTotal"].GetInt64(), p.Total(DefaultType(p)));

  // A load given back ends unread, for the host to open otherwise.
  auto again = std::make_unique<char[]>(b.size());
  uint32_t back = viewer_.StartOpen(path, std::move(again), b.size(), true, true);
  viewer_.Arrived(back, 100000, false);
  viewer_.WorkOnLoads(1e9);
  viewer_.GiveBack(back);
  EXPECT_FALSE(viewer_.opening());
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[1], "{\"event\":\"convert\",\"load\":" + std::to_string(back) + "}");
  EXPECT_EQ(State()["profiles"].Size(), 1u);
}

// The vertices the main flame graph's window drew in the last frame.
std::string FlameVertices() {
  std::string v;
  const ImDrawData* d = ImGui::GetDrawData();
  for (int i = 0; i < d->CmdListsCount; ++i) {
    const ImDrawList* l = d->CmdLists[i];
    if (l->_OwnerName == nullptr || strstr(l->_OwnerName, "##flame") == nullptr) continue;
    v.append(reinterpret_cast<const char*>(l->VtxBuffer.Data),
             l->VtxBuffer.Size * sizeof(ImDrawVert));
  }
  return v;
}

TEST_F(ViewerTest, LevelsAreDrawnAgainWhenWhatTheyShowChanges) {
  // A frame whose view is unchanged copies the levels' last drawing (FlameDrawing): each
  // change below must show in the flame graph, and then stay.
  OpenCorpus("datakit/cpu.pprof");
  Frames(3);
  const std::string idle = FlameVertices();
  ASSERT_GT(idle.size(), 1000u);
  Frames(1);
  EXPECT_EQ(FlameVertices(), idle);
  for (const char* c : {R"({"cmd":"setSearch","query":"fibonacci","regex":false})",
                        R"({"cmd":"setSearch","query":"runtime\\.","regex":true})",
                        R"({"cmd":"setSearch","query":"","regex":false})",
                        R"({"cmd":"select","function":"main.fibonacci"})",
                        R"({"cmd":"zoom","name":"main.fibonacci"})",
                        R"({"cmd":"reset"})",
                        R"({"cmd":"setTheme","theme":"light"})",
                        R"({"cmd":"setView","view":"icicle"})",
                        R"({"cmd":"setScale","scale":1.5})",
                        R"({"cmd":"collapseRecursion"})",
                        R"({"cmd":"invert"})"}) {
    const std::string before = FlameVertices();
    Cmd(c);
    Frames(3);
    const std::string after = FlameVertices();
    EXPECT_NE(after, before) << c;
    Frames(1);
    EXPECT_EQ(FlameVertices(), after) << c;
  }
}

TEST_F(ViewerTest, FiltersInvertCollapse) {
  const std::string file = "parca/fib.pb.gz";
  Profile p = Load(file);
  size_t type = DefaultType(p);
  OpenCorpus(file);
  Cmd(R"({"cmd":"setFilter","focus":"karatsuba"})");
  Frames();
  FilterOptions f;
  f.focus = "karatsuba";
  Result<ProfileFilter> filter = ProfileFilter::Compile(f);
  ASSERT_TRUE(filter.ok());
  Profile q = p;
  filter->Apply(&q);
  rapidjson::Document s = State();
  EXPECT_EQ(s["rootTotal"].GetInt64(), q.Total(type));
  EXPECT_LT(q.Total(type), p.Total(type));
  EXPECT_FALSE(viewer_.Command(R"({"cmd":"setFilter","focus":"("})").ok());
  Frames();
  EXPECT_STRNE(State()["filters"]["error"].GetString(), "");
  Cmd(R"({"cmd":"setFilter","focus":""})");
  Cmd(R"({"cmd":"invert","on":true})");
  Frames();
  rapidjson::Document inv = State();
  EXPECT_TRUE(inv["invert"].GetBool());
  EXPECT_EQ(inv["rootTotal"].GetInt64(), p.Total(type));
  Cmd(R"({"cmd":"invert","on":false})");
  Cmd(R"({"cmd":"collapseRecursion","on":true})");
  Frames();
  rapidjson::Document col = State();
  EXPECT_EQ(col["rootTotal"].GetInt64(), p.Total(type));
  EXPECT_LT(col["numNodes"].GetUint(), State()["numNodes"].GetUint() + 1);
}

// Tag filters keep (or drop) the samples whose labels match: the root total is the value of
// the samples labelled function=slow, summed here from the profile's own labels.
TEST_F(ViewerTest, TagFiltersKeepOrDropLabelledSamples) {
  const std::string file = "pyroscope/pprof/go.cpu.labels.pprof";
  Profile p = Load(file);
  size_t type = DefaultType(p);
  int64_t slow = 0;
  for (size_t i = 0; i < p.num_samples(); ++i) {
    for (uint32_t j = p.label_offsets[i]; j < p.label_offsets[i + 1]; ++j) {
      if (p.str(p.label(j).key) == "function" && p.str(p.label(j).str) == "slow") {
        slow += p.sample_values(i)[type];
      }
    }
  }
  ASSERT_GT(slow, 0);
  ASSERT_LT(slow, p.Total(type));
  OpenCorpus(file);
  Cmd(R"({"cmd":"setFilter","tagfocus":"function=slow"})");
  Frames();
  EXPECT_EQ(State()["rootTotal"].GetInt64(), slow);
  Cmd(R"({"cmd":"setFilter","tagfocus":"","tagignore":"function=slow"})");
  Frames();
  EXPECT_EQ(State()["rootTotal"].GetInt64(), p.Total(type) - slow);
}

TEST_F(ViewerTest, ExportRoundTrips) {
  const std::string file = "parca/fib.pb.gz";
  Profile p = Load(file);
  OpenCorpus(file);
  std::string name, bytes;
  viewer_.SetExportCallback([&](const std::string& n, std::string_view b) {
    name = n;
    bytes = std::string(b);
  });
  Cmd(R"({"cmd":"export","format":"pprof"})");
  EXPECT_NE(name.find(".pb.gz"), std::string::npos);
  Result<Profile> back = ReadProfile(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->Total(1), p.Total(1));
  Cmd(R"({"cmd":"export","format":"folded"})");
  EXPECT_NE(name.find(".folded"), std::string::npos);
  EXPECT_FALSE(bytes.empty());
  EXPECT_FALSE(viewer_.Command(R"({"cmd":"export","format":"svg"})").ok());
}

TEST_F(ViewerTest, ThemeScaleLoadingHelp) {
  OpenCorpus("parca/fib.pb.gz");
  Cmd(R"({"cmd":"setTheme","theme":"light"})");
  Cmd(R"({"cmd":"setScale","scale":2})");
  Cmd(R"({"cmd":"setLoading","message":"decoding","progress":0.5})");
  Cmd(R"({"cmd":"help","on":true})");
  Frames();
  rapidjson::Document s = State();
  EXPECT_STREQ(s["theme"].GetString(), "light");
  EXPECT_EQ(s["scale"].GetDouble(), 2.0);
  EXPECT_STREQ(s["loading"]["message"].GetString(), "decoding");
  EXPECT_EQ(ImGui::GetIO().FontGlobalScale, 2.f);
  Cmd(R"({"cmd":"setLoading"})");
  Frames();
  EXPECT_TRUE(State()["loading"].IsNull());
  EXPECT_FALSE(viewer_.Command(R"({"cmd":"setTheme","theme":"pink"})").ok());
}

TEST_F(ViewerTest, KeyboardShortcuts) {
  OpenCorpus("parca/fib.pb.gz");
  Frames();
  ImGuiIO& io = ImGui::GetIO();
  struct Key {
    char c;
    const char* view;
  };
  for (Key k : {Key{'i', "icicle"}, Key{'t', "top"}, Key{'s', "sandwich"}, Key{'f', "flame"}}) {
    io.AddInputCharacter(k.c);
    Frames(1);
    EXPECT_STREQ(State()["view"].GetString(), k.view) << k.c;
  }
  io.AddInputCharacter('l');
  Frames(1);
  EXPECT_STREQ(State()["theme"].GetString(), "light");
  io.AddInputCharacter('r');
  Frames(1);
  EXPECT_TRUE(State()["invert"].GetBool());
  io.AddInputCharacter('?');
  Frames(1);
  EXPECT_NE(ImGui::FindWindowByName("Keyboard shortcuts"), nullptr);
}

TEST_F(ViewerTest, IdleFrameDoesNotAllocate) {
  OpenCorpus("parca/fib.pb.gz");
  ImGui::GetIO().MousePos = ImVec2(kWidth * 0.7f, kHeight - 40);  // hovering a node
  Frames(5);
  size_t before = g_imgui_allocs, news_before = g_news;
  Frames(5);
  EXPECT_EQ(g_imgui_allocs, before);
  EXPECT_EQ(g_news, news_before);
  // The same with the table sorted by name, a search active and the icicle shown.
  Cmd(R"({"cmd":"setSearch","query":"big"})");
  Cmd(R"({"cmd":"setView","view":"icicle"})");
  Frames(5);
  before = g_imgui_allocs;
  news_before = g_news;
  Frames(5);
  EXPECT_EQ(g_imgui_allocs, before);
  EXPECT_EQ(g_news, news_before);
}

}  // namespace
}  // namespace pyrolens::ui
