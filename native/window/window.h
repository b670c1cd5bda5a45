// The native host of pyrolens_ui: a GLFW window with an OpenGL 3 context drawing the
// same Viewer as the browser, with file drop onto the window and a screenshot mode
// (for tests and `--screenshot`). File I/O for the viewer lives here, not in ui/.
#ifndef PYROLENS_NATIVE_WINDOW_WINDOW_H_
#define PYROLENS_NATIVE_WINDOW_WINDOW_H_

#include <string>
#include <vector>

#include "pyrolens/status.h"

namespace pyrolens {

struct ViewWindowOptions {
  std::vector<std::string> files;     // opened in order; bad ones show an error in the window
  std::vector<std::string> commands;  // Viewer::Command JSON, run after the files are opened
  int width = 1280, height = 800;     // window size in screen coordinates
  std::string screenshot;             // when set: render `frames` frames, write a PNG, exit
  int frames = 3;
  float scale = 0;         // UI scale; 0 = the monitor's content scale
  std::string state_json;  // when set: write Viewer::StateJson() there on exit
};

// Opens the window and runs until it is closed (or, with a screenshot, after `frames`
// frames). Errors: InvalidArgument when GLFW or OpenGL cannot start (no display, ...),
// or the screenshot cannot be written.
Status RunViewWindow(const ViewWindowOptions& options);

}  // namespace pyrolens

#endif  // PYROLENS_NATIVE_WINDOW_WINDOW_H_
