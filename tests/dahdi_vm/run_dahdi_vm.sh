#!/bin/bash
# run_dahdi_vm.sh - boot Debian's 6.1 kernel in a QEMU guest (KVM where the CPU
# has VMX/SVM, otherwise TCG emulation) with the real DAHDI kernel modules
# (built here from Debian's dahdi-dkms source), configure two back-to-back
# "loc" dynamic spans and run tests against /dev/dahdi.
#
# Everything is cached under ${XDG_CACHE_HOME:-~/.cache}/ivrd/dahdi-vm,
# outside the source tree, so every clone and build directory shares it;
# re-runs only redo what changed.  No hardware and no internet beyond
# Debian's package mirror.  ivrd's own tests run through run_guest_tests.sh.
#
# usage: run_dahdi_vm.sh [options]
#   --add FILE          copy FILE into the guest as /usr/local/bin/<name> (repeatable)
#   --run SCRIPT        run SCRIPT in the guest instead of guest/run.sh
#                       (after modules are loaded and dahdi_cfg has run)
#   --cmd 'CMD'         shorthand for a one-line --run script
#   --system-conf FILE  use FILE as /etc/dahdi/system.conf (default guest/system.conf;
#                       "none": load the modules but do not run dahdi_cfg)
#   --share DIR         export DIR to the guest over 9p, mounted rw at /mnt/host
#   --full-build        build every DAHDI module (as dkms would), not just the core set
#   --timeout SEC       kill the VM after SEC seconds (default 300)
#   --mem MB            guest memory (default 512)
#   --accel kvm|tcg     force the accelerator (default: kvm only with real VMX/SVM)
#   --verbose           show kernel boot messages
#   --prepare-only      do everything except booting the VM
#   --clean             remove the cache and exit
# Environment: KVER=6.1.0-NN-amd64 pins the guest kernel; DAHDIVM_CACHE moves
#   the cache; DAHDIVM_CPU overrides QEMU's -cpu; DAHDIVM_PRE_CFG=FILE is
#   sourced in the guest after the modules load, before dahdi_cfg.
# Exit status: the guest's test exit status (0 = pass); 124 timeout; 125 rig
# error; 126 guest kernel crashed before reporting.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${DAHDIVM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ivrd/dahdi-vm}"
ADD=() RUN_SCRIPT="" CMD="" SYSCONF="$HERE/guest/system.conf" SHARE=""
FULL=0 TIMEOUT=300 MEM=512 VERBOSE=0 PREPARE_ONLY=0 ACCEL=auto

while [ $# -gt 0 ]; do
	case "$1" in
	--add) ADD+=("$(readlink -f "$2")"); shift 2 ;;
	--run) RUN_SCRIPT="$(readlink -f "$2")"; shift 2 ;;
	--cmd) CMD="$2"; shift 2 ;;
	--system-conf) SYSCONF="$2"; [ "$2" = none ] || SYSCONF="$(readlink -f "$2")"; shift 2 ;;
	--share) SHARE="$(readlink -f "$2")"; shift 2 ;;
	--full-build) FULL=1; shift ;;
	--timeout) TIMEOUT="$2"; shift 2 ;;
	--mem) MEM="$2"; shift 2 ;;
	--accel) ACCEL="$2"; shift 2 ;;
	--verbose) VERBOSE=1; shift ;;
	--prepare-only) PREPARE_ONLY=1; shift ;;
	--clean) rm -rf "$CACHE"; echo "removed $CACHE"; exit 0 ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown option $1" >&2; exit 125 ;;
	esac
done

T_START=$(date +%s.%N)
stage_t=$T_START
log() { printf '[dahdivm %6.1fs] %s\n' "$(echo "$(date +%s.%N) $T_START" | awk '{print $1-$2}')" "$*"; }
stage_done() {
	local now; now=$(date +%s.%N)
	log "$1 done in $(echo "$now $stage_t" | awk '{printf "%.1f", $1-$2}')s"
	stage_t=$now
}
die() { echo "dahdivm: ERROR: $*" >&2; exit 125; }

