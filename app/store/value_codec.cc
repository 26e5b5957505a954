#include "app/store/value_codec.h"

#include "wire.h"

namespace homevisit::store {

std::string EncodeValue(const Value& value) {
  v1::Value proto;
  wire::ToProto(value, &proto);
  return proto.SerializeAsString();
}

Result<Value> DecodeValue(std::string_view bytes) {
  v1::Value proto;
  if (bytes.size() > kMaxValueBytes ||
      !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return InvalidArgument("stored value is not a valid value");
  }
  return wire::FromProto(proto);
}

std::optional<std::string> KeyText(const v1::Value& value) {
  switch (value.kind_case()) {
    case v1::Value::kText: return value.text();
    case v1::Value::kDecimal: return value.decimal();
    case v1::Value::kInteger: return std::to_string(value.integer());
    case v1::Value::kBoolean: return value.boolean() ? "true" : "false";
    case v1::Value::kDate: return FormatDate(Date{value.date()});
    default: return std::nullopt;
  }
}

std::optional<std::string> KeyText(const Value& value) {
  v1::Value proto;
  wire::ToProto(value, &proto);
  return KeyText(proto);
}

}  // namespace homevisit::store
