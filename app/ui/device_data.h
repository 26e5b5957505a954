// The one place the UI touches the device store (app/store): reading what the pages show,
// writing visits, decisions and conflict choices, and keeping attachments. Every write is a
// local transaction with its outbox entries (DeviceStore); nothing here waits on the network.
#pragma once

#include <QByteArray>
#include <QString>
#include <map>
#include <memory>
#include <utility>

#include "app/store/device_store.h"
#include "app/store/reader.h"
#include "app/ui/form_model.h"
#include "app/ui/record_rows.h"
#include "core/forms/form.h"
#include "core/status.h"

namespace homevisit::ui {

struct Account {
  bool enrolled = false;
  QString role;  // "teacher", "coordinator", "admin"
  QString displayName;
  QString userName;
  QString serverAddress;
  Role coreRole = Role::kTeacher;
};

class DeviceData {
 public:
  // Opens (creating when new) the device database dir/device.db and the attachment folder
  // dir/attachments. InvalidArgument / Internal with a plain message when that fails.
  static Result<std::unique_ptr<DeviceData>> Open(const QString& dir);

  store::DeviceStore& store() { return *store_; }
  const QString& dir() const { return dir_; }

  Account LoadAccount();
  // Students, households, visits and open conflicts as the user should see them.
  Result<RecordSet> LoadRecords();
  int PendingCount();

  // The newest version of the home-visit form on the device, or of the given version. When
  // the device has none (the server has not published it yet), the copy that ships with
  // the app (forms/home_visit.v1.json).
  Result<std::shared_ptr<const forms::Form>> LatestForm();
  Result<std::shared_ptr<const forms::Form>> FormVersion(const QString& formId, qint64 version);
  Result<store::RecordView> GetRecord(const QString& id);
  std::shared_ptr<const forms::Form> BundledForm();

  // Creates or updates a visit with these answers; writes only what changed. The visit's
  // author is the signed-in user. Returns the visit id.
  Result<QString> SaveVisit(const VisitSave& visit, const Account& account);
  // A coordinator's decision: the visit's status, tier and comment, and a review record
  // keeping who decided what and when. Refused moves (core/review.h) change nothing.
  Status Decide(const QString& visitId, const QString& status, const QString& tier,
                const QString& comment, const Account& account);
  // Writes the conflict's losing value (keepOther) or the current one again, and closes it.
  Status ResolveConflict(const QString& conflictId, bool keepOther);

  // Keeps attachment bytes under their SHA-256 and returns the reference.
  Result<BlobRef> PutAttachment(const QByteArray& bytes);
  QString AttachmentUrl(const BlobRef& blob) const;

 private:
  DeviceData(QString dir, std::unique_ptr<store::DeviceStore> store,
             std::unique_ptr<store::StoreReader> reader)
      : dir_(std::move(dir)), store_(std::move(store)), reader_(std::move(reader)) {}

  QString dir_;
  std::unique_ptr<store::DeviceStore> store_;
  std::unique_ptr<store::StoreReader> reader_;
  Result<std::shared_ptr<const forms::Form>> SyncedFormVersion(const QString& formId, qint64 version);

  std::map<std::pair<std::string, int64_t>, std::shared_ptr<const forms::Form>> forms_;
  std::shared_ptr<const forms::Form> bundled_;
};

}  // namespace homevisit::ui
