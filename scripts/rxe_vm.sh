#!/usr/bin/env bash
# rpbench's Soft-RoCE VM: runs the verbs transport's tests against real rdma-core code on a machine
# with no RDMA device (and no rdma_rxe in its own kernel). A throw-away QEMU VM boots Debian's own
# kernel with a Debian userland packed as one initramfs, loads rdma_rxe, puts rxe0 on a dummy
# netdev (rdma_cm cannot resolve routes over rxe on lo with the 6.1 kernel), mounts the repository
# over 9p at the same path, runs one command and powers off. The VM has no network device: client
# and memory node talk through rxe's in-kernel loopback. Under TCG (software emulation) it is slow
# but exact: Soft-RoCE under TCG is a functional test bed, never an RDMA NIC figure.
#
#   scripts/rxe_vm.sh build          build the image (root: installs host packages, debootstrap)
#   scripts/rxe_vm.sh run -- CMD...  boot, run CMD in the guest (cwd = $PWD), exit with CMD's status
#   scripts/rxe_vm.sh info           configuration and image state
#   scripts/rxe_vm.sh clean          delete the image cache
#
# Exit status of `run`: the command's; 125 when the VM itself could not be built, started or did
# not finish the command (the reason and the console tail go to stderr). ctest maps 125 to SKIPPED.
#
# Environment (optional):
#   RPBENCH_VM_CACHE    image cache (default ~/.cache/rpbench-rxe-vm)
#   RPBENCH_VM_SHARE    host folder mounted in the guest at the same path (default: the repository
#                       root); $PWD and the command's binaries must be inside it
#   RPBENCH_VM_MIRROR   Debian mirror (default: the host's apt source for bookworm main)
#   RPBENCH_VM_ACCEL    auto | kvm | tcg (auto: kvm only when /dev/kvm works and is not kvm_pvm,
#                       whose PVM cannot run a stock kernel: MSR 0x10a, cmpxchg16b, xrstor)
#   RPBENCH_VM_MEM      guest MiB (default 2048)     RPBENCH_VM_CPUS  vCPUs (default min(nproc, 4))
#   RPBENCH_VM_TIMEOUT  kill the VM after this many seconds (default 1800)
#   RPBENCH_VM_ENV      extra host variable names passed to the command (ASAN_OPTIONS,
#                       UBSAN_OPTIONS, LSAN_OPTIONS and GTEST_* always are)
#   RPBENCH_VM_VERBOSE  1: copy the guest console to stderr
# In the guest the command sees RXE_VM=1 RXE_VM_DEV=rxe0 RXE_VM_IP=10.77.0.1 RXE_VM_GID_INDEX=<n>.
set -euo pipefail

REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd -P)
IMAGE_FORMAT=1   # bump when the image layout or /init changes
SUITE=bookworm
CACHE=${RPBENCH_VM_CACHE:-$HOME/.cache/rpbench-rxe-vm}
HOST_PACKAGES="qemu-system-x86 debootstrap cpio lz4 xz-utils"
# Guest packages: rdma-core and the rxe provider, the tools the guest script uses, and the runtime
# libraries of the project's binaries in both the Release and the ASan build (checked with ldd on
# verbs_tests and rpbench-memnode). A fixed list, so a rebuild of the project never rebuilds the image.
GUEST_PACKAGES="rdma-core ibverbs-providers ibverbs-utils libibverbs1 librdmacm1 iproute2 kmod procps
  libstdc++6 libgcc-s1 libasan8 libubsan1 libboost-program-options1.74.0
  libjemalloc2 libgoogle-perftools4 libhiredis0.14"
# Kernel modules in the image (their dependencies are added by modprobe --show-depends); veth,
# sch_netem and sch_tbf for the two-host test (tests/transport/two_hosts_vm.sh).
MODULES="rdma_rxe rdma_ucm ib_uverbs 9p 9pnet_virtio virtio_pci dummy crc32_generic veth sch_netem sch_tbf"

