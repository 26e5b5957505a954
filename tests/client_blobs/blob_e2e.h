// What the attachment tests share: the real sync server with its Blobs service over a
// SQLite file and a blob directory, in this process on 127.0.0.1, with the accounts of
// e2e_fixture.h and one household with one student in school s1; real devices.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/store/record_fields.h"
#include "app/sync/blob_sync.h"
#include "e2e_fixture.h"
#include "sync-server/blob_store.h"

namespace homevisit::e2e {

inline std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream data;
  data << in.rdbuf();
  return data.str();
}

// Incompressible bytes, like a JPEG.
inline std::string PhotoBytes(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x >> 24);
  }
  return out;
}

class AttachmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerHarness>(dir_.file("server.db"));
    server_->EnableBlobs(blob_dir(), max_blob_bytes_);
    server_->Start();
    server_->SeedAccounts();
    home_ = server_->SeedRecord(store::type::kHousehold, kSchool,
                                {{"head_name", Value("李大山")}, {"village", Value("花山村")}});
    student_ = server_->SeedRecord(store::type::kStudent, kSchool,
                                   {{"name", Value("李明")}, {"class_name", Value("三年级1班")},
                                    {"household_id", Value(home_.ToString())}});
  }

  std::string blob_dir() const { return dir_.file("server.blobs"); }

  // Fast retries for links that fail on purpose.
  static sync::SyncOptions Options() {
    sync::SyncOptions o = Device::Fast();
    o.blob_transfer.initial_backoff = std::chrono::milliseconds(20);
    o.blob_transfer.max_backoff = std::chrono::milliseconds(100);
    o.blob_transfer.max_attempts_without_progress = 3;
    o.blob_transfer.status_deadline = std::chrono::milliseconds(5000);
    o.blob_transfer.transfer_base_deadline = std::chrono::milliseconds(10000);
    return o;
  }

  std::string DeviceDir(const std::string& user) const { return dir_.file("device_" + user); }

  // A logged-in device of `user` that has pulled the roster, talking to `address`
  // (the server's own by default).
  std::unique_ptr<Device> Enrol(const std::string& user, std::string address = "") {
    auto d = std::make_unique<Device>(DeviceDir(user),
                                      address.empty() ? server_->address() : address, Options());
    auto login = d->Login(user);
    EXPECT_TRUE(login.ok()) << user << ": " << login.error.detail;
    auto first = d->Sync();
    EXPECT_TRUE(first.ok()) << user << ": " << first.error.detail;
    return d;
  }

  Uuid NewVisit(Device& d, const std::string& author) {
    auto id = d.store().Create(store::type::kVisit, kSchool,
                               {{"student_id", Value(student_.ToString())},
                                {"household_id", Value(home_.ToString())},
                                {"status", Value("draft")},
                                {"author", Value(author)}});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : Uuid{};
  }

  // Attaches `content` as the visit's house photo on the device; returns its SHA-256.
  std::string Attach(Device& d, const Uuid& visit, const std::string& content) {
    auto sha = sync::AttachContent(d.store(), visit, "photo_house", content);
    EXPECT_TRUE(sha.ok()) << sha.status().ToString();
    return sha.ok() ? *sha : std::string();
  }

  std::string CompletePath(const std::string& sha) const {
    const std::string hex = server::Sha256Hex(sha);
    return blob_dir() + "/blobs/complete/" + hex.substr(0, 2) + "/" + hex;
  }
  std::string PartialPath(const std::string& sha) const {
    return blob_dir() + "/blobs/partial/" + server::Sha256Hex(sha);
  }

  TempDir dir_;
  uint64_t max_blob_bytes_ = 10ull << 20;
  std::unique_ptr<ServerHarness> server_;
  Uuid home_, student_;
};

}  // namespace homevisit::e2e
