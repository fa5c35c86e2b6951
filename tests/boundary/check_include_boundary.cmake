# Fails when a front-end source file can see more than AgencyService and backend/core, or when the
# program or a benchmark wires backend components itself instead of using backend/runtime.
#
#   cmake -DCOMPILE_COMMANDS=build/compile_commands.json -DSOURCE_DIR=. -DBINARY_DIR=build -P this
#
# Checked in compile_commands.json (every file compiled for ui/ and backend/http/, moc output too):
#  - ui/: no QtSql and no QtNetwork include directory.
#  - backend/http/: no QtSql include directory. QtNetwork cannot be kept off: Qt6::HttpServer
#    names Qt::Network in its INTERFACE_LINK_LIBRARIES and its public headers include QtNetwork
#    headers (QTcpServer, QHostAddress), so every QHttpServer user has QtNetwork on its path.
#  - neither: the include root of backend/db, llm, tools, ratelimit, flows, config or runtime
#    (<build>/include-roots/<layer>, cmake/AgencyLayer.cmake), nor a directory inside those layers.
# The include roots already make the compiler refuse such a header (the probes in this folder prove
# it); this check is the second line, and it also reads the front ends' own sources: they may
# include "core/…", "service/…", their own directory's headers and Qt, nothing from the other
# layers, and ui/ no QtSql/QtNetwork header.

cmake_minimum_required(VERSION 3.25) # script mode: IN_LIST, string(JSON)

if(NOT EXISTS "${COMPILE_COMMANDS}")
  message(FATAL_ERROR "${COMPILE_COMMANDS} does not exist (CMAKE_EXPORT_COMPILE_COMMANDS must be ON)")
endif()
file(READ "${COMPILE_COMMANDS}" json)
string(JSON count LENGTH "${json}")

# True when `path` starts with `prefix` (plain text: a checkout path may hold regex characters).
function(starts_with path prefix out)
  string(LENGTH "${prefix}" n)
  string(SUBSTRING "${path}" 0 ${n} head)
  if(head STREQUAL prefix)
    set(${out} TRUE PARENT_SCOPE)
  else()
    set(${out} FALSE PARENT_SCOPE)
  endif()
endfunction()

set(violations "")
set(checked 0)
set(layer_dirs "sql|db|llm|tools|ratelimit|flows|config|runtime")

math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  string(JSON file GET "${json}" ${i} file)
  set(area "")
  foreach(root IN ITEMS "${SOURCE_DIR}" "${BINARY_DIR}")
    starts_with("${file}" "${root}/ui/" in_ui)
    starts_with("${file}" "${root}/backend/http/" in_http)
    if(in_ui)
      set(area ui)
    elseif(in_http)
      set(area http)
    endif()
  endforeach()
  if(area STREQUAL "")
    continue()
  endif()
  math(EXPR checked "${checked} + 1")

  string(JSON has_arguments ERROR_VARIABLE no_arguments GET "${json}" ${i} arguments)
  if(no_arguments)
    string(JSON command GET "${json}" ${i} command)
    separate_arguments(args UNIX_COMMAND "${command}")
  else()
    string(JSON nargs LENGTH "${json}" ${i} arguments)
    math(EXPR nlast "${nargs} - 1")
    set(args "")
    foreach(j RANGE ${nlast})
      string(JSON arg GET "${json}" ${i} arguments ${j})
      list(APPEND args "${arg}")
    endforeach()
  endif()

  # Include directories: -I/-isystem/-iquote/-idirafter, joined to their value or separate.
  set(dirs "")
  set(take_next FALSE)
  foreach(arg IN LISTS args)
    if(take_next)
      list(APPEND dirs "${arg}")
      set(take_next FALSE)
    elseif(arg MATCHES "^-(I|isystem|iquote|idirafter)$")
      set(take_next TRUE)
    elseif(arg MATCHES "^-(I|isystem|iquote|idirafter)(.+)$")
      list(APPEND dirs "${CMAKE_MATCH_2}")
    endif()
  endforeach()

  foreach(dir IN LISTS dirs)
    set(why "")
    if(dir MATCHES "/QtSql(/|$)")
      set(why "QtSql")
    elseif(area STREQUAL "ui" AND dir MATCHES "/QtNetwork(/|$)")
      set(why "QtNetwork")
    else()
      foreach(layer IN ITEMS sql db llm tools ratelimit flows config runtime)
        starts_with("${dir}/" "${SOURCE_DIR}/backend/${layer}/" in_layer)
        starts_with("${dir}/" "${BINARY_DIR}/include-roots/${layer}/" in_root)
        if(in_layer OR in_root)
          set(why "a backend layer behind the service")
        endif()
      endforeach()
    endif()
    if(NOT why STREQUAL "")
      list(APPEND violations "${file}: include directory ${dir} (${why})")
    endif()
  endforeach()
