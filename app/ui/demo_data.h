// Demo data for screenshots, the benchmark and trying the app without a server: a township
// with schools, classes, households and students, the home-visit form, visits in every
// review state, and open conflicts. It enters the device store the way real data does: as
// a pulled batch from the server (confirmed), plus a few local drafts (pending upload).
#pragma once

#include "app/ui/device_data.h"
#include "core/review.h"
#include "core/status.h"

namespace homevisit::ui {

struct DemoSize {
  int students = 600;
  int schools = 3;
  uint64_t seed = 20240301;
  // The server the demo login names (nothing needs to listen there).
  std::string server = "127.0.0.1:7443";
};

// Enrols the device as a demo user of `role` (no server involved: the token is not valid
// anywhere) and fills it. For an empty device only.
Status PopulateDemo(DeviceData& data, Role role, const DemoSize& size);

}  // namespace homevisit::ui
