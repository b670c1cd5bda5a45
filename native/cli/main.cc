// pyrolens: profile tools. Accepts pprof's single-dash long flags (-nodecount=10)
// as well as the usual --nodecount 10.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace pyrolens {

[[noreturn]] void Fail(const Status& status) {
  fprintf(stderr, "pyrolens: %s\n", status.message().c_str());
  throw CLI::RuntimeError(1);
}

}  // namespace pyrolens

namespace {

// Reading a large profile is dominated by TLB misses (in a VM, each is a two-level page
// walk); with transparent huge pages it takes half the CPU time. glibc backs malloc with
// them when GLIBC_TUNABLES asks for it, and reads tunables only at start-up, so the
// process sets the tunable and re-executes itself once. Tunables the user set win.
void ReexecWithHugePages(char** argv) {
  if (getenv("GLIBC_TUNABLES") != nullptr) return;
  setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: carry on without
  unsetenv("GLIBC_TUNABLES");
}

}  // namespace

int main(int argc, char** argv) {
  ReexecWithHugePages(argv);
  CLI::App app{"pyrolens: read, merge, convert and analyse profiles", "pyrolens"};
  app.require_subcommand(1);
  app.fallthrough(false);
  pyrolens::RegisterInfo(app);
  pyrolens::RegisterTop(app);
  pyrolens::RegisterMerge(app);
  pyrolens::RegisterConvert(app);
  pyrolens::RegisterFlame(app);
  pyrolens::RegisterDiff(app);
  pyrolens::RegisterView(app);
  pyrolens::RegisterServe(app);

  // "-word..." (one dash, two or more letters) is pprof's spelling of "--word...".
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i) {
    std::string a = argv[i];
    if (a.size() > 2 && a[0] == '-' && a[1] != '-' && isalpha(static_cast<unsigned char>(a[1])) &&
        isalpha(static_cast<unsigned char>(a[2]))) {
      a = "-" + a;
    }
    args.push_back(a);  // CLI11 takes arguments in reverse order
  }
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a command failed and already printed its one line
  } catch (const CLI::ParseError& e) {
    // Usage errors follow the same contract as failures: one line, exit status 1.
    fprintf(stderr, "pyrolens: %s (see --help)\n", e.what());
    return 1;
  }
  return 0;
}
