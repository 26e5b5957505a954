// Values as a person types and reads them on the command line.
//   text (the default)   花山村            text:int:5 is the text "int:5"
//   int:N                int:3
//   dec:N                dec:8000.50       (money stays exact)
//   bool:true|false      bool:true
//   date:YYYY-MM-DD      date:2026-03-01
//   list:a,b,c           list:dibao,orphan
//   geo:LAT,LON          geo:27.51,109.92
//   null                 an explicit "cleared"
//   rows:JSON            rows:[{"member_name":"王建国","age":"int:42"}]  (a repeat group)
#pragma once

#include <string>

#include "core/status.h"
#include "core/value.h"

namespace homevisit::cli {

// InvalidArgument naming what is wrong (never echoing more than the prefix).
Result<Value> ParseValueText(const std::string& text);
// "rows:" followed by a JSON list of objects, one per row, each value a text in the syntax
// above (a repeat group, e.g. household members).
Result<Value> ParseRowsText(const std::string& json_text);
// The inverse of ParseValueText for scalar kinds; rows and blobs get a short description.
std::string FormatValue(const Value& value);

}  // namespace homevisit::cli
