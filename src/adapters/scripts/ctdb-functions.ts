// The text of floatip's CTDB-compatible `functions` file: CTDB_BASE/functions for CTDB's scripts when the ctdb package is not installed.
//
// CTDB's legacy scripts source "$CTDB_BASE/functions" first thing. With Debian's ctdb package
// installed, floatipd links CTDB's own (ctdb-env.ts); without it, it writes this one, so the
// scripts an admin brought along still run. The shell text is kept here, not in a file beside
// dist/, so the daemon never has to find its package directory at run time.

/** Sourced by CTDB's event scripts; defines every function Debian's 18 legacy scripts call. */
export const CTDB_FUNCTIONS = `# floatip's functions file for CTDB's event scripts, used when the ctdb package (and its own functions) is not installed.
#
# Written for floatip from CTDB's documented interface (the functions Debian's legacy scripts
# call, with their arguments, variables and messages); not a copy of CTDB's file. Where CTDB's
# behaviour matters to a script (exit codes, counters, state directories, the -X layouts it
# parses) it is the same. floatipd adds and deletes public addresses itself, so the address
# helpers here are for scripts that call them outside takeip/releaseip.
# shellcheck shell=sh disable=SC2034

if [ -z "$CTDB_BASE" ]; then
	echo 'CTDB_BASE unset in CTDB functions file'
	exit 1
fi
export CTDB_BASE

CTDB_VARDIR="/var/lib/ctdb"
CTDB="\${CTDB:-ctdb}"
[ -n "$CTDB_SCRIPT_VARDIR" ] || CTDB_SCRIPT_VARDIR="/var/lib/ctdb/scripts"
[ -n "$CTDB_SYS_ETCDIR" ] || CTDB_SYS_ETCDIR="/etc"
[ -n "$CTDB_HELPER_BINDIR" ] || CTDB_HELPER_BINDIR="/usr/libexec/ctdb"

# load_system_config NAME...: the first of /etc/sysconfig/NAME, /etc/default/NAME that exists.
load_system_config() {
	for _name; do
		for _dir in sysconfig default; do
			if [ -f "$CTDB_SYS_ETCDIR/$_dir/$_name" ]; then
				. "$CTDB_SYS_ETCDIR/$_dir/$_name"
				return
			fi
		done
	done
}

# load_script_options [COMPONENT SCRIPT]: script.options, then SCRIPT.options beside the script.
load_script_options() {
	case $# in
	0) _opt_script="\${0%.script}" ;;
	2) _opt_script="$CTDB_BASE/events/legacy/$2" ;;
	*) die "usage: load_script_options [ component script ]" ;;
	esac
	[ -r "$CTDB_BASE/script.options" ] && . "$CTDB_BASE/script.options"
	[ -r "$_opt_script.options" ] && . "$_opt_script.options"
	return 0
}

die() {
	echo "$1" >&2
	exit "\${2:-1}"
}

# script_log TAG [MESSAGE]: CTDB_LOGGING's file or syslog; floatipd points it at its own file.
script_log() {
	_log_tag="$1"
	shift
	case "$CTDB_LOGGING" in
	syslog*) logger -t "ctdbd: $_log_tag" "$@" ;;
	*)
		_log_file="\${CTDB_LOGGING#file:}"
		[ -n "$_log_file" ] || _log_file=/dev/stderr
		if [ $# -gt 0 ]; then echo "$*"; else cat; fi >>"$_log_file"
		;;
	esac
}

background_with_logging() {
	("$@" 2>&1 </dev/null | script_log "$script_name&") &
	return 0
}

ctdb_check_args() {
	case "$1" in
	takeip | releaseip)
		[ $# -eq 4 ] || { echo "ERROR: must supply interface, IP and maskbits"; exit 1; } ;;
	updateip)
		[ $# -eq 5 ] || { echo "ERROR: must supply old interface, new interface, IP and maskbits"; exit 1; } ;;
	esac
}

detect_init_style() {
	[ -z "$CTDB_INIT_STYLE" ] || return 0
	if [ -x /sbin/startproc ]; then CTDB_INIT_STYLE=suse
	elif [ -x /sbin/start-stop-daemon ]; then CTDB_INIT_STYLE=debian
	else CTDB_INIT_STYLE=redhat
	fi
}

_service() {
	[ -n "$1" ] || return 0
	if [ -x /sbin/service ]; then $_nice /sbin/service "$1" "$2"
	elif [ -x /usr/sbin/service ]; then $_nice /usr/sbin/service "$1" "$2"
	elif [ -x /bin/systemctl ]; then $_nice /bin/systemctl "$2" "$1"
	elif [ -x "$CTDB_SYS_ETCDIR/init.d/$1" ]; then $_nice "$CTDB_SYS_ETCDIR/init.d/$1" "$2"
	elif [ -x "$CTDB_SYS_ETCDIR/rc.d/init.d/$1" ]; then $_nice "$CTDB_SYS_ETCDIR/rc.d/init.d/$1" "$2"
	fi
}
service() { _nice=""; _service "$@"; }
nice_service() { _nice="nice"; _service "$@"; }

# The node's number and private address never change while it runs: asked once, then cached.
ctdb_get_pnn() {
	[ -f "$CTDB_SCRIPT_VARDIR/my-pnn" ] || $CTDB pnn >"$CTDB_SCRIPT_VARDIR/my-pnn"
	cat "$CTDB_SCRIPT_VARDIR/my-pnn"
}
ctdb_get_ip_address() {
	[ -f "$CTDB_SCRIPT_VARDIR/my-ip-address" ] ||
		$CTDB -X nodestatus | awk -F'|' 'NR == 2 { print $3 }' >"$CTDB_SCRIPT_VARDIR/my-ip-address"
	cat "$CTDB_SCRIPT_VARDIR/my-ip-address"
}

ctdb_translate_option() {
	_value=$("$CTDB_HELPER_BINDIR/ctdb-config" get "$1" "$2") || exit $?
	echo "$3=\\"$_value\\""
}
ctdb_get_db_options() {
	_db_options="$CTDB_SCRIPT_VARDIR/db_options.cache"
	if [ ! -f "$_db_options" ]; then
		{
			ctdb_translate_option database "volatile database directory" CTDB_DBDIR
			ctdb_translate_option database "persistent database directory" CTDB_DBDIR_PERSISTENT
			ctdb_translate_option database "state database directory" CTDB_DBDIR_STATE
		} >"$_db_options"
	fi
	. "$_db_options"
}

set_proc() { echo "$2" >"/proc/$1"; }
set_proc_maybe() { [ ! -w "/proc/$1" ] || set_proc "$1" "$2"; }
get_proc() { cat "/proc/$1"; }

program_stack_traces() {
	_shown=0
	for _pid in $(pidof "$1"); do
		[ "$_shown" -lt "\${2:-1}" ] || break
		_stack=$(get_proc "$_pid/stack" 2>/dev/null)
		[ -n "$_stack" ] || continue
		echo "Stack trace for $1[$_pid]:"
		echo "$_stack"
		_shown=$((_shown + 1))
	done
}

assert_service_name() {
	[ -n "$service_name" ] || die "INTERNAL ERROR: \\$service_name not set"
}

# Directories on standard input, one a line; a name with % (a Samba substitution) is skipped.
ctdb_check_directories_probe() {
	while IFS="" read -r d; do
		case "$d" in *%*) continue ;; esac
		[ -d "$d/." ] || return 1
	done
}
ctdb_check_directories() {
	ctdb_check_directories_probe || { echo "ERROR: $service_name directory \\"$d\\" not available"; exit 1; }
}

# ctdb checktcpport exits 98 (EADDRINUSE) when something listens: that is the good answer.
ctdb_check_tcp_ports() {
	[ -n "$1" ] || { echo "INTERNAL ERROR: ctdb_check_tcp_ports - no ports specified"; exit 1; }
	for _port; do
		_out=$($CTDB checktcpport "$_port" 2>&1)
		_rc=$?
		case "$_rc" in
		98) continue ;;
		0) echo "$service_name not listening on TCP port $_port"; return 1 ;;
		*)
			echo "unexpected error ($_rc) running \\"$CTDB checktcpport $_port\\""
			[ -z "$_out" ] || echo "$_out"
			return "$_rc" ;;
		esac
	done
	return 0
}

ctdb_check_unix_socket() {
	[ -n "$1" ] || { echo "ERROR: ctdb_check_unix_socket() requires socket path"; return 1; }
	[ -n "$(ss -l -x "src $1" | tail -n +2)" ] || { echo "ERROR: $service_name not listening on $1"; return 1; }
}

# "LOCAL PEER" per established connection of address $1.
get_tcp_connections_for_ip() {
	ss -tn state established "src [$1]" | awk 'NR > 1 { print $3, $4 }'
}

kill_tcp_connections() {
	_kill_list=$(get_tcp_connections_for_ip "$2" | while read -r _local _peer; do
		echo "$_peer $_local"
		case "\${_local##*:}" in 139 | 445) continue ;; esac
		[ "$3" = oneway ] || echo "$_local $_peer"
	done)
	[ -n "$_kill_list" ] || return 0
	_before=$(get_tcp_connections_for_ip "$2" | wc -l)
	echo "$_kill_list" | "$CTDB_HELPER_BINDIR/ctdb_killtcp" "$1" || { echo "Failed to kill TCP connections"; return; }
	_left=$(get_tcp_connections_for_ip "$2")
	_remaining=0
	[ -z "$_left" ] || _remaining=$(echo "$_left" | wc -l)
	echo "Killed $((_before - _remaining))/$_before TCP connections to released IP $2"
	if [ -n "$_left" ]; then
		echo "Remaining connections:"
		echo "$_left" | sed -e 's|^|  |'
	fi
}
kill_tcp_connections_local_only() { kill_tcp_connections "$@" oneway; }

tickle_tcp_connections() {
	_tickles=$(get_tcp_connections_for_ip "$1" | awk '{ print $1, $2; print $2, $1 }')
	echo "$_tickles" | awk '{ print "Tickle TCP connection", $1, $2 }'
	echo "$_tickles" | $CTDB tickle
}

add_ip_to_iface() {
	ip link set "$1" up || die "Failed to bringup interface $1"
	case "$2" in
	*:*) ip addr add "$2/$3" dev "$1" ;;
	*) ip addr add "$2/$3" brd + dev "$1" ;;
	esac || { echo "Failed to add $2/$3 on dev $1"; return 1; }
}
delete_ip_from_iface() {
	set_proc "sys/net/ipv4/conf/$1/promote_secondaries" 1
	ip addr del "$2/$3" dev "$1" || { echo "Failed to del $2 on dev $1"; return 1; }
}

# "BITS IFACE" of an address held by this node, nothing when it holds none.
ip_maskbits_iface() {
	case "$1" in *:*) _host=128 ;; *) _host=32 ;; esac
	ip addr show to "$1/$_host" 2>/dev/null | awk '
		NR == 1 { iface = $2; sub(":$", "", iface); sub("@.*", "", iface) }
		$1 ~ /inet/ { mask = $2; sub(".*/", "", mask); print mask, iface }'
}
drop_ip() {
	_drop="\${1%/*}"
	# shellcheck disable=SC2046
	set -- $(ip_maskbits_iface "$_drop")
	[ -n "$1" ] || return 0
	echo "Removing public address $_drop/$1 from device $2"
	delete_ip_from_iface "$2" "$_drop" "$1" >/dev/null 2>&1
}
drop_all_public_ips() {
	while read -r _public _rest; do
		case "$_public" in \\#* | "") continue ;; esac
		drop_ip "$_public"
	done <"$CTDB_BASE/public_addresses"
}

flush_route_cache() {
	set_proc_maybe sys/net/ipv4/route/flush 1
	set_proc_maybe sys/net/ipv6/route/flush 1
}

# \`ip link show\` text -> the underlying device (VLAN eth0.10 or eth0@x -> eth0).
interface_get_real() {
	_link=$(echo "$1" | awk 'NR == 1 { iface = $2; sub(":$", "", iface); print iface }')
	case "$_link" in *@*) echo "\${_link##*@}" ;; *) echo "\${_link%%.*}" ;; esac
}

interface_monitor() {
	_info=$(ip link show "$1" 2>&1) || { echo "ERROR: Monitored interface $1 does not exist"; return 1; }
	_real=$(interface_get_real "$_info")
	if _bond=$(get_proc "net/bonding/$_real" 2>/dev/null); then
		if echo "$_bond" | grep -q 'Currently Active Slave: None'; then
			echo "ERROR: No active slaves for bond device $_real"; return 1
		fi
		echo "$_bond" | grep -q '^MII Status: up' || { echo "ERROR: public network interface $_real is down"; return 1; }
		return 0
	fi
	case "$1" in lo* | ib*) return 0 ;; esac
	# The kernel's carrier flag, as floatipd reads it: ethtool need not be installed.
	[ "$(cat "/sys/class/net/$_real/carrier" 2>/dev/null)" = 1 ] && return 0
	ip link set "$1" up
	[ "$(cat "/sys/class/net/$_real/carrier" 2>/dev/null)" = 1 ] || { echo "ERROR: No link on the public network interface $1"; return 1; }
}

# Failure counters: one byte per failure in script_state_dir (ctdb_setup_state_dir first).
_ctdb_counter_common() {
	[ $# -le 1 ] || die "usage: _ctdb_counter_common [name]"
	[ -n "$script_state_dir" ] || die "ctdb_counter_* functions need ctdb_setup_state_dir()"
	_counter_file="$script_state_dir/\${1:+$1.}failcount"
}
ctdb_counter_init() { _ctdb_counter_common "$@"; : >"$_counter_file"; }
ctdb_counter_incr() { _ctdb_counter_common "$@"; echo >>"$_counter_file"; }
ctdb_counter_get() { _ctdb_counter_common "$@"; wc -c <"$_counter_file" 2>/dev/null || echo 0; }

ctdb_setup_state_dir() {
	[ $# -eq 2 ] || die "usage: ctdb_setup_state_dir <type> <name>"
	script_state_dir="$CTDB_SCRIPT_VARDIR/$1/$2"
	mkdir -p "$script_state_dir" || die "Error creating script state dir \\"$script_state_dir\\""
}

_ctdb_service_reconfigure_common() {
	[ -n "$script_state_dir" ] || die "ctdb_service_*_reconfigure() needs ctdb_setup_state_dir()"
	_reconfigure_flag="$script_state_dir/need_reconfigure"
}
ctdb_service_needs_reconfigure() { _ctdb_service_reconfigure_common; [ -e "$_reconfigure_flag" ]; }
ctdb_service_set_reconfigure() { _ctdb_service_reconfigure_common; : >"$_reconfigure_flag"; }
ctdb_service_unset_reconfigure() { _ctdb_service_reconfigure_common; rm -f "$_reconfigure_flag"; }
ctdb_service_reconfigure() {
	echo "Reconfiguring service \\"$service_name\\"..."
	ctdb_service_unset_reconfigure
	service_reconfigure || return $?
	ctdb_counter_init
}
# Scripts override these three.
service_reconfigure() { :; }
service_start() { service "$service_name" start; }
service_stop() { service "$service_name" stop; }
ctdb_standard_event_handler() { :; }

iptables_wrapper() {
	_family="$1"
	shift
	if [ "$_family" = inet6 ]; then _iptables=ip6tables; else _iptables=iptables; fi
	flock -w 30 "$CTDB_SCRIPT_VARDIR/iptables.flock" "$_iptables" "$@"
}

# NFS callouts: the callout lists the operations it implements once ("register"); others are skipped.
nfs_callout_init() {
	[ -n "$CTDB_NFS_CALLOUT" ] || CTDB_NFS_CALLOUT="$CTDB_BASE/nfs-linux-kernel-callout"
	export CTDB_NFS_CALLOUT
	export CTDB_NFS_CALLOUT_STATE_DIR="$1/callout-state"
	[ -z "$CTDB_NFS_STATE_FS_TYPE" ] || export CTDB_NFS_STATE_FS_TYPE
	[ -z "$CTDB_NFS_STATE_MNT" ] || export CTDB_NFS_STATE_MNT
	nfs_callout_cache="$1/nfs_callout_cache"
	nfs_callout_cache_callout="$nfs_callout_cache/CTDB_NFS_CALLOUT"
	nfs_callout_cache_ops="$nfs_callout_cache/ops"
}
nfs_callout_register() {
	mkdir -p "$nfs_callout_cache_ops"
	rm -f "$nfs_callout_cache_ops"/*
	echo "$CTDB_NFS_CALLOUT" >"$nfs_callout_cache_callout"
	_ops=$("$CTDB_NFS_CALLOUT" register)
	if [ -z "$_ops" ]; then
		touch "$nfs_callout_cache_ops/ALL"
		return
	fi
	echo "$_ops" | while IFS="" read -r _op; do touch "$nfs_callout_cache_ops/$_op"; done
}
nfs_callout() {
	_registered=""
	[ ! -r "$nfs_callout_cache_callout" ] || read -r _registered <"$nfs_callout_cache_callout"
	[ "$CTDB_NFS_CALLOUT" = "$_registered" ] || nfs_callout_register
	if [ -e "$nfs_callout_cache_ops/$1" ] || [ -e "$nfs_callout_cache_ops/ALL" ]; then
		"$CTDB_NFS_CALLOUT" "$@"
	fi
}

# update_tickles PORT: the connections to PORT of this node's addresses become the recorded tickles.
update_tickles() {
	tickledir="$CTDB_SCRIPT_VARDIR/tickles"
	mkdir -p "$tickledir"
	_pnn=$(ctdb_get_pnn)
	_ips=$($CTDB -X ip | awk -F'|' -v pnn="$_pnn" '$3 == pnn { print $2 }')
	_filter=""
	for _ip in $_ips; do _filter="$_filter\${_filter:+ || }src [$_ip]"; done
	_now="$tickledir/$1.connections.$$"
	_known="$tickledir/$1.tickles.$$"
	ss -tn state established \${_filter:+"( $_filter )"} "( sport == :$1 )" |
		awk 'NR > 1 { print $4, $3 }' | tr -d '][' | sort >"$_now"
	for _ip in $_ips; do
		$CTDB -X gettickles "$_ip" "$1" | awk -F'|' 'NR > 1 { printf "%s:%s %s:%s\\n", $2, $3, $4, $5 }'
	done | sort >"$_known"
	comm -23 "$_now" "$_known" | $CTDB addtickle
	comm -13 "$_now" "$_known" | $CTDB deltickle
	rm -f "$_now" "$_known"
	(cd "$tickledir" && find . -type f -mmin +10 | xargs -r rm)
}

[ ! -x "$CTDB_BASE/rc.local" ] || . "$CTDB_BASE/rc.local"
if [ -d "$CTDB_BASE/rc.local.d" ]; then
	for _local in "$CTDB_BASE/rc.local.d"/*; do
		[ ! -x "$_local" ] || . "$_local"
	done
fi

script_name="\${0##*/}"
`;
