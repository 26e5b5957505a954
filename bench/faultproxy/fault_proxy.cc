// The proxy runs one thread around poll(2). Each pass of the loop:
//   1. Transmit: staged bytes of every connection enter the link's serializer for their
//      direction while the serializer is free, in ~20 ms slices; each slice becomes an
//      in-flight segment due at (end of its transmission + latency).
//   2. Deliver: due segments are written to their receiver, spending the cut budget.
//   3. Poll: for readable senders (only when their stage has room and the handshake delay
//      has passed), writable receivers that blocked, the listener and the wake-up eventfd;
//      the timeout is the next moment something becomes due. Nothing spins.
// Invariants: a byte is counted once, when written to its receiver; a connection is either
// alive with both sockets open or gone with both closed; only the thread touches sockets.
#include "fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace homevisit::faultproxy {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

constexpr size_t kStageBytes = 16 * 1024;  // bytes a sender may have waiting in the proxy
constexpr size_t kMinSliceBytes = 256;

struct Segment {
  Clock::time_point due;
  std::string bytes;
  size_t written = 0;
  bool eof = false;  // pass the sender's EOF on (shutdown the receiver's write side)
};

// One direction of one connection.
struct Flow {
  int src = -1;
  int dst = -1;
  std::string staged;  // read from src, not yet on the link
  bool src_eof = false;
  bool eof_queued = false;
  bool dst_blocked = false;  // the last write would block: wait for POLLOUT
  bool done = false;         // EOF passed to dst
  std::deque<Segment> in_flight;

  size_t QueuedBytes() const {
    size_t n = staged.size();
    for (const Segment& s : in_flight) n += s.bytes.size() - s.written;
    return n;
  }
};

// One direction of the link, shared by every connection.
struct Lane {
  int64_t bytes_per_s = 0;
  nanoseconds latency{0};
  Clock::time_point free_at{};  // when the serializer finishes its last slice
  std::atomic<uint64_t>* delivered = nullptr;

  size_t SliceBytes() const {
    return std::max<size_t>(kMinSliceBytes, static_cast<size_t>(bytes_per_s / 50));
  }
  nanoseconds TransmitTime(size_t n) const {
    return nanoseconds(static_cast<int64_t>(n) * 1'000'000'000 / bytes_per_s);
  }
};

struct Connection {
  int client = -1;
  int server = -1;
  bool connecting = true;
  bool dead = false;
  Clock::time_point open_at;  // no byte moves before this (handshake round trip)
  Flow up;                    // client → server
  Flow down;                  // server → client
};

// A reset (RST) tells the peer of an error at once and discards unsent bytes; otherwise the
// peer receives every byte already written, then EOF, so a cut delivers exactly what the
// proxy counted.
void CloseSocket(int fd, bool reset) {
  if (fd < 0) return;
  if (reset) {
    linger l{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  } else {
    shutdown(fd, SHUT_WR);
  }
  close(fd);
}

void SetNoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

}  // namespace

class FaultProxy::Impl {
 public:
  explicit Impl(const ProxyOptions& options) : options_(options), rng_(options.link.seed) {
    up_.bytes_per_s = options.link.up_bytes_per_s;
    up_.latency = milliseconds(options.link.up_latency_ms);
    up_.delivered = &bytes_up_;
    down_.bytes_per_s = options.link.down_bytes_per_s;
    down_.latency = milliseconds(options.link.down_latency_ms);
    down_.delivered = &bytes_down_;
    budget_ = NextBudget();
  }

  ~Impl() { Stop(); }

