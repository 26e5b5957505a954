// A loopback TCP proxy that counts the bytes a client and a server exchange, so a benchmark
// can measure what a sync costs on the wire (HTTP/2 framing, headers, compression and all).
// It only ever listens on and connects to 127.0.0.1.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace homevisit::bench {

struct WireCount {
  uint64_t up = 0;     // client → server bytes
  uint64_t down = 0;   // server → client bytes
  uint64_t turns = 0;  // times the flow went from client→server to server→client
  uint64_t connections = 0;
  uint64_t total() const { return up + down; }
  WireCount operator-(const WireCount& o) const {
    return {up - o.up, down - o.down, turns - o.turns, connections - o.connections};
  }
};

class ByteProxy {
 public:
  // Listens on 127.0.0.1 (a free port) and forwards every connection to 127.0.0.1:target_port.
  explicit ByteProxy(int target_port);
  ~ByteProxy();
  ByteProxy(const ByteProxy&) = delete;
  ByteProxy& operator=(const ByteProxy&) = delete;

  int port() const { return port_; }
  // A consistent-enough reading of the counters (they only grow).
  WireCount Read() const;

 private:
  void Run();

  int target_port_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<uint64_t> up_{0}, down_{0}, turns_{0}, connections_{0};
  std::thread thread_;
};

}  // namespace homevisit::bench
