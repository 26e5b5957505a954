// The form renderer's model: one visit's answers laid out as a flat list of items that QML
// shows in one column. Items are questions, group headings, a repeat's heading ("add"),
// one heading per repeat row ("remove") followed by that row's questions, and notes.
//
// After every edit the model recomputes the form's state (core/forms FormState): which
// items are relevant, what calculated questions hold, and each answer's message
// (CheckAnswer). A message is shown once the question was edited, or for every question
// after a submit attempt ("required" only then, so an empty new form is not all red).
// Non-relevant answers are kept while editing (flip a question back and they return) and
// cleared when the visit is saved.
//
// Keys: "name" for a top-level question, "repeat#row/name" for a question of a repeat row,
// "repeat" for a repeat heading and "repeat#row" for a row heading.
#pragma once

#include <QAbstractListModel>
#include <QDateTime>
#include <QSet>
#include <QUrl>
#include <QtQml/qqmlregistration.h>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/forms/form.h"
#include "core/forms/form_state.h"
#include "core/status.h"

class QGeoPositionInfoSource;

namespace homevisit::ui {

// What the data layer needs to save a visit.
struct VisitSave {
  QString visitId;  // empty for a new visit
  QString studentId;
  QString formId;
  qint64 formVersion = 0;
  QString status;   // the status to write: "draft", "submitted", "resubmitted"
  forms::Answers answers;
};

// Visit metadata shown above the answers (not answers themselves).
struct VisitInfo {
  QString visitId;
  QString studentId;
  QString studentName;
  QString status;  // "" for a new visit
  QString authorName;
  QDateTime updated;
  QString recommendedTier;
  QString determinedTier;
  QString reviewComment;
};

class FormModel : public QAbstractListModel {
  Q_OBJECT
  QML_ELEMENT
  Q_PROPERTY(QString title READ title NOTIFY loaded)
  Q_PROPERTY(QString visitId READ visitId NOTIFY loaded)
  Q_PROPERTY(QString studentName READ studentName NOTIFY loaded)
  Q_PROPERTY(QString status READ status NOTIFY loaded)
  Q_PROPERTY(QString authorName READ authorName NOTIFY loaded)
  Q_PROPERTY(QString updatedText READ updatedText NOTIFY loaded)
  Q_PROPERTY(QString recommendedTier READ recommendedTier NOTIFY loaded)
  Q_PROPERTY(QString determinedTier READ determinedTier NOTIFY loaded)
  Q_PROPERTY(QString reviewComment READ reviewComment NOTIFY loaded)
  Q_PROPERTY(bool readOnly READ readOnly WRITE setReadOnly NOTIFY readOnlyChanged)
  Q_PROPERTY(bool english READ english WRITE setEnglish NOTIFY englishChanged)
  Q_PROPERTY(bool dirty READ dirty NOTIFY stateChanged)
  Q_PROPERTY(int errorCount READ errorCount NOTIFY stateChanged)
  Q_PROPERTY(int firstErrorIndex READ firstErrorIndex NOTIFY stateChanged)
  Q_PROPERTY(QString message READ message NOTIFY stateChanged)
  Q_PROPERTY(bool gpsAvailable READ gpsAvailable CONSTANT)
  Q_PROPERTY(bool locating READ locating NOTIFY locatingChanged)

 public:
  enum Role {
    KeyRole = Qt::UserRole + 1,
    KindRole,       // "question", "group", "repeat", "row", "note"
    TypeRole,       // the question type as in the definition ("integer", ...)
    NameRole,
    LabelRole,
    HintRole,
    RequiredRole,
    RelevantRole,
    ReadOnlyRole,   // the whole form is read-only, or the question is calculated
    TextRole,       // what a text editor shows (typed text while it is not valid yet)
    ValueRole,      // a code, a list of codes, or the text
    ErrorRole,      // the message to show, or ""
    ChoicesRole,    // [{code, label}]
    DepthRole,
    RepeatNameRole,
    RowRole,        // row of the repeat, from 0; -1 outside repeats
    RowCountRole,   // for a repeat heading: its number of rows
    ImageUrlRole,   // photo / signature: a URL QML can show, or ""
  };
  Q_ENUM(Role)

  using SaveFn = std::function<Result<QString>(const VisitSave&)>;  // the visit id
  using AttachFn = std::function<Result<BlobRef>(const QByteArray& bytes)>;
  using BlobUrlFn = std::function<QString(const BlobRef&)>;

  explicit FormModel(QObject* parent = nullptr);
  ~FormModel() override;

