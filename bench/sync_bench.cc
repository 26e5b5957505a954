// Sync benchmark: real devices (DeviceStore + SyncClient) against the real server over SQLite
// on loopback, through a byte-counting proxy. Prints one JSON object with the figures of the
// client-core issue next to their targets, and a baseline measured in the same run (raw
// SQLite inserts of the same number of fields on the same disk), as ratios.
//
//   sync_bench [--visits N] [--edits N] [--rounds N] [--db sqlite|postgres]
//              (defaults 10000, 10000, 3, sqlite)
// --db postgres runs the server on a fresh schema of the PostgreSQL that PG_CONNINFO names.
// The push and pull are measured in --rounds independent rounds, each with a fresh server
// database and fresh devices: the figures are the median round's (the machine is shared,
// and one 0.2-second push can meet a burst of other work); every round's visits/s is
// listed too. The other figures come from the last round's server and devices.
//
// Figures:
//   push     N new 40-field visits from one device: visits/s of the push phase, bytes on the
//            wire per visit (both directions, HTTP/2 and gzip included), calls
//   echo     the same device's pull afterwards brings its own writes back (bytes per visit)
//   pull     a fresh device pulling everything: visits/s and bytes per visit
//   edit     one field changed in each of `edits` visits, pushed in one sync: bytes per edit;
//            and one single edit synced alone (bytes of its push, and of the whole sync)
//   empty    a sync with nothing new on a warm channel (calls, TCP turns, bytes) and from a
//            new homevisit-device process (new connection)
//   rss      peak RSS of the homevisit-device process while it pulls everything
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <sstream>
#include <algorithm>
#include <thread>
#include <string>

#include "app/store/device_store.h"
#include "app/store/reader.h"
#include "app/store/sqlite.h"
#include "app/sync/sync_client.h"
#include "bench/faultproxy/fault_proxy.h"
#include "byte_proxy.h"
#include "sync-server/auth.h"
#include "sync-server/server.h"
#include "sync-server/storage/postgres_conn.h"

#ifndef HOMEVISIT_DEVICE_BIN
#error "HOMEVISIT_DEVICE_BIN must name the homevisit-device binary"
#endif

namespace homevisit::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr char kSchool[] = "qingxi/huashan/zhongxin";
constexpr char kPassword[] = "bench-password-1";

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "sync_bench: %s\n", what.c_str());
  std::exit(1);
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) Die(std::string(what) + ": " + s.ToString());
}

void Check(const sync::SyncReport& r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.error.detail);
}

struct ServerSide {
  std::unique_ptr<server::Storage> storage;
  std::unique_ptr<server::SyncServer> server;
  std::vector<Uuid> students;
};

ServerSide StartServer(const std::string& db_url, int students) {
  ServerSide s;
  auto storage = server::OpenStorage(db_url);
  if (!storage.ok()) Die(storage.status().ToString());
  s.storage = std::move(storage).value();
  Check(s.storage->Migrate(), "migrate");
  Check(server::InitCrypto(), "crypto");
  for (const char* path : {"qingxi", "qingxi/huashan", kSchool}) {
    Check(s.storage->AddScope({path, path}), "scope");
  }
  auto hash = server::HashPassword(kPassword);
  if (!hash.ok()) Die("hash");
  for (const char* name : {"wang", "li"}) {
    server::User u;
    u.name = name;
    u.display_name = name;
    u.role = Role::kTeacher;
    u.password_hash = *hash;
    u.scopes = {kSchool};
    if (auto id = s.storage->AddUser(u); !id.ok()) Die(id.status().ToString());
  }
  // The school's roster: the students the visits are about.
  auto txn = s.storage->BeginWrite();
  if (!txn.ok()) Die("begin");
  const int64_t now = HybridClock::SystemMillis();
  std::mt19937_64 rng(7);
  for (int i = 0; i < students; ++i) {
    const Uuid id = Uuid::V7(now - 86'400'000, rng(), rng());
    const Stamp stamp{Stamp::Pack(now - 86'400'000, static_cast<uint16_t>(i)), kServerNode};
    Check((*txn)->PutField({id, "student", kSchool}, "name", {Value("学生" + std::to_string(i)), stamp},
                          std::nullopt),
          "seed");
    s.students.push_back(id);
  }
  Check((*txn)->Commit(), "commit");
  server::ServerOptions options;
  options.listen = "127.0.0.1:0";
  // The server's call log on stderr with HOMEVISIT_BENCH_LOG=1 (to see why a call failed).
  const bool log = std::getenv("HOMEVISIT_BENCH_LOG") != nullptr;
  options.log = [log](const std::string& line) {
    if (log) std::fprintf(stderr, "%s\n", line.c_str());
  };
  auto started = server::SyncServer::Start(*s.storage, options);
  if (!started.ok()) Die(started.status().ToString());
  s.server = std::move(started).value();
  return s;
}

