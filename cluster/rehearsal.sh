#!/usr/bin/env bash
# A multi-node cluster rehearsed on one machine: N simulated nodes, each a network namespace with
# its own hostname (UTS namespace), its own /tmp and /dev/shm (mount namespace, bound from a
# per-node folder, so they persist between launches) and its own /etc/hosts naming every node;
# joined by veth pairs to a bridge that lives in a namespace of its own. Nothing touches the host's
# network: the addresses (10.213.0.0/24) exist only inside these namespaces. Ranks are started by
# an ordinary `mpirun --hostfile`, whose remote-launch agent (OpenMPI's plm_rsh_agent, the ssh
# replacement) enters the named node's namespaces with a clean environment, as ssh would, so MPI
# traffic between nodes is TCP between namespaces and nothing crosses that ssh would not carry.
#
#   cluster/rehearsal.sh up NAME [NODES=3]      make the nodes (node1..NODES); prints the shared folder
#   cluster/rehearsal.sh on NAME NODE CMD...    run CMD on a node (its network, hostname and /tmp)
#   cluster/rehearsal.sh mpirun NAME MPIRUN_ARGS... -- PROGRAM ARGS...
#                                               mpirun on node1 with the nodes' hostfile and agent
#   cluster/rehearsal.sh down NAME              remove everything (also what a dead run left)
#   cluster/rehearsal.sh check NAME             up, one rank per node prints its host, down
#
# Files every node sees (the "shared filesystem") must live outside /tmp: the folder that `up`
# prints (/var/tmp/vtv-rehearsal/NAME/shared) is made for that. Root is required (namespaces).
set -euo pipefail

base=/var/tmp/vtv-rehearsal
subnet=10.213.0
command="${1:-}"; name="${2:-}"
[ -n "$command" ] && [ -n "$name" ] || { sed -n '2,21p' "$0"; exit 2; }
[[ "$name" =~ ^[a-z0-9]{1,8}$ ]] || { echo "rehearsal: NAME must be 1-8 lowercase letters or digits" >&2; exit 2; }
state="$base/$name"
hub="vtvr-$name-hub"
node_ns() { echo "vtvr-$name-$1"; }

need_root() {
  [ "$(id -u)" -eq 0 ] || { echo "rehearsal: needs root (network and mount namespaces)" >&2; exit 1; }
  for tool in ip unshare mpirun; do
    command -v "$tool" >/dev/null || { echo "rehearsal: '$tool' is missing" >&2; exit 1; }
  done
}

down() {
  local ns
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^vtvr-$name-" || true); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$state"
}

# Runs "$@" inside node $1: its network namespace, then a private UTS and mount namespace where the
# node's hostname is set and its own folders are bound over /tmp, /dev/shm and /etc/hosts.
enter() {
  local node="$1"; shift
  [ -d "$state/$node" ] || { echo "rehearsal: no node '$node' in '$name'" >&2; exit 1; }
  exec ip netns exec "$(node_ns "$node")" unshare --uts --mount --propagation private sh -c '
    node="$1"; state="$2"; shift 2
    hostname "$node"
    mount --bind "$state/$node/tmp" /tmp
    mount --bind "$state/$node/shm" /dev/shm
    mount --bind "$state/hosts" /etc/hosts
    exec "$@"' sh "$node" "$state" "$@"
}

# Removes rehearsals whose owner (the process that called `up`, or REHEARSAL_OWNER) is gone: a test
# run killed before its clean-up leaves nothing behind for long.
sweep_dead() {
  local dir owner
  for dir in "$base"/*/; do
    [ -f "$dir/owner" ] || continue
    owner="$(cat "$dir/owner")"
    if ! kill -0 "$owner" 2>/dev/null; then "$0" down "$(basename "$dir")" || true; fi
  done
}

up() {
  local nodes="${1:-3}" k
  [[ "$nodes" =~ ^[0-9]+$ ]] && [ "$nodes" -ge 1 ] && [ "$nodes" -le 32 ] || { echo "rehearsal: 1-32 nodes" >&2; exit 2; }
  sweep_dead
  down
  trap 'down; exit 1' ERR INT TERM
  mkdir -p "$state/shared"
  chmod 1777 "$state/shared"
  ip netns add "$hub"
  ip -n "$hub" link set lo up
  ip -n "$hub" link add br0 type bridge
  ip -n "$hub" link set br0 up
  : > "$state/hosts"
  echo "127.0.0.1 localhost" >> "$state/hosts"
  : > "$state/hostfile"
  for k in $(seq 1 "$nodes"); do
    local ns; ns="$(node_ns "node$k")"
    mkdir -p "$state/node$k/tmp" "$state/node$k/shm"
    chmod 1777 "$state/node$k/tmp" "$state/node$k/shm"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # The pair is made inside the node (no name on the host), its far end moved to the hub.
    ip -n "$ns" link add eth0 type veth peer name "port$k"
    ip -n "$ns" link set "port$k" netns "$hub"
    ip -n "$hub" link set "port$k" master br0
    ip -n "$hub" link set "port$k" up
    ip -n "$ns" addr add "$subnet.$((10 + k))/24" dev eth0
    ip -n "$ns" link set eth0 up
    echo "$subnet.$((10 + k)) node$k" >> "$state/hosts"
    echo "node$k slots=64" >> "$state/hostfile"
  done
  # The remote-launch agent: OpenMPI calls it as `agent HOST COMMAND...` the way it calls ssh; like
  # sshd it runs the command with a shell, a clean environment and the node's namespaces. It runs
  # inside node1, whose /tmp is its own: it calls a copy of this script kept in the state folder
  # (the checkout may live under /tmp).
  cp "$0" "$state/rehearsal.sh"
  cat > "$state/agent" <<AGENT
#!/bin/sh
host="\$1"; shift
exec "$state/rehearsal.sh" on "$name" "\$host" \\
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="\${HOME:-/root}" sh -c "\$*"
AGENT
  chmod +x "$state/agent"
  echo "${REHEARSAL_OWNER:-$PPID}" > "$state/owner"
  trap - ERR INT TERM
  echo "$state/shared"
}

mpirun_on_nodes() {
  local args=() found=0
  while [ $# -gt 0 ]; do
    if [ "$1" = "--" ]; then found=1; shift; break; fi
    args+=("$1"); shift
  done
  [ "$found" -eq 1 ] && [ $# -gt 0 ] || { echo "rehearsal: mpirun NAME MPIRUN_ARGS... -- PROGRAM ARGS..." >&2; exit 2; }
  # Interfaces: eth0 is each node's only link to the others (lo stays node-local).
  enter node1 mpirun --allow-run-as-root --hostfile "$state/hostfile" \
    --mca plm_rsh_agent "$state/agent" --mca btl self,vader,tcp --mca btl_vader_single_copy_mechanism none \
    --mca btl_tcp_if_include eth0 --mca oob_tcp_if_include eth0 \
    "${args[@]}" "$@"
}

need_root
case "$command" in
  up) up "${3:-3}" ;;
  down) down ;;
  on) shift 2; node="${1:?rehearsal: on NAME NODE CMD...}"; shift; enter "$node" "$@" ;;
  mpirun) shift 2; mpirun_on_nodes "$@" ;;
  check)
    REHEARSAL_OWNER=$$ up "${3:-3}" >/dev/null
    trap down EXIT
    "$0" mpirun "$name" -np "${3:-3}" --map-by node -- sh -c 'echo "rank $OMPI_COMM_WORLD_RANK on $(hostname) $(ls /tmp | wc -l)"'
    ;;
  *) sed -n '2,21p' "$0"; exit 2 ;;
esac