  Status Listen() {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener_ < 0) return {StatusCode::kUnavailable, "cannot create a socket"};
    int one = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr = Loopback(options_.listen_port);
    if (bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listener_, 64) != 0) {
      return {StatusCode::kUnavailable,
              "cannot listen on 127.0.0.1:" + std::to_string(options_.listen_port) + ": " +
                  std::strerror(errno)};
    }
    socklen_t len = sizeof addr;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_ < 0) return {StatusCode::kUnavailable, "cannot create an eventfd"};
    thread_ = std::thread([this] { Run(); });
    return Status::Ok();
  }

  void Stop() {
    if (!thread_.joinable()) {
      CloseAll();
      return;
    }
    stopping_ = true;
    Wake();
    thread_.join();
    CloseAll();
  }

  void CutAll() {
    cut_all_requested_ = true;
    Wake();
  }

  uint16_t port() const { return port_; }

  ProxyCounters counters() const {
    ProxyCounters c;
    c.bytes_up = bytes_up_.load();
    c.bytes_down = bytes_down_.load();
    c.bytes_dropped = bytes_dropped_.load();
    c.connections = connections_.load();
    c.cuts = cuts_.load();
    return c;
  }

 private:
  void Wake() {
    if (wake_ < 0) return;
    uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = write(wake_, &one, sizeof one);
  }

  uint64_t NextBudget() {
    const LinkProfile& l = options_.link;
    if (l.random_cut_mean_bytes > 0) {
      std::exponential_distribution<double> d(1.0 / static_cast<double>(l.random_cut_mean_bytes));
      return std::max<uint64_t>(1, static_cast<uint64_t>(d(rng_)));
    }
    return l.cut_every_bytes;  // 0 = no cuts
  }

  void Run() {
    while (!stopping_) {
      if (cut_all_requested_.exchange(false)) {
        for (Connection& c : conns_) Cut(c);
      }
      const Clock::time_point now = Clock::now();
      for (Connection& c : conns_) {
        if (c.dead || c.connecting || now < c.open_at) continue;
        Transmit(c.up, up_, now);
        Transmit(c.down, down_, now);
        Deliver(c, c.up, up_, now);
        if (!c.dead) Deliver(c, c.down, down_, now);
        if (!c.dead && c.up.done && c.down.done) Close(c, /*reset=*/false);
      }
      conns_.remove_if([](const Connection& c) { return c.dead; });
      PollOnce(now);
    }
  }

  // Moves staged bytes onto the link while its serializer is free.
  static void Transmit(Flow& f, Lane& lane, Clock::time_point now) {
    while (!f.staged.empty()) {
      if (lane.bytes_per_s <= 0) {
        f.in_flight.push_back({now + lane.latency, std::move(f.staged)});
        f.staged.clear();
        break;
      }
      if (lane.free_at > now) return;  // busy: wait for the serializer
      const size_t n = std::min(f.staged.size(), lane.SliceBytes());
      const Clock::time_point start = std::max(now, lane.free_at);
      lane.free_at = start + lane.TransmitTime(n);
      f.in_flight.push_back({lane.free_at + lane.latency, f.staged.substr(0, n)});
      f.staged.erase(0, n);
    }
    if (f.src_eof && !f.eof_queued) {
      Segment eof{std::max(now, lane.free_at) + lane.latency, {}};
      eof.eof = true;
      f.in_flight.push_back(std::move(eof));
      f.eof_queued = true;
    }
  }

  // Writes due segments to the receiver, spending the cut budget.
  void Deliver(Connection& c, Flow& f, Lane& lane, Clock::time_point now) {
    while (!f.dst_blocked && !f.in_flight.empty() && f.in_flight.front().due <= now) {
      Segment& s = f.in_flight.front();
      if (s.eof) {
        shutdown(f.dst, SHUT_WR);
        f.done = true;
        f.in_flight.pop_front();
        continue;
      }
      size_t want = s.bytes.size() - s.written;
      bool cut_after = false;
      if (budget_ > 0 && want >= budget_) {
        want = static_cast<size_t>(budget_);
        cut_after = true;
      }
      const ssize_t n = send(f.dst, s.bytes.data() + s.written, want, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          f.dst_blocked = true;
          return;
        }
        Close(c, /*reset=*/true);  // the receiver went away: drop the other side too
        return;
      }
      lane.delivered->fetch_add(static_cast<uint64_t>(n));
      s.written += static_cast<size_t>(n);
      if (budget_ > 0) budget_ -= static_cast<uint64_t>(n);
      if (cut_after && static_cast<size_t>(n) == want) {
        budget_ = NextBudget();
        Cut(c);
        return;
      }
      if (static_cast<size_t>(n) < want) {
        f.dst_blocked = true;
        return;
      }
      if (s.written == s.bytes.size()) f.in_flight.pop_front();
    }
  }

  void Cut(Connection& c) {
    if (c.dead) return;
    bytes_dropped_ += c.up.QueuedBytes() + c.down.QueuedBytes();
    cuts_++;
    Close(c, /*reset=*/false);
  }

  static void Close(Connection& c, bool reset) {
    CloseSocket(c.client, reset);
    CloseSocket(c.server, reset);
    c.client = c.server = -1;
    c.dead = true;
  }

  static bool WantsRead(const Connection& c, const Flow& f, Clock::time_point now) {
    return !c.connecting && now >= c.open_at && !f.src_eof && f.staged.size() < kStageBytes;
  }

  void PollOnce(Clock::time_point now) {
    std::vector<pollfd> fds;
    std::vector<Connection*> owners;  // parallel to fds; nullptr for listener and wake
    fds.push_back({wake_, POLLIN, 0});
    owners.push_back(nullptr);
    fds.push_back({listener_, POLLIN, 0});
    owners.push_back(nullptr);
    Clock::time_point next = Clock::time_point::max();
    for (Connection& c : conns_) {
      short client_events = 0, server_events = 0;
      if (c.connecting) {
        server_events |= POLLOUT;
      } else if (now < c.open_at) {
        next = std::min(next, c.open_at);
      } else {
        if (WantsRead(c, c.up, now)) client_events |= POLLIN;
        if (WantsRead(c, c.down, now)) server_events |= POLLIN;
        if (c.up.dst_blocked) server_events |= POLLOUT;
        if (c.down.dst_blocked) client_events |= POLLOUT;
        next = std::min(next, NextDue(c.up, up_));
        next = std::min(next, NextDue(c.down, down_));
      }
      if (client_events) {
        fds.push_back({c.client, client_events, 0});
        owners.push_back(&c);
      }
      if (server_events) {
        fds.push_back({c.server, server_events, 0});
        owners.push_back(&c);
      }
    }
    int timeout_ms = -1;
    if (next != Clock::time_point::max()) {
      const auto wait = std::chrono::ceil<milliseconds>(next - Clock::now()).count();
      timeout_ms = static_cast<int>(std::clamp<int64_t>(wait, 0, 60'000));
    }
    if (poll(fds.data(), fds.size(), timeout_ms) <= 0) return;
    if (fds[0].revents) {
      uint64_t drained;
      [[maybe_unused]] auto n = read(wake_, &drained, sizeof drained);
    }
    if (fds[1].revents & POLLIN) Accept();
    for (size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents == 0 || owners[i]->dead) continue;
      HandleEvent(*owners[i], fds[i].fd, fds[i].revents);
    }
  }

  static Clock::time_point NextDue(const Flow& f, const Lane& lane) {
    Clock::time_point next = Clock::time_point::max();
    if (!f.staged.empty()) next = lane.free_at;
    if (!f.in_flight.empty() && !f.dst_blocked) next = std::min(next, f.in_flight.front().due);
    return next;
  }

  void HandleEvent(Connection& c, int fd, short revents) {
    const bool is_client = fd == c.client;
    if (c.connecting && !is_client) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        Close(c, /*reset=*/true);  // the target refused: refuse the client too
        return;
      }
      c.connecting = false;
      return;
    }
    Flow& reading = is_client ? c.up : c.down;  // this fd is reading's source
    Flow& writing = is_client ? c.down : c.up;  // and writing's receiver
    if (revents & POLLOUT) writing.dst_blocked = false;
    if (revents & (POLLIN | POLLHUP | POLLERR)) ReadInto(c, reading);
  }

  void ReadInto(Connection& c, Flow& f) {
    if (f.src_eof || f.staged.size() >= kStageBytes) return;
    char buf[16 * 1024];
    const size_t room = std::min(sizeof buf, kStageBytes - f.staged.size());
    const ssize_t n = recv(f.src, buf, room, 0);
    if (n > 0) {
      f.staged.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      f.src_eof = true;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      Close(c, /*reset=*/true);  // the sender reset: reset the other side too
    }
  }

  void Accept() {
    for (;;) {
      const int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      if (conns_.size() >= static_cast<size_t>(options_.max_connections)) {
        CloseSocket(fd, /*reset=*/true);
        continue;
      }
      const int server = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      // The only address the proxy ever connects to.
      sockaddr_in target = Loopback(options_.target_port);
      if (server < 0 ||
          (connect(server, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0 &&
           errno != EINPROGRESS)) {
        CloseSocket(server, false);
        CloseSocket(fd, /*reset=*/true);
        continue;
      }
      SetNoDelay(fd);
      SetNoDelay(server);
      Connection& c = conns_.emplace_back();
      c.client = fd;
      c.server = server;
      c.open_at = Clock::now() + up_.latency + down_.latency;
      c.up.src = fd;
      c.up.dst = server;
      c.down.src = server;
      c.down.dst = fd;
      connections_++;
    }
  }

  void CloseAll() {
    for (Connection& c : conns_) Close(c, /*reset=*/true);
    conns_.clear();
    if (listener_ >= 0) close(listener_);
    if (wake_ >= 0) close(wake_);
    listener_ = wake_ = -1;
  }

  const ProxyOptions options_;
  std::mt19937_64 rng_;
  Lane up_, down_;
  uint64_t budget_ = 0;  // bytes left before the next cut; 0 = no cuts
  int listener_ = -1;
  int wake_ = -1;
  uint16_t port_ = 0;
  std::list<Connection> conns_;  // stable addresses while polling
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> cut_all_requested_{false};
  std::atomic<uint64_t> bytes_up_{0}, bytes_down_{0}, bytes_dropped_{0}, connections_{0}, cuts_{0};
};

