// homevisit-app: the teacher's and coordinator's app.
//
//   homevisit-app [--data DIR] [--server HOST:PORT] [--lang zh_CN|en]
//   homevisit-app --screenshots OUT_DIR [--lang zh_CN|en]
//
// --data is the device's folder (its database and photos); by default the platform's
// application-data folder. --server fills in the sign-in page's server address. --screenshots renders every main page with demo data into
// OUT_DIR/*.png without a display (QT_QPA_PLATFORM=offscreen is set when no display is
// there) and exits; the demo data lives in a temporary folder and is thrown away.
#include <QCommandLineParser>
#include <QDir>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QStandardPaths>
#include <QtQml/qqmlextensionplugin.h>
#include <cstdio>
#include <cstdlib>

#include "app/ui/app_setup.h"
#include "app/ui/screenshots.h"

Q_IMPORT_QML_PLUGIN(HomeVisitPlugin)

int main(int argc, char** argv) {
  // Screenshots need no display: choose the offscreen platform before Qt starts.
  for (int i = 1; i < argc; ++i) {
    if (qstrcmp(argv[i], "--screenshots") == 0 && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
      qputenv("QT_QPA_PLATFORM", "offscreen");
    }
  }
  QGuiApplication app(argc, argv);
  QGuiApplication::setApplicationName(QStringLiteral("homevisit"));
  QGuiApplication::setOrganizationName(QStringLiteral("homevisit"));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("HomeVisit: home visits for student aid"));
  parser.addHelpOption();
  QCommandLineOption dataOption(QStringLiteral("data"), QStringLiteral("The device's data folder."),
                                QStringLiteral("DIR"));
  QCommandLineOption langOption(QStringLiteral("lang"),
                                QStringLiteral("zh_CN or en (default: the last choice in Settings, else zh_CN)."),
                                QStringLiteral("LANG"));
  QCommandLineOption shotsOption(QStringLiteral("screenshots"),
                                 QStringLiteral("Render every main page with demo data to PNG files in DIR, then exit."),
                                 QStringLiteral("DIR"));
  QCommandLineOption serverOption(QStringLiteral("server"),
                                  QStringLiteral("The sync server to offer on the sign-in page."),
                                  QStringLiteral("HOST:PORT"));
  parser.addOptions({dataOption, langOption, shotsOption, serverOption});
  parser.process(app);

  const bool shots = parser.isSet(shotsOption);
  // Screenshots are Chinese unless asked otherwise; the app starts in the last language chosen.
  const QString lang = parser.isSet(langOption) ? parser.value(langOption)
                       : shots ? QStringLiteral("zh_CN") : homevisit::ui::Language::saved();
  if (lang != QLatin1String("zh_CN") && lang != QLatin1String("en")) {
    std::fprintf(stderr, "homevisit-app: --lang must be zh_CN or en, not %s\n", qPrintable(lang));
    return 2;
  }
  homevisit::ui::SetUpLook();

  if (shots) {
    return homevisit::ui::RenderScreenshots(parser.value(shotsOption), lang);
  }

  QString dataDir = parser.value(dataOption);
  if (dataDir.isEmpty()) dataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
  auto ctx = homevisit::ui::AppContext::Create(dataDir);
  if (!ctx.ok()) {
    std::fprintf(stderr, "homevisit-app: cannot open the data folder %s: %s\n", qPrintable(dataDir),
                 ctx.status().message().c_str());
    return 1;
  }
  if (parser.isSet(serverOption)) (*ctx)->store().setDefaultServer(parser.value(serverOption));
  QQmlApplicationEngine engine;
  (*ctx)->attach(&engine);
  (*ctx)->language().apply(lang);
  engine.load(QUrl(QStringLiteral("qrc:/HomeVisit/Main.qml")));
  if (engine.rootObjects().isEmpty()) {
    std::fprintf(stderr, "homevisit-app: the main page failed to load\n");
    return 1;
  }
  return app.exec();
}
