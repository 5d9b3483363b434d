# CMake toolchain file used by every build script through .cargo/config.toml.
#
# v8x builds WAMR (the QuickJS backend's WebAssembly engine) with CMake, and WAMR's
# CMake fetches the SIMDe headers from the network with FetchContent. Where SIMDe is
# installed locally (Debian: libsimde-dev), point FetchContent at it so the build
# never needs the network. `find_path` finds nothing inside a toolchain file, so test
# candidate directories directly. SIMDE_INCLUDE_DIR (environment) is tried first.
foreach(_qirvo_dir "$ENV{SIMDE_INCLUDE_DIR}" /usr/include /usr/local/include /opt/homebrew/include)
  if(_qirvo_dir AND EXISTS "${_qirvo_dir}/simde/simde-common.h")
    set(FETCHCONTENT_SOURCE_DIR_SIMDE "${_qirvo_dir}" CACHE PATH "Local SIMDe headers (parent of simde/)" FORCE)
    break()
  endif()
endforeach()
