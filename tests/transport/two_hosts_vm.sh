#!/bin/bash
# Two hosts inside the Soft-RoCE VM (ctest two_hosts_in_rxe_vm): its Debian kernel has the netem
# qdisc this host's kernel lacks, so the delay cases of tests/transport/test_two_hosts.py run here.
# Two network namespaces joined by a veth pair, rpbench-memnode in one, the client in the other:
#   - tcp, the link delayed 2 ms each way (netem on both ends): a 4 KiB write's and read's p50
#     latency is at least the round trip's 4 ms;
#   - tcp, 200 Mbit/s and 100 us each way (netem rate + delay): 1 MiB bandwidth at most the rate,
#     4 KiB p50 at least 200 us;
# Verbs between the namespaces is not tested: rdma_rxe in this 6.1 kernel opens its UDP tunnel
# socket in the initial namespace only (namespace support came in later kernels), and an
# rdma_cm connect from one namespace to the other times out (RDMA_CM_EVENT_UNREACHABLE).
# Usage (in the guest): two_hosts_vm.sh RPBENCH MEMNODE. Exit 0 when every check holds, 1 with the
# failing check on stderr; everything it made is removed on exit.
set -euo pipefail
RPBENCH=$1
MEMNODE=$2
WORK=$(mktemp -d)
NODE_PID=
export RPBENCH_MEMNODE_TOKEN=two-hosts-vm
cleanup() {
  [ -n "$NODE_PID" ] && kill "$NODE_PID" 2>/dev/null && wait "$NODE_PID" 2>/dev/null
  ip netns del rpb-node 2>/dev/null || true
  ip netns del rpb-client 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "two_hosts_vm: FAIL: $*" >&2; exit 1; }

modprobe -a veth sch_netem sch_tbf || fail "modprobe veth sch_netem sch_tbf"
ip netns add rpb-node
ip netns add rpb-client
ip link add vnode type veth peer name vclient
ip link set vnode netns rpb-node
ip link set vclient netns rpb-client
ip -n rpb-node addr add 10.232.0.1/24 dev vnode
ip -n rpb-client addr add 10.232.0.2/24 dev vclient
for ns in rpb-node rpb-client; do ip -n $ns link set lo up; done
ip -n rpb-node link set vnode up
ip -n rpb-client link set vclient up

ip netns exec rpb-node unshare --uts sh -c \
  "hostname rpb-memory-host && exec $MEMNODE --listen 10.232.0.1 --port 0 --unix none --region-bytes 32M" \
  >"$WORK/node.out" 2>"$WORK/node.err" &
NODE_PID=$!
for _ in $(seq 100); do grep -q ready "$WORK/node.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$WORK/node.out" || fail "the memory node did not start: $(cat "$WORK/node.err")"
TCP=$(grep -o 'tcp=[^ ]*' "$WORK/node.out" | cut -d= -f2)

# probe TYPE ENDPOINT SIZES NAME: runs the probe in the client namespace; its console table is NAME.txt.
probe() {
  ip netns exec rpb-client "$RPBENCH" probe transport --type "$1" --memnode "$2" --sizes "$3" --channels 1 \
    --queue-depth 4 --seconds-per-point 0.5 --lat-samples 20 --no-baseline --out "$WORK/$4.json" \
    >"$WORK/$4.txt" 2>&1 || fail "probe $4: $(tail -n 5 "$WORK/$4.txt")"
  grep -q '"host": "rpb-memory-host"' "$WORK/$4.json" || fail "probe $4: context.memory_node does not name the node's host"
}
# p50 OP SIZE NAME: the latency table's p50 (op size count p50_ns p90_ns ...).
p50() { awk -v op="$1" -v size="$2" '/^latency/ { t = 1 } /^bandwidth/ { t = 0 }
                                       t && $1 == op && $2 == size { print $4; exit }' "$WORK/$3.txt"; }
# gbps OP SIZE NAME: the bandwidth table's GB/s (op size ch qd GB/s ...).
gbps() { awk -v op="$1" -v size="$2" '/^bandwidth/ { t = 1 } /^latency/ { t = 0 }
                                        t && $1 == op && $2 == size { print $5; exit }' "$WORK/$3.txt"; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
shape() { for end in "rpb-node vnode" "rpb-client vclient"; do set -- $end
            ip netns exec "$1" tc qdisc replace dev "$2" root netem "${@:3}" ${SHAPE}; done; }

probe tcp "$TCP" 4K unshaped
echo "tcp unshaped: 4K write p50 $(p50 write 4K unshaped) ns, read p50 $(p50 read 4K unshaped) ns"

SHAPE="delay 2ms" shape
probe tcp "$TCP" 4K delay2ms
for op in write read; do
  v=$(p50 $op 4K delay2ms)
  [ -n "$v" ] || fail "delay2ms: no $op latency row"
  at_least "$v" 4000000 || fail "delay 2 ms each way: 4K $op p50 $v ns is below the 4 ms round trip"
done
echo "tcp, 2 ms each way: 4K write p50 $(p50 write 4K delay2ms) ns, read p50 $(p50 read 4K delay2ms) ns"

SHAPE="delay 100us rate 200mbit" shape
probe tcp "$TCP" 4K,1M rate200
for op in write read; do
  bw=$(gbps $op 1M rate200)
  [ -n "$bw" ] || fail "rate200: no $op bandwidth row"
  at_least 0.02625 "$bw" || fail "200 Mbit/s: 1M $op at $bw GB/s is above the rate (0.025 GB/s)"
  v=$(p50 $op 4K rate200)
  at_least "$v" 200000 || fail "100 us each way: 4K $op p50 $v ns is below the 200 us round trip"
done
echo "tcp, 200 Mbit/s and 100 us each way: 1M write $(gbps write 1M rate200) GB/s, read $(gbps read 1M rate200) GB/s;" \
     "4K write p50 $(p50 write 4K rate200) ns, read p50 $(p50 read 4K rate200) ns"
for end in "rpb-node vnode" "rpb-client vclient"; do set -- $end; ip netns exec "$1" tc qdisc del dev "$2" root; done

echo "two_hosts_vm: PASS"
