// A real `homevisit-server serve` process for multi-instance tests and the load benchmark:
// started on 127.0.0.1 port 0 over a given database, its port read from the first line it
// prints, stopped with SIGTERM (SIGKILL after a grace period) when destroyed. Its stderr
// (one log line per call) goes to a file, shown by LogTail() when something fails.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace homevisit::server::testing {

class ServerProcess {
 public:
  // `binary` is the homevisit-server executable; `db` its --db argument.
  static Result<std::unique_ptr<ServerProcess>> Start(const std::string& binary,
                                                      const std::string& db,
                                                      const std::vector<std::string>& extra = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // The last `lines` lines the server logged.
  std::string LogTail(int lines = 20) const;
  // Sends SIGTERM and waits for the process; true if it exited with status 0.
  bool Stop();

 private:
  ServerProcess() = default;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
  std::string out_path_;
};

}  // namespace homevisit::server::testing
