# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# bpf_skeleton(NAME [SOURCE file.bpf.c] [FLAGS -D...]): bpf/NAME.bpf.c (or
# SOURCE, compiled with FLAGS) -> NAME.bpf.o -> NAME.skel.h (struct NAME_bpf), in the
# manner of libbpf-bootstrap's FindBpfObject. Every header under bpf/ and
# vmlinux.h are dependencies, so an ABI edit rebuilds the skeleton.

find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
find_program(BPF_STRIP NAMES llvm-strip llvm-strip-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|amd64|AMD64")
  set(BPF_ARCH x86)
else()
  message(FATAL_ERROR "bpfwatch: no vmlinux.h for ${CMAKE_SYSTEM_PROCESSOR} yet (see scripts/gen-vmlinux)")
endif()
set(BPF_VMLINUX_DIR ${PROJECT_SOURCE_DIR}/vmlinux/${BPF_ARCH})
set(BPF_SKEL_DIR ${CMAKE_BINARY_DIR}/bpf)
file(MAKE_DIRECTORY ${BPF_SKEL_DIR})

function(bpf_skeleton name)
  cmake_parse_arguments(ARG "" "SOURCE" "FLAGS" ${ARGN})
  set(src ${PROJECT_SOURCE_DIR}/bpf/${name}.bpf.c)
  if(ARG_SOURCE)
    set(src ${ARG_SOURCE})
  endif()
  set(obj ${BPF_SKEL_DIR}/${name}.bpf.o)
  set(skel ${BPF_SKEL_DIR}/${name}.skel.h)
  file(GLOB hdrs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/bpf/*.h)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${BPF_CLANG} -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_${BPF_ARCH} ${ARG_FLAGS}
            -I${PROJECT_SOURCE_DIR}/bpf -I${BPF_VMLINUX_DIR} -c ${src} -o ${obj}
    COMMAND ${BPF_STRIP} -g ${obj}
    DEPENDS ${src} ${hdrs} ${BPF_VMLINUX_DIR}/vmlinux.h
    COMMENT "BPF ${name}.bpf.c"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND sh -c "${BPFTOOL} gen skeleton ${obj} name ${name}_bpf > ${skel}.tmp && mv ${skel}.tmp ${skel}"
    DEPENDS ${obj}
    COMMENT "skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel DEPENDS ${skel})
endfunction()
