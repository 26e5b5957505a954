#include "core/forms/form_record.h"

#include <gtest/gtest.h>

#include "forms_test_util.h"

namespace homevisit::forms {
namespace {

using testing::LoadHomeVisitForm;

TEST(FormRecord, DefinitionRoundTripsThroughRecordFields) {
  const Form form = LoadHomeVisitForm();
  const auto fields = FormToRecordFields(form);
  EXPECT_EQ(fields.at(kFormIdField), Value("home_visit"));
  EXPECT_EQ(fields.at(kFormVersionField), Value(int64_t{1}));
  EXPECT_EQ(fields.at(kFormTitleZhField), Value("家访记录"));
  Result<Form> back = FormFromRecordFields(fields);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->id, form.id);
  EXPECT_EQ(back->version, form.version);
  EXPECT_EQ(back->title, form.title);
  EXPECT_EQ(back->definition, form.definition);
  ASSERT_EQ(back->fields.size(), form.fields.size());
  for (size_t i = 0; i < form.fields.size(); ++i) {
    EXPECT_EQ(back->fields[i].name, form.fields[i].name);
    EXPECT_EQ(back->fields[i].path, form.fields[i].path);
  }
  EXPECT_LT(form.definition.size(), testing::ReadFile(testing::HomeVisitFormPath()).size())
      << "stored compact";
}

TEST(FormRecord, RecordIdIsDerivedFromIdAndVersion) {
  EXPECT_EQ(FormRecordId("home_visit", 1), FormRecordId("home_visit", 1));
  EXPECT_NE(FormRecordId("home_visit", 1), FormRecordId("home_visit", 2));
  EXPECT_NE(FormRecordId("home_visit", 1), FormRecordId("home_visit2", 1));
}

TEST(FormRecord, FieldsThatDisagreeWithTheDefinitionAreRefused) {
  const Form form = LoadHomeVisitForm();
  auto fields = FormToRecordFields(form);
  fields[kFormVersionField] = Value(int64_t{2});
  EXPECT_EQ(FormFromRecordFields(fields).status().message(),
            "form record field version does not match the definition");
  fields = FormToRecordFields(form);
  fields.erase(kFormIdField);
  EXPECT_EQ(FormFromRecordFields(fields).status().message(),
            "form record field form_id does not match the definition");
  fields = FormToRecordFields(form);
  fields[kFormDefinitionField] = Value(int64_t{7});
  EXPECT_EQ(FormFromRecordFields(fields).status().message(),
            "form record has no text field definition");
}

TEST(FormRecord, BrokenDefinitionNamesThePath) {
  auto fields = FormToRecordFields(LoadHomeVisitForm());
  std::string text = *fields.at(kFormDefinitionField).get_if<std::string>();
  const std::string from = "\"type\":\"integer\"";
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), "\"type\":\"integr\"");
  fields[kFormDefinitionField] = Value(text);
  EXPECT_EQ(FormFromRecordFields(fields).status().message(),
            "form record definition: fields[1].children[2].type: unknown type 'integr'");
}

TEST(FormRecord, FromRecordChecksTheType) {
  Record r;
  r.type = "visit";
  EXPECT_EQ(FormFromRecord(r).status().message(), "record of type 'visit' is not a form");
  r.type = kFormRecordType;
  for (auto& [name, value] : FormToRecordFields(LoadHomeVisitForm())) {
    r.fields[name] = FieldVersion{value, Stamp{}};
  }
  EXPECT_TRUE(FormFromRecord(r).ok());
}

TEST(FormRecord, AnswersFromAVisitRecordAreTheFormsQuestionsOnly) {
  const Form form = LoadHomeVisitForm();
  Record visit;
  visit.type = "visit";
  visit.fields["status"] = FieldVersion{Value("submitted"), Stamp{}};
  visit.fields[kVisitFormIdField] = FieldVersion{Value("home_visit"), Stamp{}};
  visit.fields["housing"] = FieldVersion{Value("dangerous"), Stamp{}};
  visit.fields["members"] = FieldVersion{Value(Rows{}), Stamp{}};
  const Answers answers = AnswersFromRecord(form, visit);
  EXPECT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers.at("housing"), Value("dangerous"));
  EXPECT_EQ(answers.count("status"), 0u);
}

}  // namespace
}  // namespace homevisit::forms
