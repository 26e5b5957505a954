// Conversions between stored answer values and what the form renderer's editors show and
// send: text for text-like questions, codes for choices, "lat, lon" for locations.
#pragma once

#include <QString>
#include <QVariant>
#include <QVariantList>
#include <optional>

#include "core/forms/form.h"
#include "core/value.h"

namespace homevisit::ui {

// The text an editor shows for a value of a question of this type ("" for none).
QString ValueText(const Value& value, forms::FieldType type);
// The value for QML's `value` role: a code string, a list of codes, or the text.
QVariant ValueForQml(const Value& value, forms::FieldType type);

// Parses what was typed into a value of the question's type. Blank text is Null (cleared).
// nullopt when the text is not of the type (the editor keeps it and shows why).
std::optional<Value> ParseTypedText(const QString& text, forms::FieldType type);

// The message shown while typed text is not of its type.
QString TypeHint(forms::FieldType type);

// Hex text of a blob's SHA-256 (64 characters), as used in file names and image URLs.
QString BlobHex(const BlobRef& blob);

}  // namespace homevisit::ui
