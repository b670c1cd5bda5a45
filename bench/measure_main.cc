// pyrolens-measure: runs a command and records its wall time and peak RSS (GNU time's
// %e and %M, without needing GNU time installed), optionally within limits.
//   pyrolens-measure [--max-rss-mib N] [--timeout SECONDS] RESULT_FILE COMMAND [ARGS...]
// Writes "WALL_SECONDS MAX_RSS_KIB" to RESULT_FILE and exits with the command's status:
// 128 + signal when it was killed, 127 when it could not be started, 124 when it ran past
// --timeout and 125 when its resident set grew past --max-rss-mib (it is killed then; the
// limits protect a shared machine from a peer tool that needs far more than it has).
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

namespace {

double Now() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// VmRSS of `pid` in KiB, or -1 when /proc does not say (the process just exited).
long RssKib(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/status";
  FILE* f = fopen(path.c_str(), "r");
  if (f == nullptr) return -1;
  char line[256];
  long kib = -1;
  while (fgets(line, sizeof(line), f) != nullptr) {
    if (strncmp(line, "VmRSS:", 6) == 0) {
      kib = strtol(line + 6, nullptr, 10);
      break;
    }
  }
  fclose(f);
  return kib;
}

bool ParseNumber(const char* s, double* out) {
  char* end = nullptr;
  *out = strtod(s, &end);
  return end != s && *end == '\0' && *out > 0;
}

}  // namespace

int main(int argc, char** argv) {
  double max_rss_mib = 0, timeout_s = 0;
  int arg = 1;
  while (arg + 1 < argc && strncmp(argv[arg], "--", 2) == 0) {
    double* target = strcmp(argv[arg], "--max-rss-mib") == 0 ? &max_rss_mib
                     : strcmp(argv[arg], "--timeout") == 0   ? &timeout_s
                                                             : nullptr;
    if (target == nullptr || !ParseNumber(argv[arg + 1], target)) {
      fprintf(stderr, "pyrolens-measure: bad option %s %s\n", argv[arg], argv[arg + 1]);
      return 2;
    }
    arg += 2;
  }
  if (argc - arg < 2) {
    fprintf(stderr,
            "usage: pyrolens-measure [--max-rss-mib N] [--timeout SECONDS] RESULT_FILE "
            "COMMAND [ARGS...]\n");
    return 2;
  }
  const char* result_file = argv[arg];
  char** command = argv + arg + 1;
  double start = Now();
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "pyrolens-measure: fork: %s\n", strerror(errno));
    return 2;
  }
  if (pid == 0) {
    execvp(command[0], command);
    fprintf(stderr, "pyrolens-measure: %s: %s\n", command[0], strerror(errno));
    _exit(127);
  }
  int status = 0, limit_exit = 0;
  rusage usage;
  for (;;) {
    pid_t r = wait4(pid, &status, limit_exit || (max_rss_mib == 0 && timeout_s == 0) ? 0 : WNOHANG,
                    &usage);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {
      fprintf(stderr, "pyrolens-measure: wait4: %s\n", strerror(errno));
      return 2;
    }
    if (r == 0) {  // still running: check the limits every 20 ms
      const char* why = nullptr;
      if (timeout_s > 0 && Now() - start > timeout_s) {
        why = "ran past --timeout";
        limit_exit = 124;
      } else if (max_rss_mib > 0 && RssKib(pid) > max_rss_mib * 1024) {
        why = "resident set grew past --max-rss-mib";
        limit_exit = 125;
      }
      if (why != nullptr) {
        fprintf(stderr, "pyrolens-measure: %s: %s; killed\n", command[0], why);
        kill(pid, SIGKILL);
        continue;
      }
      usleep(20000);
    }
  }
  double wall = Now() - start;
  FILE* out = fopen(result_file, "w");
  if (out == nullptr || fprintf(out, "%.3f %ld\n", wall, usage.ru_maxrss) < 0) {
    fprintf(stderr, "pyrolens-measure: cannot write %s\n", result_file);
    if (out != nullptr) fclose(out);
    return 2;
  }
  if (fclose(out) != 0) {
    fprintf(stderr, "pyrolens-measure: cannot write %s\n", result_file);
    return 2;
  }
  if (limit_exit != 0) return limit_exit;
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}
