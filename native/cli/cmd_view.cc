// pyrolens view FILE...: the viewer in a native window (GLFW + OpenGL 3).
#include "cli/commands.h"
#include "window/window.h"

namespace pyrolens {

void RegisterView(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "view",
      "Open profiles in a window: flame graph, top table, sandwich, diff (drop files on it)");
  auto o = std::make_shared<ViewWindowOptions>();
  cmd->add_option("FILE", o->files, "profiles (pprof, folded; gzip or zstd)");
  cmd->add_option("--width", o->width, "window width")->check(CLI::Range(200, 10000));
  cmd->add_option("--height", o->height, "window height")->check(CLI::Range(200, 10000));
  cmd->add_option("--scale", o->scale, "UI scale (default: the monitor's content scale)");
  cmd->add_option("--command", o->commands,
                  "viewer command as JSON, e.g. '{\"cmd\":\"setTheme\",\"theme\":\"light\"}'")
      ->allow_extra_args(false);  // one value per --command; later words are FILEs
  cmd->add_option("--screenshot", o->screenshot,
                  "render --frames frames, write the window as a PNG and exit");
  cmd->add_option("--frames", o->frames, "frames before the screenshot")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--state", o->state_json, "write the viewer state (JSON) there on exit");
  cmd->callback([o] {
    Status s = RunViewWindow(*o);
    if (!s.ok()) Fail(s);
  });
}

}  // namespace pyrolens
