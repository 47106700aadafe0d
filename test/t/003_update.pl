# The update path (doc/upgrading.md): released install scripts never change,
# every released version updates to the current one, and an updated
# extension reads exactly like a fresh CREATE EXTENSION of the current
# version: the description of test/sql/include/extension_catalog.sql
# (functions with their settings, tables, columns, constraints, indexes,
# views, types, comments, privileges...) is compared line by line.
use strict;
use warnings;
use Digest::SHA qw(sha256_hex);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# The install scripts of released versions, as they shipped.  A release
# adds its line here when its script is frozen under sql/versions/.
my %released = (
	'0.1.0' => 'a09b15ebde26513f76783cffef1c9566fad91980fe6d4ce7af44de621a5b9d88',
);

# Rule: a released install script is never edited: databases created from
# it exist, and only an update script can change them.
my @frozen = map { m{/contactsync--([^-]+)\.sql$} ? $1 : () } glob('sql/versions/contactsync--*.sql');
is_deeply([ sort @frozen ], [ sort keys %released ],
	'sql/versions/ holds exactly the released install scripts listed in this test');
for my $version (sort keys %released)
{
	my $file = "sql/versions/contactsync--$version.sql";
	next unless -f $file;
	is(sha256_hex(slurp_file($file)), $released{$version},
		"$file is unchanged since $version was released (put changes in an update script)");
}

my $node = PostgreSQL::Test::Cluster->new('update');
$node->init(extra => [ '--encoding=UTF8', '--locale=C' ]);
$node->start;

my $current = $node->safe_psql('postgres',
	"SELECT default_version FROM pg_available_extensions WHERE name = 'contactsync'");
my @older = split /\n/, $node->safe_psql('postgres', qq{
	SELECT version FROM pg_available_extension_versions
	 WHERE name = 'contactsync' AND version <> '$current' ORDER BY version});

# Rule: the server offers every released version, and nothing else.
is_deeply(\@older, [ sort grep { $_ ne $current } keys %released ],
	"installable versions besides $current are the released ones");

# Rule: every released version has an update path to the current one.
for my $version (@older)
{
	my $path = $node->safe_psql('postgres', qq{
		SELECT path FROM pg_extension_update_paths('contactsync')
		 WHERE source = '$version' AND target = '$current'});
	isnt($path, '', "an update path from $version to $current: $path");
}

# The description of the extension installed in a database.
my $describe = slurp_file('test/sql/include/extension_catalog.sql')
  . "\nSELECT line FROM pg_temp.contactsync_catalog;\n";

sub describe_db
{
	my ($db) = @_;
	return $node->safe_psql($db, $describe);
}

# Compare two descriptions; on a difference, show it as a unified diff
# (- fresh install, + updated).
sub same_catalog
{
	my ($fresh, $updated, $name) = @_;
	if ($fresh eq $updated)
	{
		pass($name);
		return;
	}
	(my $tag = $name) =~ s/\W+/_/g;
	my $dir = $node->basedir;
	my ($fresh_file, $updated_file) = ("$dir/$tag.fresh", "$dir/$tag.updated");
	append_to_file($fresh_file, "$fresh\n");
	append_to_file($updated_file, "$updated\n");
	my $diff = `diff -U 2 --label 'fresh install' --label 'updated' '$fresh_file' '$updated_file'`;
	fail($name);
	diag("The updated extension differs from a fresh install of $current:\n$diff");
	return;
}

# The extension's schema is substituted for @extschema@ in every script: try
# the usual one and one whose name needs quoting.
my $n = 0;
for my $schema ('public', 'Contact Sync')
{
	(my $quoted = $schema) =~ s/"/""/g;
	$quoted = qq{"$quoted"};
	$n++;
	my $fresh_db = "fresh_$n";
	$node->safe_psql('postgres', "CREATE DATABASE $fresh_db");
	$node->safe_psql($fresh_db, qq{
		CREATE SCHEMA IF NOT EXISTS $quoted;
		CREATE EXTENSION contactsync SCHEMA $quoted;});
	my $fresh = describe_db($fresh_db);
	like($fresh, qr/^function .*contactsync_import\(/m,
		"the description of a fresh install in schema $schema lists the functions");

	for my $version (@older)
	{
		(my $db = "from_${version}_$n") =~ s/\W/_/g;
		$node->safe_psql('postgres', "CREATE DATABASE $db");
		$node->safe_psql($db, qq{
			CREATE SCHEMA IF NOT EXISTS $quoted;
			CREATE EXTENSION contactsync VERSION '$version' SCHEMA $quoted;
			ALTER EXTENSION contactsync UPDATE;});
		is($node->safe_psql($db,
				"SELECT extversion FROM pg_extension WHERE extname = 'contactsync'"),
			$current, "schema $schema: $version updates to $current");
		same_catalog($fresh, describe_db($db),
			"schema $schema: $version updated to $current reads like a fresh install");
	}
}

# Rule (doc/upgrading.md): 0.2.0 renames the result table
# contactsync_import_row to contactsync_import_row_single and gives its name
# to a view of every row.  Grants on the table stay with the renamed table;
# the view starts with the default privileges, and once granted it lists the
# rows 0.1.0 recorded.
$node->safe_psql('postgres', qq{
	CREATE DATABASE grants_0_1_0;
	CREATE ROLE result_reader;});
$node->safe_psql('grants_0_1_0', qq{
	CREATE EXTENSION contactsync VERSION '0.1.0';
	CREATE TABLE staging (line_uid text, name text);
	INSERT INTO staging VALUES ('U' || repeat('1', 32), 'one'), ('bad', 'two');
	SELECT count(*) FROM contactsync_import('staging', 'line_uid');
	GRANT SELECT ON contactsync_import_row TO result_reader;
	ALTER EXTENSION contactsync UPDATE;});
is($node->safe_psql('grants_0_1_0', qq{
	SELECT has_table_privilege('result_reader', 'contactsync_import_row_single', 'SELECT')
	    || ' ' || has_table_privilege('result_reader', 'contactsync_import_row', 'SELECT')}),
	'true false', 'after the update the grant is on the renamed table, not yet on the view');
is($node->safe_psql('grants_0_1_0', qq{
	GRANT SELECT ON contactsync_import_row TO result_reader;
	SET ROLE result_reader;
	SELECT string_agg(row_number || ' ' || status, ', ' ORDER BY row_number) FROM contactsync_import_row;}),
	'1 created, 2 failed', 'granted, the view lists the rows recorded by 0.1.0');
$node->safe_psql('grants_0_1_0', 'DROP OWNED BY result_reader');
$node->safe_psql('postgres', 'DROP ROLE result_reader');

$node->stop;
done_testing();
