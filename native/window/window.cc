#include "window/window.h"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <rapidjson/document.h>
#include <stb_image_write.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <new>

#include "pyrolens/status.h"
#include "pyrolens/ui/viewer.h"

namespace pyrolens {
namespace {

struct Host {
  ui::Viewer viewer;
  bool png_requested = false;
};

// Hands the file's bytes to the viewer, which reads them and builds the first tree a few
// milliseconds of each frame (with a progress bar), so the window keeps drawing.
void OpenPath(ui::Viewer* viewer, const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  std::streamoff size = in ? static_cast<std::streamoff>(in.tellg()) : -1;
  std::unique_ptr<char[]> bytes;
  if (size >= 0) {
    bytes.reset(new (std::nothrow) char[size > 0 ? static_cast<size_t>(size) : 1]);
    in.seekg(0);
    if (!bytes) {
      viewer->ShowError(Format("%s: not enough memory to read %lld bytes", path.c_str(),
                               static_cast<long long>(size)));
      return;
    }
    if (in.read(bytes.get(), size)) {
      viewer->StartOpen(path, std::move(bytes), static_cast<size_t>(size));
      return;
    }
  }
  viewer->ShowError(Format("%s: cannot read the file (%s)", path.c_str(), strerror(errno)));
}

void OnDrop(GLFWwindow* window, int count, const char** paths) {
  Host* host = static_cast<Host*>(glfwGetWindowUserPointer(window));
  for (int i = 0; i < count; ++i) OpenPath(&host->viewer, paths[i]);
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
    if (e.find("\"event\":\"error\"") == std::string::npos) return;
    rapidjson::Document d;  // only error events are parsed
    if (!d.Parse(e.c_str()).HasParseError() && d.IsObject() && d.HasMember("message") &&
        d["message"].IsString()) {
      fprintf(stderr, "pyrolens: %s\n", d["message"].GetString());  // also in the window
    }
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
  for (const std::string& f : options.files) OpenPath(&host.viewer, f);
  bool commands_run = false;

  Status result;
  int frame = 0;
  while (!glfwWindowShouldClose(window)) {
    const bool opening = host.viewer.opening();
    if (!opening && !commands_run) {  // once the files given are loaded
      commands_run = true;
      for (const std::string& c : options.commands) {
        Status s = host.viewer.Command(c);
        if (!s.ok()) fprintf(stderr, "pyrolens: %s\n", s.message().c_str());
      }
    }
    if (options.screenshot.empty() && !opening) {
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
    if (!options.screenshot.empty() && frame >= options.frames && !opening && commands_run) {
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
