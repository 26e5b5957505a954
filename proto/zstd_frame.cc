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
  // One context per thread, reused: a context's tables cost more than a small batch's
  // compression. The frame states its size and carries a checksum of its content, so a
  // damaged frame is refused rather than read as other records (gzip had its CRC-32).
  struct Context {
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    Context() {
      ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, kLevel);
      ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
      ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
    }
    ~Context() { ZSTD_freeCCtx(cctx); }
  };
  thread_local Context context;
  std::string frame(ZSTD_compressBound(plain.size()), '\0');
  const size_t n =
      ZSTD_compress2(context.cctx, frame.data(), frame.size(), plain.data(), plain.size());
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
  // Frames carry a content checksum (CompressMessage): one without it is not ours. The
  // header descriptor follows the 4-byte magic; its bit 2 is the checksum flag.
  if (frame.size() < 5 || (static_cast<unsigned char>(frame[4]) & 0x04) == 0) {
    return InvalidArgument("a compressed body has no checksum");
  }
  std::string plain(size, '\0');
  const size_t n = ZSTD_decompress(plain.data(), plain.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != size) return InvalidArgument("a compressed body is damaged");
  if (!message->ParseFromString(plain)) return InvalidArgument("a compressed body does not decode");
  return Status::Ok();
}

}  // namespace homevisit::wire