  // Where saveDraft() and submit() write, and where photos and signatures are kept.
  void setSaver(SaveFn save) { save_ = std::move(save); }
  void setAttachments(AttachFn attach, BlobUrlFn url);

  // Shows a visit of this form with these answers.
  void load(std::shared_ptr<const forms::Form> form, VisitInfo info, forms::Answers answers);
  // For tests and QML: parses a definition and shows an empty visit of it. False (and the
  // error in `message`) when the definition is bad.
  Q_INVOKABLE bool loadDefinition(const QString& json);

  const forms::Answers& answers() const { return answers_; }
  const forms::Form* definition() const { return form_.get(); }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  QString title() const;
  QString visitId() const { return info_.visitId; }
  QString studentName() const { return info_.studentName; }
  QString status() const { return info_.status; }
  QString authorName() const { return info_.authorName; }
  QString updatedText() const;
  QString recommendedTier() const { return info_.recommendedTier; }
  QString determinedTier() const { return info_.determinedTier; }
  QString reviewComment() const { return info_.reviewComment; }
  bool readOnly() const { return readOnly_; }
  void setReadOnly(bool readOnly);
  bool english() const { return english_; }
  void setEnglish(bool english);
  bool dirty() const { return dirty_; }
  int errorCount() const { return errorCount_; }
  int firstErrorIndex() const { return firstError_; }
  QString message() const { return message_; }
  bool gpsAvailable() const;
  bool locating() const { return locating_; }

  // Editing. Each returns false when the key is unknown or the form is read-only.
  Q_INVOKABLE bool setText(const QString& key, const QString& text);
  Q_INVOKABLE bool toggleChoice(const QString& key, const QString& code, bool on);
  Q_INVOKABLE bool clear(const QString& key);
  Q_INVOKABLE bool setGeoPointText(const QString& key, const QString& latitude,
                                   const QString& longitude);
  Q_INVOKABLE bool captureLocation(const QString& key);
  Q_INVOKABLE bool attachPhoto(const QString& key, const QUrl& file);
  // strokes: [[{x, y}, ...], ...] in pad pixels.
  Q_INVOKABLE bool setSignature(const QString& key, const QVariantList& strokes, qreal width,
                                qreal height);
  Q_INVOKABLE bool addRow(const QString& repeatKey);
  Q_INVOKABLE bool removeRow(const QString& repeatName, int row);

  // Index of the item with this key, or -1.
  Q_INVOKABLE int indexOfKey(const QString& key) const;
  // The message shown at a key ("" when none): for tests and accessibility.
  Q_INVOKABLE QString errorAt(const QString& key) const;
  Q_INVOKABLE bool isRelevant(const QString& key) const;

  // Saves as a draft, whatever the answers hold. Instant: one local transaction.
  Q_INVOKABLE bool saveDraft();
  // Checks every answer; if all are fine, saves with status submitted (or resubmitted for a
  // returned visit). Otherwise shows every message and returns false.
  Q_INVOKABLE bool submit();

 signals:
  void loaded();
  void readOnlyChanged();
  void englishChanged();
  void stateChanged();
  void locatingChanged();
  void saved(const QString& visitId, const QString& status);

 private:
  struct Item {
    QString key;
    QString kind;
    int field = -1;  // index into form_->fields
    int row = -1;
  };
  void rebuildItems();
  void applyItemChange();
  void recompute();
  bool setAnswer(const Item& item, Value value);
  const Item* findItem(const QString& key) const;
  const Value* answerOf(const Item& item) const;
  QString errorOf(int index) const;
  bool save(const QString& status, const forms::Answers& answers);
  void setMessage(const QString& message);
  void onPosition(const QString& key, double lat, double lon, double accuracy);

  std::shared_ptr<const forms::Form> form_;
  VisitInfo info_;
  forms::Answers answers_;
  std::unique_ptr<forms::FormState> state_;
  std::vector<Item> items_;
  std::vector<QString> messages_;     // per item, computed by recompute()
  std::map<QString, QString> typed_;  // key -> text typed that is not of its type yet
  QSet<QString> touched_;
  bool showAll_ = false;
  bool readOnly_ = false;
  bool english_ = false;
  bool dirty_ = false;
  int errorCount_ = 0;
  int firstError_ = -1;
  QString message_;
  bool locating_ = false;
  QGeoPositionInfoSource* gps_ = nullptr;
  SaveFn save_;
  AttachFn attach_;
  BlobUrlFn blobUrl_;
};

}  // namespace homevisit::ui
