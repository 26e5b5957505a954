// Qt Quick Test runner for the app's QML. Before the tests load, a coordinator's demo device
// is made in a temporary folder (a real device store) and the Store, Sync and Language
// singletons are attached to each test engine. The device's server address points at a
// closed port on 127.0.0.1, so a sync meets a real "server unreachable".
#include <QQmlEngine>
#include <QTemporaryDir>
#include <QtQml/qqmlextensionplugin.h>
#include <QtQuickTest/quicktest.h>
#include <memory>

#include "app/ui/app_setup.h"
#include "app/ui/demo_data.h"

Q_IMPORT_QML_PLUGIN(HomeVisitPlugin)

class Setup : public QObject {
  Q_OBJECT
 public slots:
  void applicationAvailable() {
    homevisit::ui::SetUpLook();
    dir_ = std::make_unique<QTemporaryDir>();
    {
      auto data = homevisit::ui::DeviceData::Open(dir_->path());
      Q_ASSERT(data.ok());
      homevisit::ui::DemoSize size;
      size.students = 90;
      size.server = "127.0.0.1:1";
      homevisit::Status s = homevisit::ui::PopulateDemo(**data, homevisit::Role::kCoordinator, size);
      if (!s.ok()) qFatal("demo data: %s", s.ToString().c_str());
    }
    auto ctx = homevisit::ui::AppContext::Create(dir_->path());
    if (!ctx.ok()) qFatal("app context: %s", ctx.status().message().c_str());
    ctx_ = std::move(ctx).value();
  }
  void qmlEngineAvailable(QQmlEngine* engine) {
    ctx_->attach(engine);
    ctx_->language().apply(QStringLiteral("zh_CN"));
  }
  void cleanupTestCase() { ctx_.reset(); }

 private:
  std::unique_ptr<QTemporaryDir> dir_;
  std::unique_ptr<homevisit::ui::AppContext> ctx_;
};

QUICK_TEST_MAIN_WITH_SETUP(homevisit_ui, Setup)

#include "qml_test_main.moc"