// A realistic home-visit survey: 9 built-in fields and 31 answers, mostly choices, small
// numbers and yes/no, as teachers fill them in.
store::FieldValues VisitFields(std::mt19937_64& rng, const Uuid& student, const Uuid& household) {
  auto pick = [&](std::initializer_list<const char*> choices) {
    return Value(std::string(*(choices.begin() + rng() % choices.size())));
  };
  auto upto = [&](int n) { return Value(static_cast<int64_t>(rng() % (n + 1))); };
  auto yes = [&](int percent) { return Value(static_cast<int>(rng() % 100) < percent); };
  auto money = [&](int max_hundreds) {
    return Value(Decimal{std::to_string(rng() % max_hundreds * 100) + ".00"});
  };
  store::FieldValues f;
  f["student_id"] = Value(student.ToString());
  f["household_id"] = Value(household.ToString());
  // Drafts: these answers are not the default form's questions, and the server checks a
  // submitted visit against its form (sync-server/visit_check.h).
  f["status"] = Value("draft");
  f["author"] = Value("wang");
  f["visit_date"] = Value(Date{20500 + static_cast<int32_t>(rng() % 60)});
  f["form_id"] = Value("home_visit");
  f["form_version"] = Value(1);
  f["location"] = Value(GeoPoint{27.5 + (rng() % 100000) / 1e6, 109.9 + (rng() % 100000) / 1e6, 10});
  f["recommended_tier"] = pick({"特别困难", "困难", "一般困难", "不困难"});
  f["met_with"] = pick({"父亲", "母亲", "祖父母", "其他监护人"});
  f["member_count"] = Value(static_cast<int64_t>(2 + rng() % 7));
  f["income_total"] = money(600);
  f["income_per_capita"] = money(150);
  f["housing"] = pick({"砖混", "土木", "危房"});
  f["housing_area"] = Value(static_cast<int64_t>(40 + rng() % 160));
  f["land_mu"] = Value(Decimal{std::to_string(rng() % 8) + ".5"});
  f["pigs"] = upto(5);
  f["cattle"] = upto(2);
  f["poultry"] = upto(30);
  f["vehicle"] = yes(30);
  f["distance_km"] = Value(Decimal{std::to_string(1 + rng() % 15) + ".0"});
  f["way_to_school"] = pick({"步行", "校车", "家长接送", "住校"});
  f["boarding"] = yes(40);
  f["left_behind"] = yes(35);
  f["guardian"] = pick({"父母", "祖父母", "亲戚"});
  StringList categories;
  for (const char* c : {"最低生活保障家庭", "脱贫不稳定户", "残疾人子女", "单亲"}) {
    if (rng() % 100 < 10) categories.push_back(c);
  }
  f["categories"] = Value(categories);
  f["dibao"] = yes(8);
  f["monitored"] = yes(10);
  f["disabled_member"] = yes(3);
  f["serious_illness"] = yes(3);
  f["orphan"] = yes(1);
  f["single_parent"] = yes(5);
  f["disaster"] = yes(2);
  f["debt"] = yes(20);
  f["debt_amount"] = money(300);
  f["medical_cost"] = money(100);
  f["education_cost"] = money(50);
  f["water_access"] = yes(90);
  f["electricity"] = yes(98);
  f["note"] = pick({"家庭情况属实", "需持续关注", "已核实", ""});
  return f;
}