mkdir -p "$CACHE"
# What one run builds (initramfs, console log) stays in its own folder, so
# runs sharing the cache (two build trees, CI next to a developer) never
# overwrite each other's; the last console log is copied to $CACHE/serial.log.
RUN_DIR=$(mktemp -d "$CACHE/run.XXXXXX")
trap 'rm -rf "$RUN_DIR"' EXIT
# The shared part of the cache (packages, sysroot, modules) is filled by one
# run at a time.
exec 9>"$CACHE/.lock"
flock 9

# ---------------------------------------------------------------- host tools
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v cpio >/dev/null || need+=(cpio)
command -v depmod >/dev/null || [ -x /sbin/depmod ] || need+=(kmod)
command -v make >/dev/null || need+=(make)
command -v gcc-12 >/dev/null || need+=(gcc-12)
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || need+=(libc6-dev)
if [ ${#need[@]} -gt 0 ]; then
	log "installing host packages: ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	[ -n "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ] || apt-get update -qq
	apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${need[@]}" >/dev/null ||
		{ apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
			--no-install-recommends "${need[@]}" >/dev/null; }
fi
export PATH="$PATH:/sbin:/usr/sbin"
stage_done "host tools"

# ---------------------------------------------------------------- packages
# The guest kernel is whatever linux-image-amd64 points at now (or $KVER).
DEBS="$CACHE/debs"
mkdir -p "$DEBS"
if [ -z "${KVER:-}" ]; then
	# reuse the cached kernel as long as its package is still in the cache
	# (Debian drops superseded ABIs like 6.1.0-56 from the mirror)
	if [ -f "$CACHE/kver" ] && ls "$DEBS/linux-image-$(cat "$CACHE/kver")_"*.deb >/dev/null 2>&1; then
		KVER=$(cat "$CACHE/kver")
	else
		KVER=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: linux-image-\(.*\)$/\1/p' | head -1)
		if [ -z "$KVER" ]; then
			apt-get update -qq
			KVER=$(apt-cache depends linux-image-amd64 |
				sed -n 's/^ *Depends: linux-image-\(.*\)$/\1/p' | head -1)
		fi
	fi
fi
[ -n "$KVER" ] || die "cannot determine the guest kernel version"
echo "$KVER" >"$CACHE/kver"
KMM=$(echo "$KVER" | cut -d. -f1-2)          # 6.1
KABI=${KVER%-amd64}                          # 6.1.0-56
PKGS=(linux-image-$KVER linux-headers-$KVER linux-headers-$KABI-common
	linux-kbuild-$KMM dahdi-dkms dahdi libtonezone2.0 busybox-static
	libnewt0.52 libslang2)
missing=()
for p in "${PKGS[@]}"; do
	ls "$DEBS/${p}_"*.deb >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "downloading ${missing[*]}"
	( cd "$DEBS" && { apt-get download -qq "${missing[@]}" 2>/dev/null ||
		{ apt-get update -qq && apt-get download -qq "${missing[@]}"; }; } ) ||
		die "apt-get download failed (is kernel $KVER still on the mirror? try KVER= or --clean)"
fi
stage_done "packages (kernel $KVER)"

# ---------------------------------------------------------------- sysroot
SYSROOT="$CACHE/sysroot"
KSRC="$SYSROOT/usr/src/linux-headers-$KVER"
if [ ! -f "$SYSROOT/.done-$KVER" ]; then
	log "unpacking packages into $SYSROOT"
	rm -rf "$SYSROOT"; mkdir -p "$SYSROOT"
	for p in "${PKGS[@]}"; do
		deb=$(ls "$DEBS/${p}_"*.deb | head -1)
		if [ "$p" = "linux-image-$KVER" ]; then
			# only the kernel and the few modules the guest needs (9p over
			# virtio); the full module tree is ~400 MB unpacked
			dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$SYSROOT" --wildcards \
				'./boot/*' "./lib/modules/$KVER/modules.*" \
				"./lib/modules/$KVER/kernel/fs/9p/*" "./lib/modules/$KVER/kernel/net/9p/*" \
				"./lib/modules/$KVER/kernel/fs/netfs/*" "./lib/modules/$KVER/kernel/fs/fscache/*" \
				"./lib/modules/$KVER/kernel/drivers/virtio/*" &
		else
			dpkg -x "$deb" "$SYSROOT"
		fi
	done
	wait
	# the arch headers include the common ones by absolute path: point it
	# into the sysroot so nothing has to be installed on the host
	sed -i "s#^include /usr/src/#include $SYSROOT/usr/src/#" "$KSRC/Makefile"
	depmod -b "$SYSROOT" "$KVER"
	touch "$SYSROOT/.done-$KVER"
fi
[ -f "$SYSROOT/boot/vmlinuz-$KVER" ] || die "no kernel image in sysroot"
DAHDI_SRC=$(ls -d "$SYSROOT"/usr/src/dahdi-* | head -1)
stage_done "sysroot"

# ---------------------------------------------------------------- modules
BUILD="$CACHE/build-$KVER-$([ $FULL = 1 ] && echo full || echo core)"
if [ ! -f "$BUILD/.done" ]; then
	log "building DAHDI modules ($(basename "$DAHDI_SRC"), $([ $FULL = 1 ] && echo all || echo core set)) for $KVER"
	rm -rf "$BUILD"; mkdir -p "$BUILD"
	cp -a "$DAHDI_SRC" "$BUILD/dahdi"
	if [ $FULL = 1 ]; then
		make -C "$BUILD/dahdi" -j"$(nproc)" modules KVERS="$KVER" KSRC="$KSRC" \
			MODULES_EXTRA='dahdi_dummy dahdi_echocan_oslec' >"$BUILD/build.log" 2>&1 ||
			{ tail -30 "$BUILD/build.log"; die "module build failed"; }
	else
		# Only the core, the dynamic/loc span drivers and the software echo
		# cancellers.  (OSLEC's echo.ko is built automatically because
		# dahdi-dkms ships drivers/staging/echo.)
		make -C "$BUILD/dahdi" -j"$(nproc)" modules KVERS="$KVER" KSRC="$KSRC" \
			DAHDI_BUILD_ALL= CONFIG_DAHDI=m CONFIG_DAHDI_DYNAMIC=m \
			CONFIG_DAHDI_DYNAMIC_LOC=m CONFIG_DAHDI_DYNAMIC_ETH=m \
			CONFIG_DAHDI_ECHOCAN_MG2=m CONFIG_DAHDI_ECHOCAN_KB1=m \
			CONFIG_DAHDI_ECHOCAN_STEVE=m CONFIG_DAHDI_ECHOCAN_STEVE2=m \
			CONFIG_DAHDI_ECHOCAN_JPAH=m MODULES_EXTRA='dahdi_dummy dahdi_echocan_oslec' \
			>"$BUILD/build.log" 2>&1 ||
			{ tail -30 "$BUILD/build.log"; die "module build failed"; }
	fi
	touch "$BUILD/.done"
fi
log "$(find "$BUILD/dahdi/drivers" -name '*.ko' | wc -l) modules in $BUILD"
stage_done "DAHDI modules"

# ---------------------------------------------------------------- test program
VMTEST="$CACHE/dahdi_vmtest"
if [ ! -x "$VMTEST" ] || [ "$HERE/guest/dahdi_vmtest.c" -nt "$VMTEST" ]; then
	gcc-12 -O2 -Wall -static -pthread -I"$BUILD/dahdi/include" \
		-o "$VMTEST" "$HERE/guest/dahdi_vmtest.c" -lm
fi
stage_done "dahdi_vmtest"
flock -u 9

# ---------------------------------------------------------------- initramfs
ROOT="$RUN_DIR/initramfs"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc/dahdi,etc/dahdivm,proc,sys,dev,tmp,run,mnt,root,lib64}
cp "$SYSROOT/bin/busybox" "$ROOT/bin/busybox"
install -m 755 "$HERE/guest/init" "$ROOT/init"
# dahdi userspace tools (dynamically linked: copy their libraries too)
TOOLS="dahdi_cfg dahdi_test dahdi_scan dahdi_monitor dahdi_maint dahdi_tool"
libdirs="$SYSROOT/usr/lib/x86_64-linux-gnu:$SYSROOT/lib/x86_64-linux-gnu"
copy_with_libs() { # FILE DESTDIR
	cp "$1" "$ROOT/$2/"
	LD_LIBRARY_PATH="$libdirs" ldd "$1" 2>/dev/null | grep 'not found' | sed "s|^|dahdivm: WARNING: $1 needs |" >&2 || true
	LD_LIBRARY_PATH="$libdirs" ldd "$1" 2>/dev/null | awk '/=> \//{print $3} /^\t\/lib64/{print $1}' |
	while read -r lib; do
		case "$lib" in
		*/ld-linux-x86-64.so.2) dest=lib64 ;;
		*) dest=lib/x86_64-linux-gnu ;;
		esac
		mkdir -p "$ROOT/$dest"
		[ -e "$ROOT/$dest/$(basename "$lib")" ] || cp -L "$lib" "$ROOT/$dest/"
	done
}
for t in $TOOLS; do copy_with_libs "$SYSROOT/usr/sbin/$t" usr/sbin; done
for f in "${ADD[@]}"; do
	if ldd "$f" >/dev/null 2>&1; then   # dynamically linked
		copy_with_libs "$f" usr/local/bin
	else
		cp "$f" "$ROOT/usr/local/bin/"
	fi
