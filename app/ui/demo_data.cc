#include "app/ui/demo_data.h"

#include <QDate>
#include <QDateTime>
#include <QFile>
#include <random>

#include "core/forms/form_parser.h"
#include "core/forms/form_record.h"
#include "core/merge.h"
#include "proto/wire.h"

namespace homevisit::ui {
namespace {

constexpr char kTownship[] = "青山县/石门镇";
const char* const kSchools[] = {"石门中心小学", "龙潭小学", "白岩小学", "青松小学"};
const char* const kVillages[] = {"石门村", "龙潭村", "白岩村", "青松村", "马家村", "柳树村"};
const char* const kHamlets[] = {"一组", "二组", "三组", "四组", "五组", "六组"};
const char* const kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                 "徐", "孙", "马", "朱", "胡", "罗", "龙", "田"};
const char* const kGiven[] = {"小明", "小红", "子涵", "浩然", "欣怡", "宇轩", "梓萱", "俊杰",
                              "雨桐", "佳怡", "天佑", "思琪", "家豪", "诗雨", "明轩", "婉清",
                              "志强", "春燕", "金花", "国庆", "建华", "秀英", "文博", "一诺"};
const char* const kComments[] = {"家庭成员收入请再核实，父亲外出务工收入偏低。",
                                 "缺少住房照片，请补拍后再提交。",
                                 "监护人签字不清楚，请重新签字。"};

struct Demo {
  std::mt19937_64 rng;
  int64_t now_ms = QDateTime::currentMSecsSinceEpoch();
  uint64_t counter = 0;
  UuidGenerator ids{0};

  int Pick(int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); }
  Stamp ServerStamp(int64_t ms) { return Stamp{Stamp::Pack(static_cast<uint64_t>(ms), 0), kServerNode}; }
  Uuid NewId(int64_t ms) { return ids.Next(ms); }
};

Record MakeRecord(Demo& d, const std::string& type, const std::string& scope,
                  std::map<std::string, Value> fields, int64_t ms, uint32_t node = kServerNode) {
  Record r;
  r.id = d.NewId(ms);
  r.type = type;
  r.scope = scope;
  const Stamp stamp{Stamp::Pack(static_cast<uint64_t>(ms), static_cast<uint16_t>(d.counter++ & 0xFFF)), node};
  for (auto& [name, value] : fields) r.fields[name] = FieldVersion{std::move(value), stamp};
  return r;
}

std::string DemoName(Demo& d, const std::string& surname) {
  return surname + kGiven[d.Pick(std::size(kGiven))];
}

forms::Answers VisitAnswers(Demo& d, const std::string& studentName, const std::string& surname,
                            int64_t visit_ms, const std::string& tier) {
  const QDate date = QDateTime::fromMSecsSinceEpoch(visit_ms).date();
  forms::Answers a;
  a["visit_date"] = Date{DaysFromCivil(date.year(), date.month(), date.day())};
  a["visitors"] = std::string("王老师、班主任");
  a["gps"] = GeoPoint{26.57 + d.Pick(100) / 1000.0, 106.71 + d.Pick(100) / 1000.0, 12};
  a["met_with"] = StringList{"mother", "student"};
  Rows rows;
  const char* relations[] = {"father", "mother", "grandmother"};
  for (int i = 0; i < 3; ++i) {
    Row row;
    row.Set("member_name", Value(i == 2 ? DemoName(d, "李") : DemoName(d, surname)));
    row.Set("relation", Value(std::string(relations[i])));
    row.Set("age", Value(int64_t{i == 2 ? 68 : 36 + d.Pick(8)}));
    row.Set("occupation", Value(std::string(i == 0 ? "migrant_work" : "farming")));
    row.Set("health", Value(std::string(i == 2 ? "chronic" : "healthy")));
    row.Set("disability", Value(std::string("none")));
    row.Set("annual_income", Value(Decimal{std::to_string(i == 2 ? 0 : 6000 + 500 * d.Pick(20))}));
    rows.rows.push_back(std::move(row));
  }
  Row self;
  self.Set("member_name", Value(studentName));
  self.Set("relation", Value(std::string("self")));
  self.Set("age", Value(int64_t{8 + d.Pick(5)}));
  self.Set("occupation", Value(std::string("student")));
  self.Set("health", Value(std::string("healthy")));
  self.Set("disability", Value(std::string("none")));
  self.Set("annual_income", Value(Decimal{"0"}));
  rows.rows.push_back(std::move(self));
  a["members"] = std::move(rows);
  a["housing"] = std::string(d.Pick(4) == 0 ? "earth_wood" : "brick_concrete");
  a["land_mu"] = Decimal{std::to_string(1 + d.Pick(5)) + ".5"};
  a["livestock"] = StringList{"pigs", "poultry"};
  a["vehicles"] = StringList{"motorcycle"};
  a["distance_km"] = Decimal{std::to_string(1 + d.Pick(9))};
  a["way_to_school"] = std::string("walk");
  a["boarding"] = std::string("no");
  a["left_behind"] = std::string("no");
  a["special_categories"] = StringList{d.Pick(3) == 0 ? "dibao" : "marginal_at_risk"};
  a["assessed_tier"] = tier;
  a["assessment_note"] = std::string("父亲常年外出务工，母亲在家务农，奶奶有慢性病需长期服药。");
  return a;
}