struct Device {
  std::unique_ptr<store::DeviceStore> store;
  std::unique_ptr<sync::SyncClient> client;
};

Device MakeDevice(const std::string& dir, int port, const std::string& user,
                  bool stream_push = true) {
  std::filesystem::create_directories(dir);
  store::DeviceStore::Options options;
  options.durable_local_writes = false;  // bulk set-up; pulls never wait for the disk anyway
  auto s = store::DeviceStore::Open(dir + "/device.db", options);
  if (!s.ok()) Die(s.status().ToString());
  Device d;
  d.store = std::move(s).value();
  sync::SyncOptions o;
  o.server = "127.0.0.1:" + std::to_string(port);
  o.stream_push = stream_push;
  d.client = std::make_unique<sync::SyncClient>(*d.store, o);
  Check(d.client->Login(user, kPassword), "login");
  return d;
}

// CPU seconds used by the calling thread: the device's own work in a sync (store, protobuf,
// the sync loop), whatever else the machine is busy with.
double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

// CPU seconds used by the whole process: device, server and gRPC threads.
double ProcessCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

void PerfControl(const char* phase, bool on);

// A sync split at the start of its pull phase: how long the push took and what it cost.
struct SplitSync {
  double push_s = 0, total_s = 0;
  double push_cpu_s = 0, total_cpu_s = 0;  // the device thread's CPU time
  double push_process_cpu_s = 0, total_process_cpu_s = 0;
  WireCount push_bytes, total_bytes;
  sync::SyncReport report;
};

SplitSync TimedSync(Device& d, ByteProxy& proxy) {
  SplitSync out;
  const WireCount start_count = proxy.Read();
  const auto start = Clock::now();
  const double cpu_start = ThreadCpuSeconds();
  const double process_start = ProcessCpuSeconds();
  bool split = false;
  out.report = d.client->Sync([&](const sync::SyncProgress& p) {
    if (!split && p.phase != sync::SyncPhase::kPush) {
      split = true;
      out.push_s = Seconds(start, Clock::now());
      out.push_cpu_s = ThreadCpuSeconds() - cpu_start;
      out.push_process_cpu_s = ProcessCpuSeconds() - process_start;
      out.push_bytes = proxy.Read() - start_count;
      PerfControl("push", false);  // a profile of the push phase ends with it
    }
  });
  out.total_s = Seconds(start, Clock::now());
  out.total_cpu_s = ThreadCpuSeconds() - cpu_start;
  out.total_process_cpu_s = ProcessCpuSeconds() - process_start;
  out.total_bytes = proxy.Read() - start_count;
  Check(out.report, "sync");
  return out;
}

// Starts homevisit-device processes from a small process forked before the benchmark grows.
// A child's peak RSS (ru_maxrss) counts the memory image it was forked from, up to its exec:
// forked from the benchmark holding 10,000 visits it would report the benchmark's size, not
// the device's. The launcher is forked at start-up, while it is small, and forks the devices.
class Launcher {
 public:
  struct Outcome {
    int status = 0;
    long maxrss_kb = 0;
  };

