# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
# sanitizer_build DIR TARGET [CMAKE_ARGS...]: configure DIR with clang and
# CMAKE_ARGS (cmake/Sanitizers.cmake) unless already configured so, then
# build TARGET and what it links, -j$(nproc). The configure log is
# DIR/configure.log, the build's DIR/build.log; on failure their tail is
# printed. Source after lib/common.sh; scripts/fuzz and scripts/test-asan
# use it.
sanitizer_build() {
	local dir=$1 target=$2
	shift 2
	local args=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ "$@")
	if ! "$BPFWATCH_ROOT/scripts/install-deps" --check --build 2>/dev/null; then
		[[ $(id -u) -eq 0 ]] || die "build packages missing: run sudo scripts/install-deps --build"
		"$BPFWATCH_ROOT/scripts/install-deps" --build
	fi
	mkdir -p "$dir" || die "cannot create $dir"
	exec 8>"$dir/.scripts-build.lock"
	flock 8
	# Configured with these very arguments: the cache is up to date.
	if [[ ! -f $dir/CMakeCache.txt || "$(cat "$dir/.configure-args" 2>/dev/null)" != "${args[*]}" ]]; then
		if ! cmake -S "$BPFWATCH_ROOT" -B "$dir" "${args[@]}" >"$dir/configure.log" 2>&1; then
			grep -E -A5 'CMake (Error|Warning)' "$dir/configure.log" >&2 || tail -n 30 "$dir/configure.log" >&2
			die "cmake configure of $dir failed (full log: $dir/configure.log)"
		fi
		printf '%s' "${args[*]}" >"$dir/.configure-args"
	fi
	if ! cmake --build "$dir" --target "$target" -j"$(nproc)" >"$dir/build.log" 2>&1; then
		grep -E -B2 -A6 'error:|Error [0-9]' "$dir/build.log" | head -n 60 >&2
		die "build of $target in $dir failed (full log: $dir/build.log)"
	fi
	exec 8>&-
}
