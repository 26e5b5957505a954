#include "multipart_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sodium.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace homevisit::bench {
namespace {

constexpr size_t kMaxHeadBytes = 16 * 1024;
constexpr int kSocketTimeoutS = 120;

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

void SetTimeouts(int fd) {
  timeval tv{kSocketTimeoutS, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool ReadMore(int fd, std::string* buf) {
  char chunk[64 * 1024];
  const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
  if (n <= 0) return false;
  buf->append(chunk, static_cast<size_t>(n));
  return true;
}

// Reads until `buf` holds a header block; moves it (without the blank line) to `head`.
bool ReadHead(int fd, std::string* buf, std::string* head) {
  size_t end;
  while ((end = buf->find("\r\n\r\n")) == std::string::npos) {
    if (buf->size() > kMaxHeadBytes || !ReadMore(fd, buf)) return false;
  }
  *head = buf->substr(0, end);
  buf->erase(0, end + 4);
  return head->size() <= kMaxHeadBytes;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The value of header `name` (lower case) in a header block, without surrounding spaces.
std::optional<std::string> Header(const std::string& head, std::string_view name) {
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos < head.size()) {
    const size_t start = pos + 2;
    size_t end = head.find("\r\n", start);
    if (end == std::string::npos) end = head.size();
    const std::string_view line(head.data() + start, end - start);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos && Lower(line.substr(0, colon)) == name) {
      std::string_view v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      return std::string(v);
    }
    pos = end;
  }
  return std::nullopt;
}

bool ParseSize(const std::string& text, size_t max, size_t* out) {
  if (text.empty() || text.size() > 12) return false;
  size_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

// `key="value"` from a header value such as Content-Disposition.
std::optional<std::string> Param(std::string_view header, std::string_view key) {
  const std::string needle = std::string(key) + "=\"";
  size_t at = header.find(needle);
  while (at != std::string_view::npos && at > 0 && header[at - 1] != ' ' && header[at - 1] != ';') {
    at = header.find(needle, at + 1);
  }
  if (at == std::string_view::npos) return std::nullopt;
  const size_t start = at + needle.size();
  const size_t end = header.find('"', start);
  if (end == std::string_view::npos) return std::nullopt;
  return std::string(header.substr(start, end - start));
}

std::string Sha256(std::string_view data) {
  std::string digest(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(digest.data()),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return digest;
}

struct Submission {
  std::string visit_id;
  std::vector<std::string> file_sha256;
};

// Parses a multipart/form-data body; nullopt if malformed or without a visit id.
std::optional<Submission> ParseMultipart(std::string_view body, const std::string& boundary) {
  const std::string delim = "--" + boundary;
  const std::string separator = "\r\n" + delim;
  if (body.substr(0, delim.size() + 2) != delim + "\r\n") return std::nullopt;
  Submission out;
  size_t pos = delim.size() + 2;
  for (;;) {
    const size_t next = body.find(separator, pos);
    if (next == std::string_view::npos) return std::nullopt;
    const std::string_view part = body.substr(pos, next - pos);
    const size_t head_end = part.find("\r\n\r\n");
    if (head_end == std::string_view::npos) return std::nullopt;
    const std::string head = "\r\n" + std::string(part.substr(0, head_end));
    const std::string_view content = part.substr(head_end + 4);
    const auto disposition = Header(head, "content-disposition");
    if (!disposition) return std::nullopt;
    const auto name = Param(*disposition, "name");
    if (Param(*disposition, "filename")) {
      out.file_sha256.push_back(Sha256(content));
    } else if (name && *name == "visit_id") {
      out.visit_id = std::string(content);
    }
    const size_t after = next + separator.size();
    if (body.substr(after, 2) == "--") break;
    if (body.substr(after, 2) != "\r\n") return std::nullopt;
    pos = after + 2;
  }
  if (out.visit_id.empty() || out.visit_id.size() > 100) return std::nullopt;
  return out;
}

void Reply(int fd, const char* status_line) {
  const std::string r = std::string("HTTP/1.1 ") + status_line + "\r\nContent-Length: 0\r\n\r\n";
  SendAll(fd, r);
}

}  // namespace

Result<std::unique_ptr<MultipartReceiver>> MultipartReceiver::Start(size_t max_body_bytes) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  std::unique_ptr<MultipartReceiver> r(new MultipartReceiver());
  r->max_body_bytes_ = max_body_bytes;
  r->listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = Loopback(0);
  if (r->listener_ < 0 || bind(r->listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      listen(r->listener_, 16) != 0) {
    return Status(StatusCode::kUnavailable, "cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof a;
  getsockname(r->listener_, reinterpret_cast<sockaddr*>(&a), &len);
  r->port_ = ntohs(a.sin_port);
  r->wake_ = eventfd(0, EFD_CLOEXEC);
  r->acceptor_ = std::thread([p = r.get()] { p->AcceptLoop(); });
  return r;
}

MultipartReceiver::~MultipartReceiver() { Stop(); }

void MultipartReceiver::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{listener_, POLLIN, 0}, {wake_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents) return;
    const int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    SetTimeouts(fd);
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.push_back(fd);
    connections_.emplace_back([this, fd] { Serve(fd); });
  }
}

void MultipartReceiver::Serve(int fd) {
  std::string buf, head;
  while (ReadHead(fd, &buf, &head)) {
    const size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    if (request_line != "POST /submission HTTP/1.1") {
      Reply(fd, "404 Not Found");
      break;
    }
    size_t length = 0;
    const auto cl = Header(head, "content-length");
    if (!cl || !ParseSize(*cl, max_body_bytes_, &length)) {
      Reply(fd, "413 Payload Too Large");
      break;
    }
    const auto type = Header(head, "content-type");
    const std::string prefix = "multipart/form-data; boundary=";
    if (!type || type->rfind(prefix, 0) != 0 || type->size() == prefix.size()) {
      Reply(fd, "400 Bad Request");
      break;
    }
    bool cut = false;
    while (!cut && buf.size() < length) cut = !ReadMore(fd, &buf);
    if (cut) break;  // the link dropped mid-body: nothing is recorded
    const std::string body = buf.substr(0, length);
    buf.erase(0, length);
    auto submission = ParseMultipart(body, type->substr(prefix.size()));
    if (!submission) {
      Reply(fd, "400 Bad Request");
      break;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      visits_[submission->visit_id] = submission->file_sha256;
    }
    Reply(fd, "201 Created");
  }
  std::lock_guard<std::mutex> lock(mu_);
  open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
  close(fd);
}

std::map<std::string, std::vector<std::string>> MultipartReceiver::visits() {
  std::lock_guard<std::mutex> lock(mu_);
  return visits_;
}

void MultipartReceiver::Stop() {
  if (acceptor_.joinable()) {
    uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = write(wake_, &one, sizeof one);
    acceptor_.join();
  }
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
    threads.swap(connections_);
  }
  for (std::thread& t : threads) t.join();
  if (listener_ >= 0) close(listener_);
  if (wake_ >= 0) close(wake_);
  listener_ = wake_ = -1;
}

MultipartPoster::~MultipartPoster() { Disconnect(); }

void MultipartPoster::Disconnect() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool MultipartPoster::TryOnce(const std::string& head, const std::string& body) {
  if (fd_ < 0) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = Loopback(port_);
    if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
    SetTimeouts(fd_);
  }
  if (!SendAll(fd_, head) || !SendAll(fd_, body)) return false;
  std::string buf, response;
  if (!ReadHead(fd_, &buf, &response)) return false;
  size_t length = 0;
  const auto cl = Header(response, "content-length");
  if (cl && !ParseSize(*cl, 1 << 20, &length)) return false;
  while (buf.size() < length) {
    if (!ReadMore(fd_, &buf)) return false;
  }
  return response.rfind("HTTP/1.1 201", 0) == 0;
}

Status MultipartPoster::PostVisit(const std::string& visit_id,
                                  const std::vector<std::string_view>& photos, int* attempts) {
  const std::string boundary = "----HomeVisitBoundary7d3f09a1";
  std::string body = "--" + boundary +
                     "\r\nContent-Disposition: form-data; name=\"visit_id\"\r\n\r\n" + visit_id +
                     "\r\n";
  for (size_t i = 0; i < photos.size(); ++i) {
    const std::string name = "photo_" + std::to_string(i + 1);
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name +
            "\"; filename=\"" + name + ".jpg\"\r\nContent-Type: image/jpeg\r\n\r\n";
    body.append(photos[i]);
    body += "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  const std::string head =
      "POST /submission HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: multipart/form-data; boundary=" +
      boundary + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  for (int i = 0; i < max_attempts_; ++i) {
    ++*attempts;
    if (TryOnce(head, body)) return Status::Ok();
    Disconnect();  // a cut: start this visit again from its first byte
  }
  return Status(StatusCode::kUnavailable, "visit " + visit_id + " did not get through in " +
                                              std::to_string(max_attempts_) + " attempts");
}

}  // namespace homevisit::bench
