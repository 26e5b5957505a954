#include "wire.h"

#include "packed.h"

namespace homevisit::wire {

namespace {
void ScalarToProto(const Value& value, v1::Value* out, bool allow_rows);
}

void ToProto(const Value& value, v1::Value* out) { ScalarToProto(value, out, true); }

namespace {
void ScalarToProto(const Value& value, v1::Value* out, bool allow_rows) {
  struct Visitor {
    v1::Value* out;
    void operator()(const Null&) const { out->mutable_null_value(); }
    void operator()(const std::string& s) const { out->set_text(s); }
    void operator()(int64_t n) const { out->set_integer(n); }
    void operator()(const Decimal& d) const { out->set_decimal(d.text); }
    void operator()(bool b) const { out->set_boolean(b); }
    void operator()(const Date& d) const { out->set_date(d.days); }
    void operator()(const StringList& l) const {
      auto* list = out->mutable_list();
      for (const auto& s : l) list->add_items(s);
    }
    void operator()(const GeoPoint& g) const {
      auto* p = out->mutable_geopoint();
      p->set_latitude(g.latitude);
      p->set_longitude(g.longitude);
      p->set_accuracy_m(g.accuracy_m);
    }
    void operator()(const BlobRef& b) const { out->set_blob_sha256(b.sha256); }
    void operator()(const Rows& r) const {
      auto* rows = out->mutable_rows();
      for (const Row& row : r.rows) {
        auto* pr = rows->add_rows();
        for (const Cell& c : row.cells) {
          auto* pc = pr->add_cells();
          pc->set_name(c.name);
          ScalarToProto(c.value, pc->mutable_value(), false);
        }
      }
    }
  };
  (void)allow_rows;
  std::visit(Visitor{out}, value.variant());
}

Result<Value> FromProtoImpl(const v1::Value& v, bool allow_rows) {
  switch (v.kind_case()) {
    case v1::Value::kNullValue: return Value();
    case v1::Value::kText: return Value(v.text());
    case v1::Value::kInteger: return Value(static_cast<int64_t>(v.integer()));
    case v1::Value::kDecimal: return Value(Decimal{v.decimal()});
    case v1::Value::kBoolean: return Value(v.boolean());
    case v1::Value::kDate: return Value(Date{v.date()});
    case v1::Value::kList: {
      if (v.list().items_size() > kMaxListItems) return InvalidArgument("list has too many items");
      return Value(StringList(v.list().items().begin(), v.list().items().end()));
    }
    case v1::Value::kGeopoint: {
      const auto& g = v.geopoint();
      if (!(g.latitude() >= -90 && g.latitude() <= 90 && g.longitude() >= -180 &&
            g.longitude() <= 180 && g.accuracy_m() >= 0)) {
        return InvalidArgument("geopoint out of range");
      }
      return Value(GeoPoint{g.latitude(), g.longitude(), g.accuracy_m()});
    }
    case v1::Value::kBlobSha256:
      if (v.blob_sha256().size() != 32) return InvalidArgument("blob reference is not 32 bytes");
      return Value(BlobRef{v.blob_sha256()});
    case v1::Value::kRows: {
      if (!allow_rows) return InvalidArgument("a repeat row cell cannot hold rows");
      if (v.rows().rows_size() > kMaxRows) return InvalidArgument("too many repeat rows");
      Rows rows;
      for (const auto& pr : v.rows().rows()) {
        Row row;
        for (const auto& pc : pr.cells()) {
          if (pc.name().empty()) return InvalidArgument("repeat cell without a name");
          auto cell = FromProtoImpl(pc.value(), false);
          if (!cell.ok()) return cell.status();
          row.Set(pc.name(), std::move(cell).value());
        }
        rows.rows.push_back(std::move(row));
      }
      return Value(std::move(rows));
    }
    case v1::Value::KIND_NOT_SET: break;
  }
  return InvalidArgument("value has no type");
}
}  // namespace

Result<Value> FromProto(const v1::Value& value) { return FromProtoImpl(value, true); }

Result<Value> ValueFromBytes(std::string_view bytes) {
  // Most values are scalars in their canonical form: read in place (packed.h).
  if (auto scalar = DecodeCanonicalScalar(bytes)) return std::move(*scalar);
  v1::Value proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return InvalidArgument("the value does not decode");
  }
  return FromProtoImpl(proto, true);
}

void ToProto(const Record& record, v1::Record* out) {
  out->set_id(std::string(record.id.AsBytes()));
  out->set_type(record.type);
  out->set_scope(record.scope);
  for (const auto& [name, fv] : record.fields) {
    auto* f = out->add_fields();
    f->set_name(name);
    ToProto(fv.value, f->mutable_value());
    ToProto(fv.stamp, f->mutable_stamp());
  }
}

Result<Record> FromProto(const v1::Record& record) {
  auto id = Uuid::FromBytes(record.id());
  if (!id) return InvalidArgument("record id is not 16 bytes");
  Record r;
  r.id = *id;
  r.type = record.type();
  r.scope = record.scope();
  for (const auto& f : record.fields()) {
    auto v = FromProto(f.value());
    if (!v.ok()) return InvalidArgument("field '" + f.name() + "': " + v.status().message());
    r.fields[f.name()] = FieldVersion{std::move(v).value(), FromProto(f.stamp())};
  }
  return r;
}

}  // namespace homevisit::wire
