#include "sync-server/storage/storage.h"

#include "sync-server/storage/sqlite_storage.h"
#if HOMEVISIT_HAVE_POSTGRES
#include "sync-server/storage/postgres_storage.h"
#endif

namespace homevisit::server {

namespace {

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool IsPostgresUrl(const std::string& url) {
  return StartsWith(url, "postgresql://") || StartsWith(url, "postgres://") ||
         url.find("host=") != std::string::npos || url.find("dbname=") != std::string::npos;
}

}  // namespace

Result<std::unique_ptr<Storage>> OpenStorage(const std::string& url) {
  if (StartsWith(url, "sqlite:")) {
    auto storage = SqliteStorage::Open(url.substr(7));
    if (!storage.ok()) return storage.status();
    return std::unique_ptr<Storage>(std::move(storage).value());
  }
  if (IsPostgresUrl(url)) {
#if HOMEVISIT_HAVE_POSTGRES
    return OpenPostgresStorage(url);
#else
    return FailedPrecondition(
        "PostgreSQL support not built into this server (configure with "
        "-DHOMEVISIT_HAVE_POSTGRES=ON); use --db sqlite:PATH");
#endif
  }
  return InvalidArgument("unknown database '" + url +
                         "': use sqlite:PATH or postgresql://USER@HOST:PORT/DB");
}

}  // namespace homevisit::server
