// The UI language: Chinese (zh_CN) by default, English on request. Switching loads the
// compiled translation from the resources and retranslates the running QML at once.
#pragma once

#include <QObject>
#include <QTranslator>
#include <QtQml/qqmlregistration.h>

class QQmlEngine;
class QJSEngine;

namespace homevisit::ui {

class Language : public QObject {
  Q_OBJECT
  QML_ELEMENT
  QML_SINGLETON
  Q_PROPERTY(QString current READ current NOTIFY currentChanged)

 public:
  explicit Language(QObject* parent = nullptr);

  QString current() const { return current_; }
  // "zh_CN" or "en"; anything else is refused (returns false, nothing changes). The engine
  // given to setEngine() is retranslated. select() is the user's choice and is remembered
  // for the next start; apply() only switches (start-up, screenshots, tests).
  Q_INVOKABLE bool select(const QString& code);
  bool apply(const QString& code);
  void setEngine(QQmlEngine* engine) { engine_ = engine; }
  // The language chosen last time (zh_CN when none was).
  static QString saved();

  // The instance QML's singleton "Language" resolves to in engines created from now on;
  // owned by the app (AppContext), never by an engine.
  static void setCurrent(Language* instance);
  static Language* create(QQmlEngine* qml, QJSEngine* js);

 signals:
  void currentChanged();

 private:
  QString current_;
  QTranslator translator_;
  QQmlEngine* engine_ = nullptr;
};

}  // namespace homevisit::ui
