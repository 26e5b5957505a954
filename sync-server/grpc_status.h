// The one place where a core Status becomes a gRPC status.
#pragma once

#include <grpcpp/support/status.h>

#include "core/status.h"

namespace homevisit::server {

grpc::Status ToGrpcStatus(const Status& status);

}  // namespace homevisit::server
