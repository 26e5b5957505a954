// homevisit-server: the sync server and its admin commands (see cli.h).
#include <iostream>
#include <string>
#include <vector>

#include "sync-server/cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return homevisit::server::RunCli(args, {std::cin, std::cout, std::cerr});
}
