// `pyrolens view` in a real GLFW + OpenGL 3 window under Xvfb: opens corpus files, takes a
// screenshot (--screenshot) and the viewer state (--state), and checks that the pixels at
// the node rectangles the state reports have the expected colours.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <stb_image.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "testing/corpus.h"

namespace pyrolens {
namespace {

struct Image {
  int w = 0, h = 0;
  std::vector<unsigned char> rgba;
  const unsigned char* at(int x, int y) const { return rgba.data() + (size_t(y) * w + x) * 4; }
};

struct Shot {
  Image image;
  rapidjson::Document state;
};

std::string TempPath(const std::string& name) {
  const char* dir = getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/pyrolens_view_test_" + std::to_string(getpid()) + "_" +
         name;
}

// Runs `pyrolens view` under xvfb-run; returns false (with a test failure) if it fails.
bool RunView(const std::string& args, const std::string& name, Shot* shot) {
  std::string png = TempPath(name + ".png"), state = TempPath(name + ".json");
  // Under the asan preset the window process keeps address and UB checks but not leak
  // checks: Mesa's llvmpipe allocates from JIT-compiled code, which no suppression can
  // name. ui_tests check the viewer's own code for leaks.
  std::string cmd = "ASAN_OPTIONS=detect_leaks=0 xvfb-run -a -s '-screen 0 1400x900x24' " +
                    std::string(PYROLENS_BIN) +
                    " view --width 1200 --height 800 --scale 1 --frames 4 --screenshot " + png +
                    " --state " + state + " " + args + " 2>" + TempPath(name + ".err");
  int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << cmd;
  if (rc != 0) return false;
  int n = 0;
  unsigned char* px = stbi_load(png.c_str(), &shot->image.w, &shot->image.h, &n, 4);
  EXPECT_NE(px, nullptr) << png;
  if (px == nullptr) return false;
  shot->image.rgba.assign(px, px + size_t(shot->image.w) * shot->image.h * 4);
  stbi_image_free(px);
  std::ifstream in(state);
  std::stringstream ss;
  ss << in.rdbuf();
  shot->state.Parse(ss.str().c_str());
  EXPECT_FALSE(shot->state.HasParseError());
  if (getenv("PYROLENS_KEEP_SCREENSHOTS") == nullptr) {
    std::remove(png.c_str());
    std::remove(state.c_str());
  } else {
    printf("screenshot: %s\n", png.c_str());
  }
  std::remove(TempPath(name + ".err").c_str());
  return !shot->state.HasParseError();
}

bool Warm(const unsigned char* p) {
  return p[0] > 150 && p[0] >= p[1] && p[1] + 10 >= p[2] && p[2] < 140;
}

// Colours of the top-left inner pixel of every node at least `min_w` pixels wide.
template <typename Check>
int CheckNodes(const Shot& s, float min_w, Check check) {
  int checked = 0;
  for (const auto& n : s.state["nodes"].GetArray()) {
    if (n["w"].GetFloat() < min_w) continue;
    int x = static_cast<int>(n["x"].GetFloat()) + 2, y = static_cast<int>(n["y"].GetFloat()) + 2;
    if (x < 0 || y < 0 || x >= s.image.w || y >= s.image.h) continue;
    const unsigned char* p = s.image.at(x, y);
    EXPECT_TRUE(check(p)) << n["name"].GetString() << " at " << x << "," << y << ": rgb("
                          << int(p[0]) << "," << int(p[1]) << "," << int(p[2]) << ")";
    ++checked;
  }
  return checked;
}

TEST(ViewWindow, DrawsFlameGraph) {
  Shot s;
  ASSERT_TRUE(RunView(testing::CorpusPath("parca/fib.pb.gz"), "fib", &s));
  EXPECT_EQ(s.image.w, 1200);
  EXPECT_EQ(s.image.h, 800);
  std::set<uint32_t> colours;
  for (int y = 0; y < s.image.h; y += 3) {
    for (int x = 0; x < s.image.w; x += 3) {
      const unsigned char* p = s.image.at(x, y);
      colours.insert(p[0] << 16 | p[1] << 8 | p[2]);
    }
  }
  EXPECT_GT(colours.size(), 20u) << "not blank";
  EXPECT_EQ(s.state["rootTotal"].GetInt64(), 29740000000);
  EXPECT_GT(CheckNodes(s, 6, Warm), 5) << "flame colours at the reported nodes";
}

TEST(ViewWindow, LightIcicleAndSearch) {
  Shot s;
  ASSERT_TRUE(
      RunView("--command '{\"cmd\":\"setTheme\",\"theme\":\"light\"}' --command "
              "'{\"cmd\":\"setView\",\"view\":\"icicle\"}' --command "
              "'{\"cmd\":\"setSearch\",\"query\":\"math/big\"}' " +
                  testing::CorpusPath("parca/fib.pb.gz"),
              "light", &s));
  const unsigned char* corner = s.image.at(s.image.w - 2, s.image.h - 2);
  EXPECT_GT(corner[0] + corner[1] + corner[2], 3 * 200) << "light background";
  float root_y = -1;
  for (const auto& n : s.state["nodes"].GetArray()) {
    if (n["id"].GetUint() == 0) root_y = n["y"].GetFloat();
  }
  EXPECT_GE(root_y, 0);
  EXPECT_LT(root_y, 200) << "icicle: root at the top";
  EXPECT_GT(s.state["search"]["share"].GetDouble(), 0.9);
  // Matches keep their flame colour; the others are dimmed towards grey.
  int checked = CheckNodes(s, 6, [&](const unsigned char* p) { return true; });
  EXPECT_GT(checked, 3);
  for (const auto& n : s.state["nodes"].GetArray()) {
    std::string name = n["name"].GetString();
    if (n["w"].GetFloat() < 6 || name.find("math/big") == std::string::npos) continue;
    const unsigned char* p = s.image.at(int(n["x"].GetFloat()) + 2, int(n["y"].GetFloat()) + 2);
    EXPECT_TRUE(Warm(p)) << name;
  }
}

TEST(ViewWindow, DiffColours) {
  Shot s;
  ASSERT_TRUE(
      RunView("--command '{\"cmd\":\"setSampleType\",\"sampleType\":\"alloc_space\"}' "
              "--command '{\"cmd\":\"diff\",\"base\":0,\"comparison\":1}' " +
                  testing::CorpusPath("parca/many/1644509272337470000.pb.gz") + " " +
                  testing::CorpusPath("parca/many/1644509299337903000.pb.gz"),
              "diff", &s));
  EXPECT_STREQ(s.state["mode"].GetString(), "diff");
  int red = 0, green = 0;
  for (const auto& n : s.state["nodes"].GetArray()) {
    if (n["w"].GetFloat() < 4) continue;
    const unsigned char* p = s.image.at(int(n["x"].GetFloat()) + 2, int(n["y"].GetFloat()) + 2);
    red += p[0] > p[1] + 60 && p[0] > p[2] + 60;
    green += p[1] > p[0] + 40 && p[1] > p[2] + 20;
  }
  EXPECT_GT(red + green, 0) << "changed nodes are red or green";
}

TEST(ViewWindow, BadFileShowsErrorAndKeepsRunning) {
  std::string bad = TempPath("bad.pb.gz");
  {
    std::ofstream out(bad, std::ios::binary);
    out << std::string("\x1f\x8b\x08\x00junk", 8);
  }
  std::string missing = TempPath("missing.pprof");
  Shot s;
  ASSERT_TRUE(RunView(bad + " " + missing + " " +
                          testing::CorpusPath("async-profiler/sample1.collapsed"),
                      "bad", &s));
  std::remove(bad.c_str());
  ASSERT_EQ(s.state["errors"].Size(), 2u);
  EXPECT_NE(std::string(s.state["errors"][0].GetString()).find(missing + ": cannot read the file"),
            std::string::npos)
      << s.state["errors"][0].GetString();
  EXPECT_NE(std::string(s.state["errors"][1].GetString()).find(bad + ": gzip"), std::string::npos)
      << s.state["errors"][1].GetString();
  EXPECT_EQ(s.state["profiles"].Size(), 1u);
  EXPECT_GT(CheckNodes(s, 6, Warm), 3);
}

}  // namespace
}  // namespace pyrolens
