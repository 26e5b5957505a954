#include "core/forms/form_state.h"

#include <gtest/gtest.h>

#include <cmath>

#include "forms_test_util.h"

namespace homevisit::forms {
namespace {

using testing::D;
using testing::MustParse;

// Relevance chain a → b → c, a group hiding its children, a repeat with a per-row rule,
// and calculations that read each other.
const char* kChainForm = R"json({
  "id": "chain", "version": 1, "title": {"zh": "链", "en": "Chain"},
  "fields": [
    {"name": "a", "type": "select_one", "label": {"zh": "甲", "en": "A"},
     "choices": [{"code": "yes", "label": {"zh": "是", "en": "Yes"}},
                 {"code": "no", "label": {"zh": "否", "en": "No"}}]},
    {"name": "b", "type": "integer", "label": {"zh": "乙", "en": "B"}, "relevant": "${a} = 'yes'"},
    {"name": "c", "type": "text", "label": {"zh": "丙", "en": "C"}, "relevant": "${b} > 10"},
    {"name": "g", "type": "group", "label": {"zh": "组", "en": "Group"}, "relevant": "${a} = 'yes'",
     "children": [
       {"name": "in_group", "type": "text", "label": {"zh": "组内", "en": "In group"}},
       {"name": "info", "type": "note", "label": {"zh": "说明", "en": "Info"}}]},
    {"name": "people", "type": "repeat", "label": {"zh": "人", "en": "People"}, "children": [
       {"name": "age", "type": "integer", "label": {"zh": "年龄", "en": "Age"}},
       {"name": "job", "type": "text", "label": {"zh": "工作", "en": "Job"}, "relevant": "${age} >= 16"},
       {"name": "age_next_year", "type": "integer", "label": {"zh": "明年", "en": "Next year"},
        "calculate": "${age} + 1"}]},
    {"name": "mean_age", "type": "decimal", "label": {"zh": "平均", "en": "Mean"},
     "calculate": "round(${age_sum} div count(${people}), 2)"},
    {"name": "age_sum", "type": "integer", "label": {"zh": "合计", "en": "Sum"},
     "calculate": "sum(${people/age})"},
    {"name": "due", "type": "date", "label": {"zh": "到期", "en": "Due"}, "calculate": "today() + 30"}
  ]})json";

Rows People(std::initializer_list<std::pair<int, const char*>> rows) {
  Rows out;
  for (const auto& [age, job] : rows) {
    Row r;
    r.Set("age", age);
    if (job) r.Set("job", job);
    out.rows.push_back(std::move(r));
  }
  return out;
}

TEST(FormState, RelevanceChainCollapsesWhenTheFirstAnswerChanges) {
  const Form form = MustParse(kChainForm);
  const int b = form.Find("b"), c = form.Find("c");
  Answers answers{{"a", "yes"}, {"b", 20}, {"c", "kept"}};
  FormState on = FormState::Compute(form, answers, D("2025-05-01"));
  EXPECT_TRUE(on.IsRelevant(b));
  EXPECT_TRUE(on.IsRelevant(c));
  EXPECT_TRUE(on.to_clear().empty());

  answers["a"] = "no";  // b is no longer asked, so c (which reads b) is not either
  FormState off = FormState::Compute(form, answers, D("2025-05-01"));
  EXPECT_FALSE(off.IsRelevant(b));
  EXPECT_FALSE(off.IsRelevant(c));
  EXPECT_EQ(off.to_clear(), (std::vector<AnswerRef>{{b, -1}, {c, -1}}));
  EXPECT_EQ(off.effective().count("b"), 0u);
  EXPECT_EQ(off.effective().count("c"), 0u);
  EXPECT_EQ(off.ValueOf({b, -1}), nullptr);
}

TEST(FormState, GroupRelevanceHidesItsChildren) {
  const Form form = MustParse(kChainForm);
  FormState state = FormState::Compute(form, {{"a", "no"}, {"in_group", "x"}}, D("2025-05-01"));
  EXPECT_FALSE(state.IsRelevant(form.Find("g")));
  EXPECT_FALSE(state.IsRelevant(form.Find("in_group")));
  EXPECT_FALSE(state.IsRelevant(form.Find("info")));
  ASSERT_EQ(state.to_clear().size(), 1u);
  EXPECT_EQ(AnswerPath(form, state.to_clear()[0]), "in_group");
  FormState shown = FormState::Compute(form, {{"a", "yes"}}, D("2025-05-01"));
  EXPECT_TRUE(shown.IsRelevant(form.Find("info")));
}

TEST(FormState, RepeatChildrenAreRelevantRowByRow) {
  const Form form = MustParse(kChainForm);
  const int job = form.Find("job");
  const Answers answers{{"people", People({{40, "farmer"}, {9, "student?"}, {17, nullptr}})}};
  FormState state = FormState::Compute(form, answers, D("2025-05-01"));
  EXPECT_TRUE(state.IsRelevant(job, 0));
  EXPECT_FALSE(state.IsRelevant(job, 1));
  EXPECT_TRUE(state.IsRelevant(job, 2));
  EXPECT_FALSE(state.IsRelevant(job, 3)) << "no such row";
  EXPECT_EQ(state.to_clear(), (std::vector<AnswerRef>{{job, 1}}));
  EXPECT_EQ(AnswerPath(form, state.to_clear()[0]), "people[1].job");
  EXPECT_EQ(state.ValueOf({job, 1}), nullptr);
  ASSERT_NE(state.ValueOf({job, 0}), nullptr);
  EXPECT_EQ(*state.ValueOf({job, 0}), Value("farmer"));
}

