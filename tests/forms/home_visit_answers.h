// Answers to the default form (forms/home_visit.v1.json) that validate, for tests that need
// a complete visit: a family of four visited in March 2025, the father working away,
// nobody left behind. Attachment references are made up (no blob behind them).
#pragma once

#include <map>
#include <string>

#include "core/value.h"

namespace homevisit::forms::testing {

inline std::map<std::string, Value> CompleteHomeVisitAnswers() {
  auto member = [](const char* name, const char* relation, int64_t age, const char* occupation,
                   const char* health, const char* disability, const char* income) {
    Row r;
    r.Set("member_name", name).Set("relation", relation).Set("age", age);
    r.Set("occupation", occupation).Set("health", health).Set("disability", disability);
    r.Set("annual_income", Decimal{income});
    return r;
  };
  Rows members;
  members.rows.push_back(member("王建国", "father", 42, "migrant_work", "healthy", "none", "30000"));
  members.rows.push_back(member("刘秀英", "mother", 38, "farming", "chronic", "none", "6000"));
  members.rows.push_back(member("王小雨", "self", 11, "student", "healthy", "none", "0"));
  members.rows.push_back(
      member("张桂芝", "grandmother", 70, "unemployed", "elderly_frail", "grade3", "1200"));
  return {
      {"visit_date", Date{DaysFromCivil(2025, 3, 14)}},
      {"visitors", Value("张老师、李老师")},
      {"gps", GeoPoint{26.583, 106.714, 8}},
      {"met_with", StringList{"mother", "grandparent", "student"}},
      {"members", members},
      {"housing", Value("earth_wood")},
      {"land_mu", Decimal{"3.5"}},
      {"livestock", StringList{"pigs", "poultry"}},
      {"vehicles", StringList{"motorcycle"}},
      {"distance_km", Decimal{"4.2"}},
      {"way_to_school", Value("walk")},
      {"boarding", Value("no")},
      {"left_behind", Value("no")},
      {"special_categories", StringList{"none"}},
      {"assessed_tier", Value("generally_difficult")},
      {"assessment_note", Value("父亲外出务工，收入尚可")},
      {"photo_house", BlobRef{std::string(32, 'h')}},
      {"photo_family", BlobRef{std::string(32, 'f')}},
      {"guardian_signature", BlobRef{std::string(32, 's')}},
  };
}

}  // namespace homevisit::forms::testing
