#!/usr/bin/perl
# Slow FastCGI peers on the redirector's socket, for the "latency under slow
# peers" row of tests/bench/redirector-throughput (issue #18, item 1):
# 2 x WORKERS connections that sent half a record, WORKERS that send
# nothing, and WORKERS that trickle a request one byte every 100 ms after a
# complete one. A connection the redirector closes (at its
# redirector.client_timeout) is opened again at once, so they hold for as
# long as this runs (until SIGTERM).
#
# Usage: slow-peers.pl SOCKET WORKERS
use strict;
use warnings;
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);
use Time::HiRes qw(sleep);

my ($path, $workers) = @ARGV;
die "usage: slow-peers.pl SOCKET WORKERS\n" unless defined $workers;
$SIG{PIPE} = 'IGNORE';
$SIG{TERM} = sub { exit 0 };

sub record {
  my ($type, $id, $content) = @_;
  return pack('CCnnCC', 1, $type, $id, length $content, 0, 0) . $content;
}

sub pair {
  my ($name, $value) = @_;
  my $len = sub { $_[0] < 128 ? pack('C', $_[0]) : pack('N', $_[0] | 0x80000000) };
  return $len->(length $name) . $len->(length $value) . $name . $value;
}

my $params = join '', map { pair(@$_) } (
  [REQUEST_METHOD => 'GET'], [REQUEST_URI => '/pool/f1.deb'],
  [DOCUMENT_URI => '/pool/f1.deb'], [QUERY_STRING => ''],
  [REMOTE_ADDR => '20.1.2.3'], [HTTP_HOST => 'bench']);
# BEGIN_REQUEST (Responder, keep the connection), PARAMS, STDIN.
my $request = record(1, 1, pack('nCx5', 1, 1)) . record(4, 1, $params)
  . record(4, 1, '') . record(5, 1, '');

my @peers = ((map { { kind => 'partial' } } 1 .. 2 * $workers),
             (map { { kind => 'silent' } } 1 .. $workers),
             (map { { kind => 'trickle' } } 1 .. $workers));

sub open_peer {
  my ($p) = @_;
  $p->{sock} = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $path) or return;
  $p->{sent} = 0;
  if ($p->{kind} eq 'partial') {
    syswrite $p->{sock}, substr($request, 0, 13);
  } elsif ($p->{kind} eq 'trickle') {
    syswrite $p->{sock}, $request;  # answered; then the next one, slowly
  }
}

# True when the redirector closed the connection (what it sent is dropped).
sub closed {
  my ($p) = @_;
  return 1 unless $p->{sock};
  my $rin = '';
  vec($rin, fileno($p->{sock}), 1) = 1;
  while (select(my $rout = $rin, undef, undef, 0) > 0) {
    my $n = sysread $p->{sock}, my $buf, 65536;
    return 1 if !$n;
  }
  return 0;
}

while (1) {
  for my $p (@peers) {
    if (closed($p)) {
      close $p->{sock} if $p->{sock};
      open_peer($p);
      next;
    }
    if ($p->{kind} eq 'trickle') {
      syswrite $p->{sock}, substr($request, $p->{sent} % length $request, 1);
      $p->{sent}++;
    }
  }
  sleep 0.1;
}
