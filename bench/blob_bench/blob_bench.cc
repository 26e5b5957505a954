// blob_bench: time and bytes to sync the photos of 20 visits (2 each) over a bad rural link,
// resumable Blobs uploads against the baseline of one multipart HTTP POST per visit that
// starts again from zero after every cut. Both run through the fault proxy with the same
// profile ("2g": 30 KB/s each way, 600 ms round trips, the link dropping every 512,000
// bytes), each on its own identical link, at the same time (--sequential: one after the
// other). Prints one JSON object with both figures and their ratios.
//
//   blob_bench [--visits 20] [--photos-per-visit 2] [--photo-kb-min 150] [--photo-kb-max 240]
//              [--profile 2g] [--cut-every BYTES] [--seed 1] [--max-attempts 60]
//              [--sequential]
//
// Photos are incompressible bytes (as a JPEG is) of sizes drawn from the seed between the
// two bounds, KiB. The default, 150-240 KiB, is what a 1600 px JPEG at quality 80 weighs;
// it keeps two photos of a visit under one cut interval, so the baseline can finish at all
// (a visit bigger than the interval never gets through a restart-from-zero upload).
// Only photos are timed: a visit's record travels by Sync.Push in both designs.
// Default run: about six minutes, set by the baseline (every visit costs it a whole
// cut interval, ~17 s at 30 KB/s).
#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "app/sync/blob_uploader.h"
#include "bench/faultproxy/fault_proxy.h"
#include "multipart_http.h"
#include "sync-server/blob_service.h"
#include "sync-server/blob_store.h"

namespace homevisit::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int visits = 20;
  int photos_per_visit = 2;
  int photo_kb_min = 150;
  int photo_kb_max = 240;
  std::string profile = "2g";
  uint64_t seed = 1;
  int max_attempts = 60;
  int cut_every = -1;  // overrides the profile's cut interval when >= 0 (0 = no cuts)
  bool sequential = false;
};

struct Photo {
  std::string bytes;
  std::string sha256;
  std::string record_id;  // the visit that references it (16 bytes)
};

struct SideResult {
  double seconds = 0;
  faultproxy::ProxyCounters link;
  int calls = 0;         // PutBlob calls, or POST attempts
  int status_calls = 0;  // BlobStatus calls (resumable side)
  int failed_visits = 0;
  bool intact = false;
};

// Test-style access for a benchmark: one known token, every blob readable. Authentication
// is not what is measured.
class BenchAccess : public server::BlobAccess {
 public:
  Result<server::BlobCaller> Authenticate(grpc::ServerContext* context) override {
    auto it = context->client_metadata().find("authorization");
    if (it == context->client_metadata().end() || it->second != "Bearer bench") {
      return Status(StatusCode::kUnauthenticated, "unknown token");
    }
    return server::BlobCaller{"bench", {"county"}};
  }
  Result<bool> MayRead(const server::BlobCaller&, const std::string&, const std::string&) override {
    return true;
  }
};

std::vector<std::vector<Photo>> MakeVisits(const Options& o) {
  std::mt19937_64 rng(o.seed);
  std::uniform_int_distribution<int> kb(o.photo_kb_min * 1024, o.photo_kb_max * 1024);
  std::vector<std::vector<Photo>> visits(static_cast<size_t>(o.visits));
  for (auto& visit : visits) {
    for (int p = 0; p < o.photos_per_visit; ++p) {
      Photo photo;
      photo.bytes.resize(static_cast<size_t>(kb(rng)));
      for (char& c : photo.bytes) c = static_cast<char>(rng());
      photo.sha256 = sync::Sha256Of(photo.bytes);
      photo.record_id = photo.sha256.substr(0, 16);  // any 16 bytes: access is not measured
      visit.push_back(std::move(photo));
    }
  }
  return visits;
}

