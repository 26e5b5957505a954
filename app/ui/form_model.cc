#include "app/ui/form_model.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QDate>
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QPainterPath>
#include <QUrl>
#include <QVariantMap>
#include <cmath>

#include "app/photo/photo_downscale.h"
#include "app/ui/form_values.h"
#include "core/forms/form_parser.h"
#include "core/forms/validate.h"

#ifdef HOMEVISIT_HAVE_POSITIONING
#include <QGeoPositionInfoSource>
#endif

namespace homevisit::ui {

using forms::AnswerRef;
using forms::FieldType;
using forms::FormField;

namespace {

// Larger files are refused before they are read.
constexpr qint64 kPhotoMaxInputBytes = 40 * 1024 * 1024;

Date Today() {
  const QDate d = QDate::currentDate();
  return Date{DaysFromCivil(d.year(), d.month(), d.day())};
}

QString Localized(const forms::LocalizedText& text, bool english) {
  const std::string& s = english && !text.en.empty() ? text.en : text.zh;
  return QString::fromStdString(s.empty() ? text.en : s);
}


}  // namespace

FormModel::FormModel(QObject* parent) : QAbstractListModel(parent) {
#ifdef HOMEVISIT_HAVE_POSITIONING
  gps_ = QGeoPositionInfoSource::createDefaultSource(this);
#endif
}

FormModel::~FormModel() = default;

void FormModel::setAttachments(AttachFn attach, BlobUrlFn url) {
  attach_ = std::move(attach);
  blobUrl_ = std::move(url);
}

void FormModel::load(std::shared_ptr<const forms::Form> form, VisitInfo info,
                     forms::Answers answers) {
  beginResetModel();
  form_ = std::move(form);
  info_ = std::move(info);
  answers_ = std::move(answers);
  typed_.clear();
  touched_.clear();
  showAll_ = false;
  dirty_ = false;
  message_.clear();
  rebuildItems();
  recompute();
  endResetModel();
  emit loaded();
  emit stateChanged();
}

bool FormModel::loadDefinition(const QString& json) {
  auto parsed = forms::ParseForm(json.toStdString());
  if (!parsed.ok()) {
    setMessage(QString::fromStdString(parsed.status().message()));
    return false;
  }
  load(std::make_shared<const forms::Form>(std::move(parsed).value()), VisitInfo{}, {});
  return true;
}

void FormModel::rebuildItems() {
  items_.clear();
  if (!form_) return;
  const auto& fields = form_->fields;
  for (int i = 0; i < static_cast<int>(fields.size()); ++i) {
    const FormField& f = fields[i];
    if (f.repeat >= 0) continue;  // listed under its repeat's rows
    const QString name = QString::fromStdString(f.name);
    switch (f.type) {
      case FieldType::kGroup: items_.push_back({name, QStringLiteral("group"), i, -1}); break;
      case FieldType::kNote: items_.push_back({name, QStringLiteral("note"), i, -1}); break;
      case FieldType::kRepeat: {
        items_.push_back({name, QStringLiteral("repeat"), i, -1});
        int rows = 0;
        auto it = answers_.find(f.name);
        if (it != answers_.end()) {
          if (const Rows* r = it->second.get_if<Rows>()) rows = static_cast<int>(r->rows.size());
        }
        for (int r = 0; r < rows; ++r) {
          const QString rowKey = name + QLatin1Char('#') + QString::number(r);
          items_.push_back({rowKey, QStringLiteral("row"), i, r});
          for (int c : f.children) {
            const FormField& child = fields[c];
            items_.push_back({rowKey + QLatin1Char('/') + QString::fromStdString(child.name),
                              child.type == FieldType::kNote ? QStringLiteral("note")
                                                             : QStringLiteral("question"),
                              c, r});
          }
        }
        break;
      }
      default: items_.push_back({name, QStringLiteral("question"), i, -1});
    }
  }
}

void FormModel::recompute() {
  messages_.assign(items_.size(), QString());
  errorCount_ = 0;
  firstError_ = -1;
  if (!form_) return;
  state_ = std::make_unique<forms::FormState>(forms::FormState::Compute(*form_, answers_, Today()));
  for (size_t i = 0; i < items_.size(); ++i) {
    const Item& item = items_[i];
    if (item.kind != QLatin1String("question") && item.kind != QLatin1String("repeat")) continue;
    if (!state_->IsRelevant(item.field, item.row)) continue;
    QString text;
    bool isRequiredRule = false;
    if (auto typed = typed_.find(item.key); typed != typed_.end()) {
      text = TypeHint(form_->fields[item.field].type);
    } else if (auto m = forms::CheckAnswer(*state_, AnswerRef{item.field, item.row})) {
      text = Localized(m->text, english_);
      isRequiredRule = m->rule == "required";
    }
    if (text.isEmpty()) continue;
    const bool shown = showAll_ || (touched_.contains(item.key) && !isRequiredRule);
    if (!shown) continue;
    messages_[i] = text;
    ++errorCount_;
    if (firstError_ < 0) firstError_ = static_cast<int>(i);
  }
}

const FormModel::Item* FormModel::findItem(const QString& key) const {
  for (const Item& item : items_) {
    if (item.key == key) return &item;
  }
  return nullptr;
}

int FormModel::indexOfKey(const QString& key) const {
  for (size_t i = 0; i < items_.size(); ++i) {
    if (items_[i].key == key) return static_cast<int>(i);
  }
  return -1;
}

const Value* FormModel::answerOf(const Item& item) const {
  // Headings (group, repeat, row) and notes hold no answer; a row heading carries a row
  // number but is the repeat itself, which has no enclosing repeat.
  if (item.kind != QLatin1String("question")) return nullptr;
  const FormField& f = form_->fields[item.field];
  if (f.is_calculated() && state_) {
    // Calculated answers come from the state (they follow the other answers live).
    if (const Value* v = state_->ValueOf(AnswerRef{item.field, item.row})) return v;
  }
  if (item.row < 0) {
    auto it = answers_.find(f.name);
    return it == answers_.end() ? nullptr : &it->second;
  }
  auto it = answers_.find(form_->fields[f.repeat].name);
  if (it == answers_.end()) return nullptr;
  const Rows* rows = it->second.get_if<Rows>();
  if (!rows || item.row >= static_cast<int>(rows->rows.size())) return nullptr;
  return rows->rows[item.row].Find(f.name);
}

int FormModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(items_.size());
}

