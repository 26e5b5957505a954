// The data layer and the Store singleton over a real device store (SQLite in a temporary
// folder) filled with the demo township: what a teacher and a coordinator see, and that
// their actions are local writes waiting in the outbox.
#include <QAbstractItemModelTester>
#include <QCoreApplication>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QUrl>
#include <gtest/gtest.h>

#include "app/ui/app_store.h"
#include "app/ui/demo_data.h"
#include "app/ui/device_data.h"

namespace homevisit::ui {
namespace {

class DemoDevice {
 public:
  explicit DemoDevice(Role role, int students = 60) {
    auto data = DeviceData::Open(dir_.path());
    EXPECT_TRUE(data.ok()) << data.status().ToString();
    data_ = std::move(data).value();
    DemoSize size;
    size.students = students;
    Status s = PopulateDemo(*data_, role, size);
    EXPECT_TRUE(s.ok()) << s.ToString();
    store_ = std::make_unique<AppStore>(data_.get());
    store_->reload();
  }
  AppStore& store() { return *store_; }
  DeviceData& data() { return *data_; }

 private:
  QTemporaryDir dir_;
  std::unique_ptr<DeviceData> data_;
  std::unique_ptr<AppStore> store_;
};

// Lists follow a save on the next turn of the event loop.
void Settle() { QCoreApplication::processEvents(); }

QString StatusOf(DeviceData& data, const QString& visitId) {
  auto view = data.GetRecord(visitId);
  return view.ok() ? TextField(view->record, "status") : QStringLiteral("<missing>");
}

TEST(AppStoreTeacher, SeesTheRosterAndOwnDraftsButNoReviewQueue) {
  DemoDevice device(Role::kTeacher);
  AppStore& store = device.store();
  QAbstractItemModelTester students(store.students(), QAbstractItemModelTester::FailureReportingMode::Fatal);
  EXPECT_TRUE(store.enrolled());
  EXPECT_FALSE(store.isCoordinator());
  EXPECT_EQ(store.students()->totalCount(), 60);
  EXPECT_EQ(store.drafts()->rowCount(), 3);
  EXPECT_EQ(store.reviewQueue()->rowCount(), 0);
  EXPECT_EQ(store.conflicts()->rowCount(), 0);
  for (int i = 0; i < store.drafts()->rowCount(); ++i) {
    EXPECT_TRUE(store.drafts()->data(store.drafts()->index(i), VisitListModel::PendingRole).toBool());
  }
}

TEST(AppStoreTeacher, SavingADraftIsALocalWriteThatShowsInDrafts) {
  DemoDevice device(Role::kTeacher);
  AppStore& store = device.store();
  const int draftsBefore = store.drafts()->rowCount();
  const int pendingBefore = device.data().PendingCount();
  const QString student = store.students()->idAt(0);
  ASSERT_TRUE(store.newVisit(student)) << store.lastError().toStdString();
  FormModel* form = store.form();
  ASSERT_TRUE(form->setText("visitors", QString::fromUtf8("王老师")));
  ASSERT_TRUE(form->setText("land_mu", "2.5"));
  ASSERT_TRUE(form->saveDraft()) << form->message().toStdString();
  Settle();
  EXPECT_EQ(store.drafts()->rowCount(), draftsBefore + 1);
  EXPECT_GT(device.data().PendingCount(), pendingBefore);
  const QString visitId = form->visitId();
  EXPECT_EQ(StatusOf(device.data(), visitId), "draft");
  // Editing again writes only what changed, to the same visit.
  ASSERT_TRUE(form->setText("land_mu", "3"));
  ASSERT_TRUE(form->saveDraft());
  Settle();
  EXPECT_EQ(form->visitId(), visitId);
  EXPECT_EQ(store.drafts()->rowCount(), draftsBefore + 1);
  auto view = device.data().GetRecord(visitId);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->record.Find("land_mu")->value, Value(Decimal{"3"}));
  EXPECT_EQ(TextField(view->record, "author"), "wang");
}

TEST(AppStoreTeacher, AnIncompleteVisitCannotBeSubmitted) {
  DemoDevice device(Role::kTeacher);
  AppStore& store = device.store();
  ASSERT_TRUE(store.newVisit(store.students()->idAt(1)));
  EXPECT_FALSE(store.form()->submit());
  EXPECT_GT(store.form()->errorCount(), 0);
  EXPECT_TRUE(store.form()->visitId().isEmpty());  // nothing was written
}

TEST(AppStoreTeacher, APhotoIsKeptShrunkAndASignatureAsAnImage) {
  DemoDevice device(Role::kTeacher);
  AppStore& store = device.store();
  ASSERT_TRUE(store.newVisit(store.students()->idAt(2)));
  FormModel* form = store.form();
  QTemporaryDir tmp;
  const QString big = tmp.filePath("house.png");
  QImage camera(3200, 2400, QImage::Format_RGB32);
  camera.fill(QColor(120, 90, 60));
  ASSERT_TRUE(camera.save(big));
  ASSERT_TRUE(form->attachPhoto("photo_house", QUrl::fromLocalFile(big))) << form->message().toStdString();
  const int row = form->indexOfKey("photo_house");
  const QUrl shown(form->data(form->index(row), FormModel::ImageUrlRole).toString());
  ASSERT_TRUE(shown.isLocalFile());
  const QImage kept(shown.toLocalFile());
  EXPECT_EQ(std::max(kept.width(), kept.height()), 1600);

  const QString notAPhoto = tmp.filePath("notes.jpg");
  QFile f(notAPhoto);
  ASSERT_TRUE(f.open(QIODevice::WriteOnly));
  f.write("this is not an image");
  f.close();
  EXPECT_FALSE(form->attachPhoto("photo_family", QUrl::fromLocalFile(notAPhoto)));
  EXPECT_FALSE(form->message().isEmpty());
  EXPECT_EQ(form->answers().count("photo_family"), 0u);

  const QVariantList stroke{QPointF(10, 10), QPointF(120, 60), QPointF(200, 20)};
  ASSERT_TRUE(form->setSignature("guardian_signature", {QVariant(stroke)}, 400, 200));
  const QUrl signature(form->data(form->index(form->indexOfKey("guardian_signature")), FormModel::ImageUrlRole).toString());
  EXPECT_EQ(QImage(signature.toLocalFile()).width(), 800);
}

TEST(AppStoreTeacher, AReturnedVisitStaysReturnedUntilResubmitted) {
  DemoDevice device(Role::kTeacher, 300);
  AppStore& store = device.store();
  ASSERT_GT(store.returned()->rowCount(), 0);
  QString visit;
  for (int i = 0; i < store.returned()->rowCount() && visit.isEmpty(); ++i) {
    const QString id = store.returned()->idAt(i);
    if (TextField(device.data().GetRecord(id)->record, "author") == "wang") visit = id;
  }
  ASSERT_FALSE(visit.isEmpty());
  ASSERT_TRUE(store.openVisit(visit));
  FormModel* form = store.form();
  ASSERT_FALSE(form->readOnly());
  ASSERT_TRUE(form->setText("land_mu", "4"));
  ASSERT_TRUE(form->saveDraft()) << form->message().toStdString();
  EXPECT_EQ(StatusOf(device.data(), visit), "returned");

  // The coordinator asked for photos and the signature: with them the visit is complete.
  QTemporaryDir tmp;
  QImage photo(800, 600, QImage::Format_RGB32);
  photo.fill(Qt::darkGreen);
  ASSERT_TRUE(photo.save(tmp.filePath("p.png")));
  ASSERT_TRUE(form->attachPhoto("photo_house", QUrl::fromLocalFile(tmp.filePath("p.png"))));
  ASSERT_TRUE(form->attachPhoto("photo_family", QUrl::fromLocalFile(tmp.filePath("p.png"))));
  const QVariantList stroke{QPointF(10, 10), QPointF(120, 60)};
  ASSERT_TRUE(form->setSignature("guardian_signature", {QVariant(stroke)}, 400, 200));
  ASSERT_TRUE(form->submit()) << form->errorCount() << " " << form->message().toStdString();
  EXPECT_EQ(StatusOf(device.data(), visit), "resubmitted");
  Settle();
  EXPECT_EQ(store.returned()->idAt(0) == visit, false);
}

TEST(AppStoreCoordinator, ApprovingMovesAVisitOutOfTheQueueAndKeepsAReview) {
  DemoDevice device(Role::kCoordinator);
  AppStore& store = device.store();
  QAbstractItemModelTester queue(store.reviewQueue(), QAbstractItemModelTester::FailureReportingMode::Fatal);
  const int before = store.reviewQueue()->rowCount();
  ASSERT_GT(before, 0);
  const QString visit = store.reviewQueue()->idAt(0);
  EXPECT_FALSE(store.approve(visit, "", ""));  // a tier is needed
  EXPECT_FALSE(store.lastError().isEmpty());
  ASSERT_TRUE(store.approve(visit, "difficult", QString::fromUtf8("情况属实"))) << store.lastError().toStdString();
  EXPECT_EQ(store.reviewQueue()->rowCount(), before - 1);
  EXPECT_EQ(StatusOf(device.data(), visit), "approved");
  auto view = device.data().GetRecord(visit);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(TextField(view->record, "tier"), "difficult");
  EXPECT_EQ(TextField(view->record, "reviewed_by"), "li");
  // An approved visit cannot be rejected afterwards: the review state machine refuses it,
  // and the refusal is said in plain words.
  EXPECT_FALSE(store.reject(visit, "", ""));
  EXPECT_FALSE(store.lastError().isEmpty());
  EXPECT_EQ(StatusOf(device.data(), visit), "approved");
}

TEST(AppStoreCoordinator, ReturningNeedsACommentAndReachesTheTeachersList) {
  DemoDevice device(Role::kCoordinator);
  AppStore& store = device.store();
  const QString visit = store.reviewQueue()->idAt(0);
  const int returnedBefore = store.returned()->rowCount();
  EXPECT_FALSE(store.returnVisit(visit, "  "));
  EXPECT_EQ(StatusOf(device.data(), visit), store.reviewQueue()->data(store.reviewQueue()->index(0), VisitListModel::StatusRole).toString());
  ASSERT_TRUE(store.returnVisit(visit, QString::fromUtf8("请补拍住房照片")));
  EXPECT_EQ(StatusOf(device.data(), visit), "returned");
  EXPECT_EQ(store.returned()->rowCount(), returnedBefore + 1);
}

TEST(AppStoreCoordinator, KeepingTheOtherValueOfAConflictWritesItAndClosesTheConflict) {
  DemoDevice device(Role::kCoordinator);
  AppStore& store = device.store();
  ASSERT_EQ(store.conflicts()->rowCount(), 2);
  const ConflictRow row = store.conflicts()->rows().front();
  EXPECT_NE(row.fieldLabel, row.field);  // the question's label, not its field name
  ASSERT_TRUE(store.resolveConflict(row.id, /*keepOther=*/true)) << store.lastError().toStdString();
  EXPECT_EQ(store.conflicts()->rowCount(), 1);
  auto visit = device.data().GetRecord(row.recordId);
  ASSERT_TRUE(visit.ok());
  EXPECT_EQ(visit->record.Find(row.field.toStdString())->value, Value(Decimal{row.otherValue.toStdString()}));
}

}  // namespace
}  // namespace homevisit::ui
