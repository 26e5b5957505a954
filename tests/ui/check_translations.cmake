# Fails when a translation file has a message without its translation, so a string added
# to the UI cannot reach users untranslated. Usage: cmake -DTS=file.ts -P check_translations.cmake
file(READ ${TS} ts)
string(REGEX MATCHALL "type=\"unfinished\"" unfinished "${ts}")
string(REGEX MATCHALL "<translation></translation>|<translation/>" empty "${ts}")
list(LENGTH unfinished n_unfinished)
list(LENGTH empty n_empty)
if(n_unfinished GREATER 0 OR n_empty GREATER 0)
  message(FATAL_ERROR "${TS}: ${n_unfinished} unfinished and ${n_empty} empty translations; "
    "run lupdate (see app/ui/CMakeLists.txt) and translate them")
endif()
