# Fails when a front-end source file can see more than AgencyService and backend/core, or when the
# program or a benchmark wires backend components itself instead of using backend/runtime.
#
#   cmake -DCOMPILE_COMMANDS=build/compile_commands.json -DSOURCE_DIR=. -DBINARY_DIR=build -P this
#
# Checked in compile_commands.json (every file compiled for ui/, backend/http/ and
# backend/httpserver/, moc output too):
#  - ui/: no QtSql and no QtNetwork include directory.
#  - backend/http/ and backend/httpserver/: no QtSql include directory. QtNetwork cannot be kept
#    off: Qt6::HttpServer names Qt::Network in its INTERFACE_LINK_LIBRARIES and its public headers
#    include QtNetwork headers (QTcpServer, QHostAddress), so every QHttpServer user has QtNetwork
#    on its path.
#  - none: the include root of backend/sql, db, llm, tools, ratelimit, flows, config, runtime or mcp
#    (<build>/include-roots/<layer>, cmake/AgencyLayer.cmake), nor a directory inside those layers.
#  - backend/httpserver/ (the server machinery, below the API): none of backend/service or
#    backend/http either.
# The include roots already make the compiler refuse such a header (the probes in this folder prove
# it); this check is the second line, and it also reads the front ends' own sources: they may
# include "core/…", "service/…", their own directory's headers and Qt, nothing from the other
# layers, and ui/ no QtSql/QtNetwork header; backend/http/ may also include "httpserver/…", and
# backend/httpserver/ nothing of "service/…" or "http/…". QHttpServer headers are included in
# backend/httpserver/ alone, so a Qt upgrade that changes them touches only it.

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
set(seen_areas "")
set(layer_dirs "sql|db|llm|tools|ratelimit|flows|config|runtime|mcp")

math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  string(JSON file GET "${json}" ${i} file)
  set(area "")
  foreach(root IN ITEMS "${SOURCE_DIR}" "${BINARY_DIR}")
    starts_with("${file}" "${root}/ui/" in_ui)
    starts_with("${file}" "${root}/backend/http/" in_http)
    starts_with("${file}" "${root}/backend/httpserver/" in_httpserver)
    if(in_ui)
      set(area ui)
    elseif(in_http)
      set(area http)
    elseif(in_httpserver)
      set(area httpserver)
    endif()
  endforeach()
  if(area STREQUAL "")
    continue()
  endif()
  math(EXPR checked "${checked} + 1")
  if(NOT area IN_LIST seen_areas)
    list(APPEND seen_areas ${area})
  endif()

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
      foreach(layer IN ITEMS sql db llm tools ratelimit flows config runtime mcp)
        starts_with("${dir}/" "${SOURCE_DIR}/backend/${layer}/" in_layer)
        starts_with("${dir}/" "${BINARY_DIR}/include-roots/${layer}/" in_root)
        if(in_layer OR in_root)
          set(why "a backend layer behind the service")
        endif()
      endforeach()
      if(area STREQUAL "httpserver")
        foreach(layer IN ITEMS service http)
          starts_with("${dir}/" "${SOURCE_DIR}/backend/${layer}/" in_layer)
          if(in_layer)
            set(why "the server machinery sees no service and no API")
          endif()
        endforeach()
      endif()
    endif()
    if(NOT why STREQUAL "")
      list(APPEND violations "${file}: include directory ${dir} (${why})")
    endif()
  endforeach()
endforeach()

if(checked EQUAL 0)
  message(FATAL_ERROR "no ui/, backend/http/ or backend/httpserver/ file in ${COMPILE_COMMANDS}: nothing was "
                      "checked")
endif()
# Both HTTP areas must have been seen (ui/ is optional): a renamed folder would otherwise drop out of the check unnoticed.
foreach(required IN ITEMS http httpserver)
  if(NOT required IN_LIST seen_areas)
    message(FATAL_ERROR "no ${required} file in ${COMPILE_COMMANDS}: that area was not checked")
  endif()
endforeach()

# The front ends' own #include lines.
file(GLOB_RECURSE ui_sources "${SOURCE_DIR}/ui/*.h" "${SOURCE_DIR}/ui/*.cpp")
file(GLOB_RECURSE machinery_sources "${SOURCE_DIR}/backend/httpserver/*.h"
     "${SOURCE_DIR}/backend/httpserver/*.cpp")
file(GLOB_RECURSE front_sources "${SOURCE_DIR}/ui/*.h" "${SOURCE_DIR}/ui/*.cpp"
     "${SOURCE_DIR}/backend/http/*.h" "${SOURCE_DIR}/backend/http/*.cpp")
list(APPEND front_sources ${machinery_sources})
foreach(source IN LISTS front_sources)
  file(STRINGS "${source}" includes REGEX "^[ \t]*#[ \t]*include")
  foreach(line IN LISTS includes)
    set(why "")
    if(line MATCHES "[\"<](${layer_dirs})/")
      set(why "a header of a backend layer behind the service")
    elseif(source IN_LIST machinery_sources AND line MATCHES "[\"<](service|http)/")
      set(why "the server machinery includes the service or the API")
    elseif(NOT source IN_LIST machinery_sources AND line MATCHES "<(QtHttpServer/|QHttpServer|QAbstractHttpServer)")
      set(why "a QHttpServer header outside backend/httpserver/")
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

# One wiring (docs/design.md#layers): the program and the benchmarks get their backend from the
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
                      "backend/core, backend/httpserver/ only backend/core; only backend/runtime wires the "
                      "backend; see docs/design.md#layers):\n  ${text}")
endif()
message(STATUS "front-end boundary holds: ${checked} compiled files checked")
