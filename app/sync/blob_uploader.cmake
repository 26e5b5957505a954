# The client side of attachments (homevisit_blob_client): resumable upload and download of
# one blob. No Qt. Included by app/sync's CMakeLists, the blob tests or the benchmark.
if(NOT TARGET homevisit_blob_client)
  find_library(HOMEVISIT_SODIUM_LIBRARY sodium REQUIRED)
  add_library(homevisit_blob_client STATIC ${CMAKE_CURRENT_LIST_DIR}/blob_uploader.cc)
  target_link_libraries(homevisit_blob_client
    PUBLIC homevisit_core homevisit_proto PRIVATE ${HOMEVISIT_SODIUM_LIBRARY})
endif()