endforeach()

if(checked EQUAL 0)
  message(FATAL_ERROR "no ui/ or backend/http/ file in ${COMPILE_COMMANDS}: nothing was checked")
endif()

# The front ends' own #include lines.
file(GLOB_RECURSE ui_sources "${SOURCE_DIR}/ui/*.h" "${SOURCE_DIR}/ui/*.cpp")
file(GLOB_RECURSE front_sources "${SOURCE_DIR}/ui/*.h" "${SOURCE_DIR}/ui/*.cpp"
     "${SOURCE_DIR}/backend/http/*.h" "${SOURCE_DIR}/backend/http/*.cpp")
foreach(source IN LISTS front_sources)
  file(STRINGS "${source}" includes REGEX "^[ \t]*#[ \t]*include")
  foreach(line IN LISTS includes)
    set(why "")
    if(line MATCHES "[\"<](${layer_dirs})/")
      set(why "a header of a backend layer behind the service")
    elseif(line MATCHES "<(QtSql/|QSql)")
      set(why "a QtSql header")
    elseif(source IN_LIST ui_sources AND line MATCHES
           "<(QtNetwork/|QNetwork|QTcp|QUdp|QSsl|QHostAddress|QHostInfo|QLocalSocket|QLocalServer|QDns)")
      set(why "a QtNetwork header")
    endif()
    if(NOT why STREQUAL "")
      string(STRIP "${line}" line)
      list(APPEND violations "${source}: ${line} (${why})")
    endif()
  endforeach()
endforeach()

# One wiring (DESIGN.md §1, issue 8): the program and the benchmarks get their backend from the
# composition root (backend/runtime); none of their sources builds the engine, the service or the
# provider factory itself. (Tests may build a component they test; their backends come from
# EngineFixture, which uses the root.)
file(GLOB_RECURSE wiring_sources "${SOURCE_DIR}/app/*.h" "${SOURCE_DIR}/app/*.cpp" "${SOURCE_DIR}/bench/*.h"
     "${SOURCE_DIR}/bench/*.cpp")
set(wiring_pattern "(make_unique|make_shared)<([a-z]+::)?(TurnEngine|AgencyService|ProviderFactory|RunWorker)>")
set(wiring_pattern "${wiring_pattern}|(flows::)?TurnEngine [a-zA-Z_]+[({]|(llm::)?ProviderFactory [a-zA-Z_]+[({]")
set(wiring_pattern "${wiring_pattern}|(service::)?AgencyService [a-zA-Z_]+[({]")
foreach(source IN LISTS wiring_sources)
  file(STRINGS "${source}" lines REGEX "${wiring_pattern}")
  foreach(line IN LISTS lines)
    string(STRIP "${line}" line)
    list(APPEND violations "${source}: ${line} (wiring outside the composition root backend/runtime)")
  endforeach()
endforeach()

if(violations)
  list(LENGTH violations n)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "${n} boundary violation(s) (ui/ and backend/http/ may use only AgencyService and "
                      "backend/core; only backend/runtime wires the backend; see DESIGN.md §1):\n  ${text}")
endif()
message(STATUS "front-end boundary holds: ${checked} compiled files checked")
