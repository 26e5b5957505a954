// JSON → Form. Structural checks live here; references between fields and the evaluation
// order are checked by LinkForm (form_links.cc) once every field is known.
#include "core/forms/form_parser.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/forms/expr_value_internal.h"
#include "core/forms/form_links.h"
#include "core/forms/form_record.h"
#include "core/review.h"

namespace homevisit::forms {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxNameBytes = 64;
constexpr size_t kMaxLabelBytes = 2000;
constexpr size_t kMaxRegexBytes = 256;
// A published regex runs on the server for every submitted visit, so it must not be able
// to take exponential time: libstdc++'s __polynomial mode uses its breadth-first executor,
// whose time is linear in the input for a given pattern (back-references are refused).
#if defined(__GLIBCXX__)
constexpr auto kRegexFlags = std::regex::ECMAScript | std::regex_constants::__polynomial;
#else
#error "form regexes need a standard library with a non-backtracking std::regex mode"
#endif

bool IsName(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameBytes) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!letter(s[0])) return false;
  for (char c : s) {
    if (!letter(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool IsChoiceCode(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameBytes) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// The deepest nesting of arrays and objects, found without parsing, so a hostile document
// cannot drive a recursive parser or destructor deep.
int JsonDepth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

Status Bad(const std::string& path, const std::string& what) {
  return InvalidArgument(path + ": " + what);
}

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string At(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

// Which keys a field may have, by type.
bool KeyAllowed(std::string_view key, FieldType t, bool* known) {
  using F = FieldType;
  const bool value = HoldsAnswer(t);
  const bool scalar = value && t != F::kRepeat;
  struct Rule {
    const char* key;
    bool allowed;
  };
  const Rule rules[] = {
      {"name", true},
      {"type", true},
      {"label", true},
      {"hint", true},
      {"relevant", true},
      {"required", value},
      {"constraint", value},
      {"constraint_message", value},
      {"calculate", t == F::kText || t == F::kInteger || t == F::kDecimal || t == F::kDate},
      {"default", scalar && t != F::kGeoPoint && t != F::kPhoto && t != F::kSignature},
      {"choices", t == F::kSelectOne || t == F::kSelectMultiple},
      {"min", t == F::kInteger || t == F::kDecimal || t == F::kText || t == F::kSelectMultiple ||
                  t == F::kRepeat},
      {"max", t == F::kInteger || t == F::kDecimal || t == F::kText || t == F::kSelectMultiple ||
                  t == F::kRepeat},
      {"regex", t == F::kText},
      {"regex_message", t == F::kText},
      {"children", t == F::kGroup || t == F::kRepeat},
  };
  for (const Rule& r : rules) {
    if (key == r.key) {
      *known = true;
      return r.allowed;
    }
  }
  *known = false;
  return false;
}

class FormParser {
 public:
  Result<Form> Run(std::string_view text) {
    if (text.size() > kMaxDefinitionBytes) {
      return InvalidArgument("definition larger than " + std::to_string(kMaxDefinitionBytes) +
                             " bytes");
    }
    if (JsonDepth(text) > kMaxJsonDepth) {
      return InvalidArgument("definition nested deeper than " + std::to_string(kMaxJsonDepth) +
                             " levels");
    }
    Json root;
    try {
      root = Json::parse(text);
    } catch (const Json::parse_error& e) {
      return InvalidArgument("not valid JSON at byte " + std::to_string(e.byte) + ": " +
                             SyntaxReason(e.what()));
    } catch (const Json::exception& e) {
      // A number too large for a double (1e999) and the like.
      return InvalidArgument("not valid JSON: " + SyntaxReason(e.what()));
    }
    Form form;
    if (Status s = ParseTop(root, &form); !s.ok()) return s;
    if (Status s = LinkForm(&form); !s.ok()) return s;
    try {
      form.definition = root.dump();
    } catch (const Json::exception&) {
      return InvalidArgument("definition cannot be stored as UTF-8 JSON");
    }
    return form;
  }

 private:
  // nlohmann's message after its "[json.exception.parse_error.101] parse error at ..." prefix.
  static std::string SyntaxReason(const std::string& what) {
    const size_t colon = what.find(": ");
    return colon == std::string::npos ? what : what.substr(colon + 2);
  }

  Status ParseTop(const Json& root, Form* form) {
    if (!root.is_object()) return Bad("(definition)", "must be a JSON object");
    for (const auto& [key, value] : root.items()) {
      if (key != "id" && key != "version" && key != "title" && key != "fields") {
        return Bad(key, "unknown key");
      }
    }
    if (Status s = String(root, "", "id", true, &form->id); !s.ok()) return s;
    if (!IsName(form->id)) {
      return Bad("id", "must be letters, digits and '_' (at most 64), starting with a letter");
    }
    if (!root.contains("version")) return Bad("version", "missing");
    const Json& v = root["version"];
    if (!v.is_number_unsigned() || v.get<uint64_t>() < 1 || v.get<uint64_t>() > 1'000'000'000) {
      return Bad("version", "must be a whole number from 1");
    }
    form->version = static_cast<int64_t>(v.get<uint64_t>());
    if (Status s = Localized(root, "", "title", true, &form->title); !s.ok()) return s;
    if (!root.contains("fields")) return Bad("fields", "missing");
    return FieldList(root["fields"], "fields", -1, -1, 0, form);
  }

  Status FieldList(const Json& list, const std::string& path, int parent, int repeat, int depth,
                   Form* form) {
    if (!list.is_array()) return Bad(path, "must be a list");
    if (list.empty()) return Bad(path, "must not be empty");
    for (size_t i = 0; i < list.size(); ++i) {
      if (Status s = Field(list[i], At(path, i), parent, repeat, depth, form); !s.ok()) return s;
    }
    return Status::Ok();
  }

  Status Field(const Json& j, const std::string& path, int parent, int repeat, int depth,
               Form* form) {
    if (!j.is_object()) return Bad(path, "must be an object");
    if (form->fields.size() >= kMaxFields) {
      return Bad(path, "more than " + std::to_string(kMaxFields) + " fields");
    }
    FormField f;
    f.path = path;
    f.parent = parent;
    f.repeat = repeat;
    f.depth = depth;
    if (Status s = String(j, path, "name", true, &f.name); !s.ok()) return s;
    if (!IsName(f.name)) {
      return Bad(Join(path, "name"),
                 "must be letters, digits and '_' (at most 64), starting with a letter");
    }
    if (IsReservedFieldName(f.name)) {
      return Bad(Join(path, "name"), "'" + f.name + "' is reserved for the visit record");
    }
    if (const int first = form->Find(f.name); first >= 0) {
      return Bad(Join(path, "name"),
                 "duplicate name '" + f.name + "' (first at " + form->fields[first].path + ")");
    }
    std::string type;
    if (Status s = String(j, path, "type", true, &type); !s.ok()) return s;
    if (!ParseFieldType(type, &f.type)) return Bad(Join(path, "type"), "unknown type '" + type + "'");
    if (repeat >= 0 && (f.type == FieldType::kRepeat || f.type == FieldType::kGroup)) {
      return Bad(Join(path, "type"), type + " is not allowed inside a repeat");
    }
    for (const auto& [key, value] : j.items()) {
      bool known = false;
      if (!KeyAllowed(key, f.type, &known)) {
        return Bad(Join(path, key), known ? "not allowed for type " + type : "unknown key");
      }
    }
    if (Status s = Properties(j, path, &f); !s.ok()) return s;

    const int index = static_cast<int>(form->fields.size());
    const bool container = f.type == FieldType::kGroup || f.type == FieldType::kRepeat;
    const bool is_repeat = f.type == FieldType::kRepeat;
    form->index_by_name.emplace(f.name, index);
    form->fields.push_back(std::move(f));
    if (parent >= 0) {
      form->fields[parent].children.push_back(index);
    } else {
      form->top_level.push_back(index);
    }
    if (!container) return Status::Ok();
    if (!j.contains("children")) return Bad(Join(path, "children"), "missing");
    return FieldList(j["children"], Join(path, "children"), index, is_repeat ? index : repeat,
                     depth + 1, form);
  }

  Status Properties(const Json& j, const std::string& path, FormField* f) {
    if (Status s = Localized(j, path, "label", true, &f->label); !s.ok()) return s;
    if (Status s = Localized(j, path, "hint", false, &f->hint); !s.ok()) return s;
    if (j.contains("required")) {
      if (!j["required"].is_boolean()) return Bad(Join(path, "required"), "must be true or false");
      f->required = j["required"].get<bool>();
    }
    if (Status s = Choices(j, path, f); !s.ok()) return s;
    if (Status s = Bounds(j, path, f); !s.ok()) return s;
    if (Status s = Regex(j, path, f); !s.ok()) return s;
    if (Status s = Expr(j, path, "relevant", &f->relevant); !s.ok()) return s;
    if (Status s = Expr(j, path, "constraint", &f->constraint); !s.ok()) return s;
    if (Status s = Expr(j, path, "calculate", &f->calculate); !s.ok()) return s;
    if (Status s = Localized(j, path, "constraint_message", false, &f->constraint_message);
        !s.ok()) {
      return s;
    }
    if (!f->constraint_message.empty() && !f->constraint) {
      return Bad(Join(path, "constraint_message"), "given without a constraint");
    }
    if (f->calculate && f->required) {
      return Bad(Join(path, "required"), "a calculated field cannot be required");
    }
    if (f->calculate && j.contains("default")) {
      return Bad(Join(path, "default"), "a calculated field has no default");
    }
    return Default(j, path, f);
  }

  Status String(const Json& j, const std::string& path, const char* key, bool required,
                std::string* out) {
    if (!j.contains(key)) return required ? Bad(Join(path, key), "missing") : Status::Ok();
    if (!j[key].is_string()) return Bad(Join(path, key), "must be a string");
    *out = j[key].get<std::string>();
    if (out->size() > kMaxLabelBytes) return Bad(Join(path, key), "too long");
    return Status::Ok();
  }

  // {"zh": "...", "en": "..."}: both languages, non-empty.
  Status Localized(const Json& j, const std::string& path, const char* key, bool required,
                   LocalizedText* out) {
    const std::string here = Join(path, key);
    if (!j.contains(key)) return required ? Bad(here, "missing") : Status::Ok();
    const Json& t = j[key];
    if (!t.is_object()) return Bad(here, "must be an object with \"zh\" and \"en\"");
    for (const auto& [lang, value] : t.items()) {
      if (lang != "zh" && lang != "en") return Bad(Join(here, lang), "unknown language");
    }
    if (Status s = String(t, here, "zh", true, &out->zh); !s.ok()) return s;
    if (Status s = String(t, here, "en", true, &out->en); !s.ok()) return s;
    if (out->zh.empty()) return Bad(Join(here, "zh"), "empty");
    if (out->en.empty()) return Bad(Join(here, "en"), "empty");
    return Status::Ok();
  }

  Status Choices(const Json& j, const std::string& path, FormField* f) {
    const bool select = f->type == FieldType::kSelectOne || f->type == FieldType::kSelectMultiple;
    const std::string here = Join(path, "choices");
    if (!select) return Status::Ok();
    if (!j.contains("choices")) return Bad(here, "missing");
    const Json& list = j["choices"];
    if (!list.is_array() || list.empty()) return Bad(here, "must be a non-empty list");
    if (list.size() > kMaxChoices) return Bad(here, "more than " + std::to_string(kMaxChoices));
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string at = At(here, i);
      const Json& c = list[i];
      if (!c.is_object()) return Bad(at, "must be an object");
      for (const auto& [key, value] : c.items()) {
        if (key != "code" && key != "label") return Bad(Join(at, key), "unknown key");
      }
      Choice choice;
      if (Status s = String(c, at, "code", true, &choice.code); !s.ok()) return s;
      if (!IsChoiceCode(choice.code)) {
        return Bad(Join(at, "code"), "must be letters, digits, '_', '-' or '.' (at most 64)");
      }
      if (f->FindChoice(choice.code)) {
        return Bad(Join(at, "code"), "duplicate code '" + choice.code + "'");
      }
      if (Status s = Localized(c, at, "label", true, &choice.label); !s.ok()) return s;
      f->choices.push_back(std::move(choice));
    }
    return Status::Ok();
  }

  Status Bound(const Json& j, const std::string& path, const char* key, bool count,
               std::optional<double>* out) {
    if (!j.contains(key)) return Status::Ok();
    const Json& v = j[key];
    const std::string here = Join(path, key);
    if (!v.is_number()) return Bad(here, "must be a number");
    const double n = v.get<double>();
    if (!std::isfinite(n) || std::fabs(n) > 1e15) return Bad(here, "out of range");
    if (count && (n < 0 || n != std::trunc(n))) return Bad(here, "must be a whole number from 0");
    *out = n;
    return Status::Ok();
  }

  Status Bounds(const Json& j, const std::string& path, FormField* f) {
    const bool count = f->type == FieldType::kText || f->type == FieldType::kSelectMultiple ||
                       f->type == FieldType::kRepeat;
    if (Status s = Bound(j, path, "min", count, &f->min); !s.ok()) return s;
    if (Status s = Bound(j, path, "max", count, &f->max); !s.ok()) return s;
    if (f->type == FieldType::kInteger && ((f->min && *f->min != std::trunc(*f->min)) ||
                                           (f->max && *f->max != std::trunc(*f->max)))) {
      return Bad(Join(path, f->min && *f->min != std::trunc(*f->min) ? "min" : "max"),
                 "must be a whole number for an integer field");
    }
    if (f->min && f->max && *f->min > *f->max) return Bad(Join(path, "max"), "less than min");
    return Status::Ok();
  }

  Status Regex(const Json& j, const std::string& path, FormField* f) {
    if (Status s = String(j, path, "regex", false, &f->regex); !s.ok()) return s;
    if (Status s = Localized(j, path, "regex_message", false, &f->regex_message); !s.ok()) {
      return s;
    }
    if (f->regex.empty()) {
      if (j.contains("regex")) return Bad(Join(path, "regex"), "empty");
      if (!f->regex_message.empty()) return Bad(Join(path, "regex_message"), "given without a regex");
      return Status::Ok();
    }
    if (f->regex.size() > kMaxRegexBytes) {
      return Bad(Join(path, "regex"), "longer than " + std::to_string(kMaxRegexBytes) + " bytes");
    }
    try {
      f->compiled_regex = std::make_shared<const std::regex>(f->regex, kRegexFlags);
    } catch (const std::regex_error&) {
      return Bad(Join(path, "regex"),
                 "not a valid regular expression (back-references are not supported)");
    }
    return Status::Ok();
  }

  Status Expr(const Json& j, const std::string& path, const char* key,
              std::optional<Expression>* out) {
    std::string text;
    if (Status s = String(j, path, key, false, &text); !s.ok()) return s;
    if (!j.contains(key)) return Status::Ok();
    Result<Expression> e = Expression::Parse(text);
    if (!e.ok()) return Bad(Join(path, key), e.status().message());
    *out = std::move(e).value();
    return Status::Ok();
  }

  Status Default(const Json& j, const std::string& path, FormField* f) {
    if (!j.contains("default")) return Status::Ok();
    const Json& d = j["default"];
    const std::string here = Join(path, "default");
    switch (f->type) {
      case FieldType::kText:
        if (!d.is_string()) return Bad(here, "must be a string");
        f->default_value = d.get<std::string>();
        return Status::Ok();
      case FieldType::kInteger:
        if (!d.is_number_integer()) return Bad(here, "must be a whole number");
        if (d.is_number_unsigned() && d.get<uint64_t>() > INT64_MAX) return Bad(here, "too large");
        f->default_value = d.get<int64_t>();
        return Status::Ok();
      case FieldType::kDecimal: {
        const std::string text = d.is_string() ? d.get<std::string>()
                                 : d.is_number() ? FormatNumber(d.get<double>())
                                                 : std::string();
        if (std::isnan(ParseNumber(text)) || text.find(' ') != std::string::npos) {
          return Bad(here, "must be a decimal number");
        }
        f->default_value = Decimal{text};
        return Status::Ok();
      }
      case FieldType::kDate: {
        Date date;
        if (!d.is_string() || !TextToDate(d.get<std::string>(), &date)) {
          return Bad(here, "must be a date 'YYYY-MM-DD'");
        }
        f->default_value = date;
        return Status::Ok();
      }
      case FieldType::kSelectOne:
        if (!d.is_string() || !f->FindChoice(d.get<std::string>())) {
          return Bad(here, "must be one of the choice codes");
        }
        f->default_value = d.get<std::string>();
        return Status::Ok();
      case FieldType::kSelectMultiple: {
        if (!d.is_array()) return Bad(here, "must be a list of choice codes");
        StringList codes;
        for (size_t i = 0; i < d.size(); ++i) {
          if (!d[i].is_string() || !f->FindChoice(d[i].get<std::string>())) {
            return Bad(At(here, i), "must be one of the choice codes");
          }
          codes.push_back(d[i].get<std::string>());
        }
        f->default_value = std::move(codes);
        return Status::Ok();
      }
      default: return Bad(here, "not allowed for this type");
    }
  }
};

}  // namespace

bool IsReservedFieldName(std::string_view name) {
  // The visit's bookkeeping: which form, whose visit, its review state. An answer under one
  // of these names would overwrite it (the app writes them beside the answers).
  return name.empty() || name[0] == '_' || name == kVisitFormIdField ||
         name == kVisitFormVersionField || name == "student_id" || name == "household_id" ||
         name == "author" || !IsLockedVisitField(name);
}

Result<Form> ParseForm(std::string_view json_text) { return FormParser().Run(json_text); }

}  // namespace homevisit::forms
