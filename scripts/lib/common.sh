# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
# Shared helpers for scripts/* and tests/e2e/support/*. Source it, do not run it:
#   . "$(dirname "$0")/lib/common.sh"
# Sets BPFWATCH_ROOT (the repo) and BPFWATCH_BUILD_DIR (default $BPFWATCH_ROOT/build).

# Debian keeps bpftool, dockerd and mount in sbin; a normal user's PATH may not.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac
export PATH

BPFWATCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BPFWATCH_BUILD_DIR="${BPFWATCH_BUILD_DIR:-$BPFWATCH_ROOT/build}"
_bw_prog="${0##*/}"

# die MESSAGE: one line on stderr, exit 1.
die() { printf '%s: error: %s\n' "$_bw_prog" "$*" >&2; exit 1; }
# note MESSAGE: one line on stderr (progress that is worth telling).
note() { printf '%s: %s\n' "$_bw_prog" "$*" >&2; }

need_root() {
	[[ $(id -u) -eq 0 ]] || die "must run as root: run with sudo ($0 needs root)"
}

have() { command -v "$1" >/dev/null 2>&1; }

# tracefs_mounted: true when classic tracepoints can be attached (libbpf and
# bpftrace look at /sys/kernel/tracing, then /sys/kernel/debug/tracing).
tracefs_mounted() {
	[[ -e /sys/kernel/tracing/events ]] || [[ -e /sys/kernel/debug/tracing/events ]]
}

# ensure_tracefs: mount tracefs at /sys/kernel/tracing unless already there.
ensure_tracefs() {
	tracefs_mounted && return 0
	need_root
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null ||
		die "cannot mount tracefs at /sys/kernel/tracing (mount -t tracefs tracefs /sys/kernel/tracing failed)"
	note "mounted tracefs at /sys/kernel/tracing"
}

# ctest_all_ran BUILD_DIR [CTEST_ARGS...]: ctest --output-on-failure, with
# a green result only when every selected test ran and passed. ctest itself
# passes a run whose tests were skipped or disabled; its JUnit report says
# which (each <testcase> carries status="run", "fail", "notrun" with a
# <skipped/>, or "disabled"), so any status but "run" is named and fails.
# No test selected is a failure too. Returns ctest's status or 1.
ctest_all_ran() {
	local build=$1 status=0 not_run
	shift
	# Absolute: ctest takes a relative --output-junit from the build dir.
	local junit
	junit="$(cd "$build" && pwd)/ctest-junit.xml" || return 1
	rm -f "$junit"
	ctest --test-dir "$build" --output-on-failure --no-tests=error --output-junit "$junit" "$@" || status=$?
	[[ $status -eq 0 ]] || return "$status"
	if [[ ! -s $junit ]]; then
		note "ctest wrote no report to $junit: cannot tell whether every test ran"
		return 1
	fi
	not_run=$(grep -oE '<testcase name="[^"]*"[^>]*status="[^"]*"' "$junit" |
		sed -nE '/status="run"$/d; s/^<testcase name="([^"]*)".*status="([^"]*)"$/\1 (\2)/; s/\(notrun\)$/(skipped)/; p')
	if [[ -n $not_run ]]; then
		local -a names
		mapfile -t names <<<"$not_run"
		note "${#names[@]} test(s) did not run (skipped or disabled); here that is a failure:"
		printf '  %s\n' "${names[@]}" >&2
		return 1
	fi
}

# Phase timing: `phase NAME CMD...` runs CMD and, when BPFWATCH_TIMING=1 (or
# CI=true), prints how long it took. `phase_summary` prints all of them.
_bw_phases=()
phase() {
	local name=$1 start end rc=0
	shift
	start=$(date +%s.%N)
	"$@" || rc=$?
	end=$(date +%s.%N)
	local secs
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	_bw_phases+=("$(printf '%-8s %7ss%s' "$name" "$secs" "$([[ $rc -eq 0 ]] || echo "  (exit $rc)")")")
	if [[ ${BPFWATCH_TIMING:-} == 1 || ${CI:-} == true ]]; then
		printf '%s: phase %s: %ss%s\n' "$_bw_prog" "$name" "$secs" \
			"$([[ $rc -eq 0 ]] || echo " (exit $rc)")" >&2
	fi
	return "$rc"
}
phase_summary() {
	[[ ${BPFWATCH_TIMING:-} == 1 || ${CI:-} == true ]] || return 0
	printf '%s: timing\n' "$_bw_prog" >&2
	local p
	for p in "${_bw_phases[@]}"; do printf '  %s\n' "$p" >&2; done
}

# print_usage: the script's header comment (after the SPDX line), as help text.
print_usage() {
	awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"
}
