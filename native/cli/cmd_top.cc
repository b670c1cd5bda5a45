// pyrolens top [flags] FILE...: the hottest functions, as `pprof -top` prints them.
// Several files are merged first. Flags keep pprof's names and accept both spellings
// (-nodecount=5 is rewritten to --nodecount=5 by main.cc; --nodecount 5 works too).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "cli/files.h"
#include "pyrolens/merge.h"
#include "pyrolens/top.h"

namespace pyrolens {
namespace {

struct TopFlags {
  std::vector<std::string> files;
  std::vector<std::pair<std::string, std::string>> values;  // flag name, value as given
};

constexpr const char* kValueFlags[][2] = {
    {"sample_index",
     "sample type by index or name (default: the profile's default, else the "
     "last)"},
    {"nodecount", "show at most this many rows (default: all)"},
    {"nodefraction", "hide nodes below this fraction of the total (default 0.005)"},
    {"edgefraction",
     "ignore call edges below this fraction when marking (inline) (default "
     "0.001)"},
    {"unit", "output unit: minimum (default), auto, or a unit such as ms, s, MB"},
    {"focus", "keep samples with a frame matching this regexp"},
    {"ignore", "drop samples with a frame matching this regexp"},
    {"hide", "remove frames matching this regexp from stacks"},
    {"show", "keep only frames matching this regexp in stacks"},
    {"tagfocus",
     "keep samples with labels matching: regexp, key=regexp, or a range like "
     "1mb:2mb"},
    {"tagignore", "drop samples with labels matching (same forms as -tagfocus)"},
};

}  // namespace

void RegisterTop(CLI::App& app) {
  auto* cmd = app.add_subcommand("top",
                                 "The functions with the most flat and cumulative "
                                 "value, as `pprof -top` prints them");
  auto flags = std::make_shared<TopFlags>();
  auto raw = std::make_shared<std::vector<std::string>>(std::size(kValueFlags));
  for (size_t i = 0; i < std::size(kValueFlags); ++i) {
    cmd->add_option(std::string("--") + kValueFlags[i][0], (*raw)[i], kValueFlags[i][1]);
  }
  auto cum = std::make_shared<bool>(false);
  auto flat = std::make_shared<bool>(false);
  cmd->add_flag("--cum", *cum, "sort by cumulative value");
  cmd->add_flag("--flat", *flat, "sort by flat value (the default)");
  cmd->add_option("FILE", flags->files,
                  "profiles (pprof, folded; gzip or zstd); several are "
                  "merged")
      ->required();
  cmd->callback([cmd, flags, raw, cum, flat] {
    TopOptions options;
    for (size_t i = 0; i < std::size(kValueFlags); ++i) {
      if (cmd->count(std::string("--") + kValueFlags[i][0]) == 0) continue;
      Status s = ParseTopFlag(kValueFlags[i][0], (*raw)[i], &options);
      if (!s.ok()) Fail(s);
    }
    if (*cum && *flat) Fail(Status::InvalidArgument("-cum and -flat exclude each other"));
    options.cum = *cum;

    std::vector<Profile> profiles;
    for (const std::string& path : flags->files) {
      Result<Profile> r = LoadProfile(path);
      if (!r.ok()) Fail(r.status());
      profiles.push_back(std::move(r).value());
    }
    Profile merged;
    if (profiles.size() == 1) {
      merged = std::move(profiles[0]);
    } else {
      std::vector<const Profile*> inputs;
      for (const Profile& p : profiles) inputs.push_back(&p);
      Result<Profile> r = Merge(inputs);
      if (!r.ok()) Fail(r.status().WithPrefix("merge"));
      merged = std::move(r).value();
      profiles.clear();
    }
    Result<TopReport> report = BuildTop(std::move(merged), options);
    if (!report.ok()) Fail(report.status());
    for (const std::string& w : report->warnings) fprintf(stderr, "%s\n", w.c_str());
    std::string text = FormatTop(*report);
    fwrite(text.data(), 1, text.size(), stdout);
  });
}

}  // namespace pyrolens
