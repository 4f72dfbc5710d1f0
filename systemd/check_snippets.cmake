# Checks ivrd's systemd files with systemd's own tools, failing on any error
# and on any warning that names the file being checked (the tools exit 0 for
# some warnings, such as an unknown key).
#
#   cmake -DCHECK=unit     -DUNIT=<dir>/ivrd.service                 -P check_snippets.cmake
#   cmake -DCHECK=sysusers -DSYSUSERS=ivrd.sysusers -DROOT=<tmp dir> -P check_snippets.cmake
#   cmake -DCHECK=tmpfiles -DSYSUSERS=... -DTMPFILES=ivrd.tmpfiles -DROOT=<tmp dir> -P ...
#
# sysusers: systemd-sysusers creates the users and groups in ROOT's own
# /etc/passwd and /etc/group, which are then read back. tmpfiles: after the
# same, systemd-tmpfiles --create makes the directories under ROOT, whose
# owners and modes are then compared with the users just created (this needs
# root, to chown; without it the script says so and the test is reported as
# skipped).
cmake_minimum_required(VERSION 3.25)

function(run_tool name file)
  execute_process(COMMAND ${ARGN}
    RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("${out}${err}")
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${name} failed (${result}) on ${file}")
  endif()
  get_filename_component(base "${file}" NAME)
  string(REPLACE "\n" ";" lines "${out}${err}")
  foreach(line IN LISTS lines)
    string(FIND "${line}" "${base}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "${name} warns about ${base}: ${line}")
    endif()
  endforeach()
endfunction()

# The field `index` (0-based) of the line of a passwd-style file whose first
# field is `name`.
function(passwd_field file name index out_var)
  file(STRINGS "${file}" lines REGEX "^${name}:")
  if(NOT lines)
    message(FATAL_ERROR "no '${name}' in ${file}")
  endif()
  list(GET lines 0 line)
  string(REPLACE ":" ";" fields "${line}")
  list(LENGTH fields count)
  if(index LESS count)
    list(GET fields ${index} value)
  else()
    set(value "")
  endif()
  set(${out_var} "${value}" PARENT_SCOPE)
endfunction()

function(create_users)
  file(REMOVE_RECURSE "${ROOT}")
  file(MAKE_DIRECTORY "${ROOT}/etc")
  find_program(SYSUSERS_TOOL systemd-sysusers REQUIRED)
  run_tool(systemd-sysusers "${SYSUSERS_FILE}" ${SYSUSERS_TOOL} --root=${ROOT} ${SYSUSERS_FILE})
endfunction()

function(expect what actual expected)
  if(NOT "${actual}" STREQUAL "${expected}")
    message(FATAL_ERROR "${what}: '${actual}', expected '${expected}'")
  endif()
endfunction()

if(CHECK STREQUAL "unit")
  find_program(ANALYZE_TOOL systemd-analyze REQUIRED)
  run_tool("systemd-analyze verify" "${UNIT}" ${ANALYZE_TOOL} verify ${UNIT})
elseif(CHECK STREQUAL "sysusers")
  set(SYSUSERS_FILE "${SYSUSERS}")
  create_users()
  passwd_field("${ROOT}/etc/passwd" ivrd 5 home)
  passwd_field("${ROOT}/etc/passwd" ivrd 3 primary_gid)
  passwd_field("${ROOT}/etc/group" ivrd 2 ivrd_gid)
  expect("ivrd's home" "${home}" "/var/lib/ivrd")
  expect("ivrd's primary group" "${primary_gid}" "${ivrd_gid}")
  foreach(group dahdi audio)
    passwd_field("${ROOT}/etc/group" ${group} 3 members)
    expect("members of ${group}" "${members}" "ivrd")
  endforeach()
elseif(CHECK STREQUAL "tmpfiles")
  execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT uid STREQUAL "0")
    message("SKIPPED: systemd-tmpfiles must run as root to give the directories their owners")
    return()
  endif()
  set(SYSUSERS_FILE "${SYSUSERS}")
  create_users()
  find_program(TMPFILES_TOOL systemd-tmpfiles REQUIRED)
  run_tool(systemd-tmpfiles "${TMPFILES}" ${TMPFILES_TOOL} --root=${ROOT} --create ${TMPFILES})
  passwd_field("${ROOT}/etc/passwd" ivrd 2 ivrd_uid)
  passwd_field("${ROOT}/etc/group" ivrd 2 ivrd_gid)
  foreach(check "var/lib/ivrd;${ivrd_uid}:${ivrd_gid} 750" "etc/ivrd;0:${ivrd_gid} 750")
    list(GET check 0 dir)
    list(GET check 1 expected)
    execute_process(COMMAND stat -c "%u:%g %a" "${ROOT}/${dir}"
      RESULT_VARIABLE result OUTPUT_VARIABLE actual OUTPUT_STRIP_TRAILING_WHITESPACE)
    expect("/${dir}" "${actual}" "${expected}")
  endforeach()
else()
  message(FATAL_ERROR "CHECK must be unit, sysusers or tmpfiles")
endif()
