#include "tests/pg/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <functional>
#include <iterator>
#include <thread>

namespace homevisit::server::testing {
namespace {

constexpr char kListening[] = "listening on ";

// Waits until the file at `path` holds a complete first line, the process ends, or
// `timeout` passes.
bool FirstLine(const std::string& path, pid_t pid, std::chrono::milliseconds timeout,
               std::string* line) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t end = text.find('\n');
    if (end != std::string::npos) {
      *line = text.substr(0, end);
      return true;
    }
    siginfo_t info{};
    // Has it exited? (WNOWAIT: leave it to Stop() to reap.)
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<ServerProcess>> ServerProcess::Start(const std::string& binary,
                                                            const std::string& db,
                                                            const std::vector<std::string>& extra) {
  std::unique_ptr<ServerProcess> server(new ServerProcess());
  char log_pattern[] = "/tmp/homevisit-server-log.XXXXXX";
  const int log_fd = mkstemp(log_pattern);
  char out_pattern[] = "/tmp/homevisit-server-out.XXXXXX";
  const int out_fd = mkstemp(out_pattern);
  if (log_fd < 0 || out_fd < 0) return Internal("cannot create the server's output files");
  server->log_path_ = log_pattern;
  server->out_path_ = out_pattern;
  std::vector<std::string> args = {binary, "serve", "--listen", "127.0.0.1:0", "--db", db};
  args.insert(args.end(), extra.begin(), extra.end());
  // On PostgreSQL the server needs an attachment directory, shared by every instance of one
  // database: one per database string, unless the caller chose one.
  if (db.rfind("sqlite:", 0) != 0 &&
      std::find(extra.begin(), extra.end(), "--blob-dir") == extra.end()) {
    args.push_back("--blob-dir");
    args.push_back("/tmp/homevisit-test-blobs-" + std::to_string(std::hash<std::string>{}(db)));
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return Internal("fork failed");
  if (pid == 0) {
    dup2(out_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    close(out_fd);
    close(log_fd);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out_fd);
  close(log_fd);
  server->pid_ = pid;
  std::string line;
  const bool got = FirstLine(server->out_path_, pid, std::chrono::seconds(60), &line);
  const size_t at = line.find(kListening);
  if (!got || at == std::string::npos) {
    return Status(StatusCode::kUnavailable,
                  "the server did not start: " + line + "\n" + server->LogTail());
  }
  const std::string address = line.substr(at + sizeof(kListening) - 1);
  server->port_ = std::atoi(address.substr(address.rfind(':') + 1).c_str());
  if (server->port_ <= 0) return Internal("cannot read the port from: " + line);
  return server;
}

bool ServerProcess::Stop() {
  if (pid_ <= 0) return true;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 200; ++i) {  // up to 20 s for running calls to finish
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return false;
}

ServerProcess::~ServerProcess() {
  Stop();
  if (!log_path_.empty()) unlink(log_path_.c_str());
  if (!out_path_.empty()) unlink(out_path_.c_str());
}

std::string ServerProcess::LogTail(int lines) const {
  std::ifstream in(log_path_);
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& l : tail) out += l + "\n";
  return out;
}

}  // namespace homevisit::server::testing
