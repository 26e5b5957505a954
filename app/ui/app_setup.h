// Everything the app needs before its QML loads, shared by homevisit-app, the UI tests and
// the app benchmark: the device data, the worker thread, the three C++-owned singletons
// (Store, Sync, Language) and the engine settings.
#pragma once

#include <QString>
#include <memory>

#include "app/ui/app_store.h"
#include "app/ui/device_data.h"
#include "app/ui/language.h"
#include "app/ui/sync_controller.h"
#include "app/ui/worker.h"
#include "core/status.h"

class QQmlEngine;

namespace homevisit::ui {

class AppContext {
 public:
  // Opens the device data in dataDir; the sync backend talks to the server the device
  // enrolled with (or the address given at sign-in).
  static Result<std::unique_ptr<AppContext>> Create(const QString& dataDir);
  ~AppContext();

  DeviceData& data() { return *data_; }
  AppStore& store() { return *store_; }
  SyncController& sync() { return *sync_; }
  Language& language() { return *language_; }

  // Makes the QML singletons Store, Sync and Language of module HomeVisit resolve to this
  // context's objects in engines created from now on, and prepares the engine: import
  // path, retranslation on language change. One context at a time.
  void attach(QQmlEngine* engine);

 private:
  AppContext() = default;

  std::unique_ptr<DeviceData> data_;
  std::unique_ptr<Worker> worker_;
  std::unique_ptr<Language> language_;
  std::unique_ptr<SyncController> sync_;
  std::unique_ptr<AppStore> store_;
};

// Application-wide look: the Chinese UI font and the Controls style. Call after the
// QGuiApplication exists and before any QML loads.
void SetUpLook();

}  // namespace homevisit::ui