done
cp "$VMTEST" "$ROOT/usr/local/bin/"
# modules: DAHDI + what 9p needs
MODDIR="$ROOT/lib/modules/$KVER"
mkdir -p "$MODDIR/extra"
find "$BUILD/dahdi/drivers" -name '*.ko' -exec cp {} "$MODDIR/extra/" \;
cp "$SYSROOT/lib/modules/$KVER"/modules.{builtin,builtin.modinfo,order} "$MODDIR/"
for m in virtio_pci 9pnet_virtio 9p; do
	grep -E "/$m\.ko:" "$SYSROOT/lib/modules/$KVER/modules.dep" | tr -d ':' | tr ' ' '\n'
done | sort -u | while read -r rel; do
	[ -n "$rel" ] || continue
	mkdir -p "$MODDIR/$(dirname "$rel")"
	cp "$SYSROOT/lib/modules/$KVER/$rel" "$MODDIR/$rel"
done
depmod -b "$ROOT" "$KVER"
# configuration and the test to run
if [ "$SYSCONF" != none ]; then
	[ -f "$SYSCONF" ] || die "no such system.conf: $SYSCONF"
	cp "$SYSCONF" "$ROOT/etc/dahdi/system.conf"
fi
if [ -n "$CMD" ]; then
	printf '#!/bin/sh\n%s\n' "$CMD" >"$ROOT/etc/dahdivm/run.sh"
