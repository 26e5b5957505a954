// Attachments on the device: putting a file into the device's blob directory and onto a
// record. The sync client's attachment phases (SyncClient::SendBlobs, PrefetchBlobs,
// FetchBlob) are in blob_sync.cc.
#pragma once

#include <string>
#include <string_view>

#include "app/store/device_store.h"
#include "core/status.h"
#include "core/uuid.h"

namespace homevisit::sync {

// The device setting that makes every sync fetch the attachments of pulled records:
// "on" or "off" (the default). The app turns it on for good networks (Wi-Fi).
inline constexpr char kPrefetchBlobsSetting[] = "prefetch_blobs";

// Largest attachment a device stores (the server's default limit).
inline constexpr uint64_t kMaxLocalBlobBytes = 10ull << 20;

// Stores `content` in the device's blob directory under its SHA-256 (written to a temporary
// file, fsynced, renamed) and sets `field` of record `id` to a reference to it, noting it
// for upload at the next sync. Returns the SHA-256 (32 raw bytes). Photos are downscaled
// before they get here (app/photo). InvalidArgument for empty or oversized content;
// otherwise the errors of DeviceStore::AttachBlob; kUnavailable if the file cannot be
// written.
Result<std::string> AttachContent(store::DeviceStore& store, const Uuid& id,
                                  const std::string& field, std::string_view content);

}  // namespace homevisit::sync
