#!/usr/bin/perl
# Seed corpora for the libFuzzer harnesses, from the test data:
#   perl test/fuzz/seeds.pl <checkout> <phone corpus tsv> <output dir>
# writes <output dir>/{email,phone,validate}/<n>, one input per file, in
# each harness's input format (see test/fuzz/fuzz_*.c):
#   email     every cell of test/fixtures and every string literal of the
#             normaliser and channel-rule tests
#   phone     "<region>\t<number>": the libphonenumber-derived corpus
#             (test/corpus), and the phone literals and cells, read with no
#             region and in TW
#   validate  "<channel>\t<region>\t<header>\t<cell>": every fixture cell
#             under its file's channel and its column's header, and the
#             cases of test/sql/channel_rules.sql
use strict;
use warnings;

my ($root, $corpus, $out) = @ARGV;
die "usage: seeds.pl <checkout> <phone corpus tsv> <output dir>\n" unless defined $out;

my %seen;
my %count;

# Write one seed (once per harness).
sub seed
{
	my ($harness, $bytes) = @_;
	return if $seen{$harness}{$bytes}++;
	my $dir = "$out/$harness";
	mkdir $out;
	mkdir $dir;
	my $n = ++$count{$harness};
	open(my $fh, '>:raw', "$dir/$n") or die "$dir/$n: $!";
	print $fh $bytes;
	close $fh;
}

sub slurp
{
	my ($path) = @_;
	open(my $fh, '<:raw', $path) or die "$path: $!";
	local $/;
	return <$fh>;
}

# The fields of one CSV line (RFC 4180 quoting; no newlines in the fixtures).
sub csv_fields
{
	my ($line) = @_;
	my @fields;
	while (1)
	{
		if ($line =~ /\G"((?:[^"]|"")*)"/gc)
		{
			push @fields, $1 =~ s/""/"/gr;
		}
		else
		{
			$line =~ /\G([^,]*)/gc;
			push @fields, $1;
		}
		last unless $line =~ /\G,/gc;
	}
	return @fields;
}

# SQL string literals ('' is a quote), from the files named.
sub literals
{
	my @found;
	for my $file (@_)
	{
		my $sql = slurp("$root/test/sql/$file");
		push @found, map { s/''/'/gr } $sql =~ /(?<![A-Za-z0-9_])'((?:[^']|'')*)'/g;
	}
	return @found;
}

my %channel_of = (email => 'email', line => 'line', whatsapp => 'whatsapp');

for my $csv (glob "$root/test/fixtures/*.csv")
{
	my @lines = split /\r?\n/, slurp($csv);
	my @header = csv_fields(shift @lines);
	my ($prefix) = $csv =~ m{/([a-z]+)_[^/]*\.csv$};
	my $channel = $channel_of{$prefix};
	for my $line (@lines)
	{
		my @cells = csv_fields($line);
		for my $i (0 .. $#cells)
		{
			my $cell = $cells[$i];
			seed('email', $cell);
			seed('phone', "$_\t$cell") for ('', 'TW');
			if (defined $channel)
			{
				seed('validate', "$channel\t$_\t$header[$i]\t$cell") for ('', 'TW');
			}
			elsif ($prefix eq 'normalize')
			{
				# kind,region,input: the normaliser samples.
				my ($kind, $region, $input) = @cells;
				seed('validate', "line\t$region\t$kind\t$input");
				last;
			}
		}
	}
}

seed('email', $_) for literals('email.sql', 'normalize_hostile.sql', 'channel_rules.sql');
for my $literal (literals('phone.sql', 'normalize_hostile.sql'))
{
	seed('phone', "$_\t$literal") for ('', 'TW');
}

# channel_rules.sql: ('rule', 'channel', 'field', 'value', 'region' or NULL).
my $rules = slurp("$root/test/sql/channel_rules.sql");
while ($rules =~ /\(\s*'(?:[^']|'')*',\s*'([^']*)',\s*'([^']*)',\s*'((?:[^']|'')*)',\s*(?:'([^']*)'|NULL)\s*\)/g)
{
	my ($channel, $field, $value, $region) = ($1, $2, $3 =~ s/''/'/gr, $4 // '');
	seed('validate', "$channel\t$region\t$field\t$value");
}
# Custom field types (staging.c): numbers, dates and datetimes.
for my $case ('-0012.50', '+3.5', '.5', '7.', '1e5', '2024-02-29', '2023-02-29',
	'2024-03-02T18:00:00', '2024-03-02 24:00:00')
{
	seed('validate', "line\t\t$_\t$case") for ('number', 'date', 'datetime');
}

open(my $fh, '<:raw', $corpus) or die "$corpus: $!";
while (my $line = <$fh>)
{
	chomp $line;
	my ($input, $region) = split /\t/, $line, -1;
	seed('phone', "$region\t$input");
}
close $fh;

printf "seeds: %s\n", join(', ', map { "$_ $count{$_}" } sort keys %count);
