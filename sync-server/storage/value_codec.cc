#include "sync-server/storage/value_codec.h"

#include "proto/wire.h"

namespace homevisit::server {

std::string EncodeValue(const Value& value) {
  v1::Value proto;
  wire::ToProto(value, &proto);
  std::string out;
  proto.SerializeToString(&out);
  return out;
}

Result<Value> DecodeValue(std::string_view bytes) {
  v1::Value proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Internal("database: a stored value does not decode (damaged database?)");
  }
  auto value = wire::FromProto(proto);
  if (!value.ok()) return Internal("database: a stored value is invalid: " + value.status().message());
  return std::move(value).value();
}

}  // namespace homevisit::server