QVariant FormModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
    return {};
  }
  const Item& item = items_[index.row()];
  const FormField& f = form_->fields[item.field];
  switch (role) {
    case KeyRole: return item.key;
    case KindRole: return item.kind;
    case TypeRole: return QString::fromLatin1(forms::FieldTypeName(f.type));
    case NameRole: return QString::fromStdString(f.name);
    case Qt::DisplayRole:
    case LabelRole: {
      QString label = Localized(f.label, english_);
      if (item.kind == QLatin1String("row")) label += QLatin1Char(' ') + QString::number(item.row + 1);
      return label;
    }
    case HintRole: return Localized(f.hint, english_);
    case RequiredRole: return f.required && !f.is_calculated();
    case RelevantRole: return state_ ? state_->IsRelevant(item.field, item.row) : true;
    case ReadOnlyRole: return readOnly_ || f.is_calculated();
    case TextRole: {
      if (auto typed = typed_.find(item.key); typed != typed_.end()) return typed->second;
      const Value* v = answerOf(item);
      if (!v) return QString();
      if (readOnly_ || f.is_calculated()) {
        // Read-only views show choice labels, not codes.
        if (const auto* code = v->get_if<std::string>(); code && f.type == FieldType::kSelectOne) {
          if (const forms::Choice* c = f.FindChoice(*code)) return Localized(c->label, english_);
        }
        if (const auto* list = v->get_if<StringList>()) {
          QStringList labels;
          for (const std::string& code : *list) {
            const forms::Choice* c = f.FindChoice(code);
            labels << (c ? Localized(c->label, english_) : QString::fromStdString(code));
          }
          return labels.join(QStringLiteral("、"));
        }
      }
      return ValueText(*v, f.type);
    }
    case ValueRole: {
      const Value* v = answerOf(item);
      return v ? ValueForQml(*v, f.type) : (f.type == FieldType::kSelectMultiple ? QVariant(QStringList()) : QVariant(QString()));
    }
    case ErrorRole: return index.row() < static_cast<int>(messages_.size()) ? messages_[index.row()] : QString();
    case ChoicesRole: {
      QVariantList out;
      for (const forms::Choice& c : f.choices) {
        out.append(QVariantMap{{QStringLiteral("code"), QString::fromStdString(c.code)},
                               {QStringLiteral("label"), Localized(c.label, english_)}});
      }
      return out;
    }
    case DepthRole: return f.depth;
    case RepeatNameRole: return f.repeat >= 0 ? QString::fromStdString(form_->fields[f.repeat].name)
                                              : (f.type == FieldType::kRepeat ? QString::fromStdString(f.name) : QString());
    case RowRole: return item.row;
    case RowCountRole: return f.type == FieldType::kRepeat && state_ ? state_->RowCount(item.field) : 0;
    case ImageUrlRole: {
      const Value* v = answerOf(item);
      const BlobRef* blob = v ? v->get_if<BlobRef>() : nullptr;
      return blob && blobUrl_ ? blobUrl_(*blob) : QString();
    }
    default: return {};
  }
}

