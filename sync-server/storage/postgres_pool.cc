#include "sync-server/storage/postgres_pool.h"

namespace homevisit::server::pg {

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Return();
    pool_ = other.pool_;
    conn_ = std::move(other.conn_);
    other.pool_ = nullptr;
  }
  return *this;
}

Lease::~Lease() { Return(); }

void Lease::Return() {
  if (pool_ && conn_) pool_->Release(std::move(conn_));
  pool_ = nullptr;
}

ConnectionPool::ConnectionPool(std::string conninfo, int max_connections,
                               std::chrono::milliseconds acquire_timeout)
    : conninfo_(std::move(conninfo)),
      max_connections_(max_connections < 1 ? 1 : max_connections),
      acquire_timeout_(acquire_timeout) {}

ConnectionPool::~ConnectionPool() {
  // Every lease must be gone by now: the storage owns the pool and outlives its calls.
  std::lock_guard lock(mu_);
  idle_.clear();
}

int ConnectionPool::open_connections() {
  std::lock_guard lock(mu_);
  return open_;
}

Result<Lease> ConnectionPool::Acquire() {
  std::unique_lock lock(mu_);
  const bool got = available_.wait_for(lock, acquire_timeout_, [&] {
    return !idle_.empty() || open_ < max_connections_;
  });
  if (!got) {
    return Status(StatusCode::kUnavailable,
                  "postgres: all " + std::to_string(max_connections_) +
                      " connections busy; try again later");
  }
  if (!idle_.empty()) {
    std::unique_ptr<Connection> conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  ++open_;
  lock.unlock();
  // Connecting takes a round trip or more: never under the lock.
  auto conn = Connection::Open(conninfo_);
  if (!conn.ok()) {
    lock.lock();
    --open_;
    available_.notify_one();
    return conn.status();
  }
  return Lease(this, std::move(conn).value());
}

void ConnectionPool::Release(std::unique_ptr<Connection> conn) {
  if (conn->in_transaction() && !conn->broken()) {
    // A caller left a transaction open: roll it back rather than leak it to the next one.
    auto rolled_back = conn->Run("ROLLBACK");
    if (!rolled_back.ok()) conn.reset();
  }
  if (conn && conn->broken()) conn.reset();
  std::lock_guard lock(mu_);
  if (conn) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  available_.notify_one();
}

}  // namespace homevisit::server::pg
