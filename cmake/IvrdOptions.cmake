# Project-wide compile settings carried by one INTERFACE target, so every
# library and program opts in with a single target_link_libraries line.
add_library(ivrd_options INTERFACE)
add_library(ivrd::options ALIAS ivrd_options)

target_compile_options(ivrd_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  # Kernels must round the same way in every instruction-set variant:
  # never let the compiler fuse a multiply and an add on its own.
  -ffp-contract=off)
if(IVRD_WERROR)
  target_compile_options(ivrd_options INTERFACE -Werror)
endif()
if(IVRD_SANITIZE)
  target_compile_options(ivrd_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(ivrd_options INTERFACE -fsanitize=address,undefined)
  # Sanitizer instrumentation makes GCC 12 report maybe-uninitialized inside
  # libstdc++ (std::function, std::regex); the -Werror build keeps the check.
  target_compile_options(ivrd_options INTERFACE -Wno-maybe-uninitialized)
endif()

# ivrd_isa_sources(<target> <isa> <files...>): compile instruction-set specific
# kernels with that set's flags only, never a global -march, so one binary
# runs on every x86-64 CPU and picks its kernels at run time.
function(ivrd_isa_sources target isa)
  if(isa STREQUAL "sse41")
    set(flags -msse4.1)
  elseif(isa STREQUAL "avx2")
    set(flags -mavx2 -mfma -mbmi2)
  elseif(isa STREQUAL "avx512")
    # GCC 12's AVX-512 headers build "undefined" registers by self-assignment
    # and then warn about them (GCC bug 105593); the warning is theirs.
    set(flags -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx2 -mfma -mbmi2
        -Wno-uninitialized -Wno-maybe-uninitialized)
  else()
    message(FATAL_ERROR "unknown instruction set '${isa}'")
  endif()
  target_sources(${target} PRIVATE ${ARGN})
  set_source_files_properties(${ARGN} TARGET_DIRECTORY ${target}
    PROPERTIES COMPILE_OPTIONS "${flags}")
endfunction()
