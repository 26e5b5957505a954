// The form renderer's model over a real form definition: relevance, calculations, messages,
// repeat rows and the submit check, each change checked by QAbstractItemModelTester.
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <gtest/gtest.h>

#include "app/ui/form_model.h"

namespace homevisit::ui {
namespace {

constexpr char kForm[] = R"json({
  "id": "test_visit", "version": 3, "title": {"zh": "测试家访", "en": "Test visit"},
  "fields": [
    {"name": "met", "type": "select_one", "required": true,
     "label": {"zh": "见到家长了吗", "en": "Met a parent?"},
     "choices": [{"code": "yes", "label": {"zh": "是", "en": "Yes"}},
                 {"code": "no", "label": {"zh": "否", "en": "No"}}]},
    {"name": "why_not", "type": "text", "required": true, "relevant": "${met} = 'no'",
     "label": {"zh": "没见到的原因", "en": "Why not"}},
    {"name": "land", "type": "decimal", "required": true,
     "label": {"zh": "耕地（亩）", "en": "Land (mu)"},
     "constraint": ". <= 100",
     "constraint_message": {"zh": "耕地不能超过 100 亩", "en": "At most 100 mu"}},
    {"name": "members", "type": "repeat", "label": {"zh": "家庭成员", "en": "Members"},
     "children": [
       {"name": "member_name", "type": "text", "required": true, "label": {"zh": "姓名", "en": "Name"}},
       {"name": "income", "type": "decimal", "label": {"zh": "年收入", "en": "Income"}}]},
    {"name": "total_income", "type": "decimal", "calculate": "sum(${members/income})",
     "label": {"zh": "家庭年收入", "en": "Household income"}}
  ]})json";

struct Saved {
  int calls = 0;
  VisitSave last;
};

class FormModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(model.loadDefinition(QString::fromUtf8(kForm))) << model.message().toStdString();
    model.setSaver([this](const VisitSave& v) -> Result<QString> {
      ++saved.calls;
      saved.last = v;
      return QStringLiteral("0190f1a2-0000-7000-8000-000000000001");
    });
  }
  QString Role(const QString& key, int role) {
    const int i = model.indexOfKey(key);
    return i < 0 ? QStringLiteral("<no item>") : model.data(model.index(i), role).toString();
  }

  FormModel model;
  QAbstractItemModelTester tester{&model, QAbstractItemModelTester::FailureReportingMode::Fatal};
  Saved saved;
};

TEST_F(FormModelTest, RelevanceShowsAFollowUpOnlyForTheAnswerThatNeedsIt) {
  EXPECT_FALSE(model.isRelevant("why_not"));
  ASSERT_TRUE(model.setText("met", "no"));
  EXPECT_TRUE(model.isRelevant("why_not"));
  ASSERT_TRUE(model.setText("met", "yes"));
  EXPECT_FALSE(model.isRelevant("why_not"));
}

TEST_F(FormModelTest, AConstraintShowsItsMessageAsSoonAsTheAnswerBreaksIt) {
  ASSERT_TRUE(model.setText("land", "120"));
  EXPECT_EQ(model.errorAt("land"), QString::fromUtf8("耕地不能超过 100 亩"));
  model.setEnglish(true);
  EXPECT_EQ(model.errorAt("land"), "At most 100 mu");
  ASSERT_TRUE(model.setText("land", "80.5"));
  EXPECT_EQ(model.errorAt("land"), "");
}

TEST_F(FormModelTest, TextThatIsNotANumberIsKeptAndExplained) {
  ASSERT_TRUE(model.setText("land", "12亩"));
  EXPECT_EQ(Role("land", FormModel::TextRole), QString::fromUtf8("12亩"));
  EXPECT_FALSE(model.errorAt("land").isEmpty());
  EXPECT_EQ(model.answers().count("land"), 0u);
}

TEST_F(FormModelTest, RequiredAnswersBlockSubmitAndAreShownOnlyAfterTrying) {
  EXPECT_EQ(model.errorAt("met"), "");  // a fresh form is not all red
  EXPECT_FALSE(model.submit());
  EXPECT_EQ(saved.calls, 0);
  EXPECT_FALSE(model.errorAt("met").isEmpty());
  EXPECT_GE(model.errorCount(), 2);
  EXPECT_EQ(model.firstErrorIndex(), model.indexOfKey("met"));
}

TEST_F(FormModelTest, RepeatRowsFeedTheCalculatedTotal) {
  ASSERT_TRUE(model.addRow("members"));
  ASSERT_TRUE(model.addRow("members"));
  EXPECT_EQ(Role("members", FormModel::RowCountRole), "2");
  ASSERT_TRUE(model.setText("members#0/income", "6000"));
  ASSERT_TRUE(model.setText("members#1/income", "1500.5"));
  EXPECT_EQ(Role("total_income", FormModel::TextRole), "7500.5");
  EXPECT_EQ(model.data(model.index(model.indexOfKey("total_income")), FormModel::ReadOnlyRole).toBool(), true);
  ASSERT_TRUE(model.removeRow("members", 0));
  EXPECT_EQ(Role("total_income", FormModel::TextRole), "1500.5");
  EXPECT_EQ(model.indexOfKey("members#1"), -1);
}

TEST_F(FormModelTest, SubmitSavesOnlyRelevantAnswersWithTheFormVersion) {
  ASSERT_TRUE(model.setText("met", "no"));
  ASSERT_TRUE(model.setText("why_not", "外出务工"));
  ASSERT_TRUE(model.setText("met", "yes"));  // why_not is no longer relevant
  ASSERT_TRUE(model.setText("land", "3"));
  ASSERT_TRUE(model.saveDraft());
  EXPECT_EQ(saved.last.status, "draft");
  EXPECT_EQ(saved.last.answers.count("why_not"), 1u);  // a draft keeps it
  ASSERT_TRUE(model.submit()) << model.message().toStdString();
  EXPECT_EQ(saved.last.status, "submitted");
  EXPECT_EQ(saved.last.formId, "test_visit");
  EXPECT_EQ(saved.last.formVersion, 3);
  EXPECT_EQ(saved.last.answers.count("why_not"), 0u);
  EXPECT_EQ(saved.last.answers.at("land"), Value(Decimal{"3"}));
  EXPECT_FALSE(model.dirty());
}

TEST_F(FormModelTest, ReadOnlyRefusesEditsAndShowsChoiceLabels) {
  ASSERT_TRUE(model.setText("met", "yes"));
  model.setReadOnly(true);
  EXPECT_FALSE(model.setText("met", "no"));
  EXPECT_FALSE(model.addRow("members"));
  EXPECT_EQ(Role("met", FormModel::TextRole), QString::fromUtf8("是"));
}

TEST(FormModelDefinition, ABadDefinitionIsRefusedWithItsPath) {
  FormModel model;
  EXPECT_FALSE(model.loadDefinition(R"({"id": "x", "version": 1, "title": {"zh": "x", "en": "x"},
    "fields": [{"name": "a", "type": "colour", "label": {"zh": "a"}}]})"));
  EXPECT_TRUE(model.message().contains("fields[0]")) << model.message().toStdString();
  EXPECT_EQ(model.rowCount(), 0);
}

}  // namespace
}  // namespace homevisit::ui
