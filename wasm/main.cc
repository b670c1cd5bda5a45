// The browser host: one GLFW window on the page's <canvas id="canvas"> (WebGL2 through
// Emscripten's GLFW), Dear ImGui's GLFW + OpenGL3 backends, and one pyrolens::ui::Viewer
// drawn in animation frames when something may have changed (FrameDue).
//
// JavaScript (web/app.js) owns all I/O: it reads dropped or picked files, fetches URLs
// and receives postMessage calls, copies bytes into the wasm heap with pyro_alloc and
// calls the exported functions below. Every export returns plain data (a JSON string or a
// pointer); nothing throws across the boundary (core and ui report through Status, and
// the module is built without C++ exception support, so a throw would be a trap that the
// page reports, never a half-unwound viewer).
#include <GLES3/gl3.h>
#include <GLFW/glfw3.h>
#include <emscripten/emscripten.h>
#include <emscripten/html5.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>

#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"
#include "pyrolens/pprof.h"
#include "pyrolens/ui/viewer.h"
#include "warm_up.h"

namespace {

GLFWwindow* g_window = nullptr;
pyrolens::ui::Viewer* g_viewer = nullptr;
std::string g_out;  // the string most recently returned to JavaScript (valid until the next call)
double g_scale = 1.0;  // devicePixelRatio applied to the viewer (setScale)
bool g_png_requested = false;
constexpr int kFrameRing = 128;
double g_frame_ms[kFrameRing];  // CPU time of the last frames (viewer + ImGui + GL submission)
int g_frames = 0;
// Loading done by each frame; the page does the rest in tasks of its own (pyro_work).
constexpr double kFrameLoadMs = 5;

// Frames are drawn on demand, as the native window's glfwWaitEventsTimeout does: every
// animation frame for kAwakeMs after input or a call that changes the viewer (Wake), and
// every kIdleFrameMs otherwise, a load's progress included. An idle page then costs next to
// nothing (a dashboard may embed several), and a load is not slowed down by drawing its
// progress bar often: software WebGL took 5-6 ms of the main thread and more of the GPU
// process for each frame of the empty page, and the 2M-sample drop took 2.91-3.10 s with
// four frames a second against 3.26-3.28 s with ten (2 runs each, in turns).
constexpr double kAwakeMs = 500, kIdleFrameMs = 250;
double g_awake_until = 0;      // emscripten_get_now() time
double g_last_draw = -1e9;

void Wake() { g_awake_until = emscripten_get_now() + kAwakeMs; }
// The next animation frame draws, once; then frames come at the idle rate. A load's start
// shows its progress bar so, without the awake frames: under SwiftShader each of them
// kept the GPU process busy for 40-60 ms, a core taken from the load for its first 0.65 s.
void DrawSoon() { g_last_draw = -1e9; }

bool FrameDue(double now) {
  return now < g_awake_until || now - g_last_draw >= kIdleFrameMs;
}

// {"ok":true} or {"ok":false,"error":"..."} with the message JSON-escaped.
const char* StatusJson(const pyrolens::Status& s) {
  if (s.ok()) {
    g_out = "{\"ok\":true}";
    return g_out.c_str();
  }
  g_out = "{\"ok\":false,\"error\":\"";
  for (unsigned char c : s.message()) {
    if (c == '"' || c == '\\') {
      g_out += '\\';
      g_out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      snprintf(buf, sizeof buf, "\\u%04x", c);
      g_out += buf;
    } else {
      g_out += static_cast<char>(c);
    }
  }
  g_out += "\"}";
  return g_out.c_str();
}

// Matches the canvas' backing store to its CSS size times devicePixelRatio, so text is
// drawn at device resolution; ImGui then works in device pixels and the viewer is told the
// scale (fonts and paddings grow with it). Returns true when it changed anything.
bool SyncCanvasSize() {
  double css_w = 0, css_h = 0;
  emscripten_get_element_css_size("#canvas", &css_w, &css_h);
  double dpr = emscripten_get_device_pixel_ratio();
  int w = static_cast<int>(css_w * dpr + 0.5), h = static_cast<int>(css_h * dpr + 0.5);
  if (w < 1 || h < 1) return false;
  bool changed = false;
  int cur_w = 0, cur_h = 0;
  glfwGetWindowSize(g_window, &cur_w, &cur_h);
  if (cur_w != w || cur_h != h) {
    glfwSetWindowSize(g_window, w, h);
    changed = true;
  }
  if (dpr != g_scale && dpr >= 0.5 && dpr <= 4) {
    g_scale = dpr;
    std::string cmd = "{\"cmd\":\"setScale\",\"scale\":" + std::to_string(dpr) + "}";
    (void)g_viewer->Command(cmd);
    changed = true;
  }
  return changed;
}

void MainLoopStep() {
  const double t0 = emscripten_get_now();
  if (SyncCanvasSize()) Wake();
  if (!FrameDue(t0)) return;
  g_last_draw = t0;
  glfwPollEvents();
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  ImGuiIO& io = ImGui::GetIO();
  g_viewer->Frame(io.DisplaySize.x, io.DisplaySize.y);
  ImGui::Render();
  int fb_w = 0, fb_h = 0;
  glfwGetFramebufferSize(g_window, &fb_w, &fb_h);
  glViewport(0, 0, fb_w, fb_h);
  glClearColor(0.5f, 0.5f, 0.5f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  g_frame_ms[g_frames++ % kFrameRing] = emscripten_get_now() - t0;
  if (g_png_requested) {
    // Read the drawing buffer in the same task that drew it (it is not preserved after).
    g_png_requested = false;
    EM_ASM({
      if (Module.onPng)
        Module.canvas.toBlob(
            function(b) { Module.onPng(b); }, 'image/png');
    });
  }
  EM_ASM({
    if (Module.onFrame) Module.onFrame();
  });
}

// WebGL answers some state queries with a round trip to the GPU process: under
// SwiftShader the scissor box took 36 ms a frame, waiting for the last frame to be drawn.
// ImGui's OpenGL3 backend asks for the scissor box and the blend state every frame (to
// restore them), so the page, the context's only user, answers from what was last set.
void AnswerGlStateLocally() {
  EM_ASM({
    const gl = GLctx;
    const cache = {};
    for (const p of [gl.SCISSOR_BOX, gl.BLEND_SRC_RGB, gl.BLEND_DST_RGB, gl.BLEND_SRC_ALPHA,
                     gl.BLEND_DST_ALPHA, gl.BLEND_EQUATION_RGB, gl.BLEND_EQUATION_ALPHA]) {
      cache[p] = gl.getParameter(p);
    }
    const wrap = (name, record) => {
      const f = gl[name].bind(gl);
      gl[name] = (...a) => { record(...a); return f(...a); };
    };
    const get = gl.getParameter.bind(gl);
    gl.getParameter = (p) => (p in cache ? cache[p] : get(p));
    wrap('scissor', (x, y, w, h) => { cache[gl.SCISSOR_BOX] = new Int32Array([x, y, w, h]); });
    const blend = (sr, dr, sa, da) => {
      cache[gl.BLEND_SRC_RGB] = sr;
      cache[gl.BLEND_DST_RGB] = dr;
      cache[gl.BLEND_SRC_ALPHA] = sa;
      cache[gl.BLEND_DST_ALPHA] = da;
    };
    wrap('blendFunc', (s, d) => blend(s, d, s, d));
    wrap('blendFuncSeparate', blend);
    const equation = (rgb, alpha) => {
      cache[gl.BLEND_EQUATION_RGB] = rgb;
      cache[gl.BLEND_EQUATION_ALPHA] = alpha;
    };
    wrap('blendEquation', (m) => equation(m, m));
    wrap('blendEquationSeparate', equation);
  });
}

}  // namespace

extern "C" {

// Allocates `size` bytes in the wasm heap for a profile; 0 when memory cannot grow that far
// (the page then says the file is too large). The caller passes the pointer to pyro_open.
EMSCRIPTEN_KEEPALIVE char* pyro_alloc(size_t size) {
  return new (std::nothrow) char[size ? size : 1];
}
// Gives back bytes from pyro_alloc that were never handed to pyro_open.
EMSCRIPTEN_KEEPALIVE void pyro_free(char* data) { delete[] data; }

// Starts loading the profile held in bytes [data, data+size) (the viewer owns them from
// here) and labelled `name`: it is read in the page's pyro_work tasks (and a little in each
// frame), and ends with a "loaded" or "error" event carrying the load id returned here
// ({"ok":true,"load":id}). With `pprof_only`, bytes in another format end it with a
// "convert" event instead (Viewer::StartOpen): the page has its worker convert them.
// With `arriving`, the page fills the bytes as its worker inflates them: pyro_arrived.
EMSCRIPTEN_KEEPALIVE const char* pyro_open(const char* name, char* data, size_t size,
                                           int pprof_only, int arriving) {
  uint32_t id = g_viewer->StartOpen(name, std::unique_ptr<char[]>(data), size,
                                    pprof_only != 0, arriving != 0);
  DrawSoon();
  g_out = "{\"ok\":true,\"load\":" + std::to_string(id) + "}";
  return g_out.c_str();
}

// The first n bytes of an arriving load are there (`last`: all of them); Viewer::Arrived.
EMSCRIPTEN_KEEPALIVE void pyro_arrived(uint32_t load, size_t n, int last) {
  g_viewer->Arrived(load, n, last != 0);
}
// Ends a load unread with a "convert" event (Viewer::GiveBack): the page opens its bytes
// otherwise.
EMSCRIPTEN_KEEPALIVE void pyro_give_back(uint32_t load) { g_viewer->GiveBack(load); }

// Runs one viewer command (see Viewer::Command); returns a status JSON string.
EMSCRIPTEN_KEEPALIVE const char* pyro_command(const char* json) {
  Wake();
  return StatusJson(g_viewer->Command(json));
}

// The viewer's state (Viewer::StateJson).
EMSCRIPTEN_KEEPALIVE const char* pyro_state() {
  g_out = g_viewer->StateJson();
  return g_out.c_str();
}

// Shows the page's own progress (fetching, decompressing); progress > 1.5 ends it.
EMSCRIPTEN_KEEPALIVE void pyro_set_loading(const char* message, float progress) {
  if (progress <= 1.5f) {
    g_viewer->SetLoading(message, progress);
  } else {
    g_viewer->ClearLoading();
    DrawSoon();
  }
}

EMSCRIPTEN_KEEPALIVE void pyro_clear() {
  g_viewer->Clear();
  Wake();
}

// Shows an error the page met (the decompression worker's) as the viewer's own.
EMSCRIPTEN_KEEPALIVE void pyro_show_error(const char* message) {
  g_viewer->ShowError(message);
  Wake();
}

// Input on the page: the next frames are drawn (see FrameDue).
EMSCRIPTEN_KEEPALIVE void pyro_wake() { Wake(); }

// Works on loads for about `ms`; 1 while there is more to do now (0 also while a load waits
// for its bytes: pyro_arrived brings more). The page calls it in tasks between frames
// (frames themselves do only kFrameLoadMs of loading).
EMSCRIPTEN_KEEPALIVE int pyro_work(double ms) {
  if (g_viewer->WorkOnLoads(ms)) return 1;
  // The loads ended: a profile or an error to draw. A load that waits for its bytes draws
  // its progress at the idle rate.
  if (!g_viewer->opening()) Wake();
  return 0;
}

// V8 first runs wasm as baseline code and optimizes a function once it has run a while;
// the optimized code serves the function's next call. A load calls some functions once
// and for long (inflating a file), so the user's first file ran mostly as baseline code:
// a 100k-sample profile drawn 1.0-1.4 s after its drop, and 0.16-0.27 s when dropped
// again on the same page. So while the page is idle after starting, it loads a small
// generated profile into a hidden viewer, in tasks of about `ms`, which makes the loading
// code hot. Returns 1 while there is more to do.
EMSCRIPTEN_KEEPALIVE int pyro_warm_up(double ms) {
  static std::unique_ptr<pyrolens::ui::Viewer> warm;
  static bool done = false;
  if (done) return 0;
  if (!warm) {
    pyrolens::Result<pyrolens::Profile> p = pyrolens::wasm::WarmUpProfile();
    if (!p.ok()) return (done = true), 0;
    std::string gz = pyrolens::WritePprof(*p);
    auto bytes = std::make_unique<char[]>(gz.size());
    memcpy(bytes.get(), gz.data(), gz.size());
    warm = std::make_unique<pyrolens::ui::Viewer>();
    warm->StartOpen("warm-up.pb.gz", std::move(bytes), gz.size());
    return 1;
  }
  if (warm->WorkOnLoads(ms)) return 1;
  warm.reset();
  done = true;
  return 0;
}

// {"frames","avg","p95","max"} in ms over the frames since the last reset (at most the last
// 128); `reset` starts a new window. For the benchmark's frame-time figure.
EMSCRIPTEN_KEEPALIVE const char* pyro_frame_stats(int reset) {
  int n = g_frames < kFrameRing ? g_frames : kFrameRing;
  double v[kFrameRing], sum = 0;
  for (int i = 0; i < n; ++i) sum += v[i] = g_frame_ms[i];
  std::sort(v, v + n);
  char buf[160];
  snprintf(buf, sizeof buf, "{\"frames\":%d,\"avg\":%.3f,\"p95\":%.3f,\"max\":%.3f}", g_frames,
           n ? sum / n : 0.0, n ? v[(n * 95) / 100 < n ? (n * 95) / 100 : n - 1] : 0.0,
           n ? v[n - 1] : 0.0);
  if (reset) g_frames = 0;
  g_out = buf;
  return g_out.c_str();
}

}  // extern "C"

int main() {
  if (!glfwInit()) {
    EM_ASM({
      if (Module.onFatal) Module.onFatal("GLFW could not start (no WebGL2?)");
    });
    return 1;
  }
  glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  // An opaque canvas with no depth or stencil buffer (ImGui needs neither, and the page
  // draws every pixel): less for the browser to allocate, clear and composite each frame.
  glfwWindowHint(GLFW_ALPHA_BITS, 0);
  glfwWindowHint(GLFW_DEPTH_BITS, 0);
  glfwWindowHint(GLFW_STENCIL_BITS, 0);
  g_window = glfwCreateWindow(800, 600, "Pyrolens", nullptr, nullptr);
  if (!g_window) {
    EM_ASM({
      if (Module.onFatal) Module.onFatal("this browser has no WebGL2");
    });
    return 1;
  }
  glfwMakeContextCurrent(g_window);
  AnswerGlStateLocally();

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // no file system; the page keeps no layout between visits
  ImGui_ImplGlfw_InitForOpenGL(g_window, true);
  ImGui_ImplOpenGL3_Init("#version 300 es");

  static pyrolens::ui::Viewer viewer;
  g_viewer = &viewer;
  viewer.SetFrameLoadBudget(kFrameLoadMs);
  viewer.SetEventCallback([](const std::string& json) {
    if (json.find("\"exportPng\"") != std::string::npos) g_png_requested = true;
    EM_ASM(
        {
          if (Module.onViewerEvent) Module.onViewerEvent(UTF8ToString($0));
        },
        json.c_str());
  });
  viewer.SetExportCallback([](const std::string& file_name, std::string_view bytes) {
    EM_ASM(
        {
          if (Module.onExport) Module.onExport(UTF8ToString($0), HEAPU8.slice($1, $1 + $2));
        },
        file_name.c_str(), bytes.data(), bytes.size());
  });
  EM_ASM({
    if (Module.onReady) Module.onReady();
  });
  emscripten_set_main_loop(MainLoopStep, 0, false);
  return 0;
}