QHash<int, QByteArray> FormModel::roleNames() const {
  return {{KeyRole, "key"},           {KindRole, "kind"},         {TypeRole, "type"},
          {NameRole, "name"},         {LabelRole, "label"},       {HintRole, "hint"},
          {RequiredRole, "required"}, {RelevantRole, "relevant"}, {ReadOnlyRole, "readOnly"},
          {TextRole, "text"},         {ValueRole, "value"},       {ErrorRole, "error"},
          {ChoicesRole, "choices"},   {DepthRole, "depth"},       {RepeatNameRole, "repeatName"},
          {RowRole, "row"},           {RowCountRole, "rowCount"}, {ImageUrlRole, "imageUrl"}};
}

QString FormModel::title() const { return form_ ? Localized(form_->title, english_) : QString(); }

QString FormModel::updatedText() const {
  return info_.updated.isValid() ? info_.updated.toString(QStringLiteral("yyyy-MM-dd HH:mm")) : QString();
}

void FormModel::setReadOnly(bool readOnly) {
  if (readOnly == readOnly_) return;
  readOnly_ = readOnly;
  if (!items_.empty()) emit dataChanged(index(0), index(static_cast<int>(items_.size()) - 1));
  emit readOnlyChanged();
}

void FormModel::setEnglish(bool english) {
  if (english == english_) return;
  english_ = english;
  recompute();
  if (!items_.empty()) emit dataChanged(index(0), index(static_cast<int>(items_.size()) - 1));
  emit englishChanged();
  emit loaded();
  emit stateChanged();
}

bool FormModel::setAnswer(const Item& item, Value value) {
  const FormField& f = form_->fields[item.field];
  if (f.repeat < 0) {
    if (value.is_null()) answers_.erase(f.name);
    else answers_.insert_or_assign(f.name, std::move(value));
  } else {
    // Values are immutable: copy the rows, change one cell, store them back.
    auto it = answers_.find(form_->fields[f.repeat].name);
    if (it == answers_.end() || !it->second.get_if<Rows>()) return false;
    Rows rows = *it->second.get_if<Rows>();
    if (item.row < 0 || item.row >= static_cast<int>(rows.rows.size())) return false;
    Row& row = rows.rows[item.row];
    if (value.is_null()) {
      std::erase_if(row.cells, [&](const Cell& c) { return c.name == f.name; });
    } else {
      row.Set(f.name, std::move(value));
    }
    it->second = Value(std::move(rows));
  }
  touched_.insert(item.key);
  dirty_ = true;
  if (!message_.isEmpty() && errorCount_ == 0) message_.clear();
  recompute();
  // Relevance, calculations and messages anywhere may follow from one answer.
  emit dataChanged(index(0), index(static_cast<int>(items_.size()) - 1));
  emit stateChanged();
  return true;
}

