#include "sync-server/demo_seed.h"

#include <algorithm>
#include <array>
#include <iostream>
#include <random>
#include <set>

#include "core/forms/form_record.h"
#include "core/record_types.h"
#include "core/uuid.h"
#include "sync-server/auth.h"
#include "sync-server/cli.h"
#include "sync-server/form_publish.h"

namespace homevisit::server {

namespace {

namespace rt = record_types;

constexpr char kCounty[] = "qingxi";
constexpr char kTownship[] = "qingxi/huashan";

struct School {
  const char* path;
  const char* title;
  int first_grade, last_grade;
  int classes_per_grade;
};
constexpr std::array<School, 6> kSchools = {{
    {"qingxi/huashan/zhongxin", "花山镇中心小学", 1, 6, 2},
    {"qingxi/huashan/shimen", "石门小学", 1, 6, 1},
    {"qingxi/huashan/longtan", "龙潭小学", 1, 6, 1},
    {"qingxi/huashan/qinglong", "青龙小学", 1, 6, 1},
    {"qingxi/huashan/baiyan", "白岩教学点", 1, 3, 1},
    {"qingxi/huashan/zhongxue", "花山镇中学", 7, 9, 3},
}};
constexpr int kMiddleSchool = 5;

struct Village {
  const char* name;
  int hamlets;
  int primary_school;  // index into kSchools
};
constexpr std::array<Village, 8> kVillages = {{
    {"花山村", 8, 0}, {"杨柳村", 5, 0}, {"石门村", 6, 1}, {"桐子坪村", 5, 1},
    {"龙潭村", 7, 2}, {"枫木村", 4, 2}, {"青龙村", 6, 3}, {"白岩村", 5, 4},
}};

constexpr std::array kSurnames = {"王", "李", "张", "刘", "陈", "杨", "黄", "吴", "周", "向",
                                  "田", "彭", "龙", "石", "罗", "胡", "唐", "邓", "舒", "符",
                                  "滕", "谭", "覃", "宋", "曾", "梁", "姚", "麻", "吴", "向"};
constexpr std::array kBoyChars = {"浩", "宇", "俊", "杰", "轩", "涛", "明", "强", "鹏", "磊",
                                  "伟", "鑫", "博", "文", "子", "志", "家", "豪", "晨", "阳",
                                  "天", "辰", "睿", "航", "思", "一", "嘉", "泽", "凯", "斌"};
constexpr std::array kGirlChars = {"欣", "怡", "雨", "婷", "佳", "琪", "梦", "瑶", "思", "涵",
                                   "诗", "雅", "静", "颖", "丽", "芳", "慧", "妍", "月", "紫",
                                   "萱", "晓", "春", "小", "丹", "玉", "兰", "娟", "倩", "茜"};
constexpr std::array kAdultNames = {"建国", "国华", "志强", "卫东", "明亮", "长青", "德胜",
                                    "光明", "永福", "春生", "海军", "勇", "军", "平", "刚",
                                    "华", "林", "斌", "成", "良", "桂英", "秀兰", "玉梅", "金花"};
constexpr std::array kGradeNames = {"一年级", "二年级", "三年级", "四年级", "五年级",
                                    "六年级", "七年级", "八年级", "九年级"};
constexpr std::array kNumerals = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};

// Special categories with their share of households (DOMAIN.md, "The visit survey").
struct Category {
  const char* name;
  double share;
  bool monitored;
};
constexpr std::array<Category, 9> kCategories = {{
    {"脱贫不稳定户", 0.05, true},
    {"边缘易致贫户", 0.04, true},
    {"突发严重困难户", 0.015, true},
    {"最低生活保障家庭", 0.08, false},
    {"特困供养人员", 0.01, false},
    {"残疾人子女", 0.03, false},
    {"单亲", 0.05, false},
    {"重大疾病", 0.03, false},
    {"事实无人抚养儿童", 0.01, false},
}};

// Generates the people and writes them as records with server stamps.
class Township {
 public:
  Township(WriteTxn& txn, ServerClock& clock, const forms::Form& form, uint64_t seed)
      : txn_(txn), clock_(clock), form_(form), rng_(seed), ids_(seed ^ 0x9E3779B97F4A7C15ull) {}

