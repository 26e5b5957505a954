#include "core/forms/validate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "forms_test_util.h"

namespace homevisit::forms {
namespace {

using testing::Blob;
using testing::D;
using testing::MustParse;

// One question per rule.
const char* kRulesForm = R"json({
  "id": "rules", "version": 1, "title": {"zh": "规则", "en": "Rules"},
  "fields": [
    {"name": "name", "type": "text", "label": {"zh": "姓名", "en": "Name"}, "required": true,
     "min": 2, "max": 4},
    {"name": "phone", "type": "text", "label": {"zh": "电话", "en": "Phone"},
     "regex": "^1[0-9]{10}$", "regex_message": {"zh": "请填写11位手机号", "en": "Enter an 11-digit mobile number"}},
    {"name": "code", "type": "text", "label": {"zh": "编码", "en": "Code"}, "regex": "^[A-Z]+$"},
    {"name": "age", "type": "integer", "label": {"zh": "年龄", "en": "Age"}, "min": 0, "max": 120},
    {"name": "income", "type": "decimal", "label": {"zh": "收入", "en": "Income"}, "min": 0,
     "constraint": ". < 1000000", "constraint_message": {"zh": "收入过高，请核实", "en": "Income too high, please check"}},
    {"name": "score", "type": "integer", "label": {"zh": "分数", "en": "Score"}, "constraint": ". mod 2 = 0"},
    {"name": "when", "type": "date", "label": {"zh": "日期", "en": "Date"}},
    {"name": "pick", "type": "select_one", "label": {"zh": "单选", "en": "Pick"},
     "choices": [{"code": "x", "label": {"zh": "X", "en": "X"}}, {"code": "y", "label": {"zh": "Y", "en": "Y"}}]},
    {"name": "many", "type": "select_multiple", "label": {"zh": "多选", "en": "Many"}, "max": 2,
     "choices": [{"code": "x", "label": {"zh": "X", "en": "X"}}, {"code": "y", "label": {"zh": "Y", "en": "Y"}},
                 {"code": "z", "label": {"zh": "Z", "en": "Z"}}]},
    {"name": "where", "type": "geopoint", "label": {"zh": "位置", "en": "Where"}},
    {"name": "photo", "type": "photo", "label": {"zh": "照片", "en": "Photo"}},
    {"name": "rows", "type": "repeat", "label": {"zh": "行", "en": "Rows"}, "max": 2, "children": [
      {"name": "cell", "type": "integer", "label": {"zh": "格", "en": "Cell"}, "required": true,
       "constraint": ". <= ${age}"}]}
  ]})json";

const Date kToday = D("2025-06-01");

// The messages of a validation rendered as "path rule zh|en" lines, to compare at once.
std::string Render(const VisitValidation& v) {
  std::string out;
  for (const FieldMessage& m : v.messages) {
    out += m.path + " " + m.rule + " " + m.text.zh + "|" + m.text.en + "\n";
  }
  return out;
}

std::string Check(const Answers& answers) {
  static const Form form = MustParse(kRulesForm);
  return Render(ValidateVisit(form, answers, kToday));
}

TEST(ValidateVisit, ValidAnswersGiveNoMessages) {
  Rows rows;
  rows.rows.push_back(Row().Set("cell", 3));
  EXPECT_EQ(Check({{"name", "李小梅"},
                   {"phone", "13800138000"},
                   {"age", 30},
                   {"income", Decimal{"2500.50"}},
                   {"score", 4},
                   {"when", D("2025-01-01")},
                   {"pick", "x"},
                   {"many", StringList{"x", "z"}},
                   {"where", GeoPoint{26.5, 106.7, 12}},
                   {"photo", Blob('a')},
                   {"rows", rows}}),
            "");
}

TEST(ValidateVisit, RequiredTextThatIsOnlySpacesIsMissing) {
  EXPECT_EQ(Check({}), "name required 此项必填|This question is required\n");
  EXPECT_EQ(Check({{"name", "   "}}), "name required 此项必填|This question is required\n");
  EXPECT_EQ(Check({{"name", Value()}}), "name required 此项必填|This question is required\n");
}

TEST(ValidateVisit, WrongTypesAreNamed) {
  EXPECT_EQ(Check({{"name", "王五"}, {"age", "thirty"}, {"when", "2025-01-01"}, {"photo", "p.jpg"}}),
            "age type 答案类型不对，应为整数|Wrong kind of answer: expected a whole number\n"
            "when type 答案类型不对，应为日期|Wrong kind of answer: expected a date\n"
            "photo type 答案类型不对，应为照片|Wrong kind of answer: expected a photo\n");
  EXPECT_EQ(Check({{"name", "王五"}, {"income", Decimal{"1e5"}}}),
            "income type 答案类型不对，应为数字|Wrong kind of answer: expected a number\n");
  EXPECT_EQ(Check({{"name", "王五"}, {"income", 2500}}), "") << "a whole number is a decimal";
}

TEST(ValidateVisit, RangesUseTheWordsOfTheType) {
  EXPECT_EQ(Check({{"name", "王"}}), "name min 至少填写 2 个字|Enter at least 2 characters\n");
  EXPECT_EQ(Check({{"name", "欧阳小明同学"}}), "name max 最多填写 4 个字|Enter at most 4 characters\n");
  EXPECT_EQ(Check({{"name", "王五"}, {"age", 130}}), "age max 不能大于 120|Must be at most 120\n");
  EXPECT_EQ(Check({{"name", "王五"}, {"age", -1}}), "age min 不能小于 0|Must be at least 0\n");
  EXPECT_EQ(Check({{"name", "王五"}, {"income", Decimal{"-0.5"}}}),
            "income min 不能小于 0|Must be at least 0\n");
  EXPECT_EQ(Check({{"name", "王五"}, {"many", StringList{"x", "y", "z"}}}),
            "many max 最多选择 2 项|Select at most 2\n");
}