  // Call before anything big is allocated.
  Launcher() {
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) Die("pipe");
    pid_ = fork();
    if (pid_ < 0) Die("fork");
    if (pid_ == 0) {
      close(to_child[1]);
      close(from_child[0]);
      Serve(to_child[0], from_child[1]);
      _exit(0);
    }
    close(to_child[0]);
    close(from_child[1]);
    out_ = to_child[1];
    in_ = from_child[0];
  }
  ~Launcher() {
    close(out_);
    close(in_);
    waitpid(pid_, nullptr, 0);
  }

  Outcome Run(const std::vector<std::string>& argv) {
    std::string request;
    for (const std::string& a : argv) request += a + '\0';
    const uint32_t size = static_cast<uint32_t>(request.size());
    if (!WriteAll(out_, &size, sizeof size) || !WriteAll(out_, request.data(), size)) Die("launcher");
    Outcome outcome;
    if (!ReadAll(in_, &outcome, sizeof outcome)) Die("launcher");
    return outcome;
  }

 private:
  static bool WriteAll(int fd, const void* data, size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
      const ssize_t w = write(fd, p, n);
      if (w <= 0) return false;
      p += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  }
  static bool ReadAll(int fd, void* data, size_t n) {
    char* p = static_cast<char*>(data);
    while (n > 0) {
      const ssize_t r = read(fd, p, n);
      if (r <= 0) return false;
      p += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }
  static void Serve(int in, int out) {
    uint32_t size = 0;
    while (ReadAll(in, &size, sizeof size)) {
      std::string request(size, '\0');
      if (!ReadAll(in, request.data(), size)) return;
      std::vector<char*> raw;
      for (size_t i = 0; i < request.size(); i += std::strlen(&request[i]) + 1) raw.push_back(&request[i]);
      raw.push_back(nullptr);
      const pid_t pid = fork();
      if (pid == 0) {
        const int null_fd = open("/dev/null", O_WRONLY);
        dup2(null_fd, 1);
        execv(raw[0], raw.data());
        _exit(127);
      }
      Outcome outcome;
      rusage usage{};
      wait4(pid, &outcome.status, 0, &usage);
      outcome.maxrss_kb = usage.ru_maxrss;
      if (!WriteAll(out, &outcome, sizeof outcome)) return;
    }
  }

  pid_t pid_ = -1;
  int out_ = -1, in_ = -1;
};

Launcher* g_launcher = nullptr;