bool FormModel::setText(const QString& key, const QString& text) {
  const Item* item = findItem(key);
  if (!item || readOnly_ || item->kind != QLatin1String("question")) return false;
  const FormField& f = form_->fields[item->field];
  if (f.is_calculated()) return false;
  std::optional<Value> value = ParseTypedText(text, f.type);
  if (!value) {
    typed_[key] = text;
    touched_.insert(key);
    dirty_ = true;
    recompute();
    const int i = indexOfKey(key);
    emit dataChanged(index(i), index(i));
    emit stateChanged();
    return true;
  }
  typed_.erase(key);
  return setAnswer(*item, std::move(*value));
}

bool FormModel::toggleChoice(const QString& key, const QString& code, bool on) {
  const Item* item = findItem(key);
  if (!item || readOnly_ || item->kind != QLatin1String("question")) return false;
  const FormField& f = form_->fields[item->field];
  if (f.type != FieldType::kSelectMultiple || !f.FindChoice(code.toStdString())) return false;
  StringList codes;
  if (const Value* v = answerOf(*item)) {
    if (const auto* list = v->get_if<StringList>()) codes = *list;
  }
  const std::string c = code.toStdString();
  std::erase(codes, c);
  if (on) {
    // Keep the form's order of choices, so the stored list does not depend on tap order.
    StringList ordered;
    for (const forms::Choice& choice : f.choices) {
      if (choice.code == c || std::find(codes.begin(), codes.end(), choice.code) != codes.end()) {
        ordered.push_back(choice.code);
      }
    }
    codes = std::move(ordered);
  }
  return setAnswer(*item, codes.empty() ? Value() : Value(std::move(codes)));
}

bool FormModel::clear(const QString& key) {
  const Item* item = findItem(key);
  if (!item || readOnly_ || item->kind != QLatin1String("question")) return false;
  typed_.erase(key);
  return setAnswer(*item, Value());
}

bool FormModel::setGeoPointText(const QString& key, const QString& latitude,
                                const QString& longitude) {
  const Item* item = findItem(key);
  if (!item || readOnly_ || form_->fields[item->field].type != FieldType::kGeoPoint) return false;
  bool okLat = false, okLon = false;
  const double lat = latitude.trimmed().toDouble(&okLat);
  const double lon = longitude.trimmed().toDouble(&okLon);
  if (!okLat || !okLon || std::fabs(lat) > 90 || std::fabs(lon) > 180) {
    setMessage(QCoreApplication::translate("FormModel", "Latitude must be between -90 and 90 and longitude between -180 and 180."));
    return false;
  }
  return setAnswer(*item, GeoPoint{lat, lon, 0});
}

bool FormModel::gpsAvailable() const { return gps_ != nullptr; }

bool FormModel::captureLocation(const QString& key) {
  const Item* item = findItem(key);
  if (!item || readOnly_ || !gps_ || locating_) return false;
#ifdef HOMEVISIT_HAVE_POSITIONING
  locating_ = true;
  emit locatingChanged();
  auto* conn = new QMetaObject::Connection;
  auto* errConn = new QMetaObject::Connection;
  auto done = [this, conn, errConn] {
    disconnect(*conn);
    disconnect(*errConn);
    delete conn;
    delete errConn;
    locating_ = false;
    emit locatingChanged();
  };
  *conn = connect(gps_, &QGeoPositionInfoSource::positionUpdated, this,
                  [this, key, done](const QGeoPositionInfo& info) {
                    done();
                    const double acc = info.hasAttribute(QGeoPositionInfo::HorizontalAccuracy)
                                           ? info.attribute(QGeoPositionInfo::HorizontalAccuracy)
                                           : 0;
                    onPosition(key, info.coordinate().latitude(), info.coordinate().longitude(), acc);
                  });
  *errConn = connect(gps_, &QGeoPositionInfoSource::errorOccurred, this,
                     [this, done](QGeoPositionInfoSource::Error) {
                       done();
                       setMessage(QCoreApplication::translate("FormModel", "No location found. Try outdoors, or type it in."));
                     });
  gps_->requestUpdate(30000);
  return true;
#else
  return false;
#endif
}