Result<LinkProfile> NamedProfile(std::string_view name) {
  LinkProfile p;
  if (name == "loopback") return p;
  if (name == "2g") {
    p.up_bytes_per_s = p.down_bytes_per_s = 30'000;
    p.up_latency_ms = p.down_latency_ms = 300;
    p.cut_every_bytes = 512'000;
    return p;
  }
  if (name == "3g") {
    p.up_bytes_per_s = p.down_bytes_per_s = 200'000;
    p.up_latency_ms = p.down_latency_ms = 100;
    p.cut_every_bytes = 5'000'000;
    return p;
  }
  if (name == "flaky") {
    p.up_bytes_per_s = p.down_bytes_per_s = 100'000;
    p.up_latency_ms = p.down_latency_ms = 150;
    p.random_cut_mean_bytes = 256 * 1024;
    return p;
  }
  return InvalidArgument("unknown link profile \"" + std::string(name) +
                         "\" (known: loopback, 2g, 3g, flaky)");
}

Result<std::unique_ptr<FaultProxy>> FaultProxy::Start(const ProxyOptions& options) {
  if (options.target_host != "127.0.0.1" && options.target_host != "localhost") {
    return InvalidArgument("the fault proxy only connects to 127.0.0.1, not \"" +
                           options.target_host + "\"");
  }
  if (options.target_port == 0) return InvalidArgument("the fault proxy needs a target port");
  const LinkProfile& l = options.link;
  if (l.up_latency_ms < 0 || l.down_latency_ms < 0 || l.up_bytes_per_s < 0 ||
      l.down_bytes_per_s < 0 || options.max_connections < 1) {
    return InvalidArgument("latencies, bandwidths and the connection limit must not be negative");
  }
  if (l.cut_every_bytes > 0 && l.random_cut_mean_bytes > 0) {
    return InvalidArgument("choose either cuts every N bytes or random cuts, not both");
  }
  auto impl = std::make_unique<Impl>(options);
  Status s = impl->Listen();
  if (!s.ok()) return s;
  return std::unique_ptr<FaultProxy>(new FaultProxy(std::move(impl)));
}

FaultProxy::FaultProxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaultProxy::~FaultProxy() { Stop(); }
uint16_t FaultProxy::port() const { return impl_->port(); }
ProxyCounters FaultProxy::counters() const { return impl_->counters(); }
void FaultProxy::CutAll() { impl_->CutAll(); }
void FaultProxy::Stop() { impl_->Stop(); }

std::string CountersJson(const ProxyCounters& c) {
  return "{\"bytes_up\":" + std::to_string(c.bytes_up) +
         ",\"bytes_down\":" + std::to_string(c.bytes_down) +
         ",\"bytes_dropped\":" + std::to_string(c.bytes_dropped) +
         ",\"connections\":" + std::to_string(c.connections) +
         ",\"cuts\":" + std::to_string(c.cuts) + "}";
}

}  // namespace homevisit::faultproxy