// Runs homevisit-device with `args` against the server at `port`; its peak RSS in *maxrss_kb.
void RunDevice(const std::string& dir, int port, std::vector<std::string> args, long* maxrss_kb) {
  std::vector<std::string> argv = {HOMEVISIT_DEVICE_BIN, "--data", dir, "--server",
                                   "127.0.0.1:" + std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  const Launcher::Outcome outcome = g_launcher->Run(argv);
  if (maxrss_kb) *maxrss_kb = outcome.maxrss_kb;
  if (!WIFEXITED(outcome.status) || WEXITSTATUS(outcome.status) != 0) {
    Die("homevisit-device " + args[0] + " failed");
  }
}

// Peak RSS (MiB) of `homevisit-device ... sync`, a fresh device pulling everything.
double DevicePullPeakRssMb(const std::string& dir, int port, double* seconds) {
  RunDevice(dir, port, {"login", "li", kPassword}, nullptr);
  const auto start = Clock::now();
  long maxrss_kb = 0;
  RunDevice(dir, port, {"sync"}, &maxrss_kb);
  *seconds = Seconds(start, Clock::now());
  return maxrss_kb / 1024.0;
}

// Profiling one phase: with HOMEVISIT_PERF_PHASE=push|pull and HOMEVISIT_PERF_CTL=CTL,ACK
// (the fifos of `perf record -D -1 --control fifo:CTL,ACK`), perf samples only that phase.
void PerfControl(const char* phase, bool on) {
  const char* want = std::getenv("HOMEVISIT_PERF_PHASE");
  const char* fifos = std::getenv("HOMEVISIT_PERF_CTL");
  if (!want || !fifos || std::strcmp(want, phase) != 0) return;
  const std::string both(fifos);
  const size_t comma = both.find(',');
  if (comma == std::string::npos) Die("HOMEVISIT_PERF_CTL is CTL,ACK");
  const int ctl = open(both.substr(0, comma).c_str(), O_WRONLY);
  const int ack = open(both.substr(comma + 1).c_str(), O_RDONLY);
  if (ctl < 0 || ack < 0) Die("cannot open the perf control fifos");
  const char* command = on ? "enable\n" : "disable\n";
  char reply[16];
  if (write(ctl, command, std::strlen(command)) < 0 || read(ack, reply, sizeof reply) < 0) {
    Die("perf control");
  }
  close(ctl);
  close(ack);
}

double LoadAverage() {
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

// Baseline: the same number of field rows inserted into a bare SQLite table on this disk.
double BaselineFieldsPerSecond(const std::string& dir, int fields) {
  auto db = store::Connection::Open(dir + "/baseline.db", true, false);
  if (!db.ok()) Die("baseline db");
  Check(db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE f(record_id BLOB, "
                 "name TEXT, value BLOB, hlc INTEGER, node INTEGER, PRIMARY KEY(record_id, name)) "
                 "WITHOUT ROWID"),
        "baseline schema");
  std::mt19937_64 rng(1);
  const auto start = Clock::now();
  Check(db->Exec("BEGIN"), "begin");
  auto stmt = db->Prepare("INSERT INTO f VALUES (?, ?, ?, ?, ?)");
  for (int i = 0; i < fields; ++i) {
    const Uuid id = Uuid::V7(1'790'000'000'000 + i / 40, rng(), rng());
    stmt->Reset();
    stmt->BindBlob(1, id.AsBytes()).BindText(2, "q" + std::to_string(i % 40)).BindBlob(3, "\x18\x04");
    stmt->Bind(4, i).Bind(5, 1);
    Check(stmt->Run(), "insert");
  }
  Check(db->Exec("COMMIT"), "commit");
  return fields / Seconds(start, Clock::now());
}

// The server's database: an SQLite file in `dir`, or a fresh schema on PG_CONNINFO.
std::string ServerDatabase(const std::string& db, const std::string& dir, int round) {
  if (db == "sqlite") return "sqlite:" + dir + "/server.db";
  const char* pg = std::getenv("PG_CONNINFO");
  if (!pg || !*pg) Die("--db postgres needs PG_CONNINFO (source scripts/lib/postgres.sh; pg_start)");
  auto admin = server::pg::Connection::Open(pg);
  if (!admin.ok()) Die(admin.status().ToString());
  const std::string schema = "sync_bench_" + std::to_string(getpid()) + "_" + std::to_string(round);
  Check((*admin)->Run("CREATE SCHEMA " + schema).status(), "create schema");
  return std::string(pg) + " options='-c search_path=" + schema + "'";
}

void DropServerDatabase(const std::string& db, int round) {
  if (db != "postgres") return;
  if (auto admin = server::pg::Connection::Open(std::getenv("PG_CONNINFO")); admin.ok()) {
    (void)(*admin)->Run("DROP SCHEMA IF EXISTS sync_bench_" + std::to_string(getpid()) + "_" +
                        std::to_string(round) + " CASCADE");
  }
}

// One round of the push and pull measurement: a fresh server database, one teacher's device
// creating `visits` new visits and pushing them, then a fresh device pulling everything.
struct Round {
  int number = 0;
  std::string dir;
  ServerSide server;
  std::unique_ptr<ByteProxy> proxy;
  Device wang, li;
  std::vector<Uuid> ids;
  double create_s = 0;
  SplitSync push, pull;
};

std::unique_ptr<Round> RunRound(const std::string& db, const std::string& dir, int number,
                                int visits, bool profiled, std::mt19937_64& rng) {
  auto r = std::make_unique<Round>();
  r->number = number;
  r->dir = dir;
  std::filesystem::create_directories(dir);
  r->server = StartServer(ServerDatabase(db, dir, number), 1000);
  r->proxy = std::make_unique<ByteProxy>(r->server.server->port());
  r->wang = MakeDevice(dir + "/wang", r->proxy->port(), "wang");
  Check(r->wang.client->Sync(), "first sync");
  const std::vector<Uuid>& students = r->server.students;
  const auto create_start = Clock::now();
  for (int i = 0; i < visits; ++i) {
    const Uuid& student = students[i % students.size()];
    auto id = r->wang.store->Create("visit", kSchool,
                                    VisitFields(rng, student, students[(i * 7) % students.size()]));
    if (!id.ok()) Die(id.status().ToString());
    r->ids.push_back(*id);
  }
  r->create_s = Seconds(create_start, Clock::now());
  if (profiled) PerfControl("push", true);
  r->push = TimedSync(r->wang, *r->proxy);
  r->li = MakeDevice(dir + "/li", r->proxy->port(), "li");
  if (profiled) PerfControl("pull", true);
  r->pull = TimedSync(r->li, *r->proxy);
  if (profiled) PerfControl("pull", false);
  return r;
}

void EndRound(std::unique_ptr<Round> r, const std::string& db) {
  r->wang.client.reset();
  r->li.client.reset();
  r->server.server->Shutdown();
  r->server.storage.reset();
  DropServerDatabase(db, r->number);
}

// The median of `values` (odd count: the middle one; even: the lower middle).
size_t MedianIndex(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  return order[(order.size() - 1) / 2];
}

std::string JsonList(const std::vector<double>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    out += (i ? ", " : "") + std::to_string(static_cast<long long>(values[i] + 0.5));
  }
  return out + "]";
}

int Main(int argc, char** argv) {
  Launcher launcher;  // first, while this process is small (see Launcher)
  g_launcher = &launcher;
  int visits = 10000, edits = 10000, rounds = 3;
  std::string db = "sqlite";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--db") {
      db = argv[i + 1];
      if (db != "sqlite" && db != "postgres") Die("--db takes sqlite or postgres");
      continue;
    }
    const int n = std::atoi(argv[i + 1]);
    if (n <= 0) Die("bad value for " + flag);
    if (flag == "--visits") visits = n;
    else if (flag == "--edits") edits = n;
    else if (flag == "--rounds") rounds = n;
    else Die("unknown flag " + flag);
  }
  edits = std::min(edits, visits);
  const std::string dir = std::filesystem::temp_directory_path() / ("sync_bench_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  // Push and pull, in rounds; the last round's server and devices stay for what follows.
  std::mt19937_64 rng(42);
  std::vector<double> push_rounds, pull_rounds;
  std::vector<SplitSync> pushes, pulls;
  std::unique_ptr<Round> last;
  for (int k = 0; k < rounds; ++k) {
    if (last) EndRound(std::move(last), db);
    last = RunRound(db, dir + "/round" + std::to_string(k), k, visits, k == rounds - 1, rng);
    push_rounds.push_back(visits / last->push.push_s);
    pull_rounds.push_back(visits / last->pull.total_s);
    pushes.push_back(last->push);
    pulls.push_back(last->pull);
  }
  const SplitSync push = pushes[MedianIndex(push_rounds)];
  const SplitSync pull = pulls[MedianIndex(pull_rounds)];
  const WireCount echo = push.total_bytes - push.push_bytes;
  ServerSide& server = last->server;
  ByteProxy& proxy = *last->proxy;
  Device& wang = last->wang;
  const std::vector<Uuid>& ids = last->ids;
  const double create_s = last->create_s;

  // One-field edits: one field in each of `edits` visits, then one edit alone.
  for (int i = 0; i < edits; ++i) {
    Check(wang.store->Set(ids[i], {{"member_count", Value(static_cast<int64_t>(2 + rng() % 7))}}), "edit");
  }
  const SplitSync edit = TimedSync(wang, proxy);
  Check(wang.store->Set(ids[0], {{"housing", Value("危房")}}), "edit");
  const SplitSync single = TimedSync(wang, proxy);

  // An empty sync on a warm channel (the app keeps one open). Frames of the previous call
  // (window updates, stream close) may still be in flight when it starts and would be
  // counted with it: let the link settle first, and take the median of three.
  std::vector<SplitSync> empties;
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    empties.push_back(TimedSync(wang, proxy));
  }
  std::sort(empties.begin(), empties.end(), [](const SplitSync& a, const SplitSync& b) {
    return a.total_bytes.total() < b.total_bytes.total();
  });
  const SplitSync empty_warm = empties[1];

  double rss_pull_s = 0;
  const double rss_mb = DevicePullPeakRssMb(dir + "/rss", proxy.port(), &rss_pull_s);
  // An empty sync from a new process: a new TCP connection, HTTP/2 set-up and all.
  const WireCount before_cold = proxy.Read();
  RunDevice(dir + "/rss", proxy.port(), {"sync"}, nullptr);
  const WireCount empty_cold = proxy.Read() - before_cold;
  const double baseline = BaselineFieldsPerSecond(dir, visits * 40);

  // The same push over a slow mobile link (fault proxy: 100 ms each way, 200 KB/s each
  // way), once with batches on one PushStream and once one call per batch, by two devices
  // of the same teacher with the same number of new visits. Last, so that the visits they
  // add change no figure above.
  faultproxy::ProxyOptions link;
  link.target_port = static_cast<uint16_t>(server.server->port());
  link.link.up_latency_ms = link.link.down_latency_ms = 100;
  link.link.up_bytes_per_s = link.link.down_bytes_per_s = 200'000;
  auto slow = faultproxy::FaultProxy::Start(link);
  if (!slow.ok()) Die(slow.status().ToString());
  const int slow_visits = std::max(1, visits / 5);
  double slow_s[2] = {0, 0};
  uint64_t slow_batches[2] = {0, 0};
  for (int k = 0; k < 2; ++k) {
    Device d = MakeDevice(dir + "/slow" + std::to_string(k), (*slow)->port(), "wang",
                          /*stream_push=*/k == 0);
    Check(d.client->Sync(), "first sync over the slow link");
    for (int i = 0; i < slow_visits; ++i) {
      const Uuid& student = server.students[i % server.students.size()];
      Check(d.store->Create("visit", kSchool, VisitFields(rng, student, student)).status(), "create");
    }
    bool split = false;
    const auto start = Clock::now();
    const auto report = d.client->Sync([&](const sync::SyncProgress& p) {
      if (!split && p.phase != sync::SyncPhase::kPush) {
        split = true;
        slow_s[k] = Seconds(start, Clock::now());
      }
    });
    Check(report, "sync over the slow link");
    slow_batches[k] = report.batches;
  }
  const double baseline_visits = baseline / 40;

  const double push_vps = visits / push.push_s;
  const double pull_vps = visits / pull.total_s;
  std::printf(
      "{\n"
      "  \"server_db\": \"%s\",\n"
      "  \"visits\": %d, \"fields_per_visit\": 40, \"roster_students\": %zu, \"cores\": %u,\n"
      "  \"load_average_1min\": %.2f,\n"
      "  \"local_create_visits_per_s\": %.0f,\n"
      "  \"device_thread_cpu\": {\"push_visits_per_cpu_s\": %.0f, \"pull_visits_per_cpu_s\": %.0f},\n"
      "  \"cpu_seconds\": {\"push_device_thread\": %.2f, \"push_whole_process\": %.2f,\n"
      "                  \"pull_device_thread\": %.2f, \"pull_whole_process\": %.2f},\n"
      "  \"rounds\": %d,\n"
      "  \"push\": {\"visits_per_s\": %.0f, \"target_visits_per_s\": 50000, \"seconds\": %.3f,\n"
      "           \"visits_per_s_by_round\": %s,\n"
      "           \"bytes_per_visit\": %.1f, \"target_bytes_per_visit\": 250, \"up_bytes\": %llu,\n"
      "           \"down_bytes\": %llu, \"calls\": %llu},\n"
      "  \"echo_pull_after_push\": {\"seconds\": %.3f, \"bytes_per_visit\": %.1f},\n"
      "  \"pull\": {\"visits_per_s\": %.0f, \"target_visits_per_s\": 50000, \"seconds\": %.3f,\n"
      "           \"visits_per_s_by_round\": %s,\n"
      "           \"bytes_per_visit\": %.1f, \"calls\": %llu, \"fields\": %llu},\n"
      "  \"edit\": {\"edits\": %d, \"push_bytes_per_edit\": %.1f, \"target_bytes_per_edit\": 60,\n"
      "           \"sync_bytes_per_edit\": %.1f, \"single_edit_push_bytes\": %llu,\n"
      "           \"single_edit_sync_bytes\": %llu, \"single_edit_calls\": %llu},\n"
      "  \"empty_sync\": {\"calls\": %llu, \"target_round_trips\": 1, \"tcp_turns\": %llu,\n"
      "                 \"bytes\": %llu, \"target_bytes\": 300, \"new_process_bytes\": %llu,\n"
      "                 \"new_process_connections\": %llu},\n"
      "  \"device_pull_peak_rss_mb\": %.1f, \"target_rss_mb\": 100, \"device_cli_pull_seconds\": %.3f,\n"
      "  \"baseline\": {\"sqlite_insert_fields_per_s\": %.0f, \"as_visits_per_s\": %.0f},\n"
      "  \"ratios_to_baseline\": {\"push\": %.3f, \"pull\": %.3f},\n"
      "  \"slow_link_push\": {\"visits\": %d, \"round_trip_ms\": 200, \"bytes_per_s\": 200000,\n"
      "                     \"batches\": %llu, \"stream_seconds\": %.2f,\n"
      "                     \"one_call_per_batch_seconds\": %.2f, \"stream_speedup\": %.2f}\n"
      "}\n",
      db.c_str(), visits, server.students.size(), std::thread::hardware_concurrency(),
      LoadAverage(), visits / create_s, visits / push.push_cpu_s, visits / pull.total_cpu_s,
      push.push_cpu_s, push.push_process_cpu_s, pull.total_cpu_s, pull.total_process_cpu_s,
      rounds, push_vps, push.push_s, JsonList(push_rounds).c_str(),
      double(push.push_bytes.total()) / visits,
      (unsigned long long)push.push_bytes.up, (unsigned long long)push.push_bytes.down,
      (unsigned long long)push.report.calls - 1, push.total_s - push.push_s,
      double(echo.total()) / visits, pull_vps, pull.total_s, JsonList(pull_rounds).c_str(),
      double(pull.total_bytes.total()) / visits,
      (unsigned long long)pull.report.calls, (unsigned long long)pull.report.pulled, edits,
      double(edit.push_bytes.total()) / edits, double(edit.total_bytes.total()) / edits,
      (unsigned long long)single.push_bytes.total(), (unsigned long long)single.total_bytes.total(),
      (unsigned long long)single.report.calls, (unsigned long long)empty_warm.report.calls,
      (unsigned long long)empty_warm.total_bytes.turns, (unsigned long long)empty_warm.total_bytes.total(),
      (unsigned long long)empty_cold.total(), (unsigned long long)empty_cold.connections,
      rss_mb, rss_pull_s, baseline,
      baseline_visits, push_vps / baseline_visits, pull_vps / baseline_visits, slow_visits,
      (unsigned long long)slow_batches[0], slow_s[0], slow_s[1], slow_s[1] / slow_s[0]);
  EndRound(std::move(last), db);
  if (!std::getenv("SYNC_BENCH_KEEP")) std::filesystem::remove_all(dir);  // keep: look at the files
  return 0;
}

}  // namespace
}  // namespace homevisit::bench

int main(int argc, char** argv) { return homevisit::bench::Main(argc, argv); }