elif [ -n "$RUN_SCRIPT" ]; then
	cp "$RUN_SCRIPT" "$ROOT/etc/dahdivm/run.sh"
else
	cp "$HERE/guest/run.sh" "$ROOT/etc/dahdivm/run.sh"
fi
chmod 755 "$ROOT/etc/dahdivm/run.sh"
[ -n "${DAHDIVM_PRE_CFG:-}" ] && cp "$DAHDIVM_PRE_CFG" "$ROOT/etc/dahdivm/pre-cfg.sh"
INITRD="$RUN_DIR/initrd.cpio.gz"
( cd "$ROOT" && find . | cpio -o -H newc --quiet | gzip -1 >"$INITRD" )
log "initramfs $(du -h "$INITRD" | cut -f1)"
stage_done "initramfs"

[ $PREPARE_ONLY = 1 ] && { log "prepared (not booting)"; exit 0; }

# ---------------------------------------------------------------- boot
# Accelerator.  KVM only helps when the CPU really has VMX/SVM: on hosts whose
# /dev/kvm is a paravirtual backend (e.g. kvm_pvm, as on this box) a stock
# kernel is emulated instruction by instruction and takes many minutes just
# to decompress, so fall back to QEMU's TCG there.
if [ "$ACCEL" = auto ]; then
	ACCEL=tcg
	if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && [ ! -d /sys/module/kvm_pvm ]; then
		ACCEL=kvm
	fi
