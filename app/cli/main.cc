// homevisit-device: see Usage() in commands.cc.
#include <iostream>
#include <string>
#include <vector>

#include "app/cli/commands.h"

int main(int argc, char** argv) {
  using namespace homevisit::cli;
  GlobalOptions options;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    if (!args.empty()) {
      args.push_back(arg);  // after the command, everything belongs to it
    } else if (arg == "--data") {
      if (!value(&options.data_dir)) break;
    } else if (arg == "--server") {
      if (!value(&options.server)) break;
    } else if (arg == "--device-name") {
      if (!value(&options.device_name)) break;
    } else if (arg == "--attempts") {
      std::string n;
      if (!value(&n)) break;
      if (n.empty() || n.size() > 2 || n.find_first_not_of("0123456789") != std::string::npos ||
          std::stoi(n) < 1) {
        std::cerr << "--attempts needs a number from 1 to 99\n";
        return kExitUsage;
      }
      options.attempts = std::stoi(n);
    } else if (arg == "--verbose" || arg == "-v") {
      options.verbose = true;
    } else if (arg == "--help" || arg == "-h") {
      std::cout << Usage();
      return kExitOk;
    } else if (arg.rfind("--", 0) == 0) {
      std::cerr << "unknown option " << arg << "\n" << Usage();
      return kExitUsage;
    } else {
      args.push_back(arg);
    }
  }
  if (options.data_dir.empty() || args.empty()) {
    std::cerr << (options.data_dir.empty() ? "--data DIR is required\n" : "no command given\n")
              << Usage();
    return kExitUsage;
  }
  return RunCommand(options, args, std::cout, std::cerr);
}
