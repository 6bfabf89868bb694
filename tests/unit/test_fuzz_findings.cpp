// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What tests/fuzz found, kept: each crashing input (fixtures/fuzz/, as the
// fuzzer wrote it) now gets the parser's one clear error, and the numbers
// runtimes hand over are range-checked (targets/numbers.h) rather than
// wrapped into another process's pid.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "targets/containerd.h"
#include "targets/crio.h"
#include "targets/docker.h"
#include "targets/numbers.h"
#include "targets/runtime_events.h"
#include "test_targets_fixture.h"

namespace bpfwatch {
namespace {

using test::fixture;

RuntimeFailure failure_of(const std::function<void()> &parse)
{
	try {
		parse();
	} catch (const RuntimeError &e) {
		return e.kind();
	}
	ADD_FAILURE() << "no RuntimeError";
	return RuntimeFailure::failed;
}

// fuzz_podman_json: "Pid": 6e44 (too large for any integer, so a double)
// was converted to int by nlohmann's get<int>(): undefined behaviour,
// reported by UBSan.
TEST(FuzzFindings, PodmanPsPidTooLargeIsMalformed)
{
	std::string json = fixture("../fuzz/podman_ps_pid_6e44.json");
	EXPECT_EQ(failure_of([&] { parse_container_list(json); }), RuntimeFailure::malformed);
	try {
		parse_container_list(json);
	} catch (const RuntimeError &e) {
		EXPECT_EQ(std::string(e.what()).rfind("container list: \"Pid\" is not a whole number from 0 to "
						      "2147483647: ",
						      0),
			  0u)
			<< e.what();
	}
}

// fuzz_containerd: a 30-digit PID in `ctr tasks ls` made std::stol throw
// std::out_of_range, which no caller catches; a 10-digit one wrapped.
TEST(FuzzFindings, CtrTasksPidTooLargeIsMalformed)
{
	std::string table = fixture("../fuzz/containerd_ctr_tasks_pid_overflow.txt");
	EXPECT_EQ(failure_of([&] { parse_ctr_tasks(table); }), RuntimeFailure::malformed);
	EXPECT_EQ(failure_of([] { parse_ctr_tasks("TASK PID STATUS\nweb 4294967297 RUNNING\n"); }),
		  RuntimeFailure::malformed)
		<< "2^32 + 1 is no pid, and certainly not pid 1";
	auto tasks = parse_ctr_tasks("TASK PID STATUS\nweb 2147483647 RUNNING\nold 0 STOPPED\n");
	ASSERT_EQ(tasks.size(), 2u);
	EXPECT_EQ(tasks[0].pid, 2147483647);
	EXPECT_EQ(tasks[1].pid, 0);
}

// fuzz_docker_json, fuzz_podman_json: a number too large for a double
// ("5e05281") makes nlohmann's parser throw out_of_range, not parse_error:
// it escaped the parsers' catch, and so every caller's.
TEST(FuzzFindings, JsonNumberOverflowIsMalformed)
{
	std::string inspect = fixture("../fuzz/docker_inspect_number_overflow.json");
	EXPECT_EQ(failure_of([&] { parse_container_inspect(inspect); }), RuntimeFailure::malformed);
	std::string list = fixture("../fuzz/podman_ps_number_overflow.json");
	EXPECT_EQ(failure_of([&] { parse_container_list(list); }), RuntimeFailure::malformed);
	EXPECT_EQ(failure_of([] { parse_container_list("[1e999]"); }), RuntimeFailure::malformed);
	EXPECT_EQ(failure_of([] { parse_container_inspect(R"({"Id":"a","RestartCount":-1e999})"); }),
		  RuntimeFailure::malformed);
}

TEST(FuzzFindings, JsonPidsAndCountsAreRangeChecked)
{
	auto pid = [](const char *value) {
		auto j = nlohmann::json::parse(std::string(R"({"Pid":)") + value + "}");
		return natural_or<pid_t>(j, "Pid", -1, "test");
	};
	EXPECT_EQ(pid("4242"), 4242);
	EXPECT_EQ(pid("0"), 0);
	EXPECT_EQ(pid("null"), -1) << "null is Docker's absent";
	for (const char *bad : {"4294967297", "-1", "6e44", "1.5", "\"42\"", "[]", "18446744073709551616"})
		EXPECT_THROW(pid(bad), RuntimeError) << bad;
	auto inspect = [](const char *count) {
		return parse_container_inspect(std::string(R"({"Id":"a","RestartCount":)") + count + "}");
	};
	EXPECT_EQ(inspect("3").restart_count, 3);
	EXPECT_THROW(inspect("3000000000"), RuntimeError);
	EXPECT_THROW(parse_crio_container(R"({"pid":1e300})", "abc"), RuntimeError);
	EXPECT_EQ(parse_crio_container(R"({"pid":77})", "abc").pid, 77);
}

TEST(FuzzFindings, PidTextIsDigitsThatFit)
{
	EXPECT_EQ(parse_pid("4242"), 4242);
	EXPECT_EQ(parse_pid("4242\n"), 4242) << "a pid file";
	EXPECT_EQ(parse_pid("2147483647"), 2147483647);
	for (const char *bad : {"", "\n", "2147483648", "4294967297", "-1", "+1", " 1", "1 ", "0x10", "12a"})
		EXPECT_FALSE(parse_pid(bad)) << '"' << bad << '"';
}

// fuzz_docker_events (found in CI): an Action that starts with ':' or ' '
// cut to its first word was empty, and the event went on without a verb.
TEST(FuzzFindings, AnEventWithoutAVerbIsNoEvent)
{
	const std::string tail = R"(","Actor":{"ID":"abc"}})";
	for (const char *action : {":", " start", ": die"})
		EXPECT_FALSE(parse_container_event(std::string(R"({"Type":"container","Action":")") + action + tail))
			<< '"' << action << '"';
	auto e = parse_container_event(std::string(R"({"Type":"container","Action":"exec_start: sh -c x)") + tail);
	ASSERT_TRUE(e);
	EXPECT_EQ(e->action, "exec_start");
	EXPECT_EQ(e->id, "abc");
}

} // namespace
} // namespace bpfwatch
