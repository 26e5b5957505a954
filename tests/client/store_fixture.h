// Shared set-up for the device store tests: a real database file in a fresh directory, a
// clock the test moves, a login, and pulled batches built from core records.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "app/store/device_store.h"
#include "app/store/reader.h"
#include "wire.h"

namespace homevisit::store::testing {

inline constexpr char kSchool[] = "qx/hs/s1";
inline constexpr char kOtherSchool[] = "qx/hs/s2";
inline constexpr uint32_t kNode = 7;

// A fresh directory under the test temp dir, removed at the end.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("hv_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
             std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    DeviceStore::Options options;
    options.wall_clock = [this] { return wall_ms_; };
    auto store = DeviceStore::Open(dir_.file("device.db"), options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  void Login(const std::string& user = "wang", std::vector<std::string> scopes = {kSchool},
             Role role = Role::kTeacher) {
    LoginInfo login;
    login.server = "127.0.0.1:1";
    login.user = user;
    login.display_name = "王老师";
    login.role = role;
    login.scopes = std::move(scopes);
    login.node = kNode;
    login.token = std::string(32, 'k');
    ASSERT_TRUE(store_->SaveLogin(login, wall_ms_).ok());
  }

  std::unique_ptr<StoreReader> Reader() {
    auto reader = store_->OpenReader();
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    return reader.ok() ? std::move(reader).value() : nullptr;
  }

  RecordView View(const Uuid& id) {
    auto view = Reader()->Get(id);
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    EXPECT_TRUE(view.ok() && view->has_value()) << "record " << id.ToString() << " is unknown";
    return view.ok() && *view ? **view : RecordView{};
  }

  // A record as the server would send it, every field stamped `stamp`.
  static v1::Record ServerRecord(const Uuid& id, const std::string& type, const std::string& scope,
                                 const FieldValues& fields, const Stamp& stamp) {
    Record r;
    r.id = id;
    r.type = type;
    r.scope = scope;
    for (const auto& [name, value] : fields) r.fields[name] = FieldVersion{value, stamp};
    v1::Record out;
    wire::ToProto(r, &out);
    return out;
  }

  void Pull(std::vector<v1::Record> records, uint64_t cursor) {
    v1::ChangeBatch batch;
    for (auto& r : records) *batch.add_records() = std::move(r);
    batch.set_cursor(cursor);
    auto applied = store_->ApplyPulled(batch, PullTarget::kMain);
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  }

  Uuid MakeId(uint64_t n) { return Uuid::V7(wall_ms_, n, n * 31); }

  int64_t wall_ms_ = 1'790'000'000'000;
  TempDir dir_;
  std::unique_ptr<DeviceStore> store_;
};

}  // namespace homevisit::store::testing
