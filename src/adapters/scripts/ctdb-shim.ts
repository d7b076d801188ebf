// The text of the `ctdb` command CTDB's event scripts run under floatipd, and of its helpers: tiny clients of the control socket.
//
// A Node start costs more than 100 ms and CTDB's scripts call `ctdb` several times per event,
// so the command is a Perl script (perl-base is Essential on Debian; it starts in under 10 ms):
// it sends its argv, and standard input for the verbs that read it, as one `ctdb-tool`
// control request; floatipd answers with CTDB's output and exit code (daemon/control/ctdb-tool.ts).
// Only the reply's fixed envelope is parsed, so no JSON module is needed.

/** `ctdb`: argv (and standard input for tickle, addtickle, deltickle without arguments, _killtcp) to floatipd. */
export const CTDB_SHIM = String.raw`#!/usr/bin/perl
# floatip's stand-in for CTDB's ctdb command, first on the PATH of the event scripts floatipd runs.
# It asks floatipd (FLOATIP_SOCKET) and prints what ctdb would. It is never installed as /usr/bin/ctdb.
# Linux's numbers are used directly: loading the Socket module would triple the start time.
use strict;
use warnings;
use constant { AF_UNIX => 1, SOCK_STREAM => 1 };

my $socket_path = $ENV{FLOATIP_SOCKET} || '/run/floatip/control.sock';

sub quote {
    my ($text) = @_;
    $text =~ s/(["\\])/\\$1/g;
    $text =~ s/([\x00-\x1f])/sprintf('\\u%04x', ord($1))/ge;
    return "\"$text\"";
}

my %escapes = (n => "\n", t => "\t", r => "\r", b => "\b", f => "\f", '"' => '"', '\\' => '\\', '/' => '/');
sub unquote {
    my ($text) = @_;
    $text =~ s/\\(?:u([0-9a-fA-F]{4})|(.))/defined $1 ? chr(hex $1) : $escapes{$2}/ge;
    return $text;
}

# The verb: the first word that is neither an option nor an option's value.
my @words;
for (my $k = 0; $k < @ARGV; $k++) {
    my $arg = $ARGV[$k];
    if ($arg =~ /^-(n|t|T|d|-node|-timelimit|-maxruntime|-debug)$/) { $k++; next; }
    next if $arg =~ /^-/;
    push @words, $arg;
}
my $verb = $words[0] // '';
my $stdin;
if ($verb eq '_killtcp' || ($verb =~ /^(tickle|addtickle|deltickle)$/ && @words == 1)) {
    local $/;
    $stdin = <STDIN> // '';
}

my $args = '"argv":[' . join(',', map { quote($_) } @ARGV) . ']';
$args .= ',"stdin":' . quote($stdin) if defined $stdin;
my $socket;
if (!socket($socket, AF_UNIX, SOCK_STREAM, 0) || !connect($socket, pack('S Z108', AF_UNIX, $socket_path))) {
    print STDERR "Failed to connect to floatipd ($socket_path): $!\n";
    exit 1;
}
binmode $socket;
select((select($socket), $| = 1)[0]);
binmode STDOUT;
binmode STDERR;
print $socket '{"id":1,"command":"ctdb-tool","args":{' . $args . "}}\n";
my $reply = <$socket> // '';
close $socket;
my $string = qr/"((?:[^"\\]|\\.)*)"/;
if ($reply =~ /^\{"id":1,"ok":true,"result":\{"exitCode":(\d+),"stdout":$string,"stderr":$string\}\}\n?$/) {
    print STDOUT unquote($2);
    print STDERR unquote($3);
    exit $1;
}
if ($reply =~ /"ok":false,"error":\{"code":$string,"message":$string/) {
    print STDERR 'ctdb: ' . unquote($2) . ' [' . unquote($1) . "]\n";
    exit 1;
}
print STDERR "ctdb: floatipd gave no usable answer on $socket_path\n";
exit 1;
`;

/** `$CTDB_HELPER_BINDIR/ctdb_killtcp IFACE`: the connections on standard input, killed through floatip's socket destruction. */
export const KILLTCP_HELPER = `#!/bin/sh
# floatip's ctdb_killtcp: floatipd kills the listed connections (SOCK_DESTROY on their public address).
exec "\${CTDB:-ctdb}" _killtcp "$@"
`;

/**
 * \`$CTDB_HELPER_BINDIR/ctdb-config get SECTION OPTION\` when CTDB's own is not installed:
 * CTDB's defaults for what the shipped scripts ask.
 */
export const CONFIG_HELPER = `#!/bin/sh
# floatip's ctdb-config for a node without the ctdb package: CTDB's defaults of the options scripts read.
[ "$1" = get ] || { echo "ctdb-config: only 'get SECTION OPTION' is served here" >&2; exit 1; }
case "$2/$3" in
database/"volatile database directory") echo /var/lib/ctdb/volatile ;;
database/"persistent database directory") echo /var/lib/ctdb/persistent ;;
database/"state database directory") echo /var/lib/ctdb/state ;;
cluster/"recovery lock"|cluster/"cluster lock") echo "" ;;
*) echo "ctdb-config: no value for [$2] $3 under floatip" >&2; exit 1 ;;
esac
`;