void FormModel::onPosition(const QString& key, double lat, double lon, double accuracy) {
  if (const Item* item = findItem(key)) setAnswer(*item, GeoPoint{lat, lon, accuracy});
}

bool FormModel::attachPhoto(const QString& key, const QUrl& file) {
  const Item* item = findItem(key);
  if (!item || readOnly_ || !attach_ || form_->fields[item->field].type != FieldType::kPhoto) return false;
  QFile in(file.isLocalFile() ? file.toLocalFile() : file.toString());
  if (!in.open(QIODevice::ReadOnly) || in.size() > kPhotoMaxInputBytes) {
    setMessage(QCoreApplication::translate("FormModel", "This photo cannot be read, or is too large."));
    return false;
  }
  const QByteArray original = in.readAll();
  // Shrunk and re-encoded on the phone (no EXIF location leaves it), so a weak connection
  // can still carry the visit's photos.
  auto photo = photo::DownscalePhoto(std::string_view(original.constData(), original.size()));
  if (!photo.ok()) {
    setMessage(QCoreApplication::translate("FormModel", "This file is not a photo."));
    return false;
  }
  auto blob = attach_(QByteArray::fromStdString(photo->jpeg));
  if (!blob.ok()) {
    setMessage(QString::fromStdString(blob.status().message()));
    return false;
  }
  return setAnswer(*item, *blob);
}

