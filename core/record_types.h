// The record types HomeVisit knows and the conventions of their built-in fields. The server
// validates every pushed write against this table; the app writes records that follow it.
//
// Every record is (id, type, scope, fields). The scope of a student, household, visit,
// review and grant is the school that owns it ("county/township/school"); a form lives in
// the global scope (kGlobalScope, core/scope.h) that every user reads. A field named here must hold a value of the listed type,
// or Null (an explicit "cleared"). Fields not named here are free: for a visit they are the
// answers to its form's questions (checked against the form elsewhere); for other types they
// are extensions, any valid value. `_deleted` (boolean) exists on every type.
//
//  student    name text · gender text ("男" | "女") · birth_date date · id_number text
//             (身份证号, sensitive: never logged or printed) · student_no text (学籍号) ·
//             grade integer (1–9) · class_name text ("三年级2班") · household_id text (uuid of
//             the household) · village text (村) · hamlet text (组) · boarding boolean ·
//             left_behind boolean
//  household  head_name text · village text · hamlet text · id_number text (of the head,
//             sensitive) · categories list (special categories, e.g. "脱贫不稳定户",
//             "最低生活保障家庭") · phone text · address text · member_count integer
//  visit      student_id text (uuid) · household_id text (uuid) · form_id text ·
//             form_version integer · status text (review state, see core/review.h) ·
//             author text (login name of the teacher) · visit_date date · location geopoint ·
//             recommended_tier text · — review bookkeeping, coordinators only: tier text
//             (认定等级) · review_comment text · reviewed_by text · reviewed_at integer (ms)
//             · every other field is a survey answer
//  review     visit_id text (uuid) · decision text ("approve" | "return" | "reject") ·
//             comment text · tier text · reviewer text · decided_at integer (ms)
//  grant      student_id text (uuid) · programme text · amount decimal (yuan) · term text ·
//             paid_date date
//  notice     title text · starts date · ends date · student_ids list
//  form       form_id text · version integer · title_zh text · title_en text · definition
//             text (JSON; see core/forms/form_record.h)
//  conflict   written by the server only (core/merge.h MakeConflictRecord): record_id,
//             record_type, field, loser, loser_stamp, loser_node, winner, winner_stamp,
//             status ("open" | "resolved"); a coordinator resolves one by writing status,
//             resolution text and resolved_by text.
//
// Who may write what (and only within the user's scopes):
//   teacher      student, household, visit (not its review bookkeeping)
//   coordinator  everything a teacher may, plus review, grant, notice, and resolving conflicts
//   admin        everything
//   nobody       form (the server publishes forms: `homevisit-server form publish`)
#pragma once

#include <string_view>

#include "core/review.h"
#include "core/status.h"
#include "core/value.h"

namespace homevisit::record_types {

inline constexpr char kStudent[] = "student";
inline constexpr char kHousehold[] = "household";
inline constexpr char kVisit[] = "visit";
inline constexpr char kReview[] = "review";
inline constexpr char kGrant[] = "grant";
inline constexpr char kNotice[] = "notice";
inline constexpr char kForm[] = "form";
inline constexpr char kConflict[] = "conflict";

// Field names longer than this are refused.
inline constexpr size_t kMaxFieldNameBytes = 64;

bool IsKnownRecordType(std::string_view type);

// The declared type of a built-in field; false for a free field.
bool BuiltinFieldType(std::string_view type, std::string_view field, ValueType* out);

// Ok if `value` may be stored in `field` of a record of `type`: a valid field name, the
// declared type (or Null) for a built-in field, a syntactically valid decimal, and for a
// visit's status a known status. InvalidArgument naming the field otherwise (never the value).
Status CheckFieldValue(std::string_view type, std::string_view field, const Value& value);

// What CheckFieldValue needs to know of (type, field) besides the value, found once: a
// server merging thousands of writes to the same few names looks each name up once per
// batch, not once per write.
struct FieldRule {
  bool valid_name = false;
  bool declared = false;       // a built-in field, of `declared_type`
  ValueType declared_type{};
  bool visit_status = false;   // a visit's status: a known review status
};
FieldRule RuleOf(std::string_view type, std::string_view field);
// CheckFieldValue(type, field, value) is CheckFieldValue(RuleOf(type, field), ...).
Status CheckFieldValue(const FieldRule& rule, std::string_view type, std::string_view field,
                       const Value& value);

// Ok if a user of `role` may write `field` of a record of `type` (scopes are checked
// elsewhere). `record_exists` matters for conflicts, which only the server creates.
// PermissionDenied with the reason otherwise.
Status CheckWriteAllowed(Role role, std::string_view type, std::string_view field,
                         bool record_exists);

// True for "123", "-4.50", "0.5"; false for "", "1e5", "1.", ".5", "+1".
bool IsValidDecimalText(std::string_view text);

}  // namespace homevisit::record_types
