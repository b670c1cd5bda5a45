// pyrolens convert IN -o OUT: rewrites a profile in the format OUT's suffix names:
// .folded or .txt gives folded stacks (one sample type), .speedscope.json or .json
// speedscope JSON (every sample type), anything else a gzipped pprof.
#include "cli/commands.h"
#include "cli/files.h"
#include "pyrolens/filter.h"
#include "pyrolens/folded.h"
#include "pyrolens/pprof.h"
#include "pyrolens/speedscope.h"

namespace pyrolens {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void RegisterConvert(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "convert",
      "Convert a profile: OUT ending in .folded/.txt gives folded stacks, .json speedscope "
      "JSON, else pprof");
  struct Args {
    std::string in, out, sample_index;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("IN", args->in,
                  "profile (pprof, folded, JFR, cpuprofile, speedscope, perf script; gzip or "
                  "zstd)")
      ->required();
  cmd->add_option("-o,--output", args->out, "output file ('-': stdout)")->required();
  cmd->add_option("--sample-index,--sample_index", args->sample_index,
                  "folded output: value column, index or sample type name (default: the "
                  "default type)");
  cmd->callback([args] {
    Result<Profile> p = LoadProfile(args->in);
    if (!p.ok()) Fail(p.status());
    std::string data;
    if (EndsWith(args->out, ".folded") || EndsWith(args->out, ".txt")) {
      Result<size_t> index = SelectSampleType(*p, args->sample_index);
      if (!index.ok()) Fail(index.status());
      data = WriteFolded(*p, *index);
    } else if (EndsWith(args->out, ".json")) {
      data = WriteSpeedscope(*p);
    } else {
      data = WritePprof(*p, /*gzip=*/true);
    }
    Status s = WriteFile(args->out, data);
    if (!s.ok()) Fail(s);
  });
}

}  // namespace pyrolens
