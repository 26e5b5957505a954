#include "app/cli/commands.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <functional>
#include <iostream>
#include <map>

#include "app/cli/value_text.h"
#include "app/store/device_store.h"
#include "app/store/reader.h"
#include "app/store/record_fields.h"
#include "app/sync/blob_sync.h"
#include "app/sync/sync_client.h"
#include "core/forms/form_record.h"
#include "core/hex.h"

namespace homevisit::cli {

const char* Usage() {
  return R"(usage: homevisit-device --data DIR [--server HOST:PORT] [--device-name NAME]
                        [--attempts N] [-v] COMMAND

commands:
  login USER PASSWORD        enrol this device (PASSWORD "-" reads it from stdin)
  sync                       push local changes, pull the server's, verify
  status                     login, server, cursor, unsynced changes
  list TYPE [--scope S] [--class C] [--village V] [--status S] [--author A]
                             records of a type (student, household, visit, conflict, ...)
  show ID                    every field of a record; * marks a change not yet confirmed
  set ID FIELD VALUE         write one field (values: see below)
  delete ID                  delete a record
  new-visit STUDENT_ID [FIELD=VALUE ...]
                             start a draft visit for a student
  pending                    changes not yet sent, and changes the server refused
  conflicts                  open conflicts
  resolve CONFLICT_ID winner|loser [NOTE]
                             keep one of the two values and close the conflict
  attach --record ID --field NAME FILE
                             store FILE as an attachment (photos: downscale them first)
                             and set the field to its SHA-256; sent at the next sync
  fetch-blob SHA256 [--out FILE]
                             download an attachment a record on this device refers to
  set-setting prefetch_blobs on|off
                             on: every sync also fetches the attachments of pulled records

values: text by default; int:3  dec:8000.50  bool:true  date:2026-03-01  list:a,b
        geo:27.51,109.92  null  text:int:3 (the text "int:3")

exit codes: 0 ok, 2 usage, 3 offline, 4 login needed or device revoked, 5 changes refused,
            6 server error, 7 local data (not found, invalid, storage), 8 cancelled
)";
}

