// The operator's commands over users, scopes, devices, conflicts and counts. They print
// names, roles, scopes, ids and stamps; never field values (which may hold ID numbers or
// survey answers).
#include <ctime>
#include <iomanip>
#include <iostream>
#include <map>

#include "core/review.h"
#include "core/scope.h"
#include "sync-server/auth.h"
#include "sync-server/cli.h"

namespace homevisit::server {

namespace {

// The password from --password-stdin (one line), --password, or a new random one that is
// printed.
Result<std::string> ChoosePassword(const Args& args, CliIo& io, bool* generated) {
  *generated = false;
  if (args.Has("--password-stdin") && args.Get("--password")) {
    return InvalidArgument("give either --password-stdin or --password, not both");
  }
  if (args.Has("--password-stdin")) {
    std::string line;
    if (!std::getline(io.in, line)) return InvalidArgument("no password on standard input");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  if (auto given = args.Get("--password")) return *given;
  *generated = true;
  return RandomPassword();
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out.empty() ? "-" : out;
}

std::string FieldText(const Record& r, const char* name) {
  const FieldVersion* f = r.Find(name);
  if (!f) return "-";
  if (const auto* s = f->value.get_if<std::string>()) return *s;
  return "-";
}

}  // namespace

Status RunUserAdd(const Args& args, CliIo& io) {
  User user;
  user.name = args.positional()[0];
  if (user.name.empty() || user.name.size() > 64 ||
      user.name.find_first_of(" \t\r\n") != std::string::npos) {
    return InvalidArgument("a user name has 1 to 64 bytes and no spaces");
  }
  const auto role = args.Get("--role");
  if (!role) return InvalidArgument("--role is required");
  if (!ParseRole(*role, &user.role)) {
    return InvalidArgument("unknown role '" + *role + "': teacher, coordinator or admin");
  }
  user.scopes = args.GetAll("--scope");
  if (user.scopes.empty()) return InvalidArgument("at least one --scope is required");
  for (const auto& scope : user.scopes) {
    if (!IsValidScopePath(scope)) return InvalidArgument("'" + scope + "' is not a scope path");
    if (IsGlobalScope(scope)) return InvalidArgument("every user reads '" + scope + "' already");
  }
  user.display_name = args.Get("--display-name").value_or(user.name);
  bool generated = false;
  auto password = ChoosePassword(args, io, &generated);
  if (!password.ok()) return password.status();
  auto hash = HashPassword(*password);
  if (!hash.ok()) return hash.status();
  user.password_hash = *hash;
  auto storage = OpenDatabase(args);
  if (!storage.ok()) return storage.status();
  auto id = (*storage)->AddUser(user);
  if (!id.ok()) return id.status();
  io.out << "added " << *role << " '" << user.name << "' for " << Join(user.scopes) << "\n";
  if (generated) io.out << "password: " << *password << "\n";
  return Status::Ok();
}

Status RunUserList(const Args& args, CliIo& io) {
  auto storage = OpenDatabase(args);
  if (!storage.ok()) return storage.status();
  auto users = (*storage)->ListUsers();
  if (!users.ok()) return users.status();
  io.out << std::left << std::setw(16) << "NAME" << std::setw(13) << "ROLE" << std::setw(10)
         << "STATE" << "SCOPES  DISPLAY NAME\n";
  for (const User& u : *users) {
    io.out << std::setw(16) << u.name << std::setw(13) << RoleName(u.role) << std::setw(10)
           << (u.disabled ? "disabled" : "active") << Join(u.scopes) << "  " << u.display_name
           << "\n";
  }
  return Status::Ok();
}

Status RunUserDisable(const Args& args, CliIo& io) {
  auto storage = OpenDatabase(args);
  if (!storage.ok()) return storage.status();
  if (Status s = (*storage)->SetUserDisabled(args.positional()[0], true); !s.ok()) return s;
  io.out << "disabled '" << args.positional()[0] << "': their devices can no longer sync\n";
  return Status::Ok();
}

Status RunUserEnable(const Args& args, CliIo& io) {
  auto storage = OpenDatabase(args);
  if (!storage.ok()) return storage.status();
  if (Status s = (*storage)->SetUserDisabled(args.positional()[0], false); !s.ok()) return s;
  io.out << "enabled '" << args.positional()[0] << "'\n";
  return Status::Ok();
}

Status RunUserPasswd(const Args& args, CliIo& io) {
  bool generated = false;
  auto password = ChoosePassword(args, io, &generated);
  if (!password.ok()) return password.status();
  auto hash = HashPassword(*password);
  if (!hash.ok()) return hash.status();
  auto storage = OpenDatabase(args);
  if (!storage.ok()) return storage.status();
  if (Status s = (*storage)->SetPasswordHash(args.positional()[0], *hash); !s.ok()) return s;
  io.out << "new password set for '" << args.positional()[0] << "'\n";
  if (generated) io.out << "password: " << *password << "\n";
  return Status::Ok();
}

Status RunScopeAdd(const Args& args, CliIo& io) {
  const auto title = args.Get("--title");
  if (!title || title->empty()) return InvalidArgument("--title is required");
  if (IsGlobalScope(args.positional()[0])) {
    return InvalidArgument("'" + std::string(kGlobalScope) +
                           "' is reserved for what every user reads (published forms)");
  }
  auto storage = OpenDatabase(args);
  if (!storage.ok()) return storage.status();
  if (Status s = (*storage)->AddScope({args.positional()[0], *title}); !s.ok()) return s;
  io.out << "added scope " << args.positional()[0] << " (" << *title << ")\n";
  return Status::Ok();
}

Status RunScopeList(const Args& args, CliIo& io) {
  auto storage = OpenDatabase(args);
  if (!storage.ok()) return storage.status();
  auto scopes = (*storage)->ListScopes();
  if (!scopes.ok()) return scopes.status();
  for (const ScopeRow& s : *scopes) {
    io.out << std::string(2 * (ScopeDepth(s.path) - 1), ' ') << s.path << "  " << s.title << "\n";
  }
  return Status::Ok();
}

Status RunDeviceList(const Args& args, CliIo& io) {
  auto storage = OpenDatabase(args);
  if (!storage.ok()) return storage.status();
  auto devices = (*storage)->ListDevices();
  if (!devices.ok()) return devices.status();
  auto users = (*storage)->ListUsers();
  if (!users.ok()) return users.status();
  std::map<int64_t, std::string> names;
  for (const User& u : *users) names[u.id] = u.name;
  io.out << std::left << std::setw(6) << "NODE" << std::setw(38) << "DEVICE ID" << std::setw(14)
         << "USER" << std::setw(9) << "STATE" << std::setw(22) << "LAST SEEN" << "NAME\n";
  for (const Device& d : *devices) {
    io.out << std::setw(6) << d.node << std::setw(38) << d.device_id << std::setw(14)
           << names[d.user_id] << std::setw(9) << (d.revoked ? "revoked" : "active")
           << std::setw(22) << FormatUtcTime(d.last_seen_ms) << d.name << "\n";
  }
  return Status::Ok();
}

Status RunDeviceRevoke(const Args& args, CliIo& io) {
  const auto id = Uuid::Parse(args.positional()[0]);
  if (!id) return InvalidArgument("'" + args.positional()[0] + "' is not a device id (a UUID)");
  auto storage = OpenDatabase(args);
  if (!storage.ok()) return storage.status();
  if (Status s = (*storage)->RevokeDevice(id->ToString()); !s.ok()) return s;
  io.out << "revoked device " << id->ToString()
         << ": it can no longer sync and wipes its data at its next contact\n";
  return Status::Ok();
}

Status RunConflictsList(const Args& args, CliIo& io) {
  auto limit = args.GetInt("--limit", 100, 1, 100000);
  if (!limit.ok()) return limit.status();
  auto storage = OpenDatabase(args);
  if (!storage.ok()) return storage.status();
  std::vector<std::string> scopes;
  if (auto scope = args.Get("--scope")) {
    if (!IsValidScopePath(*scope)) return InvalidArgument("'" + *scope + "' is not a scope path");
    scopes.push_back(*scope);
  } else {
    auto all = (*storage)->ListScopes();
    if (!all.ok()) return all.status();
    for (const ScopeRow& s : *all) {
      if (ScopeDepth(s.path) == 1) scopes.push_back(s.path);
    }
  }
  int shown = 0;
  for (const std::string& scope : scopes) {
    // Resolved conflicts are skipped after reading, so read generously.
    auto conflicts = (*storage)->ListRecords("conflict", scope, static_cast<size_t>(*limit) * 20);
    if (!conflicts.ok()) return conflicts.status();
    for (const Record& c : *conflicts) {
      if (shown >= *limit) break;
      const std::string status = FieldText(c, "status");
      if (status != "open" && !args.Has("--all")) continue;
      ++shown;
      io.out << c.id.ToString() << "  " << status << "  " << c.scope << "  "
             << FieldText(c, "record_type") << " " << FieldText(c, "record_id") << "  field "
             << FieldText(c, "field") << "  kept " << FieldText(c, "loser_stamp") << " vs current "
             << FieldText(c, "winner_stamp") << "\n";
    }
  }
  io.out << shown << (args.Has("--all") ? " conflicts" : " open conflicts") << "\n";
  return Status::Ok();
}

Status RunStats(const Args& args, CliIo& io) {
  auto storage = OpenDatabase(args);
  if (!storage.ok()) return storage.status();
  auto stats = (*storage)->GetStats();
  if (!stats.ok()) return stats.status();
  for (const auto& [type, count] : stats->records_by_type) {
    io.out << "records." << type << " " << count << "\n";
  }
  io.out << "fields " << stats->fields << "\n"
         << "open_conflicts " << stats->open_conflicts << "\n"
         << "users " << stats->users << "\n"
         << "devices " << stats->devices << "\n"
         << "cursor " << stats->last_seq << "\n";
  return Status::Ok();
}

}  // namespace homevisit::server
