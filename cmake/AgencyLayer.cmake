# One include root per layer, so the compiler enforces the layering (docs/design.md#layers).
#
#   agency_layer(<target> <dir> [PARENT <folder>])
#
# Makes <target>'s headers includable as "<dir>/header.h" through a folder of its own,
# ${CMAKE_BINARY_DIR}/include-roots/<dir>, that holds nothing but a symbolic link
# <dir> -> <folder>/<dir> (<folder> defaults to ${PROJECT_SOURCE_DIR}/backend; ui/ and app/ pass
# PARENT ${PROJECT_SOURCE_DIR}). That folder is the target's PUBLIC include directory, so the
# link lines decide what a target sees: a target sees its own headers and those of the libraries
# it links, and of their PUBLIC dependencies; a library linked PRIVATE (agency_service's layers)
# stays invisible to whoever links the target. Including the header of a layer the target does
# not link fails with "No such file or directory" (tests/boundary proves it).
#
# A new layer: add_library(agency_<dir> …), then agency_layer(agency_<dir> <dir>) in its
# CMakeLists.txt instead of any target_include_directories.
function(agency_layer target dir)
  cmake_parse_arguments(ARG "" "PARENT" "" ${ARGN})
  if(NOT ARG_PARENT)
    set(ARG_PARENT ${PROJECT_SOURCE_DIR}/backend)
  endif()
  set(root ${CMAKE_BINARY_DIR}/include-roots/${dir})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${ARG_PARENT}/${dir} ${root}/${dir} SYMBOLIC)
  target_include_directories(${target} PUBLIC ${root})
endfunction()
