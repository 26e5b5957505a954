// A user-space TCP proxy on 127.0.0.1 that makes a loopback connection behave like a bad
// mobile link: latency per direction, a bandwidth limit per direction, and connection cuts
// after a number of bytes or at seeded random points. It counts the bytes it delivers.
//
// The kernel here has no netem, so tests and benchmarks put this proxy between a client
// and a real server. It only ever listens on and connects to 127.0.0.1: it cannot be
// pointed at another host.
//
// Link model (one FaultProxy = one link, shared by all connections through it):
//  * Each direction has a serializer: bytes leave at `*_bytes_per_s`, in slices of about
//    20 ms, then arrive `*_latency_ms` later. The proxy reads from a sender only while less
//    than one stage (16 KiB) of its bytes waits for the serializer, so a sender feels
//    back-pressure as on a slow link instead of dumping everything into the proxy.
//  * A new connection carries no byte before one round trip (up + down latency) has passed,
//    as a TCP handshake would cost.
//  * Cuts count bytes delivered on the link in both directions. When the budget runs out in
//    the middle of a write, exactly the budgeted bytes are delivered, then the connection
//    carrying them is closed on both sides (each peer reads what was delivered, then EOF);
//    bytes still queued in the proxy for it are dropped. The next
//    budget is `cut_every_bytes`, or drawn from an exponential distribution with mean
//    `random_cut_mean_bytes` from a generator seeded with `seed` (same seed, same cuts).
//  * "Bytes delivered" are bytes written to the receiving socket: what crossed the link.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace homevisit::faultproxy {

struct LinkProfile {
  int64_t up_latency_ms = 0;           // client → server, one way, milliseconds
  int64_t down_latency_ms = 0;         // server → client, one way, milliseconds
  int64_t up_bytes_per_s = 0;          // client → server bandwidth, bytes/s; 0 = unlimited
  int64_t down_bytes_per_s = 0;        // server → client bandwidth, bytes/s; 0 = unlimited
  uint64_t cut_every_bytes = 0;        // cut after this many bytes delivered; 0 = never
  uint64_t random_cut_mean_bytes = 0;  // mean of random cut distances; 0 = no random cuts
  uint64_t seed = 1;                   // seeds the random cuts
};

// Named profiles for scripts and benchmarks:
//   "loopback": no faults.
//   "2g":       30 KB/s each way, 600 ms round trip, a cut every 500 KB (512,000 bytes).
//   "3g":       200 KB/s each way, 200 ms round trip, a cut every 5 MB.
//   "flaky":    100 KB/s each way, 300 ms round trip, random cuts, mean 256 KB.
Result<LinkProfile> NamedProfile(std::string_view name);

struct ProxyOptions {
  // Only "127.0.0.1" (or "localhost") is accepted; anything else is refused by Start().
  std::string target_host = "127.0.0.1";
  uint16_t target_port = 0;   // required
  uint16_t listen_port = 0;   // 0 = pick a free port (see FaultProxy::port())
  int max_connections = 256;  // further connections are refused (closed at once)
  LinkProfile link;
};

// A snapshot of what the link did since Start().
struct ProxyCounters {
  uint64_t bytes_up = 0;       // delivered client → server
  uint64_t bytes_down = 0;     // delivered server → client
  uint64_t bytes_dropped = 0;  // read from a sender but lost in a cut before delivery
  uint64_t connections = 0;    // accepted
  uint64_t cuts = 0;           // connections cut by the link (budget or CutAll)
};

class FaultProxy {
 public:
  // Listens on 127.0.0.1:listen_port and starts the proxy thread. Fails with
  // kInvalidArgument for a non-loopback target, a missing port, negative figures, or both
  // cut kinds at once; with kUnavailable if the port cannot be bound.
  static Result<std::unique_ptr<FaultProxy>> Start(const ProxyOptions& options);
  ~FaultProxy();  // Stop()s.
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  uint16_t port() const;
  ProxyCounters counters() const;
  // Cuts every open connection now, as if the phone left the coverage area.
  void CutAll();
  // Closes the listener and every connection and joins the thread. Idempotent.
  void Stop();

  class Impl;

 private:
  explicit FaultProxy(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The counters as one JSON object (for the CLI and benchmarks).
std::string CountersJson(const ProxyCounters& counters);

}  // namespace homevisit::faultproxy
