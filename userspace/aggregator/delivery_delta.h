// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The delivery probe's totals only grow: what happened in an interval is
// the difference of two snapshots. Gauges (unacked, unsent, live sockets)
// and the last ACK time are as of the newer one.
#pragma once

#include "probe/delivery.h"

namespace bpfwatch {

PeerDelivery delivery_since(const PeerDelivery &now, const PeerDelivery &before);
PeerMap delivery_since(const PeerMap &now, const PeerMap &before);

// Two cgroups' numbers as one (a followed target's lives): counts and
// gauges add up, the last ACK is the newer.
void add_delivery(PeerMap &into, const PeerMap &from);

} // namespace bpfwatch