std::unique_ptr<faultproxy::FaultProxy> StartProxy(uint16_t target,
                                                   const faultproxy::LinkProfile& link) {
  faultproxy::ProxyOptions o;
  o.target_port = target;
  o.link = link;
  auto p = faultproxy::FaultProxy::Start(o);
  if (!p.ok()) {
    std::fprintf(stderr, "blob_bench: %s\n", p.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(p.value());
}

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

SideResult RunResumable(const std::vector<std::vector<Photo>>& visits,
                        const faultproxy::LinkProfile& link, const std::string& data_dir) {
  SideResult r;
  server::BlobStoreOptions so;
  so.dir = data_dir;
  auto store = server::BlobStore::Open(so);
  if (!store.ok()) {
    std::fprintf(stderr, "blob_bench: %s\n", store.status().ToString().c_str());
    std::exit(1);
  }
  BenchAccess access;
  server::BlobService service(store->get(), &access);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  auto proxy = StartProxy(static_cast<uint16_t>(port), link);
  sync::BlobTransferOptions to;
  to.bearer_token_hex = "bench";
  sync::BlobUploader uploader(
      v1::Blobs::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(proxy->port()),
                                             grpc::InsecureChannelCredentials())),
      to);
  const auto t0 = Clock::now();
  for (size_t v = 0; v < visits.size(); ++v) {
    bool ok = true;
    for (const Photo& p : visits[v]) {
      auto report = uploader.Upload(p.sha256, p.record_id, p.bytes, /*never_sent=*/true);
      if (!report.ok()) {
        std::fprintf(stderr, "[resumable] visit %zu: %s\n", v + 1,
                     report.status().ToString().c_str());
        ok = false;
        continue;
      }
      r.calls += report->transfer_calls;
      r.status_calls += report->status_calls;
    }
    if (!ok) r.failed_visits++;
    std::fprintf(stderr, "[resumable] visit %zu/%zu at %.0f s\n", v + 1, visits.size(), Since(t0));
  }
  r.seconds = Since(t0);
  r.link = proxy->counters();
  r.intact = true;
  for (const auto& visit : visits) {
    for (const Photo& p : visit) {
      auto st = (*store)->State(p.sha256);
      r.intact = r.intact && st.ok() && st->complete && st->offset == p.bytes.size();
    }
  }
  proxy->Stop();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return r;
}

SideResult RunMultipart(const std::vector<std::vector<Photo>>& visits,
                        const faultproxy::LinkProfile& link, int max_attempts) {
  SideResult r;
  auto receiver = MultipartReceiver::Start(64 << 20);
  if (!receiver.ok()) {
    std::fprintf(stderr, "blob_bench: %s\n", receiver.status().ToString().c_str());
    std::exit(1);
  }
  auto proxy = StartProxy((*receiver)->port(), link);
  MultipartPoster poster(proxy->port(), max_attempts);
  const auto t0 = Clock::now();
  for (size_t v = 0; v < visits.size(); ++v) {
    std::vector<std::string_view> photos;
    for (const Photo& p : visits[v]) photos.push_back(p.bytes);
    Status s = poster.PostVisit("visit-" + std::to_string(v + 1), photos, &r.calls);
    if (!s.ok()) {
      std::fprintf(stderr, "[multipart] %s\n", s.ToString().c_str());
      r.failed_visits++;
    }
    std::fprintf(stderr, "[multipart] visit %zu/%zu at %.0f s, %d attempts so far\n", v + 1,
                 visits.size(), Since(t0), r.calls);
  }
  r.seconds = Since(t0);
  r.link = proxy->counters();
  const auto got = (*receiver)->visits();
  r.intact = got.size() == visits.size();
  for (size_t v = 0; v < visits.size() && r.intact; ++v) {
    auto it = got.find("visit-" + std::to_string(v + 1));
    r.intact = it != got.end() && it->second.size() == visits[v].size();
    for (size_t i = 0; r.intact && i < visits[v].size(); ++i) {
      r.intact = it->second[i] == visits[v][i].sha256;
    }
  }
  proxy->Stop();
  (*receiver)->Stop();
  return r;
}

std::string SideJson(const SideResult& r, const char* calls_name) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"seconds\":%.1f,\"bytes_total\":%llu,\"bytes_up\":%llu,\"bytes_down\":%llu,"
                "\"cuts\":%llu,\"connections\":%llu,\"%s\":%d,\"status_calls\":%d,"
                "\"failed_visits\":%d,\"intact\":%s}",
                r.seconds, static_cast<unsigned long long>(r.link.bytes_up + r.link.bytes_down),
                static_cast<unsigned long long>(r.link.bytes_up),
                static_cast<unsigned long long>(r.link.bytes_down),
                static_cast<unsigned long long>(r.link.cuts),
                static_cast<unsigned long long>(r.link.connections), calls_name, r.calls,
                r.status_calls, r.failed_visits, r.intact ? "true" : "false");
  return buf;
}

int Usage(const std::string& error) {
  std::fprintf(stderr,
               "blob_bench: %s\nusage: blob_bench [--visits N] [--photos-per-visit N] "
               "[--photo-kb-min KiB] [--photo-kb-max KiB] [--profile 2g|3g|flaky|loopback] "
               "[--cut-every BYTES] [--seed N] [--max-attempts N] [--sequential]\n",
               error.c_str());
  return 2;
}