namespace {

using store::RecordView;

struct Context {
  const GlobalOptions& options;
  const std::vector<std::string>& args;
  std::ostream& out;
  std::ostream& err;
};

int UsageError(Context& c, const std::string& message) {
  c.err << "error: " << message << "\n\n" << Usage();
  return kExitUsage;
}

int StatusError(Context& c, const Status& s) {
  c.err << "error: " << s.message() << "\n";
  switch (s.code()) {
    case StatusCode::kInvalidArgument: return kExitUsage;
    case StatusCode::kPermissionDenied:
    case StatusCode::kFailedPrecondition: return kExitAuth;
    default: return kExitLocal;
  }
}

int SyncErrorExit(Context& c, const sync::SyncError& e) {
  c.err << e.Message() << "\n";
  if (c.options.verbose) c.err << "detail: " << e.detail << "\n";
  switch (e.kind) {
    case sync::SyncErrorKind::kNone: return kExitOk;
    case sync::SyncErrorKind::kOffline: return kExitOffline;
    case sync::SyncErrorKind::kAuth:
    case sync::SyncErrorKind::kRevoked: return kExitAuth;
    case sync::SyncErrorKind::kRejected: return kExitRejected;
    case sync::SyncErrorKind::kServer: return kExitServer;
    case sync::SyncErrorKind::kLocal: return kExitLocal;
    case sync::SyncErrorKind::kCancelled: return kExitCancelled;
  }
  return kExitLocal;
}

std::string DbPath(const GlobalOptions& o) { return (std::filesystem::path(o.data_dir) / "device.db").string(); }

// Shown masked: an ID number (身份证号) must not end up in a terminal scrollback or a log.
std::string Shown(const std::string& field, const Value& value) {
  if (field == "id_number") {
    const auto* text = value.get_if<std::string>();
    if (!text || text->size() < 4) return "****";
    return "**************" + text->substr(text->size() - 4);
  }
  return FormatValue(value);
}

std::string FieldText(const RecordView& v, const std::string& field) {
  const FieldVersion* fv = v.record.Find(field);
  if (!fv) return "-";
  return Shown(field, fv->value) + (v.pending.count(field) ? "*" : "");
}

std::string Summary(const RecordView& v) {
  static const std::map<std::string, std::vector<std::string>> kColumns = {
      {store::type::kStudent, {"name", "class_name", "village"}},
      {store::type::kHousehold, {"head_name", "village"}},
      {store::type::kVisit, {"status", "author", "student_id", "visit_date"}},
      {store::type::kConflict, {"record_type", "field", "status"}},
  };
  std::string out;
  auto it = kColumns.find(v.record.type);
  if (it != kColumns.end()) {
    for (const auto& f : it->second) out += "  " + f + "=" + FieldText(v, f);
  } else {
    int shown = 0;
    for (const auto& [name, fv] : v.record.fields) {
      if (shown++ == 3) break;
      out += "  " + name + "=" + FieldText(v, name);
    }
  }
  return out;
}

struct Opened {
  std::unique_ptr<store::DeviceStore> store;
  std::unique_ptr<store::StoreReader> reader;
};

// Opens the device's data; a command other than login needs an enrolled device.
Result<Opened> OpenDevice(const GlobalOptions& o, bool create) {
  std::error_code ec;
  if (!std::filesystem::exists(DbPath(o), ec)) {
    if (!create) return FailedPrecondition("no device data in " + o.data_dir + "; log in first");
    std::filesystem::create_directories(o.data_dir, ec);
    if (ec) return Internal("cannot create " + o.data_dir + ": " + ec.message());
  }
  auto s = store::DeviceStore::Open(DbPath(o));
  if (!s.ok()) return s.status();
  auto r = (*s)->OpenReader();
  if (!r.ok()) return r.status();
  return Opened{std::move(s).value(), std::move(r).value()};
}

Result<Uuid> ParseId(const std::string& text) {
  auto id = Uuid::Parse(text);
  if (!id) return InvalidArgument("'" + text + "' is not a record id (xxxxxxxx-xxxx-...)");
  return *id;
}

sync::SyncOptions SyncOptionsFor(const GlobalOptions& o) {
  sync::SyncOptions s;
  s.server = o.server;
  if (!o.device_name.empty()) s.device_name = o.device_name;
  if (o.attempts > 0) s.backoff.max_attempts = o.attempts;
  return s;
}

int Login(Context& c) {
  if (c.args.size() != 3) return UsageError(c, "login needs USER and PASSWORD");
  std::string password = c.args[2];
  if (password == "-" && !std::getline(std::cin, password)) return UsageError(c, "no password on stdin");
  auto dev = OpenDevice(c.options, /*create=*/true);
  if (!dev.ok()) return StatusError(c, dev.status());
  sync::SyncClient client(*dev->store, SyncOptionsFor(c.options));
  sync::SyncReport report = client.Login(c.args[1], password);
  if (!report.ok()) return SyncErrorExit(c, report.error);
  auto state = dev->store->State();
  if (!state.ok()) return StatusError(c, state.status());
  c.out << "已登录 / logged in: " << state->login.display_name << " (" << state->login.user << ", "
        << RoleName(state->login.role) << ") node " << state->login.node << "\n";
  for (const auto& scope : state->login.scopes) c.out << "  scope " << scope << "\n";
  return kExitOk;
}

int Sync(Context& c) {
  if (c.args.size() != 1) return UsageError(c, "sync takes no arguments");
  auto dev = OpenDevice(c.options, false);
  if (!dev.ok()) return StatusError(c, dev.status());
  sync::SyncClient client(*dev->store, SyncOptionsFor(c.options));
  sync::ProgressFn progress;
  if (c.options.verbose) {
    progress = [&](const sync::SyncProgress& p) {
      c.err << "  " << sync::SyncPhaseName(p.phase) << " " << p.done;
      if (p.total) c.err << "/" << p.total;
      c.err << "\n";
    };
  }
  sync::SyncReport r = client.Sync(progress);
  c.out << "pushed " << r.pushed << " (conflicts " << r.conflicts << ", refused " << r.rejected
        << "), pulled " << r.pulled << ", calls " << r.calls;
  if (r.repaired_scopes) c.out << ", repaired scopes " << r.repaired_scopes;
  if (r.blobs_sent || r.blobs_fetched) {
    c.out << ", attachments sent " << r.blobs_sent << " (" << r.blob_bytes_sent
          << " bytes), fetched " << r.blobs_fetched;
  }
  c.out << "\n";
  if (!r.ok()) return SyncErrorExit(c, r.error);
  c.out << r.error.Message() << "\n";
  return kExitOk;
}

int StatusCommand(Context& c) {
  if (c.args.size() != 1) return UsageError(c, "status takes no arguments");
  auto dev = OpenDevice(c.options, false);
  if (!dev.ok()) return StatusError(c, dev.status());
  auto s = dev->store->State();
  auto pending = dev->reader->PendingCount();
  if (!s.ok()) return StatusError(c, s.status());
  if (!pending.ok()) return StatusError(c, pending.status());
  c.out << "device " << s->device_id << "\n"
        << "user " << (s->login.user.empty() ? "-" : s->login.user) << " ("
        << (s->logged_in() ? RoleName(s->login.role) : "not logged in") << ")\n"
        << "server " << (s->login.server.empty() ? "-" : s->login.server) << "\n"
        << "cursor " << s->cursor << "\n"
        << "unsynced " << *pending << "\n"
        << "last sync ms " << s->last_sync_ms << "\n";
  return kExitOk;
}

int List(Context& c) {
  if (c.args.size() < 2) return UsageError(c, "list needs a TYPE");
  const std::string type = c.args[1];
  std::map<std::string, std::string> flags;
  for (size_t i = 2; i < c.args.size(); i += 2) {
    const std::string& flag = c.args[i];
    if (i + 1 >= c.args.size()) return UsageError(c, flag + " needs a value");
    if (flag != "--scope" && flag != "--class" && flag != "--village" && flag != "--status" &&
        flag != "--author") {
      return UsageError(c, "unknown list option " + flag);
    }
    flags[flag.substr(2)] = c.args[i + 1];
  }
  if (flags.count("class") && !flags.count("scope")) return UsageError(c, "--class needs --scope");
  auto dev = OpenDevice(c.options, false);
  if (!dev.ok()) return StatusError(c, dev.status());
  auto& r = *dev->reader;
  Result<std::vector<RecordView>> views = std::vector<RecordView>{};
  if (type == store::type::kStudent && flags.count("class")) {
    views = r.StudentsOfClass(flags["scope"], flags["class"]);
  } else if (type == store::type::kStudent && flags.count("village")) {
    views = r.StudentsOfVillage(flags["village"]);
  } else if (type == store::type::kStudent && flags.count("scope")) {
    views = r.StudentsOfSchool(flags["scope"]);
  } else if (type == store::type::kVisit) {
    views = r.Visits(flags["status"], flags["author"]);
  } else if (type == store::type::kConflict && flags.empty()) {
    views = r.List(type, 100000);
  } else if (flags.empty()) {
    views = r.List(type, 100000);
  } else {
    return UsageError(c, "these options do not apply to " + type);
  }
  if (!views.ok()) return StatusError(c, views.status());
  for (const RecordView& v : *views) c.out << v.record.id.ToString() << Summary(v) << "\n";
  c.out << views->size() << " " << type << "\n";
  return kExitOk;
}

int Show(Context& c) {
  if (c.args.size() != 2) return UsageError(c, "show needs an ID");
  auto id = ParseId(c.args[1]);
  if (!id.ok()) return UsageError(c, id.status().message());
  auto dev = OpenDevice(c.options, false);
  if (!dev.ok()) return StatusError(c, dev.status());
  auto view = dev->reader->Get(*id);
  if (!view.ok()) return StatusError(c, view.status());
  if (!*view) return StatusError(c, NotFound("no record " + c.args[1] + " on this device"));
  const RecordView& v = **view;
  c.out << "id " << v.record.id.ToString() << "\ntype " << v.record.type << "\nscope "
        << v.record.scope << "\nconfirmed " << (v.confirmed ? "yes" : "no") << "\n";
  for (const auto& [name, fv] : v.record.fields) {
    c.out << "  " << name << " = " << Shown(name, fv.value) << (v.pending.count(name) ? " *" : "")
          << "\n";
  }
  return kExitOk;
}

int Set(Context& c) {
  if (c.args.size() != 4) return UsageError(c, "set needs ID FIELD VALUE");
  auto id = ParseId(c.args[1]);
  if (!id.ok()) return UsageError(c, id.status().message());
  auto value = ParseValueText(c.args[3]);
  if (!value.ok()) return UsageError(c, value.status().message());
  auto dev = OpenDevice(c.options, false);
  if (!dev.ok()) return StatusError(c, dev.status());
  if (Status s = dev->store->Set(*id, {{c.args[2], *value}}); !s.ok()) return StatusError(c, s);
  c.out << "saved on this device (unsynced " << dev->reader->PendingCount().value() << ")\n";
  return kExitOk;
}

int Delete(Context& c) {
  if (c.args.size() != 2) return UsageError(c, "delete needs an ID");
  auto id = ParseId(c.args[1]);
  if (!id.ok()) return UsageError(c, id.status().message());
  auto dev = OpenDevice(c.options, false);
  if (!dev.ok()) return StatusError(c, dev.status());
  if (Status s = dev->store->Delete(*id); !s.ok()) return StatusError(c, s);
  c.out << "deleted on this device\n";
  return kExitOk;
}

// The newest version of the home-visit form this device has pulled; 0 when it has none.
Result<int64_t> NewestHomeVisitForm(store::StoreReader& reader) {
  auto forms = reader.List(forms::kFormRecordType, 100000);
  if (!forms.ok()) return forms.status();
  int64_t newest = 0;
  for (const store::RecordView& v : *forms) {
    const FieldVersion* id = v.record.Find(forms::kFormIdField);
    const FieldVersion* version = v.record.Find(forms::kFormVersionField);
    if (!id || id->value != Value("home_visit") || !version) continue;
    if (const int64_t* n = version->value.get_if<int64_t>()) newest = std::max(newest, *n);
  }
  return newest;
}

int NewVisit(Context& c) {
  if (c.args.size() < 2) return UsageError(c, "new-visit needs a STUDENT_ID");
  auto student_id = ParseId(c.args[1]);
  if (!student_id.ok()) return UsageError(c, student_id.status().message());
  store::FieldValues fields;
  for (size_t i = 2; i < c.args.size(); ++i) {
    const size_t eq = c.args[i].find('=');
    if (eq == std::string::npos || eq == 0) return UsageError(c, "'" + c.args[i] + "' is not FIELD=VALUE");
    auto value = ParseValueText(c.args[i].substr(eq + 1));
    if (!value.ok()) return UsageError(c, value.status().message());
    fields[c.args[i].substr(0, eq)] = *value;
  }
  auto dev = OpenDevice(c.options, false);
  if (!dev.ok()) return StatusError(c, dev.status());
  auto student = dev->reader->Get(*student_id);
  if (!student.ok()) return StatusError(c, student.status());
  if (!*student || (*student)->record.type != store::type::kStudent) {
    return StatusError(c, NotFound("no student " + c.args[1] + " on this device"));
  }
  auto state = dev->store->State();
  if (!state.ok()) return StatusError(c, state.status());
  fields.try_emplace(store::field::kStudent, Value(student_id->ToString()));
  if (const FieldVersion* home = (*student)->record.Find(store::field::kHousehold)) {
    fields.try_emplace(store::field::kHousehold, home->value);
  }
  // The visit follows the newest form the device has; the server checks it on submission.
  auto form_version = NewestHomeVisitForm(*dev->reader);
  if (!form_version.ok()) return StatusError(c, form_version.status());
  if (*form_version == 0) {
    return StatusError(c, FailedPrecondition("the home-visit form is not on this device yet; sync first"));
  }
  fields.try_emplace(forms::kVisitFormIdField, Value("home_visit"));
  fields.try_emplace(forms::kVisitFormVersionField, Value(*form_version));
  fields.try_emplace(store::field::kStatus, Value("draft"));
  fields.try_emplace(store::field::kAuthor, Value(state->login.user));
  fields.try_emplace("visit_date", Value(Date{static_cast<int32_t>(HybridClock::SystemMillis() / 86'400'000)}));
  auto id = dev->store->Create(store::type::kVisit, (*student)->record.scope, fields);
  if (!id.ok()) return StatusError(c, id.status());
  c.out << id->ToString() << "\n";
  return kExitOk;
}

int Pending(Context& c) {
  if (c.args.size() != 1) return UsageError(c, "pending takes no arguments");
  auto dev = OpenDevice(c.options, false);
  if (!dev.ok()) return StatusError(c, dev.status());
  auto pending = dev->reader->PendingWrites(100000);
  auto refused = dev->reader->RejectedWrites(1000);
  if (!pending.ok()) return StatusError(c, pending.status());
  if (!refused.ok()) return StatusError(c, refused.status());
  for (const auto& p : *pending) {
    c.out << p.record_id.ToString() << "  " << p.type << "." << p.field
          << (p.in_flight ? "  (sent, awaiting answer)" : "") << "\n";
  }
  c.out << pending->size() << " unsynced\n";
  for (const auto& r : *refused) {
    c.out << "refused " << r.record_id.ToString() << "  " << r.field << ": " << r.reason << "\n";
  }
  return kExitOk;
}

int Conflicts(Context& c) {
  if (c.args.size() != 1) return UsageError(c, "conflicts takes no arguments");
  auto dev = OpenDevice(c.options, false);
  if (!dev.ok()) return StatusError(c, dev.status());
  auto open = dev->reader->OpenConflicts();
  if (!open.ok()) return StatusError(c, open.status());
  for (const RecordView& v : *open) {
    c.out << v.record.id.ToString() << "  " << FieldText(v, "record_type") << " "
          << FieldText(v, "record_id") << " field " << FieldText(v, "field") << ": kept "
          << FieldText(v, "winner") << ", other " << FieldText(v, "loser") << "\n";
  }
  c.out << open->size() << " open conflicts\n";
  return kExitOk;
}

int Resolve(Context& c) {
  if (c.args.size() != 3 && c.args.size() != 4) return UsageError(c, "resolve needs CONFLICT_ID winner|loser [NOTE]");
  auto id = ParseId(c.args[1]);
  if (!id.ok()) return UsageError(c, id.status().message());
  const std::string choice = c.args[2];
  if (choice != "winner" && choice != "loser") return UsageError(c, "choose winner or loser");
  auto dev = OpenDevice(c.options, false);
  if (!dev.ok()) return StatusError(c, dev.status());
  auto conflict = dev->reader->Get(*id);
  if (!conflict.ok()) return StatusError(c, conflict.status());
  if (!*conflict || (*conflict)->record.type != store::type::kConflict) {
    return StatusError(c, NotFound("no conflict " + c.args[1] + " on this device"));
  }
  const FieldVersion* chosen = (*conflict)->record.Find(choice);
  if (!chosen) return StatusError(c, Internal("the conflict has no " + choice + " value"));
  const std::string note = c.args.size() == 4 ? c.args[3] : "kept the " + choice;
  if (Status s = dev->store->ResolveConflict(*id, chosen->value, note); !s.ok()) return StatusError(c, s);
  c.out << "resolved on this device; sync to send the decision\n";
  return kExitOk;
}

// Lower- or upper-case hex of a SHA-256 to its 32 bytes; "" if malformed.
std::string ShaFromHex(const std::string& hex) {
  std::string raw;
  return hex.size() == 64 && FromHex(hex, &raw) ? raw : "";
}

int Attach(Context& c) {
  std::string record, field, file;
  for (size_t i = 1; i < c.args.size(); ++i) {
    const std::string& a = c.args[i];
    if ((a == "--record" || a == "--field") && i + 1 < c.args.size()) {
      (a == "--record" ? record : field) = c.args[++i];
    } else if (a.rfind("--", 0) == 0 || !file.empty()) {
      return UsageError(c, "attach needs --record ID --field NAME FILE");
    } else {
      file = a;
    }
  }
  if (record.empty() || field.empty() || file.empty()) {
    return UsageError(c, "attach needs --record ID --field NAME FILE");
  }
  auto id = ParseId(record);
  if (!id.ok()) return UsageError(c, id.status().message());
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) return StatusError(c, NotFound("cannot read " + file + ": " + ec.message()));
  if (size > sync::kMaxLocalBlobBytes) {
    return UsageError(c, file + " has " + std::to_string(size) + " bytes; at most " +
                             std::to_string(sync::kMaxLocalBlobBytes) + " (downscale photos first)");
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in) return StatusError(c, NotFound("cannot read " + file));
  auto dev = OpenDevice(c.options, false);
  if (!dev.ok()) return StatusError(c, dev.status());
  auto sha = sync::AttachContent(*dev->store, *id, field, content.str());
  if (!sha.ok()) return StatusError(c, sha.status());
  c.out << ToHex(*sha) << "\nattached on this device; sync to send it\n";
  return kExitOk;
}

