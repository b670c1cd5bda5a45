// The Pyrolens viewer: every Dear ImGui view over core (flame graph, icicle, top table,
// sandwich, diff, search, filters) behind one class that a host drives.
//
// What a host does (wasm/ in the browser, native/window/ on the desktop):
//   1. creates the ImGui context, the platform/renderer backends and the font atlas;
//   2. makes one Viewer and hands it profile bytes with Open() (from a drop, a file
//      picker, a URL fetch or postMessage), and host commands with Command();
//   3. each frame: ImGui_ImplXxx_NewFrame(); ImGui::NewFrame(); viewer.Frame(w, h);
//      ImGui::Render(); render the draw data.
// The viewer does no file, network, window or clipboard I/O: bytes it produces (exports)
// and notable moments (selection, errors) go out through the event callback as JSON.
//
// Everything derived from a profile (call trees, top table, sandwich, diff) is built by
// core once per input key (profile set, sample type, filters, invert, collapse) and
// cached; a frame only draws what is visible and does not allocate when nothing changes.
// All methods run on the thread that owns the ImGui context; none throws.
#ifndef PYROLENS_UI_INCLUDE_PYROLENS_UI_VIEWER_H_
#define PYROLENS_UI_INCLUDE_PYROLENS_UI_VIEWER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "pyrolens/status.h"

namespace pyrolens::ui {

class Viewer {
 public:
  Viewer();
  ~Viewer();
  Viewer(const Viewer&) = delete;
  Viewer& operator=(const Viewer&) = delete;

  // Adds a profile from `bytes` in any format and compression core reads (detected by
  // content). `name` labels it (a file name or URL). The first profile, or a profile
  // added while one is shown, becomes the shown one; with two or more loaded the user
  // (or Command "merge"/"diff") chooses merge or base+comparison. On error the viewer
  // keeps its state, shows "name: message" in an error bar until dismissed, emits
  // {"event":"error","message":...}, and returns the Status. `bytes` need not outlive
  // the call.
  Status Open(std::string name, std::string_view bytes);

  // Open in steps, for hosts whose frames must keep coming while a large profile loads:
  // the viewer takes `bytes` (`size` of them) and reads them, then builds the first call
  // tree, a few milliseconds of each Frame() at a time, with a progress bar; the views
  // keep showing what was loaded before. Loads queue in order. Returns the load's id;
  // the load ends as Open does, with {"event":"loaded",...,"load":id} or
  // {"event":"error","message",..."load":id} (also when Clear() cancels it).
  // `pprof_only`: bytes in a format other than pprof, which is read whole in one long step,
  // are not read; the load ends with {"event":"convert","load":id} instead, for a host
  // that can turn them into pprof elsewhere (the page's worker) and open that.
  uint32_t StartOpen(std::string name, std::unique_ptr<char[]> bytes, size_t size,
                     bool pprof_only = false, bool arriving = false);
  // For a host that fills the StartOpen bytes while they are read (the page, as its worker
  // inflates): after StartOpen(..., arriving = true) none of them has arrived; Arrived says
  // that the first n have (the last time: the profile is n bytes, n <= size). Plain pprof
  // is read as it arrives, anything else once it has all arrived.
  void Arrived(uint32_t load, size_t n, bool last);
  // Ends a StartOpen load unread, with {"event":"convert","load":id}: its host opens the
  // bytes otherwise (the page, when its worker could not inflate them as they arrived).
  void GiveBack(uint32_t load);
  // True while StartOpen loads are queued.
  bool opening() const;
  // Works on StartOpen loads for about `budget_ms` outside Frame(), for hosts with time
  // between frames (the browser page calls it in tasks of its own, so that input and
  // drawing come between them). Returns whether there is more to do now: opening(), unless
  // the first load waits for its bytes to arrive.
  bool WorkOnLoads(double budget_ms);
  // How long each Frame() works on loads: 80 ms unless a host that calls WorkOnLoads
  // lowers it.
  void SetFrameLoadBudget(double ms);

  // Shows an error the host met (a file it cannot read) as the viewer shows its own: in
  // the error bar, and as {"event":"error","message":...}.
  void ShowError(const std::string& message);

  // Removes every loaded profile (the page returns to its "drop a file" state).
  void Clear();

  // Draws the whole UI into the current ImGui frame, filling (0,0)-(width, height) in
  // ImGui coordinates (logical pixels). REQUIRES: between ImGui::NewFrame() and
  // ImGui::Render() of a context with a built font atlas.
  void Frame(float width, float height);

