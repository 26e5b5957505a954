#include "zstd_frame.h"

#include <zstd.h>

namespace homevisit::wire {

namespace {
// Level 1: the fastest of the standard levels; on pulled and pushed records it compresses
// about as well as gzip's default (measured with bench/sync_bench).
constexpr int kLevel = 1;
}  // namespace

std::string CompressMessage(const google::protobuf::MessageLite& message) {
  const std::string plain = message.SerializeAsString();
  std::string frame(ZSTD_compressBound(plain.size()), '\0');
  const size_t n = ZSTD_compress(frame.data(), frame.size(), plain.data(), plain.size(), kLevel);
  // Cannot fail with a bound-sized buffer; an error code would show as a damaged frame.
  frame.resize(ZSTD_isError(n) ? 0 : n);
  return frame;
}

Status DecompressMessage(std::string_view frame, size_t max_bytes,
                         google::protobuf::MessageLite* message) {
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR) return InvalidArgument("a compressed body is damaged");
  if (size == ZSTD_CONTENTSIZE_UNKNOWN) return InvalidArgument("a compressed body does not state its size");
  if (size > max_bytes) {
    return Status(StatusCode::kResourceExhausted,
                  "a compressed body holds " + std::to_string(size) + " bytes; the limit is " +
                      std::to_string(max_bytes) + ": send smaller batches");
  }
  std::string plain(size, '\0');
  const size_t n = ZSTD_decompress(plain.data(), plain.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != size) return InvalidArgument("a compressed body is damaged");
  if (!message->ParseFromString(plain)) return InvalidArgument("a compressed body does not decode");
  return Status::Ok();
}

}  // namespace homevisit::wire
