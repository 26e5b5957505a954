#include "core/forms/form_parser.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <set>
#include <nlohmann/json.hpp>

#include "forms_test_util.h"

namespace homevisit::forms {
namespace {

using Json = nlohmann::json;

Json L(const char* zh, const char* en) { return {{"zh", zh}, {"en", en}}; }

// A small valid form; each bad-form case below breaks one thing in it.
Json BaseForm() {
  return {
      {"id", "mini"},
      {"version", 3},
      {"title", L("小表", "Mini")},
      {"fields",
       {
           {{"name", "consent"}, {"type", "select_one"}, {"label", L("同意", "Consent")},
            {"required", true},
            {"choices", {{{"code", "yes"}, {"label", L("是", "Yes")}},
                         {{"code", "no"}, {"label", L("否", "No")}}}}},
           {{"name", "details"}, {"type", "group"}, {"label", L("详情", "Details")},
            {"relevant", "${consent} = 'yes'"},
            {"children",
             {{{"name", "village"}, {"type", "text"}, {"label", L("村", "Village")},
               {"regex", "^[^0-9]*$"}},
              {{"name", "note1"}, {"type", "note"}, {"label", L("说明", "Note")}}}}},
           {{"name", "members"}, {"type", "repeat"}, {"label", L("成员", "Members")},
            {"min", 1},
            {"children",
             {{{"name", "age"}, {"type", "integer"}, {"label", L("年龄", "Age")}, {"min", 0},
               {"max", 120}},
              {{"name", "income"}, {"type", "decimal"}, {"label", L("收入", "Income")},
               {"relevant", "${age} >= 16"}}}}},
           {{"name", "avg_income"}, {"type", "decimal"}, {"label", L("人均", "Average")},
            {"calculate", "${total} div count(${members})"}},
           {{"name", "total"}, {"type", "decimal"}, {"label", L("合计", "Total")},
            {"calculate", "sum(${members/income})"}},
       }},
  };
}

TEST(FormParser, ParsesAValidFormIntoFlatFieldsInDocumentOrder) {
  Result<Form> form = ParseForm(BaseForm().dump());
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  EXPECT_EQ(form->id, "mini");
  EXPECT_EQ(form->version, 3);
  EXPECT_EQ(form->title.zh, "小表");
  std::vector<std::string> names;
  for (const FormField& f : form->fields) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"consent", "details", "village", "note1", "members",
                                             "age", "income", "avg_income", "total"}));
  const FormField& village = *form->FindField("village");
  EXPECT_EQ(village.path, "fields[1].children[0]");
  EXPECT_EQ(village.parent, form->Find("details"));
  EXPECT_EQ(village.repeat, -1);
  EXPECT_EQ(village.depth, 1);
  EXPECT_EQ(form->FindField("income")->repeat, form->Find("members"));
  EXPECT_EQ(form->FindField("members")->children, (std::vector<int>{5, 6}));
  ASSERT_EQ(form->FindField("consent")->choices.size(), 2u);
  EXPECT_EQ(form->FindField("consent")->choices[1].label.en, "No");
  EXPECT_EQ(*form->FindField("age")->max, 120);
  EXPECT_TRUE(form->FindField("avg_income")->is_calculated());
  EXPECT_EQ(form->Find("nothing"), -1);
}

TEST(FormParser, EvaluationOrderPutsCalculationsAfterWhatTheyRead) {
  Result<Form> form = ParseForm(BaseForm().dump());
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  std::vector<std::string> order;
  for (int i : form->evaluation_order) order.push_back(form->fields[i].name);
  // total (defined last) is computed before avg_income, which reads it.
  EXPECT_EQ(order, (std::vector<std::string>{"consent", "details", "village", "note1", "members",
                                             "age", "income", "total", "avg_income"}));
}

TEST(FormParser, DefinitionIsCanonicalCompactJsonThatParsesAgain) {
  Result<Form> form = ParseForm(BaseForm().dump(4));
  ASSERT_TRUE(form.ok());
  EXPECT_EQ(form->definition.find('\n'), std::string::npos);
  Result<Form> again = ParseForm(form->definition);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->definition, form->definition);
}

struct BadCase {
  const char* what;
  std::function<void(Json&)> edit;
  std::string want;  // the whole error message
};

