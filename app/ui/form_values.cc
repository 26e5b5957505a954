#include "app/ui/form_values.h"

#include <QCoreApplication>
#include <QRegularExpression>
#include <QStringList>

namespace homevisit::ui {

using forms::FieldType;

QString ValueText(const Value& value, FieldType type) {
  switch (value.type()) {
    case ValueType::kNull: return {};
    case ValueType::kText: return QString::fromStdString(*value.get_if<std::string>());
    case ValueType::kInteger: return QString::number(*value.get_if<int64_t>());
    case ValueType::kDecimal: return QString::fromStdString(value.get_if<Decimal>()->text);
    case ValueType::kBoolean: return *value.get_if<bool>() ? QStringLiteral("1") : QStringLiteral("0");
    case ValueType::kDate: return QString::fromStdString(FormatDate(*value.get_if<Date>()));
    case ValueType::kList: {
      QStringList out;
      for (const std::string& s : *value.get_if<StringList>()) out << QString::fromStdString(s);
      return out.join(QStringLiteral(", "));
    }
    case ValueType::kGeoPoint: {
      const GeoPoint& g = *value.get_if<GeoPoint>();
      QString text = QStringLiteral("%1, %2").arg(g.latitude, 0, 'f', 6).arg(g.longitude, 0, 'f', 6);
      if (g.accuracy_m > 0) text += QStringLiteral(" (±%1 m)").arg(qRound(g.accuracy_m));
      return text;
    }
    case ValueType::kBlob: return BlobHex(*value.get_if<BlobRef>());
    case ValueType::kRows: return QString::number(value.get_if<Rows>()->rows.size());
  }
  (void)type;
  return {};
}

QVariant ValueForQml(const Value& value, FieldType type) {
  if (const auto* list = value.get_if<StringList>()) {
    QStringList out;
    for (const std::string& s : *list) out << QString::fromStdString(s);
    return out;
  }
  if (type == FieldType::kSelectMultiple) return QStringList();
  return ValueText(value, type);
}

std::optional<Value> ParseTypedText(const QString& raw, FieldType type) {
  const QString text = raw.trimmed();
  if (text.isEmpty()) return Value();
  switch (type) {
    case FieldType::kInteger: {
      bool ok = false;
      const qlonglong n = text.toLongLong(&ok);
      if (!ok) return std::nullopt;
      return Value(static_cast<int64_t>(n));
    }
    case FieldType::kDecimal: {
      // Canonical decimal text: optional '-', digits, optional '.' and digits. "1e5" and
      // ".5" are refused so money stays exact and unambiguous.
      static const QRegularExpression re(QStringLiteral("^-?[0-9]+(\\.[0-9]+)?$"));
      if (!re.match(text).hasMatch()) return std::nullopt;
      return Value(Decimal{text.toStdString()});
    }
    case FieldType::kDate: {
      Date d;
      if (!ParseDate(text.toStdString(), &d)) return std::nullopt;
      return Value(d);
    }
    default:
      // Text and select_one codes are kept as typed (untrimmed text is the user's).
      return Value(raw.toStdString());
  }
}

QString TypeHint(FieldType type) {
  switch (type) {
    case FieldType::kInteger:
      return QCoreApplication::translate("FormModel", "Enter a whole number, e.g. 3");
    case FieldType::kDecimal:
      return QCoreApplication::translate("FormModel", "Enter a number, e.g. 1200.50");
    case FieldType::kDate:
      return QCoreApplication::translate("FormModel", "Enter a date like 2024-03-15");
    default:
      return QCoreApplication::translate("FormModel", "This answer is not valid");
  }
}

QString BlobHex(const BlobRef& blob) {
  return QString::fromLatin1(QByteArray::fromStdString(blob.sha256).toHex());
}

}  // namespace homevisit::ui
