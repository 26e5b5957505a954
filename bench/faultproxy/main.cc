// homevisit-faultproxy: the fault proxy as a command for scripts.
//
//   homevisit-faultproxy --target-port 50051 [--listen-port 0] [--profile 2g]
//       [--latency-ms ONE_WAY] [--up-latency-ms N] [--down-latency-ms N]
//       [--bandwidth BYTES_PER_S] [--up-bandwidth N] [--down-bandwidth N]
//       [--cut-every BYTES] [--random-cut-mean BYTES] [--seed N]
//
// Prints one JSON line {"port":P} once listening (on 127.0.0.1), then runs until SIGINT or
// SIGTERM and prints the counters as one JSON line. Options after --profile override it.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fault_proxy.h"

namespace {

using homevisit::faultproxy::FaultProxy;
using homevisit::faultproxy::ProxyOptions;

int Usage(const std::string& error) {
  std::fprintf(stderr,
               "homevisit-faultproxy: %s\n"
               "usage: homevisit-faultproxy --target-port PORT [--listen-port PORT]\n"
               "  [--profile loopback|2g|3g|flaky] [--latency-ms N] [--up-latency-ms N]\n"
               "  [--down-latency-ms N] [--bandwidth B/s] [--up-bandwidth B/s]\n"
               "  [--down-bandwidth B/s] [--cut-every BYTES] [--random-cut-mean BYTES]\n"
               "  [--seed N]\n",
               error.c_str());
  return 2;
}

// Parses a whole non-negative decimal number no larger than `max`.
bool ParseNumber(std::string_view text, uint64_t max, uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  uint64_t v = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(ch - '0');
    if (v > (max - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  ProxyOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return Usage("missing value after " + flag);
    const std::string value = argv[++i];
    if (flag == "--profile") {
      auto p = homevisit::faultproxy::NamedProfile(value);
      if (!p.ok()) return Usage(p.status().message());
      options.link = *p;
      continue;
    }
    if (flag == "--target-host") {
      options.target_host = value;
      continue;
    }
    uint64_t n = 0;
    const uint64_t max = flag.find("port") != std::string::npos ? 65535 : (uint64_t{1} << 53);
    if (!ParseNumber(value, max, &n)) return Usage("bad number for " + flag + ": " + value);
    auto& l = options.link;
    if (flag == "--target-port")
      options.target_port = static_cast<uint16_t>(n);
    else if (flag == "--listen-port")
      options.listen_port = static_cast<uint16_t>(n);
    else if (flag == "--latency-ms")
      l.up_latency_ms = l.down_latency_ms = static_cast<int64_t>(n);
    else if (flag == "--up-latency-ms")
      l.up_latency_ms = static_cast<int64_t>(n);
    else if (flag == "--down-latency-ms")
      l.down_latency_ms = static_cast<int64_t>(n);
    else if (flag == "--bandwidth")
      l.up_bytes_per_s = l.down_bytes_per_s = static_cast<int64_t>(n);
    else if (flag == "--up-bandwidth")
      l.up_bytes_per_s = static_cast<int64_t>(n);
    else if (flag == "--down-bandwidth")
      l.down_bytes_per_s = static_cast<int64_t>(n);
    else if (flag == "--cut-every")
      l.cut_every_bytes = n, l.random_cut_mean_bytes = 0;
    else if (flag == "--random-cut-mean")
      l.random_cut_mean_bytes = n, l.cut_every_bytes = 0;
    else if (flag == "--seed")
      l.seed = n;
    else
      return Usage("unknown option " + flag);
  }

  // Block the stop signals before any thread starts, then wait for one here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto proxy = FaultProxy::Start(options);
  if (!proxy.ok()) return Usage(proxy.status().message());
  std::printf("{\"port\":%u}\n", static_cast<unsigned>((*proxy)->port()));
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  (*proxy)->Stop();
  std::printf("%s\n", homevisit::faultproxy::CountersJson((*proxy)->counters()).c_str());
  return 0;
}
