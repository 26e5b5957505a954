# Forms on the server: publishing form records, the `form publish|list` commands, and the
# default form (forms/home_visit.v1.json) compiled into the binary, so `serve` can publish it
# with no file to find at run time. Editing the JSON re-runs CMake, which regenerates it.
set(HOMEVISIT_DEFAULT_FORM_JSON ${PROJECT_SOURCE_DIR}/forms/home_visit.v1.json)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${HOMEVISIT_DEFAULT_FORM_JSON})
file(READ ${HOMEVISIT_DEFAULT_FORM_JSON} HOMEVISIT_DEFAULT_FORM_HEX HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," HOMEVISIT_DEFAULT_FORM_BYTES
       "${HOMEVISIT_DEFAULT_FORM_HEX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/default_form.cc.in
               ${CMAKE_CURRENT_BINARY_DIR}/default_form.cc @ONLY)

target_sources(homevisit_server PRIVATE
  ${CMAKE_CURRENT_BINARY_DIR}/default_form.cc
  ${CMAKE_CURRENT_LIST_DIR}/form_publish.cc ${CMAKE_CURRENT_LIST_DIR}/form_commands.cc
  ${CMAKE_CURRENT_LIST_DIR}/visit_check.cc)
target_link_libraries(homevisit_server PUBLIC homevisit_forms)
