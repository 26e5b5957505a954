// The homevisit-server command line: `serve` and the admin commands.
//
//   homevisit-server serve [--db URL] [--listen HOST:PORT] [--tls-cert F --tls-key F] ...
//   homevisit-server user add|list|disable|enable|passwd ...
//   homevisit-server scope add|list ...
//   homevisit-server device list|revoke ...
//   homevisit-server conflicts list ...
//   homevisit-server stats
//   homevisit-server form publish FILE | form list
//   homevisit-server demo-seed
//   homevisit-server blobs-gc [--blob-dir DIR] [--delete] [--min-age-hours N]
// Every command takes --db URL (default sqlite:homevisit.db in the working directory) and
// creates or migrates the schema first. `homevisit-server help` lists everything.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "sync-server/cli_args.h"
#include "sync-server/storage/storage.h"

namespace homevisit::server {

struct CliIo {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

// Exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the command could not do its work
inline constexpr int kExitUsage = 2;   // bad arguments; nothing was changed

// Runs one command line (without the program name) and returns its exit code.
int RunCli(const std::vector<std::string>& args, CliIo io);

// The database named by --db (default sqlite:homevisit.db), opened and migrated.
Result<std::unique_ptr<Storage>> OpenDatabase(const Args& args);
// "2026-11-28 09:15:00Z" for admin listings; "-" for 0 (never).
std::string FormatUtcTime(int64_t ms);

// The commands, each in its own file.
Status RunServe(const Args& args, CliIo& io);
Status RunDemoSeed(const Args& args, CliIo& io);
Status RunUserAdd(const Args& args, CliIo& io);
Status RunUserList(const Args& args, CliIo& io);
Status RunUserDisable(const Args& args, CliIo& io);
Status RunUserEnable(const Args& args, CliIo& io);
Status RunUserPasswd(const Args& args, CliIo& io);
Status RunScopeAdd(const Args& args, CliIo& io);
Status RunScopeList(const Args& args, CliIo& io);
Status RunDeviceList(const Args& args, CliIo& io);
Status RunDeviceRevoke(const Args& args, CliIo& io);
Status RunConflictsList(const Args& args, CliIo& io);
Status RunStats(const Args& args, CliIo& io);
Status RunBlobsGc(const Args& args, CliIo& io);

// The attachment directory: --blob-dir, else "<sqlite path>.blobs" next to a SQLite
// database; with PostgreSQL --blob-dir is required (kInvalidArgument).
Result<std::string> BlobDirOption(const Args& args);
Status RunFormPublish(const Args& args, CliIo& io);
Status RunFormList(const Args& args, CliIo& io);

}  // namespace homevisit::server
