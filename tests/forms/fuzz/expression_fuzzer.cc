// libFuzzer target: expressions. Parsing any text gives an expression or an error with its
// offset; evaluating any parsed expression is total and deterministic.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/forms/expression.h"

using namespace homevisit;
using namespace homevisit::forms;

namespace {

const Answers& SampleAnswers() {
  static const Answers answers = [] {
    Rows members;
    members.rows.push_back(Row().Set("age", 40).Set("income", Decimal{"1200.5"}));
    members.rows.push_back(Row().Set("age", 9).Set("income", "x"));
    members.rows.push_back(Row());
    return Answers{{"n", 5},          {"neg", -3},
                   {"big", int64_t{9'000'000'000'000'000'000}},
                   {"d", Decimal{"2.5"}}, {"bad_decimal", Decimal{"1e999"}},
                   {"s", "中文"},      {"e", ""},
                   {"null", Value()},  {"list", StringList{"a", "b", "a"}},
                   {"date", Date{20000}}, {"far", Date{2'000'000'000}},
                   {"yes", true},      {"geo", GeoPoint{1e308, -1e308, -1}},
                   {"blob", BlobRef{std::string(32, '\xff')}},
                   {"members", members}};
  }();
  return answers;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<Expression> e = Expression::Parse(text);
  if (!e.ok()) {
    if (e.status().message().rfind("at offset ", 0) != 0) std::abort();
    return 0;
  }
  const Row* row = &std::get<Rows>(SampleAnswers().at("members").variant()).rows[0];
  const Value self(Decimal{"-0.5"});
  const ExprContext contexts[] = {
      {&SampleAnswers(), row, &self, Date{20000}},
      {nullptr, nullptr, nullptr, std::nullopt},
  };
  for (const ExprContext& ctx : contexts) {
    const std::string first = e->Evaluate(ctx).DebugString();
    if (e->Evaluate(ctx).DebugString() != first) std::abort();
  }
  return 0;
}