fi
if [ "$ACCEL" = kvm ]; then
	# plain "-cpu host" aborts under some nested setups (QEMU cannot set MSR
	# 0x10a, IA32_ARCH_CAPABILITIES); hiding that feature avoids it.
	accel=(-accel kvm -cpu "${DAHDIVM_CPU:-host,-arch-capabilities}")
else
	accel=(-accel tcg,thread=multi -cpu "${DAHDIVM_CPU:-max}")
fi
append="console=ttyS0 panic=-1 oops=panic"
[ $VERBOSE = 1 ] || append="$append quiet loglevel=3"
share=()
if [ -n "$SHARE" ]; then
	share=(-virtfs "local,path=$SHARE,mount_tag=hostshare,security_model=none,id=hostshare")
	append="$append dahdivm.share=1"
fi
SERIAL_LOG="$RUN_DIR/serial.log"
log "booting guest (kernel $KVER, $ACCEL, ${MEM}M, timeout ${TIMEOUT}s), console -> $SERIAL_LOG"
set +e
timeout --foreground -k 5 "$TIMEOUT" qemu-system-x86_64 "${accel[@]}" -smp 2 -m "$MEM" \
	-nodefaults -no-user-config -display none -monitor none -no-reboot \
	-serial stdio -kernel "$SYSROOT/boot/vmlinuz-$KVER" -initrd "$INITRD" \
	-append "$append" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	"${share[@]}" </dev/null 2>&1 | tr -d '\r' | tee "$SERIAL_LOG"
qrc=${PIPESTATUS[0]}
set -e
cp "$SERIAL_LOG" "$CACHE/serial.log" 2>/dev/null || true
stage_done "guest run"

if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	log "TIMEOUT after ${TIMEOUT}s"; exit 124
fi
grc=$(sed -n 's/^DAHDIVM_RESULT=\([0-9]*\).*/\1/p' "$SERIAL_LOG" | tail -1)
if grep -qE 'Kernel panic|BUG: |Oops: |general protection fault' "$SERIAL_LOG"; then
	log "GUEST KERNEL CRASHED:"
	grep -E 'Kernel panic|BUG: |Oops: |RIP: |general protection fault' "$SERIAL_LOG" | head -5
	[ -n "$grc" ] || exit 126
fi
if [ -z "$grc" ]; then
	log "guest gave no result (qemu exit $qrc)"; exit 125
fi
# cross-check with the isa-debug-exit status: (value << 1) | 1
# (only the low 7 bits of the guest status survive that path)
[ "$qrc" = $(( ((grc << 1) | 1) & 255 )) ] || log "note: qemu exit $qrc does not match guest result $grc"
log "guest result: $grc ($( [ "$grc" = 0 ] && echo PASS || echo FAIL )), total $(echo "$(date +%s.%N) $T_START" | awk '{printf "%.1f", $1-$2}')s"
exit "$grc"
