// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// bpf/bpfwatch.h for C++: the one ABI header, with its layout pinned so an
// edit on one side cannot silently skew the other. Included by probe/
// only: the layers above get plain C++ types (record.h, delivery.h).
#pragma once

#include <linux/types.h>

#include <cstddef>
#include <cstdint>

#include "bpfwatch.h"

static_assert(sizeof(struct bw_counts) == 24);
static_assert(sizeof(struct bw_in_counts) == 40);
static_assert(sizeof(struct bw_totals) == 7 * 24 + 8 + BW_KIND_MAX * 40);
static_assert(offsetof(struct bw_totals, in) == 7 * 24 + 8);
static_assert(sizeof(struct bw_log_files) == 32);
static_assert(sizeof(struct bw_dest) == 8 + BW_UNIX_PATH_LEN);
static_assert(offsetof(struct bw_dest, addr) == 8);
static_assert(sizeof(struct bw_rec) == 16, "four default records to a cache line");
static_assert(offsetof(struct bw_rec, views) == 15);
static_assert(sizeof(struct bw_rec_trace) == 24 + BW_COMM_LEN);
static_assert(BW_REC_SIZE(BW_REC_TRACE | BW_REC_DEST) == 104);
static_assert(offsetof(struct bw_batch, data) == 24 + 3 * sizeof(struct bw_dest));
static_assert(BW_KIND_MAX == 5 && BW_SYS_MAX == 17 && BW_SYS_FIRST_INPUT == 9);

// Delivery (bpf/delivery.bpf.c).
static_assert(sizeof(struct bw_peer) == 24);
static_assert(offsetof(struct bw_peer, addr) == 8);
static_assert(sizeof(struct bw_peer_key) == 32);
static_assert(sizeof(struct bw_tcp_peer) == 12 * 8);
static_assert(sizeof(struct bw_tcp_sock) == 88);
static_assert(offsetof(struct bw_tcp_sock, acked) == 32);
static_assert(offsetof(struct bw_tcp_sock, unacked) == 72);
static_assert(sizeof(struct bw_error_key) == 40);
static_assert(sizeof(struct bw_egress) == 16);
static_assert(BW_DSTAT_MAX == 5);
