// pyrolens merge FILE... -o OUT: merges profiles with pprof's semantics and writes a
// gzipped pprof, or folded stacks of the default sample type when OUT ends in .folded.
#include "cli/commands.h"
#include "cli/files.h"
#include "pyrolens/filter.h"
#include "pyrolens/folded.h"
#include "pyrolens/merge.h"
#include "pyrolens/pprof.h"

namespace pyrolens {

void RegisterMerge(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "merge", "Merge profiles of the same sample types into one (pprof, or .folded output)");
  struct Args {
    std::vector<std::string> files;
    std::string out;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("FILE", args->files, "profiles (pprof, folded; gzip or zstd)")->required();
  cmd->add_option("-o,--output", args->out,
                  "output file: gzipped pprof, or folded stacks if it ends in .folded ('-': "
                  "stdout)")
      ->required();
  cmd->callback([args] {
    std::vector<Profile> profiles;
    profiles.reserve(args->files.size());
    for (const std::string& f : args->files) {
      Result<Profile> p = LoadProfile(f);
      if (!p.ok()) Fail(p.status());
      profiles.push_back(std::move(p).value());
    }
    std::vector<const Profile*> ptrs;
    for (const Profile& p : profiles) ptrs.push_back(&p);
    Result<Profile> merged = Merge(ptrs);
    if (!merged.ok()) Fail(merged.status());
    std::string data;
    const std::string& out = args->out;
    if (out.size() >= 7 && out.compare(out.size() - 7, 7, ".folded") == 0) {
      Result<size_t> index = SelectSampleType(*merged, "");
      if (!index.ok()) Fail(index.status());
      data = WriteFolded(*merged, *index);
    } else {
      data = WritePprof(*merged, /*gzip=*/true);
    }
    Status s = WriteFile(out, data);
    if (!s.ok()) Fail(s);
  });
}

}  // namespace pyrolens
