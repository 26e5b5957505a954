// zstd frames for message bodies that the sender compresses itself (ChangeBatch.zstd,
// PushRequest.zstd): zstd at a low level costs several times less CPU than the transport's
// gzip for about the same bytes on these records.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"
#include "google/protobuf/message_lite.h"

namespace homevisit::wire {

// `message` serialized and compressed into one frame that records its own size.
std::string CompressMessage(const google::protobuf::MessageLite& message);

// Decompresses one frame of at most `max_bytes` decompressed bytes and parses it into
// *message. InvalidArgument for a damaged frame or one that does not state its size;
// ResourceExhausted for one larger than `max_bytes` (refused before anything is allocated).
Status DecompressMessage(std::string_view frame, size_t max_bytes,
                         google::protobuf::MessageLite* message);

}  // namespace homevisit::wire
