// Frame time of the viewer on a generated tree of about a million nodes, headless: an
// ImGui context with its font atlas built and no renderer, so the figure is the CPU
// cost of Viewer::Frame plus ImGui's NewFrame/Render (what a host pays before the GPU).
//   UiFrame/idle        nothing changes between frames (the common case)
//   UiFrame/zoom_pan    every frame zooms to another node (deep and shallow, siblings
//                       left and right) with the mouse over the graph (tooltip)
//   UiFrame/search      as zoom_pan with a search highlighting matches
//   UiFrame/zoom_pan_16bit_indices  as zoom_pan for a renderer without vertex offsets
//                       (WebGL2): the frame keeps under 2^16 vertices per draw list
// Counters: nodes (call-tree size), mean_ms and max_ms per frame. Budget: 16 ms.
// Run: build/native/bench/ui_bench  (the tree is built once, outside the timed loop).
#include <benchmark/benchmark.h>
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "bench/generator.h"
#include "pyrolens/pprof.h"
#include "pyrolens/ui/viewer.h"

namespace pyrolens::bench {
namespace {

constexpr float kWidth = 1920, kHeight = 1080;

struct Fixture {
  ImGuiContext* ctx = nullptr;
  std::unique_ptr<ui::Viewer> viewer;
  uint64_t nodes = 0;
};

uint64_t NumNodes(const std::string& state) {
  size_t at = state.find("\"numNodes\":");
  return at == std::string::npos ? 0 : strtoull(state.c_str() + at + 11, nullptr, 10);
}

Fixture& Get() {
  static Fixture* f = [] {
    auto* f = new Fixture;
    GenOptions o;
    o.samples = 1000000;
    o.stacks = 30000;
    o.functions = 50000;
    o.max_depth = 120;
    Result<Profile> p = Generate(o);
    if (!p.ok()) {
      fprintf(stderr, "ui_bench: %s\n", p.status().message().c_str());
      abort();
    }
    f->ctx = ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(kWidth, kHeight);
    io.DeltaTime = 1.f / 60;
    unsigned char* pixels;
    int w, h;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    f->viewer = std::make_unique<ui::Viewer>();
    Status s = f->viewer->Open("generated.pb", WritePprof(*p, false));
    if (!s.ok()) {
      fprintf(stderr, "ui_bench: %s\n", s.message().c_str());
      abort();
    }
    f->nodes = NumNodes(f->viewer->StateJson());
    return f;
  }();
  return *f;
}

void Frame(Fixture& f) {
  ImGui::NewFrame();
  f.viewer->Frame(kWidth, kHeight);
  ImGui::Render();
}

// vtx_offset: as the OpenGL3 backend declares on GL >= 3.2 (the native window).
void Run(benchmark::State& state, bool change, const char* search, bool vtx_offset = true) {
  Fixture& f = Get();
  ImGuiIO& io = ImGui::GetIO();
  if (vtx_offset) {
    io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;
  } else {
    io.BackendFlags &= ~ImGuiBackendFlags_RendererHasVtxOffset;
  }
  char cmd[160];
  snprintf(cmd, sizeof(cmd), "{\"cmd\":\"setSearch\",\"query\":\"%s\"}", search);
  (void)f.viewer->Command(cmd);
  (void)f.viewer->Command("{\"cmd\":\"reset\"}");
  io.MousePos = ImVec2(kWidth * 0.6f, kHeight - 60);
  for (int i = 0; i < 3; ++i) Frame(f);
  uint64_t k = 0;
  double max_ms = 0, sum_ms = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    if (change) {
      // Every 8th frame back at the root (the widest view), else nodes spread over the tree.
      uint64_t id = k % 8 == 0 ? 0 : (k * 2654435761ull) % f.nodes;
      snprintf(cmd, sizeof(cmd), "{\"cmd\":\"zoom\",\"id\":%llu}",
               static_cast<unsigned long long>(id));
      (void)f.viewer->Command(cmd);
      io.MousePos = ImVec2(static_cast<float>((k * 97) % static_cast<uint64_t>(kWidth)),
                           kHeight - 40.f - static_cast<float>((k * 31) % 600));
      ++k;
    }
    Frame(f);
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    max_ms = std::max(max_ms, ms);
    sum_ms += ms;
  }
  state.counters["nodes"] = static_cast<double>(f.nodes);
  state.counters["mean_ms"] = state.iterations() ? sum_ms / state.iterations() : 0;
  state.counters["max_ms"] = max_ms;
}

void BM_Idle(benchmark::State& state) { Run(state, false, ""); }
void BM_ZoomPan(benchmark::State& state) { Run(state, true, ""); }
void BM_Search(benchmark::State& state) { Run(state, true, "runtime"); }
void BM_ZoomPan16(benchmark::State& state) { Run(state, true, "", false); }

BENCHMARK(BM_Idle)->Name("UiFrame/idle")->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_ZoomPan)->Name("UiFrame/zoom_pan")->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_Search)->Name("UiFrame/search")->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_ZoomPan16)
    ->Name("UiFrame/zoom_pan_16bit_indices")
    ->Unit(benchmark::kMillisecond)
    ->MinTime(1.0);

}  // namespace
}  // namespace pyrolens::bench

BENCHMARK_MAIN();
