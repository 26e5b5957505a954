#include "sync-server/form_publish.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/forms/form_parser.h"
#include "core/forms/form_record.h"
#include "core/scope.h"

namespace homevisit::server {

namespace {

// Form versions listed at most; a deployment publishes a few a year.
constexpr size_t kMaxListedForms = 10000;
// Attempts of a publishing transaction when the database reports a transient failure (a
// busy SQLite file shared by two starting servers, a dropped PostgreSQL connection).
constexpr int kPublishAttempts = 5;

Result<PublishOutcome> TryPublish(Storage& storage, ServerClock& clock, const forms::Form& form) {
  const Uuid id = forms::FormRecordId(form.id, form.version);
  auto txn = storage.BeginWrite();
  if (!txn.ok()) return txn.status();
  if (Status s = (*txn)->LockRecords({id}); !s.ok()) return s;
  auto existing = (*txn)->LoadRecord(id);
  if (!existing.ok()) return existing.status();
  if (*existing) return PublishOutcome::kAlreadyPublished;  // rolls back; nothing written
  const RecordHeader header{id, forms::kFormRecordType, kGlobalScope};
  for (const auto& [name, value] : forms::FormToRecordFields(form)) {
    if (Status s = (*txn)->PutField(header, name, FieldVersion{value, clock.Now()}, std::nullopt);
        !s.ok()) {
      return s;
    }
  }
  if (Status s = (*txn)->Commit(); !s.ok()) return s;
  return PublishOutcome::kPublished;
}

}  // namespace

Result<forms::Form> DefaultForm() {
  auto form = forms::ParseForm(DefaultFormDefinition());
  if (!form.ok()) return Internal("the built-in default form: " + form.status().message());
  return form;
}

Result<std::vector<PublishedForm>> ListPublishedForms(Storage& storage) {
  auto records = storage.ListRecords(forms::kFormRecordType, kGlobalScope, kMaxListedForms);
  if (!records.ok()) return records.status();
  std::vector<PublishedForm> out;
  for (const Record& r : *records) {
    auto form = forms::FormFromRecord(r);
    if (!form.ok()) continue;
    const FieldVersion* definition = r.Find(forms::kFormDefinitionField);
    out.push_back({r.id, form->id, form->version, form->title,
                   static_cast<int64_t>(definition->stamp.physical_ms())});
  }
  std::sort(out.begin(), out.end(), [](const PublishedForm& a, const PublishedForm& b) {
    return a.id != b.id ? a.id < b.id : a.version < b.version;
  });
  return out;
}

Result<PublishOutcome> PublishFormVersion(Storage& storage, ServerClock& clock,
                                          const forms::Form& form) {
  auto outcome = TryPublish(storage, clock, form);
  for (int attempt = 1; !outcome.ok() && outcome.status().code() == StatusCode::kUnavailable &&
                        attempt < kPublishAttempts;
       ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
    outcome = TryPublish(storage, clock, form);
  }
  return outcome;
}

Status PublishNewFormVersion(Storage& storage, ServerClock& clock, const forms::Form& form) {
  auto published = ListPublishedForms(storage);
  if (!published.ok()) return published.status();
  int64_t newest = 0;
  for (const PublishedForm& p : *published) {
    if (p.id == form.id) newest = std::max(newest, p.version);
  }
  const std::string name = "form " + form.id + " version " + std::to_string(form.version);
  if (form.version <= newest) {
    return FailedPrecondition(name + " is not newer than the published version " +
                              std::to_string(newest) +
                              ": a published version never changes; publish version " +
                              std::to_string(newest + 1) + " instead");
  }
  auto outcome = PublishFormVersion(storage, clock, form);
  if (!outcome.ok()) return outcome.status();
  if (*outcome == PublishOutcome::kAlreadyPublished) {
    return FailedPrecondition(name + " was published meanwhile; publish a newer version");
  }
  return Status::Ok();
}

Result<bool> PublishDefaultForm(Storage& storage, ServerClock& clock) {
  auto form = DefaultForm();
  if (!form.ok()) return form.status();
  auto outcome = PublishFormVersion(storage, clock, *form);
  if (!outcome.ok()) return outcome.status();
  return *outcome == PublishOutcome::kPublished;
}

}  // namespace homevisit::server
