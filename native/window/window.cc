#include "window/window.h"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <stb_image_write.h>

#include <cstdio>
#include <deque>
#include <fstream>
#include <sstream>

#include "pyrolens/ui/viewer.h"

namespace pyrolens {
namespace {

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

struct Host {
  ui::Viewer viewer;
  bool png_requested = false;
  std::deque<std::string> pending;  // files to open, one per frame after a "loading" frame
  bool loading_shown = false;
};

void OpenPath(Host* host, const std::string& path) {
  std::string bytes;
  if (!ReadWholeFile(path, &bytes)) {
    // The viewer shows the error like any other bad input.
    (void)host->viewer.Open(path, std::string_view());
    return;
  }
  Status s = host->viewer.Open(path, bytes);
  if (!s.ok()) fprintf(stderr, "pyrolens: %s\n", s.message().c_str());
}

void OnDrop(GLFWwindow* window, int count, const char** paths) {
  Host* host = static_cast<Host*>(glfwGetWindowUserPointer(window));
  for (int i = 0; i < count; ++i) host->pending.push_back(paths[i]);
}

// Reads the back buffer (bottom-up RGBA) and writes it top-down as a PNG.
Status WriteScreenshot(const std::string& path, int w, int h) {
  std::vector<unsigned char> pixels(static_cast<size_t>(w) * h * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  for (int y = 0; y < h / 2; ++y) {
    std::swap_ranges(pixels.begin() + static_cast<size_t>(y) * w * 4,
                     pixels.begin() + static_cast<size_t>(y + 1) * w * 4,
                     pixels.begin() + static_cast<size_t>(h - 1 - y) * w * 4);
  }
  if (!stbi_write_png(path.c_str(), w, h, 4, pixels.data(), w * 4)) {
    return Status::InvalidArgument("view: cannot write screenshot " + path);
  }
  return Status();
}

}  // namespace

Status RunViewWindow(const ViewWindowOptions& options) {
  glfwSetErrorCallback(
      [](int code, const char* msg) { fprintf(stderr, "pyrolens: glfw %d: %s\n", code, msg); });
  if (!glfwInit()) return Status::InvalidArgument("view: cannot start GLFW (is there a display?)");
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  // 3.2 core: the OpenGL3 backend then draws large draw lists with vertex offsets.
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 2);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  if (!options.screenshot.empty()) glfwWindowHint(GLFW_VISIBLE, GLFW_TRUE);
  GLFWwindow* window =
      glfwCreateWindow(options.width, options.height, "Pyrolens", nullptr, nullptr);
  if (window == nullptr) {
    glfwTerminate();
    return Status::InvalidArgument("view: cannot open an OpenGL 3 window");
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(options.screenshot.empty() ? 1 : 0);

  float scale = options.scale;
  if (scale <= 0) {
    float sx = 1, sy = 1;
    glfwGetWindowContentScale(window, &sx, &sy);
    scale = std::max(1.f, sx);
  }

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  // Crisp text on high-DPI screens: the font is rasterised at the scaled size.
  ImFontConfig font;
  font.SizePixels = 13.f * scale;
  io.Fonts->AddFontDefault(&font);
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 150");

  Host host;
  glfwSetWindowUserPointer(window, &host);
  glfwSetDropCallback(window, OnDrop);
  host.viewer.SetEventCallback([&host](const std::string& e) {
    if (e.find("\"exportPng\"") != std::string::npos) host.png_requested = true;
  });
  host.viewer.SetExportCallback([](const std::string& name, std::string_view bytes) {
    std::ofstream out(name, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    fprintf(stderr, "pyrolens: exported %s (%zu bytes)\n", name.c_str(), bytes.size());
  });
  char scale_cmd[96];
  snprintf(scale_cmd, sizeof(scale_cmd), "{\"cmd\":\"setScale\",\"scale\":%.3f,\"fontScale\":1}",
           scale);
  (void)host.viewer.Command(scale_cmd);
  host.pending.assign(options.files.begin(), options.files.end());
  bool commands_run = false;

  Status result;
  int frame = 0;
  while (!glfwWindowShouldClose(window)) {
    // Files open one per frame, each after a frame that shows what is loading.
    if (!host.pending.empty()) {
      if (!host.loading_shown) {
        host.viewer.SetLoading("reading " + host.pending.front(), -1.f);
        host.loading_shown = true;
      } else {
        OpenPath(&host, host.pending.front());
        host.pending.pop_front();
        host.loading_shown = false;
        if (host.pending.empty()) host.viewer.ClearLoading();
      }
    } else if (!commands_run) {
      commands_run = true;
      for (const std::string& c : options.commands) {
        Status s = host.viewer.Command(c);
        if (!s.ok()) fprintf(stderr, "pyrolens: %s\n", s.message().c_str());
      }
    }
    if (options.screenshot.empty() && host.pending.empty()) {
      glfwWaitEventsTimeout(0.25);  // redraw on input, and a few times a second
    } else {
      glfwPollEvents();
    }
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    host.viewer.Frame(io.DisplaySize.x, io.DisplaySize.y);
    ImGui::Render();
    int fw, fh;
    glfwGetFramebufferSize(window, &fw, &fh);
    glViewport(0, 0, fw, fh);
    glClearColor(0.1f, 0.1f, 0.1f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    ++frame;
    if (!options.screenshot.empty() && frame >= options.frames && host.pending.empty() &&
        commands_run) {
      result = WriteScreenshot(options.screenshot, fw, fh);
      break;
    }
    if (host.png_requested) {
      host.png_requested = false;
      Status s = WriteScreenshot("pyrolens-view.png", fw, fh);
      fprintf(stderr, "pyrolens: %s\n", s.ok() ? "wrote pyrolens-view.png" : s.message().c_str());
    }
    glfwSwapBuffers(window);
  }
  if (!options.state_json.empty()) {
    std::ofstream out(options.state_json, std::ios::binary);
    out << host.viewer.StateJson();
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return result;
}

}  // namespace pyrolens
