// The default 家访 form (forms/home_visit.v1.json) against realistic visits.
#include <gtest/gtest.h>

#include <set>

#include "core/forms/validate.h"
#include "forms_test_util.h"

namespace homevisit::forms {
namespace {

using testing::Blob;
using testing::D;
using testing::LoadHomeVisitForm;

const Date kToday = D("2025-03-20");

Row Member(const char* name, const char* relation, int age, const char* occupation,
           const char* health, const char* disability, const char* income) {
  Row r;
  r.Set("member_name", name).Set("relation", relation).Set("age", age);
  r.Set("occupation", occupation).Set("health", health).Set("disability", disability);
  r.Set("annual_income", Decimal{income});
  return r;
}

// A family of four visited in March: father works away, grandmother is disabled.
Answers CompleteVisit() {
  Rows members;
  members.rows.push_back(Member("王建国", "father", 42, "migrant_work", "healthy", "none", "30000"));
  members.rows.push_back(Member("刘秀英", "mother", 38, "farming", "chronic", "none", "6000"));
  members.rows.push_back(Member("王小雨", "self", 11, "student", "healthy", "none", "0"));
  members.rows.push_back(Member("张桂芝", "grandmother", 70, "unemployed", "elderly_frail", "grade3", "1200"));
  return {
      {"visit_date", D("2025-03-14")},
      {"visitors", "张老师、李老师"},
      {"gps", GeoPoint{26.583, 106.714, 8}},
      {"met_with", StringList{"mother", "grandparent", "student"}},
      {"members", members},
      {"housing", "earth_wood"},
      {"land_mu", Decimal{"3.5"}},
      {"livestock", StringList{"pigs", "poultry"}},
      {"vehicles", StringList{"motorcycle"}},
      {"distance_km", Decimal{"4.2"}},
      {"way_to_school", "walk"},
      {"boarding", "no"},
      {"left_behind", "no"},
      {"special_categories", StringList{"none"}},
      {"assessed_tier", "generally_difficult"},
      {"assessment_note", "父亲外出务工，收入尚可"},
      {"photo_house", Blob('h')},
      {"photo_family", Blob('f')},
      {"guardian_signature", Blob('s')},
  };
}

std::string Render(const VisitValidation& v) {
  std::string out;
  for (const FieldMessage& m : v.messages) out += m.path + " " + m.rule + " " + m.text.zh + "\n";
  return out;
}

std::vector<std::string> ClearedPaths(const Form& form, const VisitValidation& v) {
  std::vector<std::string> out;
  for (const AnswerRef& r : v.to_clear) out.push_back(AnswerPath(form, r));
  return out;
}

class HomeVisitForm : public ::testing::Test {
 protected:
  VisitValidation Validate(const Answers& answers) { return ValidateVisit(form_, answers, kToday); }
  const Form form_ = LoadHomeVisitForm();
};

TEST_F(HomeVisitForm, CarriesTheSurveyOfTheDomain) {
  EXPECT_EQ(form_.id, "home_visit");
  EXPECT_EQ(form_.version, 1);
  EXPECT_EQ(form_.title.zh, "家访记录");
  for (const char* name :
       {"visit_date", "visitors", "gps", "met_with", "members", "per_capita_income", "housing",
        "land_mu", "livestock", "vehicles", "distance_km", "way_to_school", "boarding",
        "left_behind", "guardian_name", "special_categories", "assessed_tier",
        "unassisted_reason", "photo_house", "photo_family", "guardian_signature"}) {
    EXPECT_NE(form_.FindField(name), nullptr) << name;
  }
  const FormField& members = *form_.FindField("members");
  EXPECT_EQ(members.type, FieldType::kRepeat);
  std::vector<std::string> children;
  for (int c : members.children) children.push_back(form_.fields[c].name);
  EXPECT_EQ(children, (std::vector<std::string>{"member_name", "relation", "age", "occupation",
                                                "health", "disability", "annual_income"}));
  std::set<std::string> categories;
  for (const Choice& c : form_.FindField("special_categories")->choices) categories.insert(c.label.zh);
  for (const char* zh : {"脱贫不稳定户", "边缘易致贫户", "突发严重困难户", "最低生活保障家庭",
                         "特困供养人员", "孤儿", "事实无人抚养儿童", "残疾学生", "残疾人子女",
                         "烈士子女", "单亲", "重大疾病", "自然灾害或意外"}) {
    EXPECT_EQ(categories.count(zh), 1u) << zh;
  }
  std::vector<std::string> tiers, housing;
  for (const Choice& c : form_.FindField("assessed_tier")->choices) tiers.push_back(c.label.zh);
  for (const Choice& c : form_.FindField("housing")->choices) housing.push_back(c.label.zh);
  EXPECT_EQ(tiers, (std::vector<std::string>{"特别困难", "困难", "一般困难", "不困难"}));
  EXPECT_EQ(housing, (std::vector<std::string>{"砖混", "土木", "危房"}));
  EXPECT_EQ(form_.FindField("unassisted_reason")->label.zh, "核实未受助原因");
  EXPECT_EQ(form_.FindField("guardian_signature")->type, FieldType::kSignature);
}

TEST_F(HomeVisitForm, EveryQuestionAndChoiceSpeaksChineseAndEnglish) {
  for (const FormField& f : form_.fields) {
    EXPECT_FALSE(f.label.zh.empty() || f.label.en.empty()) << f.name;
    for (const Choice& c : f.choices) EXPECT_FALSE(c.label.zh.empty() || c.label.en.empty()) << c.code;
  }
}

TEST_F(HomeVisitForm, CompleteVisitIsValidAndIncomePerPersonIsCalculated) {
  const VisitValidation v = Validate(CompleteVisit());
  EXPECT_EQ(Render(v), "");
  EXPECT_TRUE(v.to_clear.empty());
  EXPECT_EQ(v.effective.at("household_size"), Value(4));
  EXPECT_EQ(v.effective.at("household_income"), Value(Decimal{"37200"}));
  EXPECT_EQ(v.effective.at("per_capita_income"), Value(Decimal{"9300"}));
}

TEST_F(HomeVisitForm, PerCapitaIncomeIsRoundedToTheFen) {
  Answers a = CompleteVisit();
  Rows members;
  members.rows.push_back(Member("赵大山", "father", 45, "farming", "healthy", "none", "10000"));
  members.rows.push_back(Member("赵小花", "self", 9, "student", "healthy", "none", "0"));
  members.rows.push_back(Member("赵小草", "sibling", 5, "preschool", "healthy", "none", "0"));
  a["members"] = members;
  EXPECT_EQ(Validate(a).effective.at("per_capita_income"), Value(Decimal{"3333.33"}));
}

TEST_F(HomeVisitForm, MissingRequiredRelevantAnswersAreNamed) {
  Answers a = CompleteVisit();
  a.erase("housing");
  a.erase("guardian_signature");
  Rows members = *a.at("members").get_if<Rows>();
  members.rows[2] = Row().Set("member_name", "王小雨").Set("relation", "self");
  a["members"] = members;
  EXPECT_EQ(Render(Validate(a)),
            "members[2].age required 此项必填\n"
            "members[2].occupation required 此项必填\n"
            "members[2].health required 此项必填\n"
            "members[2].disability required 此项必填\n"
            "members[2].annual_income required 此项必填\n"
            "housing required 此项必填\n"
            "guardian_signature required 此项必填\n");
}

TEST_F(HomeVisitForm, AVisitWithoutHouseholdMembersIsRefused) {
  Answers a = CompleteVisit();
  a["members"] = Rows{};
  const VisitValidation v = Validate(a);
  EXPECT_EQ(Render(v), "members required 此项必填\n");
  EXPECT_EQ(v.effective.count("per_capita_income"), 0u) << "no members: no per-person income";
}

TEST_F(HomeVisitForm, LeftBehindChildNeedsAGuardian) {
  Answers a = CompleteVisit();
  a["left_behind"] = "yes";
  EXPECT_EQ(Render(Validate(a)),
            "guardian_name required 此项必填\n"
            "guardian_relation required 此项必填\n");
  a["guardian_name"] = "张桂芝";
  a["guardian_relation"] = "grandparent";
  EXPECT_EQ(Render(Validate(a)), "");
}

TEST_F(HomeVisitForm, GuardianAnswersAreClearedWhenTheChildIsNotLeftBehind) {
  Answers a = CompleteVisit();
  a["guardian_name"] = "张桂芝";  // typed before the teacher changed left_behind to "no"
  const VisitValidation v = Validate(a);
  EXPECT_EQ(Render(v), "");
  EXPECT_EQ(ClearedPaths(form_, v), (std::vector<std::string>{"guardian_name"}));
  EXPECT_EQ(v.effective.count("guardian_name"), 0u);
}

TEST_F(HomeVisitForm, ReasonIsRequiredWhenADibaoHouseholdIsAssessedNotInDifficulty) {
  Answers a = CompleteVisit();
  a["special_categories"] = StringList{"dibao"};
  a["assessed_tier"] = "not_difficult";
  const VisitValidation v = Validate(a);
  EXPECT_EQ(Render(v), "unassisted_reason required 此项必填\n");
  EXPECT_EQ(v.messages[0].text.en, "This question is required");
  EXPECT_NE(DescribeMessages(v).find("unassisted_reason: 此项必填 (This question is required)"),
            std::string::npos);

  a["unassisted_reason"] = "不够";
  EXPECT_EQ(Render(Validate(a)), "unassisted_reason min 至少填写 5 个字\n");
  a["unassisted_reason"] = "父母均在外务工，家庭年收入已超过当地标准";
  EXPECT_EQ(Render(Validate(a)), "");
}

TEST_F(HomeVisitForm, ReasonIsRequiredForEveryMonitoredCategory) {
  for (const char* category :
       {"unstable_out_of_poverty", "marginal_at_risk", "sudden_hardship", "dibao"}) {
    Answers a = CompleteVisit();
    a["special_categories"] = StringList{"single_parent", category};
    a["assessed_tier"] = "not_difficult";
    EXPECT_EQ(Render(Validate(a)), "unassisted_reason required 此项必填\n") << category;
  }
}

TEST_F(HomeVisitForm, ReasonIsNotAskedOtherwiseAndIsCleared) {
  Answers difficult = CompleteVisit();
  difficult["special_categories"] = StringList{"dibao"};
  difficult["assessed_tier"] = "difficult";
  difficult["unassisted_reason"] = "这条不需要填写";
  VisitValidation v = Validate(difficult);
  EXPECT_EQ(Render(v), "");
  EXPECT_EQ(ClearedPaths(form_, v), (std::vector<std::string>{"unassisted_reason"}));

  Answers not_monitored = CompleteVisit();
  not_monitored["special_categories"] = StringList{"orphan"};
  not_monitored["assessed_tier"] = "not_difficult";
  EXPECT_EQ(Render(Validate(not_monitored)), "");
}

TEST_F(HomeVisitForm, NoneOfTheseCannotBeCombinedWithACategory) {
  Answers a = CompleteVisit();
  a["special_categories"] = StringList{"none", "dibao"};
  const VisitValidation v = Validate(a);
  EXPECT_EQ(Render(v), "special_categories constraint 选了“以上都不是”就不能再选其他类别\n");
  EXPECT_EQ(v.messages[0].text.en, "'None of these' cannot be combined with a category");
  a["special_categories"] = StringList{};
  EXPECT_EQ(Render(Validate(a)), "special_categories required 此项必填\n");
  a["livestock"] = StringList{"none", "pigs"};
  a["special_categories"] = StringList{"none"};
  EXPECT_EQ(Render(Validate(a)), "livestock constraint 选了“无”就不能再选其他项\n");
}

TEST_F(HomeVisitForm, VisitDateCannotBeInTheFuture) {
  Answers a = CompleteVisit();
  a["visit_date"] = D("2025-03-21");
  const VisitValidation v = Validate(a);
  EXPECT_EQ(Render(v), "visit_date constraint 家访日期不能晚于今天\n");
  EXPECT_EQ(v.messages[0].text.en, "The visit date cannot be in the future");
  a["visit_date"] = kToday;
  EXPECT_EQ(Render(Validate(a)), "");
}

TEST_F(HomeVisitForm, ImplausibleNumbersAreRefusedWithTheBound) {
  Answers a = CompleteVisit();
  Rows members = *a.at("members").get_if<Rows>();
  members.rows[0].Set("age", 130);
  members.rows[1].Set("annual_income", Decimal{"-100"});
  a["members"] = members;
  a["distance_km"] = Decimal{"500"};
  EXPECT_EQ(Render(Validate(a)),
            "members[0].age max 不能大于 120\n"
            "members[1].annual_income min 不能小于 0\n"
            "distance_km max 不能大于 300\n");
}

TEST_F(HomeVisitForm, SomeoneElseMetMustBeNamed) {
  Answers a = CompleteVisit();
  a["met_with"] = StringList{"other"};
  EXPECT_EQ(Render(Validate(a)), "met_with_other required 此项必填\n");
  a["met_with_other"] = "村干部";
  EXPECT_EQ(Render(Validate(a)), "");
}

TEST_F(HomeVisitForm, GpsIsOptionalButMustBeARealPoint) {
  Answers a = CompleteVisit();
  a.erase("gps");
  EXPECT_EQ(Render(Validate(a)), "") << "no fix in a deep valley: the visit still counts";
  a["gps"] = GeoPoint{26.5, 200, 5};
  EXPECT_EQ(Render(Validate(a)), "gps invalid 位置坐标无效\n");
}

}  // namespace
}  // namespace homevisit::forms
