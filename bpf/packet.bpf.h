/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where an outgoing IP packet goes, parsed at cgroup_skb/egress, where the
 * packet starts at its IP header. The address comes from the packet, not
 * the socket: an unconnected UDP socket has no peer, its datagrams do.
 * Headers are decoded from raw bytes (no bitfields), so no CO-RE is
 * involved: these are wire formats.
 */
#ifndef BW_PACKET_BPF_H
#define BW_PACKET_BPF_H

#include "bpfwatch.h"

#define BW_ETH_P_IP 0x0800
#define BW_ETH_P_IPV6 0x86DD
#define BW_IP_OFFSET_MASK 0x1fff

/*
 * Copies @len header bytes at @off: straight from the linear data when
 * they are there (direct packet access, allowed in cgroup_skb since v5.2,
 * commit b39b5f411dcf), else through the helper. The helper call costs
 * more than the rest of the program on the path every packet takes.
 */
static __always_inline int bw_load(struct __sk_buff *skb, __u32 off, void *to, __u32 len)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;

	if (off > 64)
		return -1;
	if (data + off + len <= end) {
		__builtin_memcpy(to, data + off, len);
		return 0;
	}
	return bpf_skb_load_bytes(skb, off, to, len);
}

/*
 * Fills @p from the packet in @skb and returns the length of its IP and
 * transport headers (what each GSO segment repeats), or -1 when it is no
 * IP packet. Fragments after the first and IPv6 extension headers leave
 * the port 0.
 */
static __always_inline int bw_packet_peer(struct __sk_buff *skb, struct bw_peer *p)
{
	__u8 ip[40];
	__u8 l4[20];
	__u32 off;
	bool ports = true;

	__builtin_memset(p, 0, sizeof(*p));
	if (skb->protocol == bpf_htons(BW_ETH_P_IP)) {
		if (bw_load(skb, 0, ip, 20))
			return -1;
		off = (ip[0] & 0xf) * 4;
		p->family = BW_AF_INET;
		p->proto = ip[9];
		__builtin_memcpy(p->addr, &ip[16], 4);
		if (((ip[6] << 8) | ip[7]) & BW_IP_OFFSET_MASK)
			ports = false;
	} else if (skb->protocol == bpf_htons(BW_ETH_P_IPV6)) {
		if (bw_load(skb, 0, ip, 40))
			return -1;
		off = 40;
		p->family = BW_AF_INET6;
		p->proto = ip[6];
		__builtin_memcpy(p->addr, &ip[24], 16);
	} else {
		return -1;
	}
	if (!ports)
		return off;
	switch (p->proto) {
	case IPPROTO_TCP:
		if (bw_load(skb, off, l4, 20))
			return off;
		p->port = (l4[2] << 8) | l4[3];
		return off + (l4[12] >> 4) * 4;
	case IPPROTO_UDP:
		if (bw_load(skb, off, l4, 8))
			return off;
		p->port = (l4[2] << 8) | l4[3];
		return off + 8;
	default:
		return off;
	}
}

#endif /* BW_PACKET_BPF_H */
