// Lower-case hexadecimal text of bytes (tokens, SHA-256 digests, attachment names) and back.
#pragma once

#include <string>
#include <string_view>

namespace homevisit {

std::string ToHex(std::string_view bytes);
// False, leaving *out unspecified, unless `hex` is an even-length run of hex digits (either
// case).
bool FromHex(std::string_view hex, std::string* out);

}  // namespace homevisit
