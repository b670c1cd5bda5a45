// pyrolens flame FILE... [--max-nodes N] [--sample-index I|NAME]: prints the merged
// profile's flame graph as Pyroscope's FlameGraph JSON (int64 values as strings).
#include <charconv>

#include "cli/commands.h"
#include "cli/files.h"
#include "pyrolens/filter.h"
#include "pyrolens/call_tree.h"
#include "pyrolens/merge.h"

namespace pyrolens {

namespace {

// Loads `files` and merges them when there are several.
Result<Profile> LoadMerged(const std::vector<std::string>& files) {
  std::vector<Profile> profiles;
  profiles.reserve(files.size());
  for (const std::string& f : files) {
    ASSIGN_OR_RETURN(Profile p, LoadProfile(f));
    profiles.push_back(std::move(p));
  }
  if (profiles.size() == 1) return std::move(profiles[0]);
  std::vector<const Profile*> ptrs;
  for (const Profile& p : profiles) ptrs.push_back(&p);
  return Merge(ptrs);
}

}  // namespace

void RegisterFlame(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "flame", "Print the flame graph of one or more (merged) profiles as Pyroscope FlameGraph JSON");
  struct Args {
    std::vector<std::string> files;
    int64_t max_nodes = 0;
    std::string sample_index;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("FILE", args->files, "profiles (pprof, folded; gzip or zstd)")->required();
  cmd->add_option("--max-nodes,--max_nodes", args->max_nodes,
                  "keep the N nodes with the largest totals, the rest summed into \"other\" "
                  "(0: all)");
  cmd->add_option("--sample-index,--sample_index", args->sample_index,
                  "value column: index or sample type name (default: the default type)");
  cmd->callback([args] {
    Result<Profile> p = LoadMerged(args->files);
    if (!p.ok()) Fail(p.status());
    Result<size_t> index = SelectSampleType(*p, args->sample_index);
    if (!index.ok()) Fail(index.status());
    CallTreeOptions options;
    options.sample_type = *index;
    Result<CallTree> tree = BuildCallTree(*p, options);
    if (!tree.ok()) Fail(tree.status());
    std::string json = FlameGraphToJson(BuildFlameGraph(*tree, args->max_nodes));
    json += '\n';
    Status s = WriteFile("-", json);
    if (!s.ok()) Fail(s);
  });
}

}  // namespace pyrolens