TEST(FormState, CalculationsFollowDependenciesNotDocumentOrder) {
  const Form form = MustParse(kChainForm);
  const Answers answers{{"people", People({{40, nullptr}, {9, nullptr}, {12, nullptr}})}};
  FormState state = FormState::Compute(form, answers, D("2025-05-01"));
  EXPECT_EQ(state.effective().at("age_sum"), Value(61));
  EXPECT_EQ(state.effective().at("mean_age"), Value(Decimal{"20.33"}));
  EXPECT_EQ(state.effective().at("due"), Value(D("2025-05-31")));
  EXPECT_EQ(*state.ValueOf({form.Find("age_next_year"), 1}), Value(10));
}

TEST(FormState, DivisionByZeroInACalculationLeavesTheFieldEmpty) {
  const Form form = MustParse(kChainForm);
  FormState state = FormState::Compute(form, {{"mean_age", Decimal{"5"}}}, D("2025-05-01"));
  EXPECT_EQ(state.effective().at("age_sum"), Value(0));
  EXPECT_EQ(state.effective().count("mean_age"), 0u) << "0 div 0 must not be stored";
}

TEST(FormState, WithCalculationsKeepsAnswersADraftMayNeedAgain) {
  const Form form = MustParse(kChainForm);
  const Answers answers{{"a", "no"}, {"b", 20}, {"people", People({{30, "teacher"}})}};
  FormState state = FormState::Compute(form, answers, D("2025-05-01"));
  const Answers draft = state.WithCalculations(answers);
  EXPECT_EQ(draft.at("b"), Value(20)) << "not relevant, but kept in a draft";
  EXPECT_EQ(draft.at("age_sum"), Value(30));
  const Rows& rows = *draft.at("people").get_if<Rows>();
  EXPECT_EQ(*rows.rows[0].Find("age_next_year"), Value(31));
  EXPECT_EQ(*rows.rows[0].Find("job"), Value("teacher"));
}

TEST(FormState, UnknownFieldsAndRowsAreNotRelevant) {
  const Form form = MustParse(kChainForm);
  FormState state = FormState::Compute(form, {}, D("2025-05-01"));
  EXPECT_FALSE(state.IsRelevant(-1));
  EXPECT_FALSE(state.IsRelevant(1000));
  EXPECT_EQ(state.RowCount(form.Find("people")), 0);
  EXPECT_EQ(state.ValueOf({form.Find("age"), 0}), nullptr);
}

TEST(FormDefaults, NewVisitsAndRowsStartWithTheDefaults) {
  const Form form = MustParse(R"json({"id": "d", "version": 1, "title": {"zh": "默认", "en": "Defaults"},
    "fields": [
      {"name": "kind", "type": "select_one", "label": {"zh": "类", "en": "Kind"}, "default": "b",
       "choices": [{"code": "a", "label": {"zh": "甲", "en": "A"}}, {"code": "b", "label": {"zh": "乙", "en": "B"}}]},
      {"name": "free", "type": "text", "label": {"zh": "文", "en": "Free"}},
      {"name": "rows", "type": "repeat", "label": {"zh": "行", "en": "Rows"}, "children": [
        {"name": "income", "type": "decimal", "label": {"zh": "收入", "en": "Income"}, "default": 0},
        {"name": "when", "type": "date", "label": {"zh": "日", "en": "When"}, "default": "2025-09-01"}]}]})json");
  EXPECT_EQ(form.top_level, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(InitialAnswers(form), (Answers{{"kind", "b"}}));
  const Row row = NewRepeatRow(form, form.Find("rows"));
  EXPECT_EQ(row, Row().Set("income", Decimal{"0"}).Set("when", D("2025-09-01")));
  EXPECT_TRUE(NewRepeatRow(form, -1).cells.empty());
}

TEST(CalculatedValue, ConvertsToTheFieldType) {
  EXPECT_EQ(CalculatedValue(ExprValue(2.5), FieldType::kInteger), Value(3));
  EXPECT_EQ(CalculatedValue(ExprValue(-2.5), FieldType::kInteger), Value(-3));
  EXPECT_EQ(CalculatedValue(ExprValue(1234.5), FieldType::kDecimal), Value(Decimal{"1234.5"}));
  EXPECT_EQ(CalculatedValue(ExprValue(1.0 / 3), FieldType::kDecimal), Value(Decimal{"0.333333"}));
  EXPECT_EQ(CalculatedValue(ExprValue(-0.0000001), FieldType::kDecimal), Value(Decimal{"0"}));
  EXPECT_EQ(CalculatedValue(ExprValue(1e300), FieldType::kDecimal), Value());
  EXPECT_EQ(CalculatedValue(ExprValue(std::nan("")), FieldType::kInteger), Value());
  EXPECT_EQ(CalculatedValue(ExprValue("2025-01-02"), FieldType::kDate), Value(D("2025-01-02")));
  EXPECT_EQ(CalculatedValue(ExprValue(7.0), FieldType::kText), Value("7"));
  EXPECT_EQ(CalculatedValue(ExprValue(""), FieldType::kText), Value());
}

}  // namespace
}  // namespace homevisit::forms
