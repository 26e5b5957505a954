#include "app/ui/app_setup.h"

#include <QFont>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QQmlEngine>
#include <QQuickStyle>
#include <QtQml/qqml.h>

#ifdef HOMEVISIT_HAVE_SYNC
#include "app/ui/device_sync_backend.h"
#endif

namespace homevisit::ui {

Result<std::unique_ptr<AppContext>> AppContext::Create(const QString& dataDir) {
  auto data = DeviceData::Open(dataDir);
  if (!data.ok()) return data.status();
  std::unique_ptr<AppContext> ctx(new AppContext);
  ctx->data_ = std::move(data).value();
  ctx->worker_ = std::make_unique<Worker>();
  ctx->language_ = std::make_unique<Language>();
  ctx->sync_ = std::make_unique<SyncController>(ctx->worker_.get());
  ctx->store_ = std::make_unique<AppStore>(ctx->data_.get());

  AppStore* store = ctx->store_.get();
  SyncController* sync = ctx->sync_.get();
#ifdef HOMEVISIT_HAVE_SYNC
  auto backend = std::make_unique<DeviceSyncBackend>(&ctx->data_->store());
  DeviceSyncBackend* backendPtr = backend.get();
  ctx->sync_->setBackend(std::move(backend));
  QObject::connect(ctx->language_.get(), &Language::currentChanged, store, [ctx = ctx.get(), backendPtr] {
    backendPtr->setEnglish(ctx->language_->current() == QLatin1String("en"));
  });
#endif
  QObject::connect(store, &AppStore::pendingChanged, sync, &SyncController::setPendingCount);
  QObject::connect(store, &AppStore::enrolledChanged, sync, [store, sync] { sync->setEnrolled(store->enrolled()); });
  QObject::connect(sync, &SyncController::finished, store, [store](bool) { store->reload(); });
  QObject::connect(sync, &SyncController::loggedIn, store, [store, sync] {
    store->reload();
    sync->start();  // the first sync brings the roster and the form
  });
  QObject::connect(ctx->language_.get(), &Language::currentChanged, store, [ctx = ctx.get()] {
    ctx->store_->form()->setEnglish(ctx->language_->current() == QLatin1String("en"));
    ctx->store_->reload();  // rows hold translated words (record labels, who)
  });
  store->reload();
  sync->setEnrolled(store->enrolled());
  auto state = ctx->data_->store().State();
  if (state.ok() && state->last_sync_ms > 0) {
    sync->restore(QDateTime::fromMSecsSinceEpoch(state->last_sync_ms), false);
  }
  return ctx;
}

AppContext::~AppContext() {
  AppStore::setCurrent(nullptr);
  SyncController::setCurrent(nullptr);
  Language::setCurrent(nullptr);
  // The sync controller drains the worker before the data it uses goes away.
  sync_.reset();
  worker_.reset();
}

void AppContext::attach(QQmlEngine* engine) {
  engine->addImportPath(QStringLiteral("qrc:/"));
  language_->setEngine(engine);
  AppStore::setCurrent(store_.get());
  SyncController::setCurrent(sync_.get());
  Language::setCurrent(language_.get());
}

void SetUpLook() {
  // Noto Sans CJK SC draws every Chinese character the pages use, with the same metrics on
  // every machine; the Basic style has no shader effects, so offscreen renders match.
  QFont font(QStringLiteral("Noto Sans CJK SC"));
  font.setPixelSize(18);
  font.setStyleHint(QFont::SansSerif);
  QGuiApplication::setFont(font);
  QQuickStyle::setStyle(QStringLiteral("Basic"));
}

}  // namespace homevisit::ui