TEST(FormParser, BadDefinitionsNameThePathOfTheBadElement) {
  const std::vector<BadCase> cases = {
      {"no id", [](Json& j) { j.erase("id"); }, "id: missing"},
      {"id with a space", [](Json& j) { j["id"] = "home visit"; },
       "id: must be letters, digits and '_' (at most 64), starting with a letter"},
      {"version 0", [](Json& j) { j["version"] = 0; }, "version: must be a whole number from 1"},
      {"version 1.5", [](Json& j) { j["version"] = 1.5; }, "version: must be a whole number from 1"},
      {"unknown top key", [](Json& j) { j["titel"] = "x"; }, "titel: unknown key"},
      {"title without en", [](Json& j) { j["title"].erase("en"); }, "title.en: missing"},
      {"title in French", [](Json& j) { j["title"]["fr"] = "x"; }, "title.fr: unknown language"},
      {"no fields", [](Json& j) { j["fields"] = Json::array(); }, "fields: must not be empty"},
      {"field not an object", [](Json& j) { j["fields"][1] = 7; }, "fields[1]: must be an object"},
      {"unknown type", [](Json& j) { j["fields"][0]["type"] = "number"; },
       "fields[0].type: unknown type 'number'"},
      {"choice without code", [](Json& j) { j["fields"][0]["choices"][1].erase("code"); },
       "fields[0].choices[1].code: missing"},
      {"duplicate choice code", [](Json& j) { j["fields"][0]["choices"][1]["code"] = "yes"; },
       "fields[0].choices[1].code: duplicate code 'yes'"},
      {"choice code with space", [](Json& j) { j["fields"][0]["choices"][0]["code"] = "y s"; },
       "fields[0].choices[0].code: must be letters, digits, '_', '-' or '.' (at most 64)"},
      {"choice label empty", [](Json& j) { j["fields"][0]["choices"][0]["label"]["zh"] = ""; },
       "fields[0].choices[0].label.zh: empty"},
      {"select without choices", [](Json& j) { j["fields"][0].erase("choices"); },
       "fields[0].choices: missing"},
      {"duplicate name inside a repeat",
       [](Json& j) { j["fields"][2]["children"][1]["name"] = "consent"; },
       "fields[2].children[1].name: duplicate name 'consent' (first at fields[0])"},
      {"reserved name", [](Json& j) { j["fields"][3]["name"] = "status"; },
       "fields[3].name: 'status' is reserved for the visit record"},
      {"name of the visit's bookkeeping", [](Json& j) { j["fields"][3]["name"] = "form_version"; },
       "fields[3].name: 'form_version' is reserved for the visit record"},
      {"name of the visit's student link", [](Json& j) { j["fields"][3]["name"] = "student_id"; },
       "fields[3].name: 'student_id' is reserved for the visit record"},
      {"name starting with _", [](Json& j) { j["fields"][3]["name"] = "_x"; },
       "fields[3].name: '_x' is reserved for the visit record"},
      {"name with a dash", [](Json& j) { j["fields"][3]["name"] = "avg-income"; },
       "fields[3].name: must be letters, digits and '_' (at most 64), starting with a letter"},
      {"key for another type", [](Json& j) { j["fields"][2]["children"][0]["choices"] = Json::array(); },
       "fields[2].children[0].choices: not allowed for type integer"},
      {"misspelt key", [](Json& j) { j["fields"][0]["requird"] = true; },
       "fields[0].requird: unknown key"},
      {"required not a bool", [](Json& j) { j["fields"][0]["required"] = "yes"; },
       "fields[0].required: must be true or false"},
      {"min above max", [](Json& j) { j["fields"][2]["children"][0]["min"] = 200; },
       "fields[2].children[0].max: less than min"},
      {"fractional integer bound", [](Json& j) { j["fields"][2]["children"][0]["max"] = 1.5; },
       "fields[2].children[0].max: must be a whole number for an integer field"},
      {"negative row count", [](Json& j) { j["fields"][2]["min"] = -1; },
       "fields[2].min: must be a whole number from 0"},
      {"bad regex", [](Json& j) { j["fields"][1]["children"][0]["regex"] = "(["; },
       "fields[1].children[0].regex: not a valid regular expression (back-references are not "
       "supported)"},
      {"back-reference", [](Json& j) { j["fields"][1]["children"][0]["regex"] = "^(a)\\1$"; },
       "fields[1].children[0].regex: not a valid regular expression (back-references are not "
       "supported)"},
      {"expression syntax", [](Json& j) { j["fields"][1]["relevant"] = "${consent} = "; },
       "fields[1].relevant: at offset 13: expected a value but found end of expression"},
      {"unknown reference", [](Json& j) { j["fields"][1]["relevant"] = "${consnt} = 'yes'"; },
       "fields[1].relevant: unknown field ${consnt} (at offset 0)"},
      {"repeat child used outside", [](Json& j) { j["fields"][3]["calculate"] = "${age} + 1"; },
       "fields[3].calculate: ${age} is inside repeat members: use sum(${members/age}) or "
       "count(${members/age}) (at offset 0)"},
      {"repeat used plainly", [](Json& j) { j["fields"][3]["calculate"] = "${members}"; },
       "fields[3].calculate: ${members} is a repeat: use count(${members}) or "
       "sum(${members/field}) (at offset 0)"},
      {"count of a plain field", [](Json& j) { j["fields"][3]["calculate"] = "count(${consent})"; },
       "fields[3].calculate: sum() and count() take a repeat, not ${consent} (at offset 6)"},
      {"sum of a missing cell", [](Json& j) { j["fields"][3]["calculate"] = "sum(${members/wage})"; },
       "fields[3].calculate: ${members/wage}: wage is not a field of members (at offset 4)"},
      {"reference to a group", [](Json& j) { j["fields"][3]["calculate"] = "${details}"; },
       "fields[3].calculate: ${details} is a group and has no value (at offset 0)"},
      {"dot outside a constraint", [](Json& j) { j["fields"][1]["relevant"] = ". = 1"; },
       "fields[1].relevant: '.' (this field's value) can only be used in a constraint (at offset 0)"},
      {"calculation cycle", [](Json& j) { j["fields"][4]["calculate"] = "${avg_income} * 2"; },
       "fields[3]: circular reference: avg_income -> total -> avg_income"},
      {"self-relevance", [](Json& j) { j["fields"][0]["relevant"] = "${consent} = 'yes'"; },
       "fields[0]: circular reference: consent -> consent"},
      {"repeat in a repeat",
       [](Json& j) {
         j["fields"][2]["children"][1] = {{"name", "kids"}, {"type", "repeat"},
                                         {"label", L("子", "Kids")},
                                         {"children", Json::array()}};
       },
       "fields[2].children[1].type: repeat is not allowed inside a repeat"},
      {"group without children", [](Json& j) { j["fields"][1].erase("children"); },
       "fields[1].children: missing"},
      {"default not a choice", [](Json& j) { j["fields"][0]["default"] = "maybe"; },
       "fields[0].default: must be one of the choice codes"},
      {"calculated and required", [](Json& j) { j["fields"][4]["required"] = true; },
       "fields[4].required: a calculated field cannot be required"},
      {"message without constraint",
       [](Json& j) { j["fields"][0]["constraint_message"] = L("错", "Wrong"); },
       "fields[0].constraint_message: given without a constraint"},
      {"calculate on a select", [](Json& j) { j["fields"][0]["calculate"] = "'yes'"; },
       "fields[0].calculate: not allowed for type select_one"},
  };
  for (const BadCase& c : cases) {
    Json doc = BaseForm();
    c.edit(doc);
    Result<Form> form = ParseForm(doc.dump());
    ASSERT_FALSE(form.ok()) << c.what << ": expected an error";
    EXPECT_EQ(form.status().code(), StatusCode::kInvalidArgument) << c.what;
    EXPECT_EQ(form.status().message(), c.want) << c.what;
  }
}

