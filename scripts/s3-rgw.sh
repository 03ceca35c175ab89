#!/usr/bin/env bash
# A real S3 server without Docker: a single-node Ceph cluster (one monitor, one in-memory OSD) and radosgw,
# from Debian's packages, listening on loopback only. Used by the test harness and for local development
# against the s3 storage driver.
#
#   scripts/s3-rgw.sh start    install the packages if missing, start (idempotent), print STORAGE_S3_* lines
#   scripts/s3-rgw.sh stop     stop every daemon this script started
#   scripts/s3-rgw.sh status   exit 0 when the server answers
#   scripts/s3-rgw.sh env      print the STORAGE_S3_* lines
#
# Settings (env): RGW_DIR (default /tmp/extplat-rgw), RGW_PORT (7480), RGW_MON_PORT (3300), RGW_MEMSTORE_BYTES (4 GiB),
# S3_ACCESS_KEY, S3_SECRET_KEY.
# Why the odd settings: without `ms_*_mode = crc` radosgw waits 300 s for cephx; the OSD keeps data in
# memory (memstore), so a restart starts empty. Daemons write to log files only and never hold the
# caller's stdout, so a CI job that pipes this script's output is not kept open by them.
set -euo pipefail
DIR=${RGW_DIR:-/tmp/extplat-rgw}
PORT=${RGW_PORT:-7480}
MON_PORT=${RGW_MON_PORT:-3300}
ACCESS_KEY=${S3_ACCESS_KEY:-extplat-test}
SECRET_KEY=${S3_SECRET_KEY:-extplat-test-secret}

print_env() {
  echo "STORAGE_S3_ENDPOINT=http://127.0.0.1:$PORT"
  echo "STORAGE_S3_ACCESS_KEY=$ACCESS_KEY"
  echo "STORAGE_S3_SECRET_KEY=$SECRET_KEY"
  echo "STORAGE_S3_REGION=us-east-1"
  echo "STORAGE_S3_FORCE_PATH_STYLE=true"
}

answers() { curl -sf -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/"; }

# A pid file can outlive its daemon (machine restart); only signal a pid that still is a ceph daemon.
ours() { [[ $(cat "/proc/$1/comm" 2>/dev/null) =~ ^(ceph-mon|ceph-osd|radosgw)$ ]]; }

stop() {
  [[ -d $DIR/run ]] || return 0
  local f pid
  for f in "$DIR"/run/*.pid; do
    [[ -f $f ]] || continue
    pid=$(cat "$f")
    if ours "$pid"; then kill "$pid" 2>/dev/null || true; fi
  done
  for f in "$DIR"/run/*.pid; do
    [[ -f $f ]] || continue
    pid=$(cat "$f")
    for _ in $(seq 1 40); do ours "$pid" || break; sleep 0.5; done
    if ours "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
    rm -f "$f"
  done
}

install_packages() {
  command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null &&
    command -v uuidgen >/dev/null && command -v curl >/dev/null && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "s3-rgw: radosgw, ceph-mon, ceph-osd, uuid-runtime and curl are missing; install them as root" >&2
    exit 1
  fi
  echo "s3-rgw: installing radosgw, ceph-mon, ceph-osd from Debian (about a minute, once)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends radosgw ceph-mon ceph-osd uuid-runtime curl >/dev/null
}

# Runs a daemon detached from our stdio; ceph daemons fork into the background themselves.
daemon() { "$@" </dev/null >>"$DIR/log/daemons.out" 2>&1; }

start() {
  install_packages
  if answers; then print_env; return 0; fi
  stop
  rm -rf "$DIR"
  mkdir -p "$DIR"/{run,log,mon.a,osd.0,rgw.a}
  cd "$DIR"
  local fsid
  fsid=$(uuidgen)
  cat >ceph.conf <<CONF
[global]
fsid = $fsid
mon_host = v2:127.0.0.1:$MON_PORT
public_network = 127.0.0.0/8
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
ms_mon_client_mode = crc
ms_client_mode = crc
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_max_pg_per_osd = 1000
ms_bind_ipv6 = false
run_dir = $DIR/run
log_file = $DIR/log/\$name.log
admin_socket = $DIR/run/\$name.asok
pid_file = $DIR/run/\$name.pid
[mon.a]
mon_data = $DIR/mon.a
[osd.0]
osd_data = $DIR/osd.0
osd_objectstore = memstore
memstore_device_bytes = ${RGW_MEMSTORE_BYTES:-4294967296}
[client.rgw.a]
rgw_frontends = beast endpoint=127.0.0.1:$PORT
rgw_data = $DIR/rgw.a
# Reclaim deleted objects within seconds (default: hours), or the in-memory store fills up.
rgw_gc_obj_min_wait = 5
rgw_gc_processor_period = 5
rgw_gc_processor_max_time = 5
CONF
  monmaptool --create --clobber --fsid "$fsid" --addv a "[v2:127.0.0.1:$MON_PORT]" --enable-all-features monmap >/dev/null
  ceph-authtool --create-keyring keyring --gen-key -n mon. --cap mon 'allow *' >/dev/null
  daemon ceph-mon -c ceph.conf --mkfs -i a --monmap monmap --keyring keyring
  daemon ceph-mon -c ceph.conf -i a
  ceph -c ceph.conf osd create </dev/null >/dev/null
  daemon ceph-osd -c ceph.conf -i 0 --mkfs
  daemon ceph-osd -c ceph.conf -i 0
  daemon radosgw -c ceph.conf -n client.rgw.a
  local up=""
  for _ in $(seq 1 120); do
    if answers; then up=1; break; fi
    sleep 1
  done
  [[ -n $up ]] || { echo "s3-rgw: radosgw did not answer on port $PORT within 120 s; see $DIR/log" >&2; exit 1; }
  radosgw-admin -c ceph.conf user create --uid=extplat --display-name=extplat \
    --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" </dev/null >/dev/null
  print_env
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) answers ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
