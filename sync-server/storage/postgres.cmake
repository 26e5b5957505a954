# The PostgreSQL backend of the central database (libpq). Included by the storage
# CMakeLists; a separate target so the SQLite-only parts build without libpq if needed.
find_package(PostgreSQL REQUIRED)

add_library(homevisit_storage_postgres STATIC
  ${CMAKE_CURRENT_LIST_DIR}/postgres_storage.cc
  ${CMAKE_CURRENT_LIST_DIR}/postgres_write_txn.cc
  ${CMAKE_CURRENT_LIST_DIR}/postgres_accounts.cc
  ${CMAKE_CURRENT_LIST_DIR}/postgres_schema.cc
  ${CMAKE_CURRENT_LIST_DIR}/postgres_conn.cc
  ${CMAKE_CURRENT_LIST_DIR}/postgres_pool.cc)
target_link_libraries(homevisit_storage_postgres
  PUBLIC homevisit_storage_common
  PRIVATE PostgreSQL::PostgreSQL)