TEST(FormParser, MalformedJsonNamesTheByteOffset) {
  Result<Form> form = ParseForm("{\"id\": \"x\",\n \"version\": }");
  ASSERT_FALSE(form.ok());
  EXPECT_EQ(form.status().message().rfind("not valid JSON at byte 25: ", 0), 0u)
      << form.status().message();
  EXPECT_EQ(ParseForm("[1, 2]").status().message(), "(definition): must be a JSON object");
  EXPECT_EQ(ParseForm("").status().message().rfind("not valid JSON at byte", 0), 0u);
}

TEST(FormParser, ANumberTooLargeForADoubleIsRefusedNotThrown) {
  // Found by the form parser fuzzer: nlohmann reports it as out_of_range, not parse_error.
  Result<Form> form = ParseForm(R"({"id": [[[[66666666666e66666666666666666]]]]})");
  ASSERT_FALSE(form.ok());
  EXPECT_EQ(form.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(form.status().message().rfind("not valid JSON", 0), 0u) << form.status().message();
}

TEST(FormParser, InvalidUtf8IsRefused) {
  Json doc = BaseForm();
  std::string text = doc.dump();
  const size_t at = text.find("小表");
  ASSERT_NE(at, std::string::npos);
  text[at] = '\xff';
  EXPECT_EQ(ParseForm(text).status().message().rfind("not valid JSON at byte", 0), 0u);
}

TEST(FormParser, HostileSizesAreRefusedBeforeParsing) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(ParseForm(deep).status().message(), "definition nested deeper than 32 levels");
  const std::string huge = "\"" + std::string(kMaxDefinitionBytes, 'x') + "\"";
  EXPECT_EQ(ParseForm(huge).status().message(), "definition larger than 1048576 bytes");
}

// The fuzz seeds are meant to start from both sides of the parser: valid forms that cover
// every type and rule, and broken ones named bad_*.
TEST(FormParser, SeedCorpusFormsParseOrFailAsTheirNamesSay) {
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(HOMEVISIT_CORPUS_DIR "/form")) {
    const std::string name = entry.path().filename().string();
    Result<Form> form = ParseForm(testing::ReadFile(entry.path().string()));
    EXPECT_EQ(form.ok(), name.rfind("bad_", 0) != 0) << name << ": " << form.status().ToString();
    ++seen;
  }
  EXPECT_GE(seen, 4);
  Result<Form> all = ParseForm(testing::ReadFile(HOMEVISIT_CORPUS_DIR "/form/all_types.json"));
  ASSERT_TRUE(all.ok());
  std::set<FieldType> types;
  for (const FormField& f : all->fields) types.insert(f.type);
  EXPECT_EQ(types.size(), 12u) << "all_types.json should use every field type";
}

}  // namespace
}  // namespace homevisit::forms
