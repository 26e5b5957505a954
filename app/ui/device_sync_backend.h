// The SyncBackend over app/sync: sign-in and sync of this device's store with its server.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "app/store/device_store.h"
#include "app/sync/sync_client.h"
#include "app/ui/sync_backend.h"

namespace homevisit::ui {

class DeviceSyncBackend : public SyncBackend {
 public:
  // store must outlive this object.
  explicit DeviceSyncBackend(store::DeviceStore* store) : store_(store) {}

  LoginOutcome Login(const QString& address, const QString& user, const QString& password) override;
  SyncOutcome Run(const Progress& progress) override;
  void Cancel() override;
  void ClearCancel() override;
  // Which language the sync's own messages are given in.
  void setEnglish(bool english) { english_ = english; }

 private:
  // The client of the running call; Cancel() reaches it under mu_.
  std::shared_ptr<sync::SyncClient> begin(const std::string& server);
  void end();

  store::DeviceStore* store_;
  std::atomic<bool> english_{false};
  std::mutex mu_;
  std::shared_ptr<sync::SyncClient> running_;  // guarded by mu_
  // Guarded by mu_: Cancel() was asked since ClearCancel(). The sync client forgets a cancel
  // that arrives before its Sync() starts, so it is applied again at each progress report.
  bool cancelRequested_ = false;
};

// "host:port" with a non-empty host and a port 1..65535.
bool IsValidServerAddress(const QString& address);

}  // namespace homevisit::ui