fail_vm() { echo "rxe_vm: $*" >&2; exit 125; }
log() { echo "rxe_vm: $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

stamp() { echo "format=$IMAGE_FORMAT suite=$SUITE packages=$(echo $GUEST_PACKAGES) modules=$MODULES"; }
image_ok() {
  [ -f "$CACHE/vmlinux" ] && [ -f "$CACHE/initrd.img" ] && [ "$(cat "$CACHE/stamp" 2>/dev/null)" = "$(stamp)" ]
}

install_host_packages() {
  local missing=() p
  for p in "$@"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || fail_vm "host packages missing: ${missing[*]} (as root: apt-get install ${missing[*]})"
  log "installing host packages: ${missing[*]}"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || fail_vm "apt-get update failed (no Debian mirror reachable?)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
      fail_vm "apt-get install ${missing[*]} failed"
  fi
}

# The host's own Debian mirror for $SUITE (deb822 .sources or one-line .list files).
mirror() {
  if [ -n "${RPBENCH_VM_MIRROR:-}" ]; then echo "$RPBENCH_VM_MIRROR"; return; fi
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v s="$SUITE" '
    function flush() { if (!done && t ~ /deb/ && (" " su " ") ~ (" " s " ") && c ~ /main/) { split(u, a, " "); print a[1]; done = 1 }
                       t = u = su = c = "" }
    /^[ \t]*#/ { next }  /^[ \t]*$/ { flush(); next }
    { k = tolower($1); v = $0; sub(/^[^:]*:[ \t]*/, "", v)
      if (k == "types:") t = v; else if (k == "uris:") u = v; else if (k == "suites:") su = v; else if (k == "components:") c = v }
    END { flush() }')
  if [ -z "$uri" ]; then
    uri=$(sed -e 's/#.*//' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
          awk -v s="$SUITE" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                                          if ($(i + 1) == s) { print $i; exit } }')
  fi
  [ -n "$uri" ] || fail_vm "no apt source for $SUITE main in /etc/apt/sources.list*; set RPBENCH_VM_MIRROR"
  echo "$uri"
}

cmd_build() {
  [ "$(id -u)" -eq 0 ] || fail_vm "building the image needs root (debootstrap, chroot): sudo $0 build"
  local t0 t work kpkg kver
  t0=$(now)
  install_host_packages $HOST_PACKAGES
  mkdir -p "$CACHE"
  work=$(mktemp -d "$CACHE/build.XXXXXX")
  trap 'rm -rf "'"$work"'"' EXIT
  local root=$work/root

  t=$(now)
  log "debootstrap $SUITE minbase + guest packages"
  debootstrap --variant=minbase --include="$(echo $GUEST_PACKAGES | tr ' ' ,)" "$SUITE" "$root" "$(mirror)" \
      >"$work/debootstrap.log" 2>&1 || { tail -n 20 "$work/debootstrap.log" >&2; fail_vm "debootstrap failed"; }
  log "debootstrap done in $(since "$t") s"

  # Debian's kernel package, unpacked (no postinst): the uncompressed vmlinux boots faster under
  # TCG than the xz-compressed bzImage; only the modules listed above go into the initramfs.
  t=$(now)
  kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
  [ -n "$kpkg" ] || { apt-get update -qq >/dev/null 2>&1 || true
    kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'); }
  [ -n "$kpkg" ] || fail_vm "apt-cache cannot resolve linux-image-amd64"
  ( cd "$work" && apt-get download -q -o APT::Sandbox::User=root "$kpkg" >/dev/null 2>&1 ) ||
    fail_vm "apt-get download $kpkg failed"
  dpkg-deb -x "$work/${kpkg}"_*.deb "$work/kernel"
  kver=$(basename "$(ls -d "$work"/kernel/lib/modules/*/ | head -n1)")
  local full=$root/tmp/kfull
  mkdir -p "$full/lib/modules"
  mv "$work/kernel/lib/modules/$kver" "$full/lib/modules/"
  chroot "$root" depmod -b /tmp/kfull "$kver"
  local m f
  for m in $MODULES; do chroot "$root" modprobe -d /tmp/kfull -S "$kver" --show-depends "$m"; done |
    awk '$1 == "insmod" { print $2 }' | sort -u | while read -r f; do
      f=${f#/tmp/kfull/lib/modules/$kver/}
      mkdir -p "$root/lib/modules/$kver/$(dirname "$f")"
      cp "$full/lib/modules/$kver/$f" "$root/lib/modules/$kver/$f"
    done
  cp "$full/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$kver/" 2>/dev/null || true
  rm -rf "$full"
  chroot "$root" depmod -a "$kver"
  local vmlinuz=$work/kernel/boot/vmlinuz-$kver off
  off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -n1 | cut -d: -f1 || true)
  [ -n "$off" ] && { tail -c +$((off + 1)) "$vmlinuz" | xz -dcq >"$work/vmlinux" 2>/dev/null || true; }
  [ "$(head -c4 "$work/vmlinux" 2>/dev/null | od -An -c | tr -d ' ')" = 177ELF ] ||
    fail_vm "could not extract vmlinux from $kpkg"
  log "kernel $kver in $(since "$t") s"

  # Slim the root (no network in the guest) and add the init that hands over to the per-run script.
  rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/usr/share/{man,info,locale}/* \
         "$root"/usr/lib/udev/hwdb.* "$root"/usr/lib/x86_64-linux-gnu/gconv "$root"/debootstrap
  find "$root/usr/share/doc" -type f ! -name copyright -delete 2>/dev/null || true
  printf 'proc /proc proc defaults 0 0\nsysfs /sys sysfs defaults 0 0\ndevtmpfs /dev devtmpfs defaults 0 0\ntmpfs /dev/shm tmpfs X-mount.mkdir,mode=1777 0 0\n' \
      >"$root/etc/fstab"
  cat >"$root/init" <<'EOF'
#!/bin/bash
# PID 1 of the rpbench Soft-RoCE VM: mount the control share and run the script `run` put there.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -a
modprobe -a virtio_pci 9pnet_virtio 9p
mount -t 9p -o trans=virtio,version=9p2000.L,X-mount.mkdir ctl /run/ctl && exec /bin/bash /run/ctl/guest.sh
echo "rxe_vm: cannot mount the control share" >&2
echo o >/proc/sysrq-trigger
EOF
  chmod 755 "$root/init"
  chmod 1777 "$root/tmp"

  t=$(now)
  ( cd "$root" && find . -xdev -mindepth 1 -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet ) |
    lz4 -l -q >"$work/initrd.img"
  mv -f "$work/vmlinux" "$CACHE/vmlinux"
  mv -f "$work/initrd.img" "$CACHE/initrd.img"
  echo "$kpkg" >"$CACHE/kernel"
  stamp >"$CACHE/stamp"
  log "initramfs packed in $(since "$t") s ($(du -h "$CACHE/initrd.img" | cut -f1))"
  rm -rf "$work"
  trap - EXIT
  log "image built in $(since "$t0") s: $CACHE"
}

# Runs as PID 1 in the guest, from the control share: rxe0 on dummy0, then the command.
guest_script() {
  cat <<'EOF'
#!/bin/bash
CTL=/run/ctl
source "$CTL/config"
fail() { echo "rxe_vm guest: $*"; echo "$*" >"$CTL/vmfail"; echo 125 >"$CTL/rc"; sync; echo o >/proc/sysrq-trigger; sleep 10; }
ulimit -l unlimited
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=mmap,X-mount.mkdir share "$SHARE" || fail "mount $SHARE"
modprobe -a rdma_rxe rdma_ucm ib_uverbs crc32_generic dummy || fail "modprobe rdma_rxe"
ip -batch - <<<$'link set lo up\naddr add 10.77.0.1/24 dev dummy0\nlink set dummy0 up' || fail "ip setup of dummy0"
rdma link add rxe0 type rxe netdev dummy0 || fail "rdma link add rxe0"
GID_INDEX=
for ((i = 0; i < 200; i++)); do   # the RoCE v2 GID of 10.77.0.1 appears asynchronously
  for f in /sys/class/infiniband/rxe0/ports/1/gids/*; do
    read -r gid <"$f"; [[ $gid == *:ffff:0a4d:0001 ]] || continue
    read -r type <"/sys/class/infiniband/rxe0/ports/1/gid_attrs/types/${f##*/}" 2>/dev/null
    [ "$type" = "RoCE v2" ] && { GID_INDEX=${f##*/}; break 2; }
  done
  sleep 0.05
done
[ -n "$GID_INDEX" ] || fail "no RoCE v2 GID for 10.77.0.1 on rxe0"
export RXE_VM=1 RXE_VM_DEV=rxe0 RXE_VM_IP=10.77.0.1 RXE_VM_GID_INDEX=$GID_INDEX HOME=/root
source "$CTL/env"
cd "$CWD" || fail "cd $CWD"
read -r up _ </proc/uptime
echo "rxe_vm guest: command starts at uptime ${up}s" >/dev/console
stty -F /dev/ttyS1 raw -echo; stty -F /dev/ttyS2 raw -echo
/bin/bash "$CTL/cmd.sh" </dev/null >/dev/ttyS1 2>/dev/ttyS2
echo $? >"$CTL/rc"
umount "$SHARE"
sync
echo o >/proc/sysrq-trigger
sleep 30
EOF
}

pick_accel() {
  local a=${RPBENCH_VM_ACCEL:-auto}
  if [ "$a" = auto ]; then
    a=tcg
    if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ]; then a=kvm; fi
  fi
  echo "$a"
}

cmd_run() {
  [ $# -gt 0 ] || fail_vm "usage: $0 run -- CMD [ARGS...]"
  if ! image_ok; then
    [ "$(id -u)" -eq 0 ] || fail_vm "no current image in $CACHE and not root to build it (run: sudo $0 build)"
    log "no current image in $CACHE: building it"
    # One build at a time (ctest may start two runs).
    mkdir -p "$CACHE"
    ( flock 9; image_ok || cmd_build ) 9>"$CACHE/.lock" || exit 125
  fi
  command -v qemu-system-x86_64 >/dev/null || install_host_packages qemu-system-x86
  local cwd share
  cwd=$(pwd -P)
  share=$(cd "${RPBENCH_VM_SHARE:-$REPO}" && pwd -P) || fail_vm "RPBENCH_VM_SHARE not found"
  [ "$share" != / ] || fail_vm "sharing / is not supported"
  case "$cwd/" in "$share"/*) ;; *) fail_vm "current directory $cwd is not inside the shared folder $share" ;; esac

  local ctl qpid=
  ctl=$(mktemp -d "${TMPDIR:-/tmp}/rpbench-vm.XXXXXX")
  trap 'rm -rf "'"$ctl"'"' EXIT
  trap '[ -n "$qpid" ] && kill "$qpid" 2>/dev/null; exit 130' INT TERM
  guest_script >"$ctl/guest.sh"
  printf 'SHARE=%q\nCWD=%q\n' "$share" "$cwd" >"$ctl/config"
  local v
  for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS $(compgen -v GTEST_ || true) ${RPBENCH_VM_ENV:-}; do
    [ -n "${!v+x}" ] && printf 'export %s=%q\n' "$v" "${!v}"
  done >"$ctl/env" || true
  { printf 'exec'; printf ' %q' "$@"; printf '\n'; } >"$ctl/cmd.sh"

  q() { printf '%s' "${1//,/,,}"; }  # qemu option values: a comma is written twice
  local accel cpus
  accel=$(pick_accel)
  cpus=${RPBENCH_VM_CPUS:-$(n=$(nproc); [ "$n" -gt 4 ] && n=4; echo "$n")}
  local qemu=(qemu-system-x86_64 -machine q35 -nodefaults -no-user-config -display none -nic none -no-reboot
              -smp "$cpus" -m "${RPBENCH_VM_MEM:-2048}"
              -kernel "$(q "$CACHE/vmlinux")" -initrd "$(q "$CACHE/initrd.img")"
              -append "console=ttyS0 quiet panic=-1 rdinit=/init tsc=reliable mitigations=off"
              -serial "file:$(q "$ctl")/console.log"
              -virtfs "local,path=$(q "$ctl"),mount_tag=ctl,security_model=none,id=ctl"
              -virtfs "local,path=$(q "$share"),mount_tag=share,security_model=none,id=share")
  if [ "$accel" = kvm ]; then qemu+=(-accel kvm -cpu host); else qemu+=(-accel tcg,thread=multi -cpu max); fi
  # The command's stdout / stderr (guest ttyS1 / ttyS2): straight to ours when they are pipes or
  # terminals (qemu re-opens /proc/$$/fd/N), else collected in a file and printed afterwards.
  local n
  for n in 1 2; do
    if [ -p /proc/$$/fd/$n ] || [ -c /proc/$$/fd/$n ]; then
      qemu+=(-chardev "file,id=out$n,path=/proc/$$/fd/$n,append=on" -serial chardev:out$n)
    else
      qemu+=(-chardev "file,id=out$n,path=$(q "$ctl")/out$n" -serial chardev:out$n)
    fi
  done
  local t0 qrc=0 rc
  t0=$(now)
  timeout -k 5 "${RPBENCH_VM_TIMEOUT:-1800}" "${qemu[@]}" </dev/null & qpid=$!
  wait "$qpid" || qrc=$?
  qpid=
  [ -f "$ctl/out1" ] && cat "$ctl/out1"
  [ -f "$ctl/out2" ] && cat "$ctl/out2" >&2
  [ "${RPBENCH_VM_VERBOSE:-0}" = 1 ] && cat "$ctl/console.log" >&2
  rc=$(cat "$ctl/rc" 2>/dev/null || true)
  if [ -z "$rc" ] || [ -f "$ctl/vmfail" ]; then
    tail -n 30 "$ctl/console.log" >&2
    [ "$qrc" = 124 ] && log "the VM was killed after ${RPBENCH_VM_TIMEOUT:-1800} s"
    fail_vm "the VM did not complete the command (qemu exit $qrc, accel $accel); console tail above"
  fi
  log "VM run took $(since "$t0") s (accel $accel, $cpus vCPUs)"
  return "$rc"
}

cmd_info() {
  echo "cache:  $CACHE"
  echo "share:  ${RPBENCH_VM_SHARE:-$REPO}"
  echo "accel:  $(pick_accel)"
  echo "qemu:   $(command -v qemu-system-x86_64 || echo 'not installed')"
  if image_ok; then echo "image:  ok ($(cat "$CACHE/kernel"), initrd $(du -h "$CACHE/initrd.img" | cut -f1))"
  else echo "image:  missing or outdated (build it: sudo $0 build)"; fi
}

case "${1:-}" in
  build) cmd_build ;;
  run) shift; [ "${1:-}" = -- ] && shift; cmd_run "$@" ;;
  info) cmd_info ;;
  clean) rm -rf "$CACHE" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; [ -z "${1:-}" ] || exit 2 ;;
esac
