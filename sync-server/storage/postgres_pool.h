// A small, thread-safe pool of PostgreSQL connections. Internal to the PostgreSQL backend.
//
// Connections are opened lazily up to `max_connections`; a caller that finds none free
// waits up to `acquire_timeout` and then gets kUnavailable (the database is saturated, the
// client retries later). A lease returns its connection on destruction; a connection that
// broke, or that still has a transaction open, is closed instead of being reused.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "sync-server/storage/postgres_conn.h"

namespace homevisit::server::pg {

class ConnectionPool;

// Exclusive use of one pooled connection.
class Lease {
 public:
  Lease() = default;
  Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn)
      : pool_(pool), conn_(std::move(conn)) {}
  Lease(Lease&& other) noexcept = default;
  Lease& operator=(Lease&& other) noexcept;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease();

  Connection* operator->() const { return conn_.get(); }
  Connection& operator*() const { return *conn_; }

 private:
  void Return();
  ConnectionPool* pool_ = nullptr;
  std::unique_ptr<Connection> conn_;
};

class ConnectionPool {
 public:
  ConnectionPool(std::string conninfo, int max_connections,
                 std::chrono::milliseconds acquire_timeout);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  Result<Lease> Acquire();

  int max_connections() const { return max_connections_; }
  // Connections currently open (idle or leased).
  int open_connections();

 private:
  friend class Lease;
  void Release(std::unique_ptr<Connection> conn);

  const std::string conninfo_;
  const int max_connections_;
  const std::chrono::milliseconds acquire_timeout_;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int open_ = 0;                                    // guarded by mu_
};

}  // namespace homevisit::server::pg
