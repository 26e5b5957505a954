#include <algorithm>
#include <tuple>
#include <vector>
#include "core/record_types.h"

#include <array>
#include <string>

#include "core/record.h"

namespace homevisit::record_types {

namespace {

struct BuiltinField {
  std::string_view type;
  std::string_view field;
  ValueType value_type;
};

constexpr std::array kBuiltinFields = std::to_array<BuiltinField>({
    {kStudent, "name", ValueType::kText},
    {kStudent, "gender", ValueType::kText},
    {kStudent, "birth_date", ValueType::kDate},
    {kStudent, "id_number", ValueType::kText},
    {kStudent, "student_no", ValueType::kText},
    {kStudent, "grade", ValueType::kInteger},
    {kStudent, "class_name", ValueType::kText},
    {kStudent, "household_id", ValueType::kText},
    {kStudent, "village", ValueType::kText},
    {kStudent, "hamlet", ValueType::kText},
    {kStudent, "boarding", ValueType::kBoolean},
    {kStudent, "left_behind", ValueType::kBoolean},
    {kHousehold, "head_name", ValueType::kText},
    {kHousehold, "village", ValueType::kText},
    {kHousehold, "hamlet", ValueType::kText},
    {kHousehold, "id_number", ValueType::kText},
    {kHousehold, "categories", ValueType::kList},
    {kHousehold, "phone", ValueType::kText},
    {kHousehold, "address", ValueType::kText},
    {kHousehold, "member_count", ValueType::kInteger},
    {kVisit, "student_id", ValueType::kText},
    {kVisit, "household_id", ValueType::kText},
    {kVisit, "form_id", ValueType::kText},
    {kVisit, "form_version", ValueType::kInteger},
    {kVisit, "status", ValueType::kText},
    {kVisit, "author", ValueType::kText},
    {kVisit, "visit_date", ValueType::kDate},
    {kVisit, "location", ValueType::kGeoPoint},
    {kVisit, "recommended_tier", ValueType::kText},
    {kVisit, "tier", ValueType::kText},
    {kVisit, "review_comment", ValueType::kText},
    {kVisit, "reviewed_by", ValueType::kText},
    {kVisit, "reviewed_at", ValueType::kInteger},
    {kReview, "visit_id", ValueType::kText},
    {kReview, "decision", ValueType::kText},
    {kReview, "comment", ValueType::kText},
    {kReview, "tier", ValueType::kText},
    {kReview, "reviewer", ValueType::kText},
    {kReview, "decided_at", ValueType::kInteger},
    {kGrant, "student_id", ValueType::kText},
    {kGrant, "programme", ValueType::kText},
    {kGrant, "amount", ValueType::kDecimal},
    {kGrant, "term", ValueType::kText},
    {kGrant, "paid_date", ValueType::kDate},
    {kNotice, "title", ValueType::kText},
    {kNotice, "starts", ValueType::kDate},
    {kNotice, "ends", ValueType::kDate},
    {kNotice, "student_ids", ValueType::kList},
    {kForm, "form_id", ValueType::kText},
    {kForm, "version", ValueType::kInteger},
    {kForm, "title_zh", ValueType::kText},
    {kForm, "title_en", ValueType::kText},
    {kForm, "definition", ValueType::kText},
    {kConflict, "status", ValueType::kText},
    {kConflict, "resolution", ValueType::kText},
    {kConflict, "resolved_by", ValueType::kText},
    {kConflict, "winner_by", ValueType::kText},  // display names, written by the server
    {kConflict, "loser_by", ValueType::kText},
});

// Review bookkeeping of a visit: written by coordinators, not locked by approval.
bool IsVisitReviewField(std::string_view field) {
  return field == "tier" || field == "review_comment" || field == "reviewed_by" ||
         field == "reviewed_at";
}

bool IsValidFieldName(std::string_view name) {
  if (name.empty() || name.size() > kMaxFieldNameBytes) return false;
  if (name.front() == '_') return name == kDeletedField;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return !(name.front() >= '0' && name.front() <= '9');
}

bool DecimalsValid(const Value& value) {
  if (const auto* d = value.get_if<Decimal>()) return IsValidDecimalText(d->text);
  if (const auto* rows = value.get_if<Rows>()) {
    for (const Row& row : rows->rows) {
      for (const Cell& cell : row.cells) {
        if (!DecimalsValid(cell.value)) return false;
      }
    }
  }
  return true;
}

}  // namespace

bool IsKnownRecordType(std::string_view type) {
  return type == kStudent || type == kHousehold || type == kVisit || type == kReview ||
         type == kGrant || type == kNotice || type == kForm || type == kConflict;
}

bool BuiltinFieldType(std::string_view type, std::string_view field, ValueType* out) {
  if (field == kDeletedField) {
    *out = ValueType::kBoolean;
    return true;
  }
  // Every write is checked here: a binary search over the table sorted once by (type, field).
  static const std::vector<BuiltinField> sorted = [] {
    std::vector<BuiltinField> v(kBuiltinFields.begin(), kBuiltinFields.end());
    std::sort(v.begin(), v.end(), [](const BuiltinField& a, const BuiltinField& b) {
      return std::tie(a.type, a.field) < std::tie(b.type, b.field);
    });
    return v;
  }();
  auto it = std::lower_bound(sorted.begin(), sorted.end(), std::pair{type, field},
                             [](const BuiltinField& f, const std::pair<std::string_view, std::string_view>& key) {
                               return std::tie(f.type, f.field) < std::tie(key.first, key.second);
                             });
  if (it == sorted.end() || it->type != type || it->field != field) return false;
  *out = it->value_type;
  return true;
}

bool IsValidDecimalText(std::string_view text) {
  size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  const size_t int_start = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == int_start || i - int_start > 30) return false;
  if (i == text.size()) return true;
  if (text[i] != '.') return false;
  const size_t frac_start = ++i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  return i == text.size() && i > frac_start && i - frac_start <= 12;
}