TEST(ValidateVisit, ChoicesMustBeKnownAndNotRepeated) {
  EXPECT_EQ(Check({{"name", "王五"}, {"pick", "w"}}), "pick choice 不是可选的选项|Not one of the choices\n");
  EXPECT_EQ(Check({{"name", "王五"}, {"many", StringList{"x", "q"}}}),
            "many choice 不是可选的选项|Not one of the choices\n");
  EXPECT_EQ(Check({{"name", "王五"}, {"many", StringList{"x", "x"}}}),
            "many choice 同一选项选了两次|The same choice is selected twice\n");
}

TEST(ValidateVisit, RegexUsesItsMessageAndRefusesHugeInput) {
  EXPECT_EQ(Check({{"name", "王五"}, {"phone", "12345"}}),
            "phone regex 请填写11位手机号|Enter an 11-digit mobile number\n");
  EXPECT_EQ(Check({{"name", "王五"}, {"code", "abc"}}), "code regex 格式不正确|The format is not right\n");
  EXPECT_EQ(Check({{"name", "王五"}, {"code", std::string(5000, 'A')}}), "code regex 内容太长|Too long\n");
}

// A backtracking matcher needs about 2^40 steps here; the server must answer at once.
TEST(ValidateVisit, CatastrophicRegexDoesNotHangValidation) {
  const Form form = MustParse(R"json({"id": "r", "version": 1, "title": {"zh": "正则", "en": "Regex"},
    "fields": [{"name": "t", "type": "text", "label": {"zh": "文", "en": "T"}, "regex": "^(a|a)*$"}]})json");
  const VisitValidation v = ValidateVisit(form, {{"t", std::string(40, 'a') + "b"}}, kToday);
  ASSERT_EQ(v.messages.size(), 1u);
  EXPECT_EQ(v.messages[0].rule, "regex");
  EXPECT_TRUE(ValidateVisit(form, {{"t", std::string(900, 'a')}}, kToday).ok());
}

TEST(ValidateVisit, ConstraintsGiveTheirMessageAndSkipBlankAnswers) {
  EXPECT_EQ(Check({{"name", "王五"}, {"income", Decimal{"2000000"}}}),
            "income constraint 收入过高，请核实|Income too high, please check\n");
  EXPECT_EQ(Check({{"name", "王五"}, {"score", 3}}),
            "score constraint 答案不符合要求|The answer does not meet this question's condition\n");
  EXPECT_EQ(Check({{"name", "王五"}, {"income", Decimal{""}}}), "") << "blank: constraint not run";
}

TEST(ValidateVisit, RepeatRowsAreCheckedCellByCell) {
  Rows rows;
  rows.rows.push_back(Row().Set("cell", 50));
  rows.rows.push_back(Row());
  EXPECT_EQ(Check({{"name", "王五"}, {"age", 40}, {"rows", rows}}),
            "rows[0].cell constraint 答案不符合要求|The answer does not meet this question's condition\n"
            "rows[1].cell required 此项必填|This question is required\n");
  rows.rows.push_back(Row().Set("cell", 1));
  const std::string three = Check({{"name", "王五"}, {"age", 40}, {"rows", rows}});
  EXPECT_EQ(three.substr(0, three.find('\n') + 1), "rows max 最多添加 2 条|Add at most 2 entries\n");
  Rows stray;
  stray.rows.push_back(Row().Set("cell", 1).Set("nickname", "x"));
  EXPECT_EQ(Check({{"name", "王五"}, {"age", 40}, {"rows", stray}}),
            "rows invalid 含有表单中没有的项目|Holds an entry that is not in the form\n");
}

TEST(ValidateVisit, LocationsAndAttachmentsMustBeReal) {
  EXPECT_EQ(Check({{"name", "王五"}, {"where", GeoPoint{95, 10, 0}}}),
            "where invalid 位置坐标无效|Not a valid location\n");
  EXPECT_EQ(Check({{"name", "王五"}, {"where", GeoPoint{10, 10, std::nan("")}}}),
            "where invalid 位置坐标无效|Not a valid location\n");
  EXPECT_EQ(Check({{"name", "王五"}, {"photo", BlobRef{"short"}}}),
            "photo invalid 附件引用无效|Not a valid attachment reference\n");
}

TEST(ValidateVisit, AnswersOutsideTheFormAreIgnored) {
  // A visit record also holds built-in fields (status, household, ...); they are not questions.
  EXPECT_EQ(Check({{"name", "王五"}, {"household_id", "abc"}}), "");
}

TEST(CheckAnswer, ChecksOneQuestionForTheRenderer) {
  const Form form = MustParse(kRulesForm);
  const FormState state = FormState::Compute(form, {{"age", 200}}, kToday);
  auto m = CheckAnswer(state, {form.Find("age"), -1});
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->rule, "max");
  EXPECT_EQ(m->text.in(Language::kEn), "Must be at most 120");
  EXPECT_FALSE(CheckAnswer(state, {form.Find("phone"), -1}).has_value());
  EXPECT_FALSE(CheckAnswer(state, {9999, -1}).has_value());
}

TEST(DescribeMessages, OneLineForARejectionReason) {
  const Form form = MustParse(kRulesForm);
  const VisitValidation v = ValidateVisit(form, {{"age", 130}}, kToday);
  EXPECT_EQ(DescribeMessages(v),
            "name: 此项必填 (This question is required); age: 不能大于 120 (Must be at most 120)");
  EXPECT_EQ(DescribeMessages(v, 1), "name: 此项必填 (This question is required); … and 1 more");
}

}  // namespace
}  // namespace homevisit::forms
