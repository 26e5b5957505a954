// The app against the real sync server (a homevisit-server process on 127.0.0.1 with its
// demo township): sign in on the worker thread, first sync brings the roster, a decision made
// on the device reaches the server at the next sync, and a server that went away is reported
// as offline with the data kept.
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <gtest/gtest.h>

#include "app/ui/app_setup.h"

namespace homevisit::ui {
namespace {

constexpr char kPassword[] = "secret-demo-1";

class Server {
 public:
  Server() {
    const QString db = QStringLiteral("sqlite:") + dir_.filePath(QStringLiteral("server.db"));
    QProcess seed;
    seed.start(QStringLiteral(HOMEVISIT_SERVER_BIN),
               {QStringLiteral("demo-seed"), QStringLiteral("--demo-password"), QString::fromLatin1(kPassword),
                QStringLiteral("--db"), db});
    EXPECT_TRUE(seed.waitForFinished(60000));
    EXPECT_EQ(seed.exitCode(), 0) << seed.readAllStandardError().toStdString();
    process_.setProcessChannelMode(QProcess::MergedChannels);
    process_.start(QStringLiteral(HOMEVISIT_SERVER_BIN),
                   {QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                    QStringLiteral("--db"), db});
    static const QRegularExpression listening(QStringLiteral("listening on (127\\.0\\.0\\.1:[0-9]+)"));
    QByteArray out;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 30000 && address_.isEmpty()) {
      process_.waitForReadyRead(200);
      out += process_.readAll();
      if (auto m = listening.match(QString::fromUtf8(out)); m.hasMatch()) address_ = m.captured(1);
    }
    EXPECT_FALSE(address_.isEmpty()) << out.toStdString();
  }
  ~Server() { Stop(); }
  void Stop() {
    if (process_.state() == QProcess::NotRunning) return;
    process_.kill();
    process_.waitForFinished(10000);
  }
  const QString& address() const { return address_; }

 private:
  QTemporaryDir dir_;
  QProcess process_;
  QString address_;
};

// Runs the event loop until pred() or the time is up.
template <typename Pred>
bool WaitFor(Pred pred, int ms = 60000) {
  QElapsedTimer timer;
  timer.start();
  while (!pred() && timer.elapsed() < ms) QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
  return pred();
}

TEST(AppWithServer, SignInSyncsTheRosterAndADecisionReachesTheServer) {
  Server server;
  ASSERT_FALSE(server.address().isEmpty());
  QTemporaryDir device;
  auto ctx = AppContext::Create(device.path());
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  AppStore& store = (*ctx)->store();
  SyncController& sync = (*ctx)->sync();
  EXPECT_FALSE(store.enrolled());

  sync.login(server.address(), "coordinator", "wrong-password");
  ASSERT_TRUE(WaitFor([&] { return !sync.loginBusy(); }));
  EXPECT_EQ(sync.loginError(), "auth");
  EXPECT_FALSE(store.enrolled());

  QSignalSpy finished(&sync, &SyncController::finished);
  sync.login(server.address(), "coordinator", kPassword);
  EXPECT_TRUE(sync.loginBusy());  // the UI thread did not wait for the network
  ASSERT_TRUE(WaitFor([&] { return finished.count() > 0; })) << sync.loginError().toStdString();
  EXPECT_EQ(sync.state(), SyncController::Succeeded) << sync.errorMessage().toStdString();
  EXPECT_TRUE(store.enrolled());
  EXPECT_TRUE(store.isCoordinator());
  EXPECT_TRUE(sync.online());
  EXPECT_GT(store.students()->totalCount(), 100);
  ASSERT_GT(store.reviewQueue()->rowCount(), 0);

  const QString visit = store.reviewQueue()->idAt(0);
  const int queued = store.reviewQueue()->rowCount();
  ASSERT_TRUE(store.openVisit(visit)) << store.lastError().toStdString();
  EXPECT_TRUE(store.form()->readOnly());  // a coordinator reads and decides, not edits
  EXPECT_GT(store.form()->rowCount(), 10);
  ASSERT_TRUE(store.returnVisit(visit, QString::fromUtf8("请核实家庭收入"))) << store.lastError().toStdString();
  EXPECT_GT(sync.pendingCount(), 0);
  sync.start();
  ASSERT_TRUE(WaitFor([&] { return finished.count() > 1; }));
  EXPECT_EQ(sync.state(), SyncController::Succeeded) << sync.errorMessage().toStdString();
  EXPECT_EQ(sync.pendingCount(), 0);
  EXPECT_EQ(store.reviewQueue()->rowCount(), queued - 1);
  auto view = (*ctx)->data().GetRecord(visit);
  ASSERT_TRUE(view.ok());
  EXPECT_TRUE(view->pending.empty());  // the server has it
  EXPECT_EQ(TextField(view->record, "status"), "returned");

  // The server goes away: the next sync says "offline", the device keeps its data.
  server.Stop();
  ASSERT_TRUE(store.approve(store.reviewQueue()->idAt(0), "difficult", ""));
  const int pending = sync.pendingCount();
  sync.start();
  ASSERT_TRUE(WaitFor([&] { return finished.count() > 2; }));
  EXPECT_EQ(sync.state(), SyncController::Failed);
  EXPECT_EQ(sync.errorKind(), "offline");
  EXPECT_FALSE(sync.online());
  EXPECT_EQ(sync.pendingCount(), pending);
  EXPECT_TRUE(store.enrolled());
}

}  // namespace
}  // namespace homevisit::ui
