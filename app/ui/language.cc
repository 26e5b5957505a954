#include "app/ui/language.h"

#include <QCoreApplication>
#include <QLocale>
#include <QSettings>
#include <QQmlEngine>

#include <QJSEngine>

namespace homevisit::ui {
Language::Language(QObject* parent) : QObject(parent) {}

QString Language::saved() {
  const QString code = QSettings().value(QStringLiteral("language")).toString();
  return code == QLatin1String("en") ? code : QStringLiteral("zh_CN");
}

bool Language::select(const QString& code) {
  if (!apply(code)) return false;
  QSettings().setValue(QStringLiteral("language"), code);  // remembered for the next start
  return true;
}

bool Language::apply(const QString& code) {
  if (code != QLatin1String("zh_CN") && code != QLatin1String("en")) return false;
  QCoreApplication::removeTranslator(&translator_);
  // qt_add_translations embeds the .qm files under :/i18n.
  if (!translator_.load(QStringLiteral(":/i18n/homevisit_") + code)) {
    qWarning("homevisit-app: no translation for %s; showing source text", qPrintable(code));
  } else {
    QCoreApplication::installTranslator(&translator_);
  }
  QLocale::setDefault(code == QLatin1String("en") ? QLocale(QLocale::English, QLocale::UnitedStates)
                                                   : QLocale(QLocale::Chinese, QLocale::China));
  const bool changed = code != current_;
  current_ = code;
  if (engine_) engine_->retranslate();
  if (changed) emit currentChanged();
  return true;
}

namespace {
Language* g_currentLanguage = nullptr;
}

void Language::setCurrent(Language* instance) { g_currentLanguage = instance; }

Language* Language::create(QQmlEngine*, QJSEngine* js) {
  Q_ASSERT_X(g_currentLanguage, "Language::create", "AppContext::attach must run before QML loads");
  js->setObjectOwnership(g_currentLanguage, QJSEngine::CppOwnership);
  return g_currentLanguage;
}

}  // namespace homevisit::ui
