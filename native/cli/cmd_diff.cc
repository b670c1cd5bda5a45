// pyrolens diff BASE NEW: flat (self) value per function in both profiles and the
// change, largest absolute change first; values scaled by unit as pprof prints them.
#include <algorithm>
#include <cstdlib>

#include "cli/commands.h"
#include "cli/files.h"
#include "pyrolens/filter.h"
#include "pyrolens/call_tree.h"
#include "pyrolens/units.h"

namespace pyrolens {
namespace {


struct Row {
  std::string name;
  int64_t base = 0;
  int64_t now = 0;
};

// pprof's scaled form ("1.50s", "2MB", "37"); a "+" marks growth in the change column.
std::string Value(int64_t v, const std::string& unit, bool sign) {
  return (sign && v > 0 ? "+" : "") + ScaledLabel(v, unit, "minimum");
}

}  // namespace

void RegisterDiff(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "diff", "Compare two profiles by function: flat value in BASE and NEW, and the change");
  struct Args {
    std::string base, now, sample_index;
    size_t nodecount = 0;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("BASE", args->base, "the base profile")->required();
  cmd->add_option("NEW", args->now, "the profile compared with BASE")->required();
  cmd->add_option("--sample-index,--sample_index", args->sample_index,
                  "value column: index or sample type name (default: the default type)");
  cmd->add_option("-n,--nodecount", args->nodecount, "print at most N functions (0: all)");
  cmd->callback([args] {
    Result<Profile> base = LoadProfile(args->base);
    if (!base.ok()) Fail(base.status());
    Result<Profile> now = LoadProfile(args->now);
    if (!now.ok()) Fail(now.status());
    Result<size_t> bi = SelectSampleType(*base, args->sample_index);
    if (!bi.ok()) Fail(bi.status().WithPrefix(args->base));
    Result<size_t> ni = SelectSampleType(*now, args->sample_index);
    if (!ni.ok()) Fail(ni.status().WithPrefix(args->now));
    const ValueType& bt = base->sample_types[*bi];
    const ValueType& nt = now->sample_types[*ni];
    std::string btype = base->str(bt.type) + "/" + base->str(bt.unit);
    std::string ntype = now->str(nt.type) + "/" + now->str(nt.unit);
    if (btype != ntype) {
      Fail(Status::InvalidArgument(
          Format("diff: sample types differ: %s vs %s", btype.c_str(), ntype.c_str())));
    }
    CallTreeOptions bo, no;
    bo.sample_type = *bi;
    no.sample_type = *ni;
    Result<CallTree> bt_tree = BuildCallTree(*base, bo);
    if (!bt_tree.ok()) Fail(bt_tree.status().WithPrefix(args->base));
    Result<CallTree> nt_tree = BuildCallTree(*now, no);
    if (!nt_tree.ok()) Fail(nt_tree.status().WithPrefix(args->now));
    Result<DiffTree> diff = BuildDiffTree(*bt_tree, *nt_tree);
    if (!diff.ok()) Fail(diff.status());

    // Flat value per function name: the self values of its nodes (the root excluded).
    std::vector<Row> rows(diff->names.size());
    std::vector<char> used(diff->names.size(), 0);
    for (uint32_t n = 1; n < diff->size(); ++n) {
      Row& r = rows[diff->name[n]];
      r.base = WrapAdd(r.base, diff->left_self(n));
      r.now = WrapAdd(r.now, diff->right_self(n));
      used[diff->name[n]] = 1;
    }
    std::vector<Row> out;
    for (uint32_t id = 0; id < rows.size(); ++id) {
      if (!used[id] || (rows[id].base == 0 && rows[id].now == 0)) continue;
      rows[id].name = diff->names[id];
      out.push_back(std::move(rows[id]));
    }
    std::sort(out.begin(), out.end(), [](const Row& a, const Row& b) {
      uint64_t ca = static_cast<uint64_t>(a.now - a.base), cb = static_cast<uint64_t>(b.now - b.base);
      ca = static_cast<int64_t>(ca) < 0 ? -ca : ca;
      cb = static_cast<int64_t>(cb) < 0 ? -cb : cb;
      if (ca != cb) return ca > cb;
      int64_t ma = std::max(a.base, a.now), mb = std::max(b.base, b.now);
      if (ma != mb) return ma > mb;
      return a.name < b.name;
    });
    if (args->nodecount > 0 && out.size() > args->nodecount) out.resize(args->nodecount);

    const std::string& unit = base->str(bt.unit);
    int64_t btotal = diff->size() == 0 ? 0 : diff->left_total(0);
    int64_t ntotal = diff->size() == 0 ? 0 : diff->right_total(0);
    printf("Sample type: %s\n", btype.c_str());
    printf("Total: base %s, new %s, change %s\n", Value(btotal, unit, false).c_str(),
           Value(ntotal, unit, false).c_str(), Value(WrapSub(ntotal, btotal), unit, true).c_str());
    std::vector<std::string> cells;
    size_t w[3] = {4, 3, 6};  // widths of "base", "new", "change"
    for (const Row& r : out) {
      cells.push_back(Value(r.base, unit, false));
      cells.push_back(Value(r.now, unit, false));
      cells.push_back(Value(WrapSub(r.now, r.base), unit, true));
      for (int c = 0; c < 3; ++c) w[c] = std::max(w[c], cells[cells.size() - 3 + c].size());
    }
    printf("%*s  %*s  %*s  %s\n", static_cast<int>(w[0]), "base", static_cast<int>(w[1]), "new",
           static_cast<int>(w[2]), "change", "name");
    for (size_t i = 0; i < out.size(); ++i) {
      printf("%*s  %*s  %*s  %s\n", static_cast<int>(w[0]), cells[3 * i].c_str(),
             static_cast<int>(w[1]), cells[3 * i + 1].c_str(), static_cast<int>(w[2]),
             cells[3 * i + 2].c_str(), out[i].name.c_str());
    }
    if (fflush(stdout) != 0) Fail(Status::InvalidArgument("stdout: write failed"));
  });
}

}  // namespace pyrolens