bool ParseInt(const char* text, int lo, int hi, int* out) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

}  // namespace
}  // namespace homevisit::bench

int main(int argc, char** argv) {
  using namespace homevisit::bench;
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--sequential") {
      o.sequential = true;
      continue;
    }
    if (i + 1 >= argc) return Usage("missing value after " + flag);
    const char* value = argv[++i];
    int seed = 0;
    bool ok = true;
    if (flag == "--visits")
      ok = ParseInt(value, 1, 1000, &o.visits);
    else if (flag == "--photos-per-visit")
      ok = ParseInt(value, 1, 20, &o.photos_per_visit);
    else if (flag == "--photo-kb-min")
      ok = ParseInt(value, 1, 10'000, &o.photo_kb_min);
    else if (flag == "--photo-kb-max")
      ok = ParseInt(value, 1, 10'000, &o.photo_kb_max);
    else if (flag == "--max-attempts")
      ok = ParseInt(value, 1, 10'000, &o.max_attempts);
    else if (flag == "--cut-every")
      ok = ParseInt(value, 0, 1 << 30, &o.cut_every);
    else if (flag == "--profile")
      o.profile = value;
    else if (flag == "--seed")
      ok = ParseInt(value, 0, 1 << 30, &seed), o.seed = static_cast<uint64_t>(seed);
    else
      return Usage("unknown option " + flag);
    if (!ok) return Usage("bad value for " + flag + ": " + value);
  }
  if (o.photo_kb_min > o.photo_kb_max) return Usage("--photo-kb-min exceeds --photo-kb-max");
  auto link = homevisit::faultproxy::NamedProfile(o.profile);
  if (!link.ok()) return Usage(link.status().message());
  if (o.cut_every >= 0) {
    link->cut_every_bytes = static_cast<uint64_t>(o.cut_every);
    link->random_cut_mean_bytes = 0;
  }

  const auto visits = MakeVisits(o);
  uint64_t photo_bytes = 0;
  for (const auto& v : visits) {
    for (const auto& p : v) photo_bytes += p.bytes.size();
  }
  char tmpl[] = "/tmp/homevisit-blob-bench-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  if (dir == nullptr) return Usage("cannot create a temporary directory");

  SideResult resumable, multipart;
  if (o.sequential) {
    resumable = RunResumable(visits, *link, dir);
    multipart = RunMultipart(visits, *link, o.max_attempts);
  } else {
    std::thread a([&] { resumable = RunResumable(visits, *link, dir); });
    std::thread b([&] { multipart = RunMultipart(visits, *link, o.max_attempts); });
    a.join();
    b.join();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);

  const double bytes_r = static_cast<double>(resumable.link.bytes_up + resumable.link.bytes_down);
  const double bytes_m = static_cast<double>(multipart.link.bytes_up + multipart.link.bytes_down);
  std::printf(
      "{\"bench\":\"blob_sync\",\"profile\":\"%s\",\"link\":{\"up_bytes_per_s\":%lld,"
      "\"rtt_ms\":%lld,\"cut_every_bytes\":%llu,\"random_cut_mean_bytes\":%llu},"
      "\"visits\":%d,\"photos_per_visit\":%d,\"photo_bytes_total\":%llu,\"seed\":%llu,"
      "\"runs\":\"%s\",\n \"resumable_blobs\":%s,\n \"multipart_post\":%s,\n"
      " \"ratio\":{\"seconds_multipart_over_resumable\":%.2f,"
      "\"bytes_multipart_over_resumable\":%.2f}}\n",
      o.profile.c_str(), static_cast<long long>(link->up_bytes_per_s),
      static_cast<long long>(link->up_latency_ms + link->down_latency_ms),
      static_cast<unsigned long long>(link->cut_every_bytes),
      static_cast<unsigned long long>(link->random_cut_mean_bytes), o.visits, o.photos_per_visit,
      static_cast<unsigned long long>(photo_bytes), static_cast<unsigned long long>(o.seed),
      o.sequential ? "sequential" : "concurrent, one identical link each",
      SideJson(resumable, "put_calls").c_str(), SideJson(multipart, "post_attempts").c_str(),
      resumable.seconds > 0 ? multipart.seconds / resumable.seconds : 0.0,
      bytes_r > 0 ? bytes_m / bytes_r : 0.0);
  return resumable.intact && multipart.intact ? 0 : 1;
}
