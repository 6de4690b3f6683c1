#!/usr/bin/perl
# A City-layout MaxMind DB of realistic size for the GeoIP benchmark: the
# whole IPv4 space below 224/8 split into /20 networks (about 230,000
# records; GeoLite2-City holds a few million) and 2000::/4 into /24 IPv6
# networks, each with a country, continent and coordinates.
# Usage: make-bench-mmdb.pl OUTFILE
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($out) = @ARGV;
die "usage: make-bench-mmdb.pl OUTFILE\n" unless $out;
my %types = (country => 'map', continent => 'map', location => 'map', iso_code => 'utf8_string',
             code => 'utf8_string', latitude => 'double', longitude => 'double');
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version => 6, record_size => 28, database_type => 'GeoLite2-City',
    languages => ['en'], description => { en => 'waymark benchmark database' },
    map_key_type_callback => sub { $types{ $_[0] } }, alias_ipv6_to_ipv4 => 1,
    remove_reserved_networks => 1);
my @places = (['DE', 'EU', 50.11, 8.68], ['US', 'NA', 37.77, -122.42], ['SG', 'AS', 1.35, 103.82],
              ['BR', 'SA', -23.55, -46.63], ['AU', 'OC', -33.87, 151.21], ['ZA', 'AF', -26.2, 28.05]);
my $i = 0;
for my $a (1 .. 223) {
    next if $a == 10 || $a == 127;
    for my $b (0 .. 255) {
        for my $c (0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240) {
            my $p = $places[$i++ % @places];
            eval {
                $tree->insert_network("$a.$b.$c.0/20", {
                    country => { iso_code => $p->[0] }, continent => { code => $p->[1] },
                    location => { latitude => $p->[2] + ($i % 100) / 100, longitude => $p->[3] } });
            };
        }
    }
}
for my $n (0 .. 0xfff) {
    my $p = $places[$i++ % @places];
    my $net = sprintf('%x:%x00::/24', 0x2000 + ($n >> 4), ($n & 15) << 4);
    eval { $tree->insert_network($net, { country => { iso_code => $p->[0] }, continent => { code => $p->[1] } }) };
}
open(my $o, '>:raw', $out) or die "cannot write $out: $!\n";
$tree->write_tree($o);
close $o or die "cannot write $out: $!\n";
