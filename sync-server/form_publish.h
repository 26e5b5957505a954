// Publishing forms (DESIGN.md "Forms"). A form version is a record of type "form" in the
// global scope (core/scope.h kGlobalScope) with the id FormRecordId(form id, version) and the
// fields of core/forms/form_record.h. Only the server writes these records (the merger
// refuses a device's write to one); every Pull includes the global scope, so every device
// receives every published version.
//
// A published version never changes. Publishing an (id, version) that exists writes
// nothing; since the record id depends on (id, version) alone, two server instances
// publishing the default form at once lock the same record, and the second one finds the
// first one's commit instead of writing a second copy.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/forms/form.h"
#include "core/status.h"
#include "sync-server/server_clock.h"
#include "sync-server/storage/storage.h"

namespace homevisit::server {

// forms/home_visit.v1.json as it was at build time (sync-server/forms.cmake).
std::string_view DefaultFormDefinition();
// The default form, parsed (Internal if the compiled-in definition does not parse).
Result<forms::Form> DefaultForm();

struct PublishedForm {
  Uuid record_id;
  std::string id;
  int64_t version = 0;
  forms::LocalizedText title;
  int64_t published_ms = 0;  // when the server wrote it
};

// Every published form version, by form id and then version. A form record that does not
// hold a valid form (which the server never writes) is skipped.
Result<std::vector<PublishedForm>> ListPublishedForms(Storage& storage);

enum class PublishOutcome { kPublished, kAlreadyPublished };

// Writes the record of `form` (from the parser) in one transaction, unless that version
// exists: then nothing is written and the outcome says so.
Result<PublishOutcome> PublishFormVersion(Storage& storage, ServerClock& clock,
                                          const forms::Form& form);

// The operator's publish: refuses with FailedPrecondition (changing nothing) a version that
// is not greater than the newest published version of the same form id.
Status PublishNewFormVersion(Storage& storage, ServerClock& clock, const forms::Form& form);

// Publishes the default form unless that version exists (at every `serve` start and by
// demo-seed). True when this call published it.
Result<bool> PublishDefaultForm(Storage& storage, ServerClock& clock);

}  // namespace homevisit::server
