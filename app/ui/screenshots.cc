#include "app/ui/screenshots.h"

#include <QDir>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QImage>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QThread>
#include <cstdio>

#include "app/ui/app_setup.h"
#include "app/ui/demo_data.h"

namespace homevisit::ui {
namespace {

// Lets QML settle (layouts, images, a rendered frame) before grabbing.
void Settle(QQuickWindow* window) {
  QElapsedTimer timer;
  timer.start();
  while (timer.elapsed() < 250) {
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    window->requestUpdate();
    QThread::msleep(10);
  }
}

bool Grab(QQuickWindow* window, const QString& path) {
  Settle(window);
  const QImage image = window->grabWindow();
  if (image.isNull() || !image.save(path)) {
    std::fprintf(stderr, "screenshots: could not write %s\n", qPrintable(path));
    return false;
  }
  std::printf("%s\n", qPrintable(path));
  return true;
}

// One app session on a demo device: loads Main.qml and grabs each page.
bool RenderSession(const QString& dataDir, const QString& lang, const QString& outDir,
                   const QStringList& pages, const QString& prefix) {
  auto ctx = AppContext::Create(dataDir);
  if (!ctx.ok()) {
    std::fprintf(stderr, "screenshots: %s\n", ctx.status().message().c_str());
    return false;
  }
  QQmlApplicationEngine engine;
  (*ctx)->attach(&engine);
  (*ctx)->language().apply(lang);
  engine.load(QUrl(QStringLiteral("qrc:/HomeVisit/Main.qml")));
  if (engine.rootObjects().isEmpty()) return false;
  auto* window = qobject_cast<QQuickWindow*>(engine.rootObjects().first());
  if (!window) return false;
  window->setProperty("animate", false);
  window->show();
  bool ok = true;
  for (const QString& page : pages) {
    if (page != QLatin1String("login")) {
      QMetaObject::invokeMethod(window, "showPage", Q_ARG(QVariant, page));
    }
    ok = Grab(window, QDir(outDir).filePath(prefix + page + QStringLiteral(".png"))) && ok;
  }
  return ok;
}

}  // namespace

int RenderScreenshots(const QString& outDir, const QString& lang) {
  if (!QDir().mkpath(outDir)) {
    std::fprintf(stderr, "screenshots: cannot create %s\n", qPrintable(outDir));
    return 1;
  }
  QTemporaryDir tmp;
  if (!tmp.isValid()) return 1;
  const QString teacherDir = tmp.filePath(QStringLiteral("teacher"));
  const QString coordinatorDir = tmp.filePath(QStringLiteral("coordinator"));
  const QString newDir = tmp.filePath(QStringLiteral("new"));
  for (auto [dir, role] : {std::pair{teacherDir, Role::kTeacher}, std::pair{coordinatorDir, Role::kCoordinator}}) {
    auto data = DeviceData::Open(dir);
    if (!data.ok()) return 1;
    if (Status s = PopulateDemo(**data, role, DemoSize{}); !s.ok()) {
      std::fprintf(stderr, "screenshots: demo data: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  bool ok = RenderSession(newDir, lang, outDir, {QStringLiteral("login")}, QStringLiteral("01-"));
  ok = RenderSession(teacherDir, lang, outDir,
                     {QStringLiteral("roster"), QStringLiteral("student"), QStringLiteral("form"),
                      QStringLiteral("drafts"), QStringLiteral("returned"), QStringLiteral("settings")},
                     QStringLiteral("02-")) && ok;
  ok = RenderSession(coordinatorDir, lang, outDir,
                     {QStringLiteral("review"), QStringLiteral("detail"), QStringLiteral("conflicts"),
                      QStringLiteral("coverage")},
                     QStringLiteral("03-")) && ok;
  return ok ? 0 : 1;
}

}  // namespace homevisit::ui