bool FormModel::setSignature(const QString& key, const QVariantList& strokes, qreal width,
                             qreal height) {
  const Item* item = findItem(key);
  if (!item || readOnly_ || !attach_ || width <= 0 || height <= 0 ||
      form_->fields[item->field].type != FieldType::kSignature) {
    return false;
  }
  // A fixed-size image whatever the pad's size on this screen: 800 px wide.
  const int w = 800;
  const int h = qBound(100, qRound(800 * height / width), 800);
  const qreal scale = w / width;
  QImage image(w, h, QImage::Format_RGB32);
  image.fill(Qt::white);
  QPainter painter(&image);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setPen(QPen(Qt::black, 4, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
  int points = 0;
  for (const QVariant& stroke : strokes) {
    QPainterPath path;
    bool first = true;
    for (const QVariant& p : stroke.toList()) {
      const QPointF pt = p.toPointF() * scale;
      if (first) path.moveTo(pt); else path.lineTo(pt);
      first = false;
      ++points;
    }
    painter.drawPath(path);
  }
  painter.end();
  if (points < 2) return false;
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  image.save(&buffer, "PNG");
  auto blob = attach_(bytes);
  if (!blob.ok()) {
    setMessage(QString::fromStdString(blob.status().message()));
    return false;
  }
  return setAnswer(*item, *blob);
}

bool FormModel::addRow(const QString& repeatKey) {
  const Item* item = findItem(repeatKey);
  if (!item || readOnly_ || item->kind != QLatin1String("repeat")) return false;
  const std::string name = form_->fields[item->field].name;
  auto it = answers_.find(name);
  Rows rows;
  if (it != answers_.end()) {
    if (const Rows* r = it->second.get_if<Rows>()) rows = *r;
  }
  rows.rows.emplace_back();
  answers_.insert_or_assign(name, Value(std::move(rows)));
  touched_.insert(repeatKey);
  dirty_ = true;
  applyItemChange();
  return true;
}

bool FormModel::removeRow(const QString& repeatName, int row) {
  if (readOnly_ || !form_) return false;
  const int field = form_->Find(repeatName.toStdString());
  if (field < 0 || form_->fields[field].type != FieldType::kRepeat) return false;
  auto it = answers_.find(repeatName.toStdString());
  if (it == answers_.end() || !it->second.get_if<Rows>()) return false;
  Rows rows = *it->second.get_if<Rows>();
  if (row < 0 || row >= static_cast<int>(rows.rows.size())) return false;
  rows.rows.erase(rows.rows.begin() + row);
  if (rows.rows.empty()) answers_.erase(it);
  else it->second = Value(std::move(rows));
  // Keys of later rows shift; typed text and touched marks of this repeat start over.
  const QString prefix = repeatName + QLatin1Char('#');
  std::erase_if(typed_, [&](const auto& kv) { return kv.first.startsWith(prefix); });
  dirty_ = true;
  applyItemChange();
  return true;
}

void FormModel::applyItemChange() {
  // A row added or removed changes one block of items; the rest stays in place, so the
  // view keeps its scroll position and focus instead of rebuilding the whole form. Keys of
  // later rows shift (their data changes), so the block is taken at the first key that
  // differs, and everything is refreshed afterwards.
  const std::vector<Item> old = items_;
  rebuildItems();
  std::vector<Item> fresh = std::move(items_);
  items_ = old;  // the view sees the old rows until begin*Rows() has run
  size_t first = 0;
  while (first < old.size() && first < fresh.size() && old[first].key == fresh[first].key) ++first;
  const int n = static_cast<int>(old.size());
  const int m = static_cast<int>(fresh.size());
  if (m > n) {
    beginInsertRows({}, static_cast<int>(first), static_cast<int>(first) + (m - n) - 1);
    items_ = std::move(fresh);
    recompute();
    endInsertRows();
  } else if (m < n) {
    beginRemoveRows({}, static_cast<int>(first), static_cast<int>(first) + (n - m) - 1);
    items_ = std::move(fresh);
    recompute();
    endRemoveRows();
  } else {
    items_ = std::move(fresh);
    recompute();
  }
  if (!items_.empty()) emit dataChanged(index(0), index(static_cast<int>(items_.size()) - 1));
  emit stateChanged();
}

QString FormModel::errorAt(const QString& key) const {
  const int i = indexOfKey(key);
  return i >= 0 && i < static_cast<int>(messages_.size()) ? messages_[i] : QString();
}

bool FormModel::isRelevant(const QString& key) const {
  const Item* item = findItem(key);
  return item && state_ && state_->IsRelevant(item->field, item->row);
}

void FormModel::setMessage(const QString& message) {
  message_ = message;
  emit stateChanged();
}

bool FormModel::save(const QString& status, const forms::Answers& answers) {
  if (!save_ || !form_) {
    setMessage(QCoreApplication::translate("FormModel", "This visit cannot be saved here."));
    return false;
  }
  VisitSave visit{info_.visitId, info_.studentId, QString::fromStdString(form_->id),
                  form_->version, status, answers};
  auto id = save_(visit);
  if (!id.ok()) {
    setMessage(QString::fromStdString(id.status().message()));
    return false;
  }
  info_.visitId = *id;
  info_.status = status;
  info_.updated = QDateTime::currentDateTime();
  dirty_ = false;
  emit loaded();
  emit saved(info_.visitId, status);
  return true;
}

bool FormModel::saveDraft() {
  if (readOnly_ || !state_) return false;
  // A returned visit stays "returned" while the teacher works on it: its status moves only
  // when it is resubmitted (core/review.h).
  const QString status = info_.status == QLatin1String("returned") ? info_.status : QStringLiteral("draft");
  if (!save(status, state_->WithCalculations(answers_))) return false;
  setMessage(QCoreApplication::translate("FormModel", "Draft saved on this phone at %1.").arg(QTime::currentTime().toString(QStringLiteral("HH:mm"))));
  return true;
}

bool FormModel::submit() {
  if (readOnly_ || !form_) return false;
  showAll_ = true;
  recompute();
  if (!items_.empty()) emit dataChanged(index(0), index(static_cast<int>(items_.size()) - 1));
  forms::VisitValidation validation = forms::ValidateVisit(*form_, answers_, Today());
  if (!validation.ok() || errorCount_ > 0) {
    message_.clear();
    emit stateChanged();
    return false;
  }
  const QString status = info_.status == QLatin1String("returned") ? QStringLiteral("resubmitted")
                                                                   : QStringLiteral("submitted");
  if (!save(status, validation.effective)) return false;
  setMessage(QCoreApplication::translate("FormModel", "Submitted. It will be sent at the next sync."));
  return true;
}

}  // namespace homevisit::ui
