#include "sync-server/cli.h"

#include <ctime>
#include <functional>
#include <iostream>

#include "sync-server/auth.h"

namespace homevisit::server {

std::string FormatUtcTime(int64_t ms) {
  if (ms <= 0) return "-";
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &utc);
  return buf;
}

namespace {

struct CliCommand {
  std::vector<std::string> words;  // {"user", "add"}
  std::string operands;            // shown in usage: "NAME --role ROLE ..."
  std::string summary;
  size_t positionals = 0;          // operands after the command words
  FlagSpec flags;                  // --db is accepted by every command
  std::function<Status(const Args&, CliIo&)> run;
};

const std::vector<CliCommand>& Commands() {
  static const std::vector<CliCommand> kCommands = {
      {{"serve"},
       "[--listen HOST:PORT] [--tls-cert FILE --tls-key FILE] [--insecure] "
       "[--max-batch-writes N] [--max-batch-bytes N] [--max-message-bytes N] "
       "[--max-clock-drift-ms N] [--blob-dir DIR] [--max-blob-bytes N]",
       "run the sync server (default 127.0.0.1:50051; loopback only without TLS)",
       0,
       {{"--listen", "--tls-cert", "--tls-key", "--max-batch-writes", "--max-batch-bytes",
         "--max-message-bytes", "--max-clock-drift-ms", "--blob-dir", "--max-blob-bytes"},
        {},
        {"--insecure"}},
       RunServe},
      {{"user", "add"},
       "NAME --role teacher|coordinator|admin --scope PATH [--scope PATH...] "
       "[--display-name TEXT] [--password-stdin | --password TEXT]",
       "add a user (a password is generated and printed unless given)",
       1,
       {{"--role", "--scope", "--display-name", "--password"}, {"--scope"}, {"--password-stdin"}},
       RunUserAdd},
      {{"user", "list"}, "", "list users with role, scopes and state", 0, {}, RunUserList},
      {{"user", "disable"}, "NAME", "disable a user: every device of theirs stops syncing", 1, {},
       RunUserDisable},
      {{"user", "enable"}, "NAME", "enable a disabled user again", 1, {}, RunUserEnable},
      {{"user", "passwd"},
       "NAME [--password-stdin | --password TEXT]",
       "set a new password (generated and printed unless given)",
       1,
       {{"--password"}, {}, {"--password-stdin"}},
       RunUserPasswd},
      {{"scope", "add"}, "PATH --title TEXT",
       "add a scope: county, county/township or county/township/school", 1, {{"--title"}, {}, {}},
       RunScopeAdd},
      {{"scope", "list"}, "", "list scopes", 0, {}, RunScopeList},
      {{"device", "list"}, "", "list enrolled devices", 0, {}, RunDeviceList},
      {{"device", "revoke"}, "DEVICE_ID",
       "revoke a device (lost phone): its token stops working and it wipes its data", 1, {},
       RunDeviceRevoke},
      {{"conflicts", "list"}, "[--scope PATH] [--limit N] [--all]",
       "list open conflicts (with --all also resolved ones); values are not shown", 0,
       {{"--scope", "--limit"}, {}, {"--all"}}, RunConflictsList},
      {{"stats"}, "", "count records, fields, conflicts, users and devices", 0, {}, RunStats},
      {{"form", "publish"}, "FILE",
       "check a form definition (JSON) and publish it as a new version to every device", 1, {},
       RunFormPublish},
      {{"form", "list"}, "", "list published form versions", 0, {}, RunFormList},
      {{"demo-seed"}, "[--seed N] [--demo-password TEXT]",
       "fill an empty database with a demo township and one demo user per role", 0,
       {{"--seed", "--demo-password"}, {}, {}}, RunDemoSeed},
      {{"blobs-gc"}, "[--blob-dir DIR] [--min-age-hours N] [--delete]",
       "list attachment files no record references (older than N hours, default 24); "
       "remove them with --delete",
       0, {{"--blob-dir", "--min-age-hours"}, {}, {"--delete"}}, RunBlobsGc},
  };
  return kCommands;
}

std::string Usage(const CliCommand& c) {
  std::string words;
  for (const auto& w : c.words) words += w + " ";
  return "homevisit-server " + words + (c.operands.empty() ? "" : c.operands + " ") + "[--db URL]";
}

void PrintHelp(std::ostream& out) {
  out << "homevisit-server: the HomeVisit sync server and its admin commands\n\n";
  for (const CliCommand& c : Commands()) {
    out << "  " << Usage(c) << "\n      " << c.summary << "\n";
  }
  out << "\n--db URL: sqlite:PATH (default sqlite:homevisit.db) or postgresql://...\n"
      << "--blob-dir DIR: attachments (default: PATH.blobs next to a SQLite database)\n";
}

bool Matches(const CliCommand& c, const std::vector<std::string>& args) {
  if (args.size() < c.words.size()) return false;
  for (size_t i = 0; i < c.words.size(); ++i) {
    if (args[i] != c.words[i]) return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<Storage>> OpenDatabase(const Args& args) {
  const std::string url = args.Get("--db").value_or("sqlite:homevisit.db");
  auto storage = OpenStorage(url);
  if (!storage.ok()) return storage.status();
  if (Status s = (*storage)->Migrate(); !s.ok()) return s;
  return storage;
}

int RunCli(const std::vector<std::string>& args, CliIo io) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    PrintHelp(args.empty() ? io.err : io.out);
    return args.empty() ? kExitUsage : kExitOk;
  }
  const CliCommand* command = nullptr;
  for (const CliCommand& c : Commands()) {
    if (Matches(c, args) && (!command || c.words.size() > command->words.size())) command = &c;
  }
  if (!command) {
    io.err << "homevisit-server: unknown command '" << args[0]
           << (args.size() > 1 && args[1].rfind("--", 0) != 0 ? " " + args[1] : "")
           << "'; see 'homevisit-server help'\n";
    return kExitUsage;
  }
  FlagSpec spec = command->flags;
  spec.valued.insert("--db");
  auto parsed = Args::Parse({args.begin() + static_cast<long>(command->words.size()), args.end()},
                            spec);
  if (parsed.ok() && parsed->positional().size() != command->positionals) {
    parsed = InvalidArgument(
        command->positionals == 0
            ? "unexpected argument '" + parsed->positional()[0] + "'"
            : "expected " + std::to_string(command->positionals) + " operand(s): " +
                  command->operands);
  }
  if (!parsed.ok()) {
    io.err << "homevisit-server: " << parsed.status().message() << "\nusage: " << Usage(*command)
           << "\n";
    return kExitUsage;
  }
  if (Status s = InitCrypto(); !s.ok()) {
    io.err << "homevisit-server: " << s.message() << "\n";
    return kExitFailed;
  }
  Status s = command->run(*parsed, io);
  if (s.ok()) return kExitOk;
  io.err << "homevisit-server: " << s.message() << "\n";
  if (s.code() == StatusCode::kInvalidArgument) {
    io.err << "usage: " << Usage(*command) << "\n";
    return kExitUsage;
  }
  return kExitFailed;
}

}  // namespace homevisit::server
