// A realistic demo township for trying HomeVisit: 清溪县 花山镇 with six schools, eight
// villages (村) with their hamlets (组), about 480 households and 700+ students with Chinese
// names, siblings in different classes, monitored (脱贫不稳定户, 边缘易致贫户, 突发严重困难户)
// and dibao (最低生活保障家庭) households, a review queue of visits, and one demo user per role.
//
// The data is generated from a seed (the same seed gives the same people). ID numbers are
// fake: they start with region code 999999, which no real place has, and they are stored in
// the records only, never printed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/review.h"
#include "sync-server/server_clock.h"
#include "sync-server/storage/storage.h"

namespace homevisit::server {

struct DemoUser {
  std::string name;
  Role role;
  std::string display_name;
  std::string scope;
  std::string password;
};

struct DemoSummary {
  int schools = 0;
  int villages = 0;
  int hamlets = 0;
  int households = 0;
  int students = 0;
  int siblings = 0;          // students who share their household with another student
  int monitored = 0;         // households in a monitored category
  int dibao = 0;             // 最低生活保障家庭
  int visits = 0;
};

// The demo users with `password` (or a new random one each when empty).
std::vector<DemoUser> DemoUsers(const std::string& password);

// Fills an empty database (no scopes, users or records; FailedPrecondition otherwise).
Result<DemoSummary> SeedDemoTownship(Storage& storage, ServerClock& clock, uint64_t seed,
                                     const std::vector<DemoUser>& users);

}  // namespace homevisit::server
