// Users, scopes, devices and login throttling in the PostgreSQL backend. Each call is one
// statement (atomic on its own), so concurrent server processes need no extra locking:
// uniqueness and "same user, not revoked" checks sit in the statements themselves.
#include <algorithm>
#include <set>

#include "core/scope.h"
#include "sync-server/storage/postgres_internal.h"

namespace homevisit::server::pg {
namespace {

const Statement kMissingScopes = {"missing_scopes", R"sql(
SELECT x FROM unnest($1::text[]) AS x
WHERE NOT EXISTS (SELECT 1 FROM scopes WHERE path = x) ORDER BY x)sql"};

const Statement kAddUser = {"add_user", R"sql(
WITH u AS (
  INSERT INTO users (name, display_name, role, password_hash, disabled)
  VALUES ($1::text, $2::text, $3::int4, $4::text, $5::bool)
  ON CONFLICT (name) DO NOTHING RETURNING id),
s AS (INSERT INTO user_scopes (user_id, scope) SELECT u.id, x FROM u, unnest($6::text[]) AS x)
SELECT id FROM u)sql"};

#define HOMEVISIT_USER_COLUMNS                                                  \
  "SELECT u.id, u.name, u.display_name, u.role, u.password_hash, u.disabled, " \
  "array(SELECT scope FROM user_scopes s WHERE s.user_id = u.id ORDER BY scope) FROM users u "

const Statement kFindUser = {"find_user", HOMEVISIT_USER_COLUMNS "WHERE u.name = $1::text"};
const Statement kGetUser = {"get_user", HOMEVISIT_USER_COLUMNS "WHERE u.id = $1::int8"};
const Statement kListUsers = {"list_users", HOMEVISIT_USER_COLUMNS "ORDER BY u.name"};
#undef HOMEVISIT_USER_COLUMNS

const Statement kSetUserDisabled = {
    "set_user_disabled",
    "UPDATE users SET disabled = $2::bool WHERE name = $1::text RETURNING id"};
const Statement kSetPasswordHash = {
    "set_password_hash",
    "UPDATE users SET password_hash = $2::text WHERE name = $1::text RETURNING id"};

const Statement kScopeExists = {"scope_exists",
                                "SELECT 1::int4 FROM scopes WHERE path = $1::text"};
const Statement kAddScope = {"add_scope", R"sql(
INSERT INTO scopes (path, title, parent) VALUES ($1::text, $2::text, $3::text)
ON CONFLICT (path) DO NOTHING RETURNING 1::int4)sql"};
const Statement kListScopes = {"list_scopes", "SELECT path, title FROM scopes ORDER BY path"};

#define HOMEVISIT_DEVICE_COLUMNS \
  "node, device_id, user_id, name, token_sha256, revoked, enrolled_ms, last_seen_ms"

// A known device_id is re-enrolled only for the same user and only if not revoked; the
// WHERE of DO UPDATE makes that check and the update one atomic step.
const Statement kEnrollDevice = {"enroll_device", R"sql(
INSERT INTO devices (device_id, user_id, name, token_sha256, enrolled_ms, last_seen_ms)
VALUES ($1::text, $2::int8, $3::text, $4::bytea, $5::int8, $5::int8)
ON CONFLICT (device_id) DO UPDATE
SET token_sha256 = excluded.token_sha256, name = excluded.name,
    last_seen_ms = excluded.last_seen_ms
WHERE devices.user_id = excluded.user_id AND NOT devices.revoked
RETURNING )sql" HOMEVISIT_DEVICE_COLUMNS};
const Statement kFindDeviceByToken = {
    "find_device_by_token",
    "SELECT " HOMEVISIT_DEVICE_COLUMNS " FROM devices WHERE token_sha256 = $1::bytea"};
const Statement kListDevices = {"list_devices",
                                "SELECT " HOMEVISIT_DEVICE_COLUMNS " FROM devices ORDER BY node"};
#undef HOMEVISIT_DEVICE_COLUMNS
const Statement kRevokeDevice = {
    "revoke_device",
    "UPDATE devices SET revoked = true WHERE device_id = $1::text RETURNING node"};
const Statement kTouchDevice = {"touch_device", R"sql(
UPDATE devices SET last_seen_ms = greatest(last_seen_ms, $2::int8)
WHERE node = $1::int8 RETURNING node)sql"};

// Expired failures of the key are dropped as new ones arrive, so the table stays small.
const Statement kAddLoginFailure = {"add_login_failure", R"sql(
WITH expired AS (DELETE FROM login_failures WHERE key = $1::text AND at_ms <= $2::int8 - $3::int8),
     added AS (INSERT INTO login_failures (key, at_ms) VALUES ($1::text, $2::int8))
SELECT (count(*) + 1)::int8 FROM login_failures
WHERE key = $1::text AND at_ms > $2::int8 - $3::int8)sql"};
const Statement kCountLoginFailures = {"count_login_failures", R"sql(
SELECT count(*)::int8 FROM login_failures
WHERE key = $1::text AND at_ms > $2::int8 - $3::int8)sql"};
const Statement kClearLoginFailures = {"clear_login_failures",
                                       "DELETE FROM login_failures WHERE key = $1::text"};

Device DeviceFrom(const Rows& rows, int i) {
  Device d;
  d.node = static_cast<uint32_t>(rows.Int64(i, 0));
  d.device_id = rows.Text(i, 1);
  d.user_id = rows.Int64(i, 2);
  d.name = rows.Text(i, 3);
  d.token_sha256 = rows.Text(i, 4);
  d.revoked = rows.Bool(i, 5);
  d.enrolled_ms = rows.Int64(i, 6);
  d.last_seen_ms = rows.Int64(i, 7);
  return d;
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

Result<std::vector<User>> PostgresStorage::UsersFrom(const Rows& rows) {
  std::vector<User> out;
  for (int i = 0; i < rows.size(); ++i) {
    User u;
    u.id = rows.Int64(i, 0);
    u.name = rows.Text(i, 1);
    u.display_name = rows.Text(i, 2);
    u.role = static_cast<Role>(rows.Int32(i, 3));
    u.password_hash = rows.Text(i, 4);
    u.disabled = rows.Bool(i, 5);
    u.scopes = rows.TextArray(i, 6);
    out.push_back(std::move(u));
  }
  return out;
}

Result<int64_t> PostgresStorage::AddUser(const User& user) {
  if (user.name.empty()) return InvalidArgument("a user needs a name");
  const std::set<std::string> unique(user.scopes.begin(), user.scopes.end());
  const std::vector<std::string> scopes(unique.begin(), unique.end());
  auto missing = Exec(kMissingScopes, Params().TextArray(scopes));
  if (!missing.ok()) return missing.status();
  if (missing->size() > 0) {
    std::vector<std::string> names;
    for (int i = 0; i < missing->size(); ++i) names.push_back(missing->Text(i, 0));
    return NotFound("unknown scope: " + Joined(names));
  }
  auto rows = Exec(kAddUser, Params()
                                 .Text(user.name)
                                 .Text(user.display_name)
                                 .Int32(static_cast<int32_t>(user.role))
                                 .Text(user.password_hash)
                                 .Bool(user.disabled)
                                 .TextArray(scopes));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) {
    return Status(StatusCode::kAlreadyExists, "a user named " + user.name + " already exists");
  }
  return rows->Int64(0, 0);
}

Result<std::optional<User>> PostgresStorage::FindUser(const std::string& name) {
  auto rows = Exec(kFindUser, Params().Text(name));
  if (!rows.ok()) return rows.status();
  auto users = UsersFrom(*rows);
  if (!users.ok()) return users.status();
  if (users->empty()) return std::optional<User>();
  return std::optional<User>(std::move(users->front()));
}

Result<std::optional<User>> PostgresStorage::GetUser(int64_t id) {
  auto rows = Exec(kGetUser, Params().Int64(id));
  if (!rows.ok()) return rows.status();
  auto users = UsersFrom(*rows);
  if (!users.ok()) return users.status();
  if (users->empty()) return std::optional<User>();
  return std::optional<User>(std::move(users->front()));
}

Result<std::vector<User>> PostgresStorage::ListUsers() {
  auto rows = Exec(kListUsers);
  if (!rows.ok()) return rows.status();
  return UsersFrom(*rows);
}

Status PostgresStorage::SetUserDisabled(const std::string& name, bool disabled) {
  auto rows = Exec(kSetUserDisabled, Params().Text(name).Bool(disabled));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return NotFound("no user named " + name);
  return Status::Ok();
}

Status PostgresStorage::SetPasswordHash(const std::string& name, const std::string& hash) {
  auto rows = Exec(kSetPasswordHash, Params().Text(name).Text(hash));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return NotFound("no user named " + name);
  return Status::Ok();
}

Status PostgresStorage::AddScope(const ScopeRow& scope) {
  if (!IsValidScopePath(scope.path)) {
    return InvalidArgument("not a valid scope path: \"" + scope.path + "\"");
  }
  Params p;
  p.Text(scope.path).Text(scope.title);
  const size_t slash = scope.path.rfind('/');
  if (slash == std::string::npos) {
    p.Null();
  } else {
    const std::string parent = scope.path.substr(0, slash);
    auto exists = Exec(kScopeExists, Params().Text(parent));
    if (!exists.ok()) return exists.status();
    if (exists->size() == 0) return NotFound("the parent scope " + parent + " does not exist");
    p.Text(parent);
  }
  auto rows = Exec(kAddScope, p);
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) {
    return Status(StatusCode::kAlreadyExists, "scope " + scope.path + " already exists");
  }
  return Status::Ok();
}

Result<std::vector<ScopeRow>> PostgresStorage::ListScopes() {
  auto rows = Exec(kListScopes);
  if (!rows.ok()) return rows.status();
  std::vector<ScopeRow> out;
  for (int i = 0; i < rows->size(); ++i) out.push_back({rows->Text(i, 0), rows->Text(i, 1)});
  return out;
}

Result<Device> PostgresStorage::EnrollDevice(const std::string& device_id, int64_t user_id,
                                             const std::string& name,
                                             const std::string& token_sha256, int64_t now_ms) {
  if (device_id.empty()) return InvalidArgument("a device needs an id");
  if (token_sha256.size() != 32) return InvalidArgument("a token hash must be 32 bytes");
  auto rows = Exec(kEnrollDevice, Params()
                                      .Text(device_id)
                                      .Int64(user_id)
                                      .Text(name)
                                      .Bytes(token_sha256)
                                      .Int64(now_ms));
  if (!rows.ok()) {
    if (rows.status().code() == StatusCode::kInvalidArgument) {
      return NotFound("no user with id " + std::to_string(user_id));
    }
    return rows.status();
  }
  if (rows->size() == 0) {
    return PermissionDenied("device " + device_id +
                            " is revoked or enrolled by another user");
  }
  return DeviceFrom(*rows, 0);
}

Result<std::optional<Device>> PostgresStorage::FindDeviceByToken(const std::string& token_sha256) {
  auto rows = Exec(kFindDeviceByToken, Params().Bytes(token_sha256));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return std::optional<Device>();
  return std::optional<Device>(DeviceFrom(*rows, 0));
}

Result<std::vector<Device>> PostgresStorage::ListDevices() {
  auto rows = Exec(kListDevices);
  if (!rows.ok()) return rows.status();
  std::vector<Device> out;
  for (int i = 0; i < rows->size(); ++i) out.push_back(DeviceFrom(*rows, i));
  return out;
}

Status PostgresStorage::RevokeDevice(const std::string& device_id) {
  auto rows = Exec(kRevokeDevice, Params().Text(device_id));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return NotFound("no device " + device_id);
  return Status::Ok();
}

Status PostgresStorage::TouchDevice(uint32_t node, int64_t now_ms) {
  // Like the SQLite backend: touching an unknown node is harmless and not an error.
  return Exec(kTouchDevice, Params().Int64(node).Int64(now_ms)).status();
}

Result<int> PostgresStorage::AddLoginFailure(const std::string& key, int64_t now_ms,
                                             int64_t window_ms) {
  auto rows = Exec(kAddLoginFailure, Params().Text(key).Int64(now_ms).Int64(window_ms));
  if (!rows.ok()) return rows.status();
  return static_cast<int>(rows->Int64(0, 0));
}

Result<int> PostgresStorage::CountLoginFailures(const std::string& key, int64_t now_ms,
                                                int64_t window_ms) {
  auto rows = Exec(kCountLoginFailures, Params().Text(key).Int64(now_ms).Int64(window_ms));
  if (!rows.ok()) return rows.status();
  return static_cast<int>(rows->Int64(0, 0));
}

Status PostgresStorage::ClearLoginFailures(const std::string& key) {
  return Exec(kClearLoginFailures, Params().Text(key)).status();
}

}  // namespace homevisit::server::pg
