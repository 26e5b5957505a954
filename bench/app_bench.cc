// app_bench: the two timings a teacher feels, printed as JSON.
//
//   startup_to_roster_ms  from nothing to the roster page of 600 students on screen: open
//                         the device store, load the app's QML, first frame with the list.
//                         Aim: at most 1000 ms. Baseline: the same engine showing a window
//                         with one text, measured in the same run.
//   save_draft_ms         one "save draft" of a full home visit after editing one answer
//                         (validation state, diff against the stored visit, one local
//                         transaction with its outbox entries). Aim: at most 10 ms.
//                         Baseline: one raw DeviceStore::Set of one field in the same store.
// Runs offscreen. Usage: app_bench [--students N] [--saves N]
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQmlComponent>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QtQml/qqmlextensionplugin.h>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "app/ui/app_setup.h"
#include "app/ui/demo_data.h"

Q_IMPORT_QML_PLUGIN(HomeVisitPlugin)

namespace {

using homevisit::ui::AppContext;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Runs the event loop until the window has rendered a frame after `ready()` holds.
template <typename Ready>
bool WaitForFrame(QQuickWindow* window, Ready ready, int timeoutMs = 20000) {
  bool swapped = false;
  QObject::connect(window, &QQuickWindow::frameSwapped, window, [&] { swapped = ready(); });
  QElapsedTimer t;
  t.start();
  while (!swapped && t.elapsed() < timeoutMs) {
    QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    window->requestUpdate();
  }
  QObject::disconnect(window, &QQuickWindow::frameSwapped, window, nullptr);
  return swapped;
}

double BaselineWindowMs() {
  QElapsedTimer t;
  t.start();
  QQmlApplicationEngine engine;
  engine.loadData(R"(import QtQuick
    import QtQuick.Controls
    ApplicationWindow { width: 412; height: 860; visible: true; Label { text: "家访" } })");
  auto* window = qobject_cast<QQuickWindow*>(engine.rootObjects().value(0));
  if (!window || !WaitForFrame(window, [] { return true; })) return -1;
  return t.nsecsElapsed() / 1e6;
}

double StartupToRosterMs(const QString& dataDir, int students) {
  QElapsedTimer t;
  t.start();
  auto ctx = AppContext::Create(dataDir);
  if (!ctx.ok()) return -1;
  QQmlApplicationEngine engine;
  (*ctx)->attach(&engine);
  (*ctx)->language().apply(QStringLiteral("zh_CN"));
  engine.load(QUrl(QStringLiteral("qrc:/HomeVisit/Main.qml")));
  auto* window = qobject_cast<QQuickWindow*>(engine.rootObjects().value(0));
  if (!window) return -1;
  window->show();
  AppContext* c = ctx->get();
  const bool ok = WaitForFrame(window, [&] {
    auto* list = window->findChild<QObject*>(QStringLiteral("studentList"));
    return list && c->store().students()->totalCount() == students &&
           list->property("count").toInt() == students;
  });
  return ok ? t.nsecsElapsed() / 1e6 : -1;
}

}  // namespace

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QGuiApplication app(argc, argv);
  QCommandLineParser parser;
  QCommandLineOption studentsOpt(QStringLiteral("students"), QStringLiteral("Roster size."),
                                 QStringLiteral("N"), QStringLiteral("600"));
  QCommandLineOption savesOpt(QStringLiteral("saves"), QStringLiteral("Draft saves timed."),
                              QStringLiteral("N"), QStringLiteral("200"));
  parser.addOptions({studentsOpt, savesOpt});
  parser.process(app);
  const int students = std::clamp(parser.value(studentsOpt).toInt(), 1, 100000);
  const int saves = std::clamp(parser.value(savesOpt).toInt(), 1, 100000);
  homevisit::ui::SetUpLook();

  QTemporaryDir dir;
  {
    auto data = homevisit::ui::DeviceData::Open(dir.path());
    if (!data.ok()) return 1;
    homevisit::ui::DemoSize size;
    size.students = students;
    if (!homevisit::ui::PopulateDemo(**data, homevisit::Role::kTeacher, size).ok()) return 1;
  }

  const double baselineWindow = BaselineWindowMs();
  const double startup = StartupToRosterMs(dir.path(), students);

  // Saving drafts: a full visit, one answer changed before each save.
  auto ctx = AppContext::Create(dir.path());
  if (!ctx.ok()) return 1;
  homevisit::ui::AppStore& store = (*ctx)->store();
  homevisit::ui::FormModel* form = store.form();
  if (!store.openVisit(store.drafts()->idAt(0))) {
    std::fprintf(stderr, "app_bench: no draft to open: %s\n", qPrintable(store.lastError()));
    return 1;
  }
  std::vector<double> saveMs, setMs;
  for (int i = 0; i < saves; ++i) {
    form->setText(QStringLiteral("land_mu"), QString::number(1 + i % 50) + QStringLiteral(".5"));
    QElapsedTimer t;
    t.start();
    if (!form->saveDraft()) {
      std::fprintf(stderr, "app_bench: save failed: %s\n", qPrintable(form->message()));
      return 1;
    }
    saveMs.push_back(t.nsecsElapsed() / 1e6);
  }
  const auto visitId = homevisit::Uuid::Parse(form->visitId().toStdString());
  for (int i = 0; i < saves; ++i) {
    QElapsedTimer t;
    t.start();
    homevisit::Status s = (*ctx)->data().store().Set(
        *visitId, {{"distance_km", homevisit::Value(homevisit::Decimal{std::to_string(1 + i % 30)})}});
    if (!s.ok()) return 1;
    setMs.push_back(t.nsecsElapsed() / 1e6);
  }
  const double save = Median(saveMs);
  const double set = Median(setMs);
  std::printf(
      "{\n"
      "  \"students\": %d,\n"
      "  \"startup_to_roster_ms\": %.1f,\n"
      "  \"baseline_empty_window_ms\": %.1f,\n"
      "  \"startup_vs_baseline\": %.2f,\n"
      "  \"startup_aim_ms\": 1000,\n"
      "  \"save_draft_median_ms\": %.3f,\n"
      "  \"save_draft_max_ms\": %.3f,\n"
      "  \"baseline_store_set_median_ms\": %.3f,\n"
      "  \"save_draft_vs_baseline\": %.2f,\n"
      "  \"save_draft_aim_ms\": 10,\n"
      "  \"saves\": %d\n"
      "}\n",
      students, startup, baselineWindow, baselineWindow > 0 ? startup / baselineWindow : 0, save,
      *std::max_element(saveMs.begin(), saveMs.end()), set, set > 0 ? save / set : 0, saves);
  return startup > 0 ? 0 : 1;
}