  Status Build(DemoSummary& summary);

 private:
  template <typename T, size_t N>
  const char* Pick(const std::array<T, N>& items) {
    return items[std::uniform_int_distribution<size_t>(0, N - 1)(rng_)];
  }
  int Between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  std::string ChildName(const std::string& surname, bool boy);
  // A fake ID number: region 999999 (no real place), birth date, sequence, check digit.
  std::string FakeIdNumber(int year, unsigned month, unsigned day, bool male);
  Uuid NewId() { return ids_.Next(clock_.WallMs()); }
  Status Put(const Uuid& id, const char* type, const std::string& scope, const char* field,
             Value value);
  Status AddHousehold(DemoSummary& summary);
  Status AddVisit(const Uuid& student, const Uuid& household, const std::string& scope,
                  int index);

  WriteTxn& txn_;
  ServerClock& clock_;
  const forms::Form& form_;  // the form the visits name
  std::mt19937_64 rng_;
  UuidGenerator ids_;
  std::set<std::string> used_names_;
  int id_sequence_ = 0;
  int next_student_no_ = 1;
  int visits_ = 0;
};

std::string Township::ChildName(const std::string& surname, bool boy) {
  for (int attempt = 0;; ++attempt) {
    std::string name = surname + (boy ? Pick(kBoyChars) : Pick(kGirlChars));
    if (Chance(0.7)) name += boy ? Pick(kBoyChars) : Pick(kGirlChars);
    if (used_names_.insert(name).second || attempt > 5) return name;
  }
}

std::string Township::FakeIdNumber(int year, unsigned month, unsigned day, bool male) {
  char body[48];
  const int seq = (++id_sequence_ % 500) * 2 + (male ? 1 : 0);
  std::snprintf(body, sizeof body, "999999%04d%02u%02u%03d", year, month, day, seq % 1000);
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
  return std::string(body, 17) + "10X98765432"[sum % 11];
}

Status Township::Put(const Uuid& id, const char* type, const std::string& scope,
                     const char* field, Value value) {
  return txn_.PutField(RecordHeader{id, type, scope}, field,
                       FieldVersion{std::move(value), clock_.Now()}, std::nullopt);
}

Status Township::AddHousehold(DemoSummary& summary) {
  const Village& village = kVillages[Between(0, kVillages.size() - 1)];
  const std::string hamlet = std::string(kNumerals[Between(0, village.hamlets - 1)]) + "组";
  const bool middle = Chance(0.2);
  const School& school = kSchools[middle ? kMiddleSchool : village.primary_school];
  const std::string surname = Pick(kSurnames);
  const Uuid household = NewId();

  const int roll = Between(1, 100);
  int children = roll <= 55 ? 1 : roll <= 90 ? 2 : 3;
  children = std::min(children, school.last_grade - school.first_grade + 1);
  std::vector<int> grades;
  for (int g = school.first_grade; g <= school.last_grade; ++g) grades.push_back(g);
  std::shuffle(grades.begin(), grades.end(), rng_);
  grades.resize(static_cast<size_t>(children));  // distinct grades: siblings in different classes

  StringList categories;
  bool monitored = false;
  for (const Category& c : kCategories) {
    if (!Chance(c.share)) continue;
    categories.push_back(c.name);
    monitored = monitored || c.monitored;
  }
  const bool dibao = std::find(categories.begin(), categories.end(), std::string("最低生活保障家庭")) !=
                     categories.end();
  const std::string scope = school.path;
  const int head_year = Between(1972, 1992);
  const bool head_male = Chance(0.8);
  for (Status s : {
           Put(household, rt::kHousehold, scope, "head_name",
               surname + (head_male ? Pick(kAdultNames) : Pick(kGirlChars))),
           Put(household, rt::kHousehold, scope, "village", village.name),
           Put(household, rt::kHousehold, scope, "hamlet", hamlet),
           Put(household, rt::kHousehold, scope, "address",
               std::string("花山镇") + village.name + hamlet),
           Put(household, rt::kHousehold, scope, "id_number",
               FakeIdNumber(head_year, Between(1, 12), Between(1, 28), head_male)),
           Put(household, rt::kHousehold, scope, "categories", categories),
           Put(household, rt::kHousehold, scope, "member_count",
               static_cast<int64_t>(children + Between(2, 4))),
       }) {
    if (!s.ok()) return s;
  }
  ++summary.households;
  summary.monitored += monitored;
  summary.dibao += dibao;
  if (children > 1) summary.siblings += children;

  for (int grade : grades) {
    const Uuid student = NewId();
    const bool boy = Chance(0.52);
    const int year = 2025 - grade - 6 - (Chance(0.3) ? 1 : 0);
    const unsigned month = static_cast<unsigned>(Between(1, 12));
    const unsigned day = static_cast<unsigned>(Between(1, 28));
    const int klass = Between(1, school.classes_per_grade);
    char student_no[16];
    std::snprintf(student_no, sizeof student_no, "HS%02d%05d", school.first_grade * 10 + klass,
                  next_student_no_++);
    for (Status s : {
             Put(student, rt::kStudent, scope, "name", ChildName(surname, boy)),
             Put(student, rt::kStudent, scope, "gender", boy ? "男" : "女"),
             Put(student, rt::kStudent, scope, "birth_date", Date{DaysFromCivil(year, month, day)}),
             Put(student, rt::kStudent, scope, "id_number", FakeIdNumber(year, month, day, boy)),
             Put(student, rt::kStudent, scope, "student_no", student_no),
             Put(student, rt::kStudent, scope, "grade", static_cast<int64_t>(grade)),
             Put(student, rt::kStudent, scope, "class_name",
                 std::string(kGradeNames[grade - 1]) + std::to_string(klass) + "班"),
             Put(student, rt::kStudent, scope, "household_id", household.ToString()),
             Put(student, rt::kStudent, scope, "village", village.name),
             Put(student, rt::kStudent, scope, "hamlet", hamlet),
             Put(student, rt::kStudent, scope, "boarding", middle ? Chance(0.7) : Chance(0.1)),
             Put(student, rt::kStudent, scope, "left_behind", Chance(0.3)),
         }) {
      if (!s.ok()) return s;
    }
    ++summary.students;
    // A review queue for the demo coordinator: visits at the demo teacher's school.
    if (scope == kSchools[0].path && visits_ < 40) {
      if (Status s = AddVisit(student, household, scope, visits_++); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

Status Township::AddVisit(const Uuid& student, const Uuid& household, const std::string& scope,
                          int index) {
  static constexpr const char* kStatuses[] = {"submitted", "submitted", "approved",
                                              "returned", "resubmitted", "draft"};
  static constexpr const char* kTiers[] = {"特别困难", "困难", "一般困难", "不困难"};
  const char* status = kStatuses[index % 6];
  const char* tier = kTiers[Between(0, 3)];
  const Uuid visit = NewId();
  for (Status s : {
           Put(visit, rt::kVisit, scope, "student_id", student.ToString()),
           Put(visit, rt::kVisit, scope, "household_id", household.ToString()),
           Put(visit, rt::kVisit, scope, forms::kVisitFormIdField, form_.id),
           Put(visit, rt::kVisit, scope, forms::kVisitFormVersionField, form_.version),
           Put(visit, rt::kVisit, scope, "status", status),
           Put(visit, rt::kVisit, scope, "author", "teacher"),
           Put(visit, rt::kVisit, scope, "visit_date", Date{DaysFromCivil(2025, 10, 1 + index % 28)}),
           Put(visit, rt::kVisit, scope, "recommended_tier", tier),
       }) {
    if (!s.ok()) return s;
  }
  if (std::string(status) == "approved") {
    if (Status s = Put(visit, rt::kVisit, scope, "tier", tier); !s.ok()) return s;
    if (Status s = Put(visit, rt::kVisit, scope, "reviewed_by", "coordinator"); !s.ok()) return s;
  }
  if (std::string(status) == "returned") {
    if (Status s = Put(visit, rt::kVisit, scope, "review_comment", "请补充家庭成员的年收入");
        !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

Status Township::Build(DemoSummary& summary) {
  summary.schools = static_cast<int>(kSchools.size());
  summary.villages = static_cast<int>(kVillages.size());
  for (const Village& v : kVillages) summary.hamlets += v.hamlets;
  while (summary.households < 480) {
    if (Status s = AddHousehold(summary); !s.ok()) return s;
  }
  summary.visits = visits_;
  return Status::Ok();
}

}  // namespace

std::vector<DemoUser> DemoUsers(const std::string& password) {
  auto pw = [&] { return password.empty() ? RandomPassword() : password; };
  return {
      {"teacher", Role::kTeacher, "王老师", kSchools[0].path, pw()},
      {"coordinator", Role::kCoordinator, "李主任", kTownship, pw()},
      {"admin", Role::kAdmin, "县资助中心", kCounty, pw()},
  };
}

Result<DemoSummary> SeedDemoTownship(Storage& storage, ServerClock& clock, uint64_t seed,
                                     const std::vector<DemoUser>& users) {
  auto stats = storage.GetStats();
  if (!stats.ok()) return stats.status();
  auto scopes = storage.ListScopes();
  if (!scopes.ok()) return scopes.status();
  // Published forms do not count: `serve` publishes the default form on its first start.
  bool records = false;
  for (const auto& [type, count] : stats->records_by_type) {
    records = records || (type != forms::kFormRecordType && count > 0);
  }
  if (records || stats->users > 0 || !scopes->empty()) {
    return FailedPrecondition(
        "demo-seed fills an empty database only; this one already has scopes, users or records");
  }
  std::vector<std::string> hashes;
  for (const DemoUser& u : users) {
    auto hash = HashPassword(u.password);
    if (!hash.ok()) return hash.status();
    hashes.push_back(*hash);
  }
  if (Status s = storage.AddScope({kCounty, "清溪县"}); !s.ok()) return s;
  if (Status s = storage.AddScope({kTownship, "花山镇"}); !s.ok()) return s;
  for (const School& school : kSchools) {
    if (Status s = storage.AddScope({school.path, school.title}); !s.ok()) return s;
  }
  for (size_t i = 0; i < users.size(); ++i) {
    User user{0, users[i].name, users[i].display_name, users[i].role, hashes[i], false,
              {users[i].scope}};
    if (auto id = storage.AddUser(user); !id.ok()) return id.status();
  }
  auto form = DefaultForm();
  if (!form.ok()) return form.status();
  auto txn = storage.BeginWrite();
  if (!txn.ok()) return txn.status();
  DemoSummary summary;
  Township township(**txn, clock, *form, seed);
  if (Status s = township.Build(summary); !s.ok()) return s;
  if (Status s = (*txn)->Commit(); !s.ok()) return s;
  // The form the seeded visits name, as `serve` would publish it on its first start.
  if (auto published = PublishDefaultForm(storage, clock); !published.ok()) {
    return published.status();
  }
  return summary;
}

Status RunDemoSeed(const Args& args, CliIo& io) {
  auto seed = args.GetInt("--seed", 2025, 0, INT64_MAX);
  if (!seed.ok()) return seed.status();
  const std::string password = args.Get("--demo-password").value_or("");
  if (!password.empty() && password.size() < kMinPasswordBytes) {
    return InvalidArgument("--demo-password needs at least " + std::to_string(kMinPasswordBytes) +
                           " bytes");
  }
  auto storage = OpenDatabase(args);
  if (!storage.ok()) return storage.status();
  ServerClock clock;
  const std::vector<DemoUser> users = DemoUsers(password);
  auto summary = SeedDemoTownship(**storage, clock, static_cast<uint64_t>(*seed), users);
  if (!summary.ok()) return summary.status();
  io.out << "seeded 清溪县 花山镇: " << summary->schools << " schools, " << summary->villages
         << " villages with " << summary->hamlets << " hamlets, " << summary->households
         << " households (" << summary->monitored << " monitored, " << summary->dibao
         << " dibao), " << summary->students << " students (" << summary->siblings
         << " with a sibling), " << summary->visits << " visits\n";
  io.out << "demo users (one per role):\n";
  for (const DemoUser& u : users) {
    io.out << "  role=" << RoleName(u.role) << " user=" << u.name << " password=" << u.password
           << " scope=" << u.scope << "\n";
  }
  return Status::Ok();
}

}  // namespace homevisit::server