int FetchBlob(Context& c) {
  if (c.args.size() != 2 && !(c.args.size() == 4 && c.args[2] == "--out")) {
    return UsageError(c, "fetch-blob needs SHA256 [--out FILE]");
  }
  const std::string sha = ShaFromHex(c.args[1]);
  if (sha.empty()) return UsageError(c, "'" + c.args[1] + "' is not a SHA-256 (64 hex digits)");
  auto dev = OpenDevice(c.options, false);
  if (!dev.ok()) return StatusError(c, dev.status());
  sync::SyncClient client(*dev->store, SyncOptionsFor(c.options));
  std::string path;
  sync::SyncReport r = client.FetchBlob(sha, &path);
  if (!r.ok()) return SyncErrorExit(c, r.error);
  if (c.args.size() == 4) {
    std::error_code ec;
    std::filesystem::copy_file(path, c.args[3], std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) return StatusError(c, Internal("cannot write " + c.args[3] + ": " + ec.message()));
    path = c.args[3];
  }
  c.out << path << "\n";
  return kExitOk;
}

int SetSetting(Context& c) {
  if (c.args.size() != 3 || c.args[1] != sync::kPrefetchBlobsSetting ||
      (c.args[2] != "on" && c.args[2] != "off")) {
    return UsageError(c, "set-setting takes prefetch_blobs on|off");
  }
  auto dev = OpenDevice(c.options, false);
  if (!dev.ok()) return StatusError(c, dev.status());
  if (Status s = dev->store->SetSetting(c.args[1], c.args[2]); !s.ok()) return StatusError(c, s);
  c.out << c.args[1] << " " << c.args[2] << "\n";
  return kExitOk;
}

}  // namespace

int RunCommand(const GlobalOptions& options, const std::vector<std::string>& args,
               std::ostream& out, std::ostream& err) {
  static const std::map<std::string, std::function<int(Context&)>> kCommands = {
      {"login", Login},   {"sync", Sync},         {"status", StatusCommand},
      {"list", List},     {"show", Show},         {"set", Set},
      {"delete", Delete}, {"new-visit", NewVisit}, {"pending", Pending},
      {"conflicts", Conflicts}, {"resolve", Resolve}, {"attach", Attach},
      {"fetch-blob", FetchBlob}, {"set-setting", SetSetting},
  };
  Context c{options, args, out, err};
  auto it = kCommands.find(args[0]);
  if (it == kCommands.end()) return UsageError(c, "unknown command '" + args[0] + "'");
  return it->second(c);
}

}  // namespace homevisit::cli
