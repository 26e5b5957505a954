// The fault proxy over real loopback sockets: a small echo or sink server behind it and a
// blocking client in front. Timing checks are lower bounds only (the link must be at least
// this slow), so a loaded machine cannot make them fail.
#include "bench/faultproxy/fault_proxy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace homevisit::faultproxy {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

void SetTimeout(int fd, int seconds) {
  timeval tv{seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// Sends everything it can; stops quietly when the connection breaks.
size_t SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  return sent;
}

// Reads until EOF, error or `limit` bytes.
std::string ReadUpTo(int fd, size_t limit) {
  std::string out;
  char buf[16384];
  while (out.size() < limit) {
    const ssize_t n = recv(fd, buf, std::min(sizeof buf, limit - out.size()), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  return s;
}

// A server on 127.0.0.1 that serves one connection at a time: echo writes back what it
// reads; sink keeps what it reads. Either closes a connection at EOF.
class LoopbackServer {
 public:
  enum class Mode { kEcho, kSink };
  explicit LoopbackServer(Mode mode) : mode_(mode) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = Loopback(0);
    EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(listener_, 16), 0);
    socklen_t len = sizeof a;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~LoopbackServer() {
    shutdown(listener_, SHUT_RDWR);  // wakes accept()
    thread_.join();
    close(listener_);
  }
  uint16_t port() const { return port_; }
  // What each finished connection delivered, in order (sink mode).
  std::vector<std::string> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  // Waits until `n` connections have finished.
  bool WaitForConnections(size_t n, int seconds = 20) {
    const auto until = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < until) {
      if (received().size() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  Clock::time_point last_finished() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_finished_;
  }

 private:
  void Serve() {
    for (;;) {
      const int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      SetTimeout(fd, 30);
      std::string got;
      char buf[16384];
      for (;;) {
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        if (mode_ == Mode::kEcho)
          SendAll(fd, std::string(buf, static_cast<size_t>(n)));
        else
          got.append(buf, static_cast<size_t>(n));
      }
      close(fd);
      std::lock_guard<std::mutex> lock(mu_);
      received_.push_back(std::move(got));
      last_finished_ = Clock::now();
    }
  }

  Mode mode_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> received_;
  Clock::time_point last_finished_;
};

int Connect(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = Loopback(port);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
  SetTimeout(fd, 20);
  return fd;
}

std::unique_ptr<FaultProxy> StartProxy(uint16_t target, LinkProfile link) {
  ProxyOptions o;
  o.target_port = target;
  o.link = link;
  auto p = FaultProxy::Start(o);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? std::move(p.value()) : nullptr;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

TEST(FaultProxy, RefusesAnyTargetButLoopback) {
  for (const char* host : {"10.0.0.1", "example.org", "0.0.0.0", "127.0.0.2", "::1", ""}) {
    ProxyOptions o;
    o.target_host = host;
    o.target_port = 80;
    auto p = FaultProxy::Start(o);
    ASSERT_FALSE(p.ok()) << host;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find("127.0.0.1"), std::string::npos) << p.status().message();
  }
}

TEST(FaultProxy, RefusesContradictoryOrMissingSettings) {
  ProxyOptions o;
  EXPECT_FALSE(FaultProxy::Start(o).ok()) << "no target port";
  o.target_port = 9;
  o.link.cut_every_bytes = 10;
  o.link.random_cut_mean_bytes = 10;
  EXPECT_FALSE(FaultProxy::Start(o).ok()) << "both cut kinds";
  o.link = {};
  o.link.up_latency_ms = -1;
  EXPECT_FALSE(FaultProxy::Start(o).ok()) << "negative latency";
  EXPECT_FALSE(NamedProfile("5g").ok());
  EXPECT_TRUE(NamedProfile("2g").ok());
}

TEST(FaultProxy, ForwardsBothWaysAndCountsEveryByte) {
  LoopbackServer echo(LoopbackServer::Mode::kEcho);
  auto proxy = StartProxy(echo.port(), {});
  const int fd = Connect(proxy->port());
  const std::string data = Pattern(300'000);
  std::thread writer([&] { SendAll(fd, data); });
  const std::string back = ReadUpTo(fd, data.size());
  writer.join();
  close(fd);
  EXPECT_EQ(back.size(), data.size());
  EXPECT_TRUE(back == data) << "echoed bytes differ";
  const ProxyCounters c = proxy->counters();
  EXPECT_EQ(c.bytes_up, data.size());
  EXPECT_EQ(c.bytes_down, data.size());
  EXPECT_EQ(c.connections, 1u);
  EXPECT_EQ(c.cuts, 0u);
}

TEST(FaultProxy, AddsLatencyInEachDirectionAndAHandshakeRoundTrip) {
  LoopbackServer echo(LoopbackServer::Mode::kEcho);
  LinkProfile link;
  link.up_latency_ms = 80;
  link.down_latency_ms = 120;
  auto proxy = StartProxy(echo.port(), link);
  const int fd = Connect(proxy->port());
  const auto t0 = Clock::now();
  ASSERT_EQ(SendAll(fd, "a"), 1u);
  ASSERT_EQ(ReadUpTo(fd, 1), "a");
  const double first = Seconds(Clock::now() - t0);
  const auto t1 = Clock::now();
  ASSERT_EQ(SendAll(fd, "b"), 1u);
  ASSERT_EQ(ReadUpTo(fd, 1), "b");
  const double second = Seconds(Clock::now() - t1);
  close(fd);
  EXPECT_GE(first, 0.395) << "handshake round trip plus one round trip";
  EXPECT_GE(second, 0.195) << "one round trip of 80 + 120 ms";
}

TEST(FaultProxy, LimitsBandwidthPerDirection) {
  LoopbackServer sink(LoopbackServer::Mode::kSink);
  LinkProfile link;
  link.up_bytes_per_s = 50'000;
  auto proxy = StartProxy(sink.port(), link);
  const int fd = Connect(proxy->port());
  const std::string data = Pattern(100'000);
  const auto t0 = Clock::now();
  ASSERT_EQ(SendAll(fd, data), data.size());
  shutdown(fd, SHUT_WR);
  ASSERT_TRUE(sink.WaitForConnections(1));
  const double took = Seconds(sink.last_finished() - t0);
  close(fd);
  EXPECT_EQ(sink.received()[0].size(), data.size());
  EXPECT_GE(took, 1.95) << "100,000 bytes at 50,000 bytes/s";
  EXPECT_EQ(proxy->counters().bytes_up, data.size());
}

TEST(FaultProxy, CutsAfterExactlyTheBudgetAndStartsAFreshBudget) {
  LoopbackServer sink(LoopbackServer::Mode::kSink);
  LinkProfile link;
  link.cut_every_bytes = 10'000;
  auto proxy = StartProxy(sink.port(), link);
  const std::string data = Pattern(30'000);
  for (int i = 0; i < 2; ++i) {
    const int fd = Connect(proxy->port());
    SendAll(fd, data);
    EXPECT_EQ(ReadUpTo(fd, 1), "") << "the client sees the connection end";
    close(fd);
  }
  ASSERT_TRUE(sink.WaitForConnections(2));
  const auto got = sink.received();
  EXPECT_TRUE(got[0] == data.substr(0, 10'000)) << "got " << got[0].size() << " bytes";
  EXPECT_TRUE(got[1] == data.substr(0, 10'000)) << "got " << got[1].size() << " bytes";
  const ProxyCounters c = proxy->counters();
  EXPECT_EQ(c.cuts, 2u);
  EXPECT_EQ(c.bytes_up, 20'000u);
}

// Sizes the sink received on each of five connections that each try to send 64 KB.
std::vector<size_t> RandomCutSizes(uint64_t seed) {
  LoopbackServer sink(LoopbackServer::Mode::kSink);
  LinkProfile link;
  link.random_cut_mean_bytes = 8'000;
  link.seed = seed;
  auto proxy = StartProxy(sink.port(), link);
  const std::string data = Pattern(64'000);
  for (int i = 0; i < 5; ++i) {
    const int fd = Connect(proxy->port());
    SendAll(fd, data);
    shutdown(fd, SHUT_WR);  // ends the connection even if no cut falls in it
    ReadUpTo(fd, 1);
    close(fd);
  }
  EXPECT_TRUE(sink.WaitForConnections(5));
  std::vector<size_t> sizes;
  for (const std::string& s : sink.received()) sizes.push_back(s.size());
  return sizes;
}

TEST(FaultProxy, RandomCutsReplayWithTheSameSeed) {
  const uint64_t seed = 20240611;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  const std::vector<size_t> a = RandomCutSizes(seed);
  const std::vector<size_t> b = RandomCutSizes(seed);
  const std::vector<size_t> other = RandomCutSizes(seed + 1);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, other);
  EXPECT_NE(a[0], a[1]) << "cut distances vary";
}

TEST(FaultProxy, CutAllDropsOpenConnections) {
  LoopbackServer echo(LoopbackServer::Mode::kEcho);
  auto proxy = StartProxy(echo.port(), {});
  const int fd = Connect(proxy->port());
  ASSERT_EQ(SendAll(fd, "ping"), 4u);
  ASSERT_EQ(ReadUpTo(fd, 4), "ping");
  proxy->CutAll();
  EXPECT_EQ(ReadUpTo(fd, 1), "");
  close(fd);
  EXPECT_EQ(proxy->counters().cuts, 1u);
}

TEST(FaultProxy, StopEndsOpenConnectionsAndCanBeRepeated) {
  LoopbackServer echo(LoopbackServer::Mode::kEcho);
  LinkProfile link;
  link.up_latency_ms = 50;
  auto proxy = StartProxy(echo.port(), link);
  const int fd = Connect(proxy->port());
  ASSERT_EQ(SendAll(fd, "x"), 1u);
  ASSERT_EQ(ReadUpTo(fd, 1), "x");
  proxy->Stop();
  EXPECT_EQ(ReadUpTo(fd, 1), "");
  close(fd);
  proxy->Stop();
  const int again = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = Loopback(proxy->port());
  EXPECT_NE(connect(again, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << "listener closed";
  close(again);
}

TEST(FaultProxy, AClientOfAnUnreachableTargetIsDisconnected) {
  const int probe = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = Loopback(0);
  ASSERT_EQ(bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(probe, reinterpret_cast<sockaddr*>(&a), &len);
  const uint16_t unused = ntohs(a.sin_port);
  close(probe);
  auto proxy = StartProxy(unused, {});
  const int fd = Connect(proxy->port());
  EXPECT_EQ(ReadUpTo(fd, 1), "");
  close(fd);
}

#ifdef HOMEVISIT_FAULTPROXY_BIN
// The command prints its port, proxies, and prints its counters when told to stop.
TEST(FaultProxyCommand, PrintsItsPortThenItsCountersOnSigterm) {
  LoopbackServer echo(LoopbackServer::Mode::kEcho);
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const std::string target = std::to_string(echo.port());
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execl(HOMEVISIT_FAULTPROXY_BIN, "homevisit-faultproxy", "--target-port", target.c_str(),
          "--latency-ms", "10", nullptr);
    _exit(127);
  }
  close(out[1]);
  FILE* lines = fdopen(out[0], "r");
  char line[256] = {};
  ASSERT_NE(fgets(line, sizeof line, lines), nullptr);
  unsigned port = 0;
  ASSERT_EQ(std::sscanf(line, "{\"port\":%u}", &port), 1) << line;
  const int fd = Connect(static_cast<uint16_t>(port));
  ASSERT_EQ(SendAll(fd, "hello"), 5u);
  ASSERT_EQ(ReadUpTo(fd, 5), "hello");
  close(fd);
  kill(pid, SIGTERM);
  ASSERT_NE(fgets(line, sizeof line, lines), nullptr);
  EXPECT_NE(std::string(line).find("\"bytes_up\":5,"), std::string::npos) << line;
  fclose(lines);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(FaultProxyCommand, RefusesANonLoopbackTarget) {
  const pid_t pid = fork();
  if (pid == 0) {
    execl(HOMEVISIT_FAULTPROXY_BIN, "homevisit-faultproxy", "--target-host", "192.168.1.1",
          "--target-port", "80", nullptr);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2);
}
#endif

}  // namespace
}  // namespace homevisit::faultproxy
