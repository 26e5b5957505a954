#include "tests/storage/backends.h"

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>

namespace homevisit::server::testing {

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "homevisit-test.XXXXXX");
    char* made = mkdtemp(pattern.data());
    path = made ? made : "/tmp";
  }
  ~TempDir() {
    std::error_code ignored;
    if (path != "/tmp") std::filesystem::remove_all(path, ignored);
  }
};

StorageBackend SqliteBackend() {
  StorageBackend b;
  b.name = "sqlite";
  b.create_database = []() -> Result<std::string> {
    static std::atomic<int> counter{0};
    return "sqlite:" + TestTempDir() + "/db" + std::to_string(++counter) + ".sqlite";
  };
  b.set_schema_version = [](const std::string& url, int version) -> Status {
    const std::string path = url.substr(std::string("sqlite:").size());
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      sqlite3_close(db);
      return Internal("cannot open " + path);
    }
    const std::string sql = "UPDATE schema_version SET version = " + std::to_string(version);
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    return rc == SQLITE_OK ? Status::Ok() : Internal("cannot set the schema version");
  };
  return b;
}

}  // namespace

const std::string& TestTempDir() {
  static TempDir dir;
  return dir.path;
}

std::vector<StorageBackend> AvailableBackends() {
  std::vector<StorageBackend> backends = {SqliteBackend()};
#if HOMEVISIT_HAVE_POSTGRES
  // With HOMEVISIT_REQUIRE_POSTGRES=1 (scripts/test, CI) the PostgreSQL tests run even
  // without PG_CONNINFO, and fail saying so: they are never skipped silently.
  const char* pg = std::getenv("PG_CONNINFO");
  const char* required = std::getenv("HOMEVISIT_REQUIRE_POSTGRES");
  if ((pg && *pg) || (required && std::string(required) == "1")) {
    backends.push_back(PostgresBackend(pg ? pg : ""));
  }
#endif
  return backends;
}

Result<std::unique_ptr<Storage>> OpenFreshStorage(const StorageBackend& backend,
                                                  std::string* url) {
  auto made = backend.create_database();
  if (!made.ok()) return made.status();
  auto storage = OpenStorage(*made);
  if (!storage.ok()) return storage.status();
  if (Status s = (*storage)->Migrate(); !s.ok()) return s;
  if (url) *url = *made;
  return storage;
}

}  // namespace homevisit::server::testing