FieldRule RuleOf(std::string_view type, std::string_view field) {
  FieldRule rule;
  rule.valid_name = IsValidFieldName(field);
  if (!rule.valid_name) return rule;
  rule.declared = BuiltinFieldType(type, field, &rule.declared_type);
  rule.visit_status = rule.declared && type == kVisit && field == kVisitStatusField;
  return rule;
}

Status CheckFieldValue(std::string_view type, std::string_view field, const Value& value) {
  return CheckFieldValue(RuleOf(type, field), type, field, value);
}

Status CheckFieldValue(const FieldRule& rule, std::string_view type, std::string_view field,
                       const Value& value) {
  const std::string_view name = field;
  if (!rule.valid_name) {
    return InvalidArgument("field name '" + std::string(name.substr(0, kMaxFieldNameBytes)) +
                           "' is not a valid name (letters, digits, '_', '.', '-'; at most " +
                           std::to_string(kMaxFieldNameBytes) + " bytes)");
  }
  if (!DecimalsValid(value)) {
    return InvalidArgument("field '" + std::string(name) + "' holds a malformed decimal number");
  }
  if (!rule.declared) return Status::Ok();
  if (rule.visit_status) {
    const auto* status = value.get_if<std::string>();
    if (!status || !IsKnownVisitStatus(*status)) {
      return InvalidArgument("field 'status' of a visit must be a known review status");
    }
    return Status::Ok();
  }
  if (value.is_null() || value.type() == rule.declared_type) return Status::Ok();
  return InvalidArgument("field '" + std::string(name) + "' of a " + std::string(type) + " must hold " +
                         ValueTypeName(rule.declared_type) + ", not " + ValueTypeName(value.type()));
}

Status CheckWriteAllowed(Role role, std::string_view type, std::string_view field,
                         bool record_exists) {
  if (type == kForm) {
    return PermissionDenied("form records are published by the server only "
                            "('homevisit-server form publish')");
  }
  if (role == Role::kAdmin) {
    if (type == kConflict && !record_exists) {
      return PermissionDenied("conflict records are created by the server only");
    }
    return Status::Ok();
  }
  if (type == kConflict) {
    if (!record_exists) return PermissionDenied("conflict records are created by the server only");
    if (role != Role::kCoordinator) return PermissionDenied("only a coordinator resolves conflicts");
    if (field != "status" && field != "resolution" && field != "resolved_by") {
      return PermissionDenied("a conflict's field '" + std::string(field) +
                              "' is written by the server only");
    }
    return Status::Ok();
  }
  if (role == Role::kCoordinator) return Status::Ok();
  // A teacher.
  if (type == kReview || type == kGrant || type == kNotice) {
    return PermissionDenied("only a coordinator may write a " + std::string(type) + " record");
  }
  if (type == kVisit && IsVisitReviewField(field)) {
    return PermissionDenied("only a coordinator may set a visit's '" + std::string(field) + "'");
  }
  return Status::Ok();
}

}  // namespace homevisit::record_types
