// Helpers shared by the forms tests: reading the default form, dates, attachment refs.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/forms/form_parser.h"
#include "core/value.h"

namespace homevisit::forms::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

inline std::string HomeVisitFormPath() { return std::string(HOMEVISIT_FORMS_DIR) + "/home_visit.v1.json"; }

// The default form, parsed; fails the test when it does not parse.
inline Form LoadHomeVisitForm() {
  const std::string text = ReadFile(HomeVisitFormPath());
  Result<Form> form = ParseForm(text);
  EXPECT_TRUE(form.ok()) << form.status().ToString();
  return form.ok() ? std::move(form).value() : Form{};
}

inline Date D(const char* text) {
  Date d;
  EXPECT_TRUE(ParseDate(text, &d)) << text;
  return d;
}

// A distinct 32-byte attachment reference per seed.
inline BlobRef Blob(char seed) { return BlobRef{std::string(32, seed)}; }

// Parses a form that the test expects to be valid.
inline Form MustParse(const std::string& json) {
  Result<Form> form = ParseForm(json);
  EXPECT_TRUE(form.ok()) << form.status().ToString() << "\n" << json;
  return form.ok() ? std::move(form).value() : Form{};
}

}  // namespace homevisit::forms::testing
