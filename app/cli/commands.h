// The commands of homevisit-device, the headless device: the same store and sync client as
// the app, driven from a shell (operators' smoke tests, the README demo, tests, benchmarks).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace homevisit::cli {

// Exit codes: scripts and tests tell failures apart by them.
enum ExitCode {
  kExitOk = 0,
  kExitUsage = 2,      // bad command line; nothing was changed
  kExitOffline = 3,    // the server could not be reached; local data is safe
  kExitAuth = 4,       // log in (again), or the device was revoked
  kExitRejected = 5,   // the server refused some writes
  kExitServer = 6,     // the server failed
  kExitLocal = 7,      // the device's data: not found, invalid, or storage failed
  kExitCancelled = 8,
};

struct GlobalOptions {
  std::string data_dir;
  std::string server;       // HOST:PORT; empty: the one of the last login
  std::string device_name;  // for login
  bool verbose = false;     // technical detail of errors, progress of a sync
  int attempts = 0;         // attempts per call before giving up (0: the default)
};

// Runs one command (args[0] is its name). Output for people goes to `out`, errors to `err`.
int RunCommand(const GlobalOptions& options, const std::vector<std::string>& args,
               std::ostream& out, std::ostream& err);

// The usage text.
const char* Usage();

}  // namespace homevisit::cli
