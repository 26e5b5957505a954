#include "byte_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

namespace homevisit::bench {

namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

bool WriteAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, data, n);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// One proxied connection: the client side and the server side.
struct Pair {
  int client = -1;
  int server = -1;
  int last_direction = 0;  // 1 up, 2 down
};

}  // namespace

ByteProxy::ByteProxy(int target_port) : target_port_(target_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = Loopback(0);
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  listen(listen_fd_, 64);
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (pipe(stop_pipe_) != 0) stop_pipe_[0] = stop_pipe_[1] = -1;
  thread_ = std::thread([this] { Run(); });
}

ByteProxy::~ByteProxy() {
  const char byte = 0;
  (void)!write(stop_pipe_[1], &byte, 1);
  thread_.join();
  close(listen_fd_);
  close(stop_pipe_[0]);
  close(stop_pipe_[1]);
}

WireCount ByteProxy::Read() const {
  return {up_.load(), down_.load(), turns_.load(), connections_.load()};
}

void ByteProxy::Run() {
  std::vector<Pair> pairs;
  char buffer[1 << 16];
  for (;;) {
    std::vector<pollfd> fds = {{stop_pipe_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const Pair& p : pairs) {
      fds.push_back({p.client, POLLIN, 0});
      fds.push_back({p.server, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), -1) < 0) continue;
    if (fds[0].revents) break;
    if (fds[1].revents & POLLIN) {
      const int client = accept(listen_fd_, nullptr, nullptr);
      const int server = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in target = Loopback(target_port_);
      if (client >= 0 && connect(server, reinterpret_cast<sockaddr*>(&target), sizeof target) == 0) {
        const int one = 1;
        setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pairs.push_back({client, server, 0});
        ++connections_;
      } else {
        if (client >= 0) close(client);
        close(server);
      }
    }
    std::vector<size_t> closed;
    for (size_t i = 0; i < pairs.size(); ++i) {
      Pair& p = pairs[i];
      for (int side = 0; side < 2; ++side) {
        const short events = fds[2 + 2 * i + side].revents;
        if (!(events & (POLLIN | POLLHUP | POLLERR))) continue;
        const int from = side == 0 ? p.client : p.server;
        const int to = side == 0 ? p.server : p.client;
        const ssize_t n = read(from, buffer, sizeof buffer);
        if (n <= 0 || !WriteAll(to, buffer, static_cast<size_t>(n))) {
          closed.push_back(i);
          break;
        }
        const int direction = side == 0 ? 1 : 2;
        (side == 0 ? up_ : down_) += static_cast<uint64_t>(n);
        if (direction == 2 && p.last_direction == 1) ++turns_;
        p.last_direction = direction;
      }
    }
    for (auto it = closed.rbegin(); it != closed.rend(); ++it) {
      close(pairs[*it].client);
      close(pairs[*it].server);
      pairs.erase(pairs.begin() + static_cast<long>(*it));
    }
  }
  for (const Pair& p : pairs) {
    close(p.client);
    close(p.server);
  }
}

}  // namespace homevisit::bench