Result<forms::Form> LoadDemoForm() {
  QFile file(QStringLiteral(":/forms/home_visit.v1.json"));
  if (!file.open(QIODevice::ReadOnly)) return NotFound("the demo form is not in the resources");
  return forms::ParseForm(file.readAll().toStdString());
}

}  // namespace

Status PopulateDemo(DeviceData& data, Role role, const DemoSize& size) {
  Demo d;
  d.rng.seed(size.seed);
  d.ids = UuidGenerator(size.seed);
  store::DeviceStore& store = data.store();
  const bool coordinator = role != Role::kTeacher;

  store::LoginInfo login;
  login.server = size.server;
  login.user = coordinator ? "li" : "wang";
  login.display_name = coordinator ? "李主任" : "王老师";
  login.role = role;
  login.scopes = {kTownship};
  login.node = coordinator ? 8 : 7;
  login.token = std::string(32, '\x01');
  if (Status s = store.SaveLogin(login, d.now_ms); !s.ok()) return s;

  auto form = LoadDemoForm();
  if (!form.ok()) return form.status();
  v1::ChangeBatch batch;
  auto add = [&](const Record& r) { wire::ToProto(r, batch.add_records()); };
  {
    Record f;
    f.id = forms::FormRecordId(form->id, form->version);
    f.type = forms::kFormRecordType;
    f.scope = "青山县";
    for (auto& [name, value] : forms::FormToRecordFields(*form)) {
      f.fields[name] = FieldVersion{value, d.ServerStamp(d.now_ms - 90LL * 86400000)};
    }
    add(f);
  }

  const int schools = std::clamp(size.schools, 1, static_cast<int>(std::size(kSchools)));
  const int64_t day = 86400000;
  std::vector<Record> students;
  std::vector<std::string> surnames;
  int made = 0;
  int household_left = 0;
  Record household;
  std::string surname;
  while (made < size.students) {
    const int school = made % schools;
    const std::string scope = std::string(kTownship) + "/" + kSchools[school];
    if (household_left == 0) {
      surname = kSurnames[d.Pick(std::size(kSurnames))];
      const int v = d.Pick(std::size(kVillages));
      household = MakeRecord(d, "household", scope,
                             {{"head_name", DemoName(d, surname)},
                              {"village", std::string(kVillages[v])},
                              {"hamlet", std::string(kHamlets[d.Pick(std::size(kHamlets))])},
                              {"address", std::string(kVillages[v]) + std::to_string(1 + d.Pick(80)) + "号"},
                              {"member_count", int64_t{3 + d.Pick(4)}}},
                             d.now_ms - 120 * day);
      add(household);
      household_left = d.Pick(4) == 0 ? 2 : 1;  // a quarter of families have two at school
    }
    --household_left;
    const int grade = 1 + d.Pick(6);
    Record s = MakeRecord(d, "student", scope,
                          {{"name", DemoName(d, surname)},
                           {"gender", std::string(d.Pick(2) ? "男" : "女")},
                           {"birth_date", Date{DaysFromCivil(2018 - grade, 1 + d.Pick(12), 1 + d.Pick(28))}},
                           {"student_no", "G5201" + std::to_string(100000 + made)},
                           {"grade", int64_t{grade}},
                           {"class_name", std::to_string(1 + d.Pick(2)) + "班"},
                           {"household_id", household.id.ToString()},
                           {"village", household.fields["village"].value},
                           {"hamlet", household.fields["hamlet"].value}},
                          d.now_ms - 120 * day);
    add(s);
    students.push_back(s);
    surnames.push_back(surname);
    ++made;
  }

  // Visits on record: about a third of the students, in every review state.
  const char* statuses[] = {"approved", "approved", "approved", "submitted", "submitted",
                            "resubmitted", "returned", "rejected"};
  const char* tiers[] = {"especially_difficult", "difficult", "generally_difficult", "not_difficult"};
  std::vector<Record> visits;
  for (size_t i = 0; i < students.size(); i += 3) {
    const Record& s = students[i];
    const std::string status = statuses[d.Pick(std::size(statuses))];
    const std::string tier = tiers[d.Pick(3)];
    const int64_t when = d.now_ms - (1 + d.Pick(20)) * day - d.Pick(36000) * 1000LL;
    std::map<std::string, Value> fields;
    for (auto& [k, v] : VisitAnswers(d, *s.fields.at("name").value.get_if<std::string>(), surnames[i], when, tier)) {
      fields[k] = v;
    }
    fields["student_id"] = s.id.ToString();
    fields["household_id"] = s.fields.at("household_id").value;
    fields["form_id"] = form->id;
    fields["form_version"] = form->version;
    fields["status"] = status;
    fields["author"] = std::string(i % 2 == 0 ? "wang" : "zhao");
    if (status == "approved" || status == "rejected") {
      fields["tier"] = tier;
      fields["reviewed_by"] = std::string("li");
      fields["reviewed_at"] = when + day;
    }
    if (status == "returned" || status == "rejected") {
      fields["review_comment"] = std::string(kComments[d.Pick(std::size(kComments))]);
    }
    Record v = MakeRecord(d, "visit", s.scope, std::move(fields), when, status == "submitted" ? 7 : 0);
    add(v);
    visits.push_back(v);
  }

  // Two open conflicts: a coordinator's correction and a teacher's offline edit of the same
  // answer, and two teachers visiting siblings' shared household.
  for (int c = 0; c < 2 && c < static_cast<int>(visits.size()); ++c) {
    const Record& v = visits[c];
    const std::string field = c == 0 ? "land_mu" : "distance_km";
    const FieldVersion& winner = v.fields.at(field);
    const FieldVersion loser{Value(Decimal{c == 0 ? "2.5" : "12"}),
                             Stamp{winner.stamp.hlc - 3600000ULL * 65536ULL, 9}};
    Record conflict = MakeConflictRecord(v, field, winner, loser, d.ServerStamp(d.now_ms - day));
    // The server names who wrote each value (a coordinator does not know device numbers).
    const Stamp named = conflict.fields.at("status").stamp;
    conflict.fields["loser_by"] = FieldVersion{Value(c == 0 ? "赵老师" : "陈老师"), named};
    if (winner.stamp.node != 0) conflict.fields["winner_by"] = FieldVersion{Value("王老师"), named};
    add(conflict);
  }
  batch.set_cursor(1000);
  if (auto applied = store.ApplyPulled(batch, store::PullTarget::kMain); !applied.ok()) {
    return applied.status();
  }
  if (Status s = store.FinishPull(d.now_ms); !s.ok()) return s;

  // The teacher's drafts, recorded on this phone and not yet uploaded.
  if (!coordinator) {
    for (size_t i = 1; i < students.size() && i < 10; i += 4) {
      const Record& s = students[i];
      forms::Answers a = VisitAnswers(d, *s.fields.at("name").value.get_if<std::string>(), surnames[i], d.now_ms, "difficult");
      a.erase("assessed_tier");
      a.erase("assessment_note");
      store::FieldValues fields(a.begin(), a.end());
      fields["student_id"] = s.id.ToString();
      fields["household_id"] = s.fields.at("household_id").value;
      fields["form_id"] = form->id;
      fields["form_version"] = form->version;
      fields["status"] = std::string("draft");
      fields["author"] = login.user;
      if (auto id = store.Create("visit", s.scope, fields); !id.ok()) return id.status();
    }
  }
  return Status::Ok();
}

}  // namespace homevisit::ui
