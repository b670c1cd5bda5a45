// pyrolens info FILE: what a profile holds (types, period, time, counts, labels).
#include <set>
#include <vector>

#include "cli/commands.h"
#include "cli/files.h"

namespace pyrolens {

void RegisterInfo(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Describe a profile: sample types, period, counts, labels");
  auto file = std::make_shared<std::string>();
  cmd->add_option("FILE", *file, "profile (pprof, folded; gzip or zstd)")->required();
  cmd->callback([file] {
    Result<Profile> r = LoadProfile(*file);
    if (!r.ok()) Fail(r.status());
    const Profile& p = *r;
    printf("File: %s\n", file->c_str());
    printf("Sample types:");
    for (size_t i = 0; i < p.num_types(); ++i) {
      printf(" %s/%s%s", p.str(p.sample_types[i].type).c_str(),
             p.str(p.sample_types[i].unit).c_str(),
             p.sample_types[i].type == p.default_sample_type && p.default_sample_type ? " (default)"
                                                                                      : "");
    }
    printf("\n");
    printf("Period: %lld %s/%s\n", static_cast<long long>(p.period),
           p.str(p.period_type.type).c_str(), p.str(p.period_type.unit).c_str());
    printf("Time: %lld ns since epoch\n", static_cast<long long>(p.time_nanos));
    printf("Duration: %lld ns\n", static_cast<long long>(p.duration_nanos));
    printf("Samples: %zu\n", p.num_samples());
    printf("Unique stacks: %zu\n", p.num_stacks());
    printf("Locations: %zu\n", p.locations.size());
    printf("Functions: %zu\n", p.functions.size());
    printf("Mappings: %zu\n", p.mappings.size());
    printf("Strings: %u\n", p.strings.size());
    std::vector<bool> used(p.label_table.size());
    for (uint32_t id : p.sample_labels) used[id] = true;
    std::set<std::string> keys;
    size_t distinct = 0;
    for (size_t id = 0; id < used.size(); ++id) {
      if (!used[id]) continue;
      ++distinct;
      keys.insert(p.str(p.label_table[id].key));
    }
    printf("Labels: %zu on samples (%zu distinct), keys:", p.sample_labels.size(), distinct);
    for (const std::string& k : keys) printf(" %s", k.c_str());
    printf("\n");
    for (size_t i = 0; i < p.num_types(); ++i) {
      printf("Total %s: %lld\n", p.str(p.sample_types[i].type).c_str(),
             static_cast<long long>(p.Total(i)));
    }
    for (StringId c : p.comments) printf("Comment: %s\n", p.str(c).c_str());
    printf("Skipped: %llu unknown fields, %llu non-stack lines; %llu entries without id\n",
           static_cast<unsigned long long>(p.stats.unknown_fields),
           static_cast<unsigned long long>(p.stats.skipped_lines),
           static_cast<unsigned long long>(p.stats.missing_ids));
  });
}

}  // namespace pyrolens
