// Helpers shared by the expression evaluator, calculations and validation; not public API.
#pragma once

#include <string>
#include <string_view>

#include "core/value.h"

namespace homevisit::forms {

// 0001-01-01 and 9999-12-31 as days since 1970-01-01: dates outside are not dates.
inline constexpr int32_t kMinDateDays = -719162;
inline constexpr int32_t kMaxDateDays = 2932896;

// A plain decimal ("12", "-3.5", " 7 "); NaN for anything else (no exponent, hex, inf, nan).
double ParseNumber(std::string_view text);
// Whole numbers without a point, others in the shortest exact form; "" for NaN/infinity.
std::string FormatNumber(double n);
bool DaysInRange(double days);
// A 'YYYY-MM-DD' string within the date range.
bool TextToDate(std::string_view text, Date* out);

}  // namespace homevisit::forms
