#include "sync-server/visit_check.h"

#include "core/forms/form_record.h"
#include "core/forms/validate.h"
#include "core/review.h"
#include "core/scope.h"

namespace homevisit::server {

namespace {

constexpr int64_t kDayMs = 24 * 60 * 60 * 1000;

const std::string* TextOf(const Record& record, const char* field) {
  const FieldVersion* f = record.Find(field);
  return f ? f->value.get_if<std::string>() : nullptr;
}

bool IsReviewBookkeeping(const std::string& field) {
  return field == kVisitStatusField || !IsLockedVisitField(field);
}

}  // namespace

bool NeedsFormCheck(const std::string& before, const Record& visit,
                    const std::set<std::string>& changed) {
  if (const FieldVersion* deleted = visit.Find(kDeletedField)) {
    if (deleted->value == Value(true)) return false;
  }
  const std::string* status = TextOf(visit, kVisitStatusField);
  if (!status) return false;
  if ((*status == "submitted" || *status == "resubmitted") && *status != before) return true;
  if (*status != "submitted" && *status != "resubmitted" && *status != "approved") return false;
  for (const std::string& field : changed) {
    if (!IsReviewBookkeeping(field)) return true;
  }
  return false;
}

Date ServerToday(int64_t wall_ms) {
  const int64_t days = wall_ms >= 0 ? wall_ms / kDayMs : -((-wall_ms + kDayMs - 1) / kDayMs);
  return Date{static_cast<int32_t>(days + 1)};
}

Result<std::string> VisitFormCheck::Check(WriteTxn& txn, const Record& visit, Date today) {
  const std::string* form_id = TextOf(visit, forms::kVisitFormIdField);
  const FieldVersion* version_field = visit.Find(forms::kVisitFormVersionField);
  const int64_t* version = version_field ? version_field->value.get_if<int64_t>() : nullptr;
  if (!form_id || form_id->empty() || !version) {
    return std::string("a submitted visit must name the form it follows (") +
           forms::kVisitFormIdField + " and " + forms::kVisitFormVersionField + ")";
  }
  const std::string name =
      "form " + form_id->substr(0, 64) + " version " + std::to_string(*version);
  auto form = Load(txn, *form_id, *version);
  if (!form.ok()) return form.status();
  if (!*form) {
    return name + " is not published on this server: the visit cannot be checked; update the "
                  "app or ask the operator to publish that form";
  }
  const forms::VisitValidation validation =
      forms::ValidateVisit(**form, forms::AnswersFromRecord(**form, visit), today);
  if (validation.ok()) return std::string();
  return "the visit does not pass " + name + ": " + forms::DescribeMessages(validation);
}

Result<std::shared_ptr<const forms::Form>> VisitFormCheck::Load(WriteTxn& txn,
                                                                const std::string& id,
                                                                int64_t version) {
  const auto key = std::make_pair(id, version);
  {
    std::lock_guard lock(mu_);
    if (auto it = forms_.find(key); it != forms_.end()) return it->second;
  }
  auto record = txn.LoadRecord(forms::FormRecordId(id, version));
  if (!record.ok()) return record.status();
  // Only the server writes form records, and only in the global scope.
  if (!*record || (*record)->scope != kGlobalScope) return std::shared_ptr<const forms::Form>();
  auto form = forms::FormFromRecord(**record);
  if (!form.ok()) return Internal("published " + form.status().message());
  auto shared = std::make_shared<const forms::Form>(std::move(form).value());
  std::lock_guard lock(mu_);
  forms_.emplace(key, shared);
  return shared;
}

}  // namespace homevisit::server
