# The blob store and the Blobs gRPC service (homevisit_blob_server). Included by whoever
# needs it first: sync-server/CMakeLists.txt for the server, the blob tests, the benchmark.
if(NOT TARGET homevisit_blob_server)
  find_library(HOMEVISIT_SODIUM_LIBRARY sodium REQUIRED)
  add_library(homevisit_blob_server STATIC
    ${CMAKE_CURRENT_LIST_DIR}/blob_store.cc ${CMAKE_CURRENT_LIST_DIR}/blob_service.cc
    ${CMAKE_CURRENT_LIST_DIR}/grpc_status.cc)
  target_link_libraries(homevisit_blob_server
    PUBLIC homevisit_core homevisit_proto PRIVATE ${HOMEVISIT_SODIUM_LIBRARY})
endif()

# The access rules over the central database (needs the storage library of the sync server).
if(TARGET homevisit_storage AND NOT TARGET homevisit_blob_access)
  add_library(homevisit_blob_access STATIC ${CMAKE_CURRENT_LIST_DIR}/blob_access.cc)
  target_link_libraries(homevisit_blob_access
    PUBLIC homevisit_blob_server homevisit_storage PRIVATE ${HOMEVISIT_SODIUM_LIBRARY})
endif()
