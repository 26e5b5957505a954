// Photo downscaling on the device, before a photo is stored and synced: a rural upload of
// a visit's photos must be small. The header is free of Qt so any layer can call it; only
// the implementation (homevisit_photo) links Qt6::Gui.
//
// Contract of DownscalePhoto:
//  * The result is a JPEG whose longest side is at most longest_side_px (never upscaled),
//    turned upright according to the camera's EXIF orientation.
//  * It is always re-encoded, so no metadata of the original (EXIF: GPS position, phone
//    model, time) leaves the device inside the file.
//  * Transparent areas (PNG screenshots, signatures) become white.
//  * Bad input changes nothing and gets a clear error: not an image (kInvalidArgument),
//    too many bytes or pixels (kResourceExhausted; guards against decompression bombs).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace homevisit::photo {

struct DownscaleOptions {
  int longest_side_px = 1600;  // 64..10000
  int jpeg_quality = 80;       // 1..100
  uint64_t max_input_bytes = 40ull << 20;
  int64_t max_input_pixels = 120'000'000;  // a 108 MP phone camera still fits
};

struct DownscaledPhoto {
  std::string jpeg;  // the encoded result
  int width = 0;     // of the result, upright
  int height = 0;
  int source_width = 0;  // of the original as decoded, before turning upright
  int source_height = 0;
};

Result<DownscaledPhoto> DownscalePhoto(std::string_view encoded,
                                       const DownscaleOptions& options = {});

}  // namespace homevisit::photo
