#!/usr/bin/env bash
# Runs a command inside a fresh, private network namespace, so that nothing it does with WebRTC
# (host candidates, mDNS queries, STUN requests) can reach a real network. DESIGN.md §8.
#
# Inside: lo, plus a veth pair whose two ends both live in the namespace (10.77.0.1/24 and
# 10.77.0.2/24) and a default route through it. Chromium needs a non-loopback interface with a
# route: with loopback alone its ICE gathering never completes.
#
# Usage: scripts/in-netns.sh CMD [ARGS...]   (exit code of CMD is passed through)
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

if [[ "${1:-}" != "--inside-netns" ]]; then
  if ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
    echo "in-netns: need 'unshare' (util-linux) and 'ip' (iproute2) on PATH" >&2
    exit 1
  fi
  # As root a plain network namespace is enough; otherwise a user namespace grants the
  # CAP_NET_ADMIN needed to configure it (requires unprivileged user namespaces).
  if [[ $(id -u) -eq 0 ]]; then flags=(-n); else flags=(-rn); fi
  # Probe first so a missing privilege gives one clear message instead of a half-run command.
  if ! unshare "${flags[@]}" true 2>/dev/null; then
    echo "in-netns: cannot create a network namespace (unshare ${flags[*]} failed)." >&2
    echo "in-netns: run as root, or enable unprivileged user namespaces" \
      "(sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces>0)." >&2
    exit 1
  fi
  exec unshare "${flags[@]}" -- bash "$0" --inside-netns "$@"
fi
shift

# Never touch a real network: a fresh namespace holds nothing but lo.
if [[ $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort | tr '\n' ' ') != "lo " ]]; then
  echo "in-netns: refusing to configure a namespace that has interfaces besides lo" >&2
  exit 1
fi

setup_network() {
  ip link set lo up &&
    ip link add wc-veth0 type veth peer name wc-veth1 &&
    ip addr add 10.77.0.1/24 dev wc-veth0 &&
    ip addr add 10.77.0.2/24 dev wc-veth1 &&
    ip link set wc-veth0 up &&
    ip link set wc-veth1 up &&
    ip route add default via 10.77.0.2 dev wc-veth0
}
if ! setup_network; then
  echo "in-netns: could not set up lo and the veth pair inside the namespace (see the ip error above;" \
    "is the veth kernel module available?)" >&2
  exit 1
fi

export WEBRTC_CONNECT_NETNS=1
# exec: the command's exit status and signals go straight through; the namespace dies with it.
exec "$@"