  // A snapshot of the state as one JSON object, for tests and embedding hosts:
  //   {"profiles":[{"name","sampleTypes":[{"type","unit"}]}], "view":"flame"|"icicle"|
  //    "top"|"sandwich"|"diff", "theme":"light"|"dark", "sampleType":{"index","type",
  //    "unit"}, "rootTotal", "zoom":{"id","name","total"}, "selected":{"id","name",
  //    "self","total"}|null, "search":{"query","regex","matchedTotal","share","error"},
  //    "filters":{"focus","ignore","hide","show","tagfocus","tagignore"},"invert",
  //    "collapseRecursion", "mode":"single"|"merge"|"diff", "diff":{"base","comparison",
  //    "baseTotal","comparisonTotal"}, "nodes":[{"id","name","x","y","w","h","total",
  //    "self"}] (nodes drawn in the last frame, pixel rectangles; merged sub-pixel runs
  //    are not listed), "top":[{"name","self","total"}] (first 100 rows in the current
  //    order; in a diff the comparison's, with "baseSelf" and "baseTotal"), "menu": the
  //    function whose context menu is open, or null,
  //    "sandwich":{"function","callers","callees"}, "errors":[...],
  //    "loading":{"message","progress"}|null, "scale", "frames"}
  // Values are JSON numbers (exact below 2^53).
  std::string StateJson() const;

  // Runs one host command given as JSON; the postMessage API maps onto these.
  //   {"cmd":"setTheme","theme":"dark"|"light"}
  //   {"cmd":"setScale","scale":2}            UI scale for high-DPI screens
  //   {"cmd":"setSampleType","sampleType":"alloc_space"|3}
  //   {"cmd":"setSearch","query":"json","regex":false}
  //   {"cmd":"zoom","id":12} or {"cmd":"zoom","name":"main.work"} (first match in
  //                                            pre-order)
  //   {"cmd":"select","id":12} / {"cmd":"select","name":"..."}   (also sets sandwich)
  //   {"cmd":"reset"}                          zoom and selection back to the root
  //   {"cmd":"setView","view":"flame"|"icicle"|"top"|"sandwich"|"diff"}
  //   {"cmd":"diff","base":0,"comparison":1}   profile indexes (or names)
  //   {"cmd":"merge"}                          merge every loaded profile
  //   {"cmd":"show","profile":0}               show one loaded profile
  //   {"cmd":"setFilter","focus":"..","ignore":"..","hide":"..","show":"..",
  //    "tagfocus":"..","tagignore":".."}      (absent keys unchanged)
  //   {"cmd":"invert","on":true}  {"cmd":"collapseRecursion","on":true}
  //   {"cmd":"colorBlind","on":true}          diff palette blue/orange
  //   {"cmd":"sortTop","by":"self"|"total"|"name"|"baseSelf"|"baseTotal"|"change",
  //    "descending":true}  (a diff's table: base values, change of the total's share)
  //   {"cmd":"filterTop","text":".."}
  //   {"cmd":"export","format":"pprof"|"folded"} -> export event (see below)
  //   {"cmd":"setLoading","message":"decoding","progress":0.4} / {"cmd":"setLoading"}
  //   {"cmd":"dismissErrors"}  {"cmd":"clear"}
  // Returns InvalidArgument for malformed JSON, unknown commands or bad arguments (bad
  // regexps are also shown in the UI). Takes effect at the next Frame().
  Status Command(std::string_view json);

  // Receives JSON events: {"event":"select","id","name","self","total"},
  // {"event":"zoom",...}, {"event":"error","message"},
  // {"event":"loaded","name","index","load","ms":{"read","tree","table"}} (ms: the time a
  // StartOpen load's steps spent reading, building the first tree, counting its table),
  // {"event":"export","format","name","size"} (the bytes go to the export callback),
  // {"event":"exportPng"} (the host reads back its framebuffer).
  void SetEventCallback(std::function<void(const std::string& json)> callback);

  // Receives exported bytes: a gzipped pprof or folded text, and a suggested file name.
  void SetExportCallback(
      std::function<void(const std::string& file_name, std::string_view bytes)> callback);

  // Shows a progress bar over the page (for hosts that decode in steps or fetch):
  // progress in [0, 1], or < 0 for an indeterminate one. ClearLoading() hides it.
  void SetLoading(std::string message, float progress);
  void ClearLoading();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pyrolens::ui

#endif  // PYROLENS_UI_INCLUDE_PYROLENS_UI_VIEWER_H_
