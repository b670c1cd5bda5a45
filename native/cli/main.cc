// pyrolens: profile tools. Accepts pprof's single-dash long flags (-nodecount=10)
// as well as the usual --nodecount 10.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace pyrolens {

[[noreturn]] void Fail(const Status& status) {
  fprintf(stderr, "pyrolens: %s\n", status.message().c_str());
  throw CLI::RuntimeError(1);
}

}  // namespace pyrolens

int main(int argc, char** argv) {
  CLI::App app{"pyrolens: read, merge, convert and analyse profiles", "pyrolens"};
  app.require_subcommand(1);
  app.fallthrough(false);
  pyrolens::RegisterInfo(app);

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
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}
