# Installation properties that need a cluster of their own: the extension
# refuses a non-UTF-8 database, and pg_dump keeps its user data.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('install');
$node->init(extra => [ '--encoding=UTF8', '--locale=C' ]);
$node->start;

# Rule: a non-UTF-8 database is refused with a clear error.
$node->safe_psql('postgres',
	"CREATE DATABASE latin TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'");
my ($ret, $out, $err) = $node->psql('latin', 'CREATE EXTENSION contactsync');
isnt($ret, 0, 'CREATE EXTENSION fails in a LATIN1 database');
like($err, qr/contactsync requires a UTF-8 database, not LATIN1/,
	'the error names the encoding');
is($node->safe_psql('latin',
		"SELECT count(*) FROM pg_extension WHERE extname = 'contactsync'"),
	'0', 'nothing was installed');

# Rule: user data tables are dumped (pg_extension_config_dump).
$node->safe_psql('postgres', q{
	CREATE EXTENSION contactsync;
	SELECT contactsync_configure('brand', default_region => 'TW');
	INSERT INTO contactsync_contact (workspace, channel, email, name)
	VALUES ('brand', 'email', 'a@example.com', 'Ann');
	INSERT INTO contactsync_custom_field (workspace, identifier, type)
	VALUES ('brand', 'points', 'number');
});
my $dump = $node->basedir . '/dump.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('postgres'), '-f', $dump ],
	'pg_dump succeeds');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('restored'), '-f', $dump ],
	'the dump restores');
is($node->safe_psql('restored',
		"SELECT workspace || ' ' || email || ' ' || name FROM contactsync_contact"),
	'brand a@example.com Ann', 'contacts survive dump and restore');
is($node->safe_psql('restored',
		"SELECT default_region FROM contactsync_settings WHERE workspace = 'brand'"),
	'TW', 'settings survive dump and restore');
is($node->safe_psql('restored',
		"SELECT identifier || ':' || type FROM contactsync_custom_field"),
	'points:number', 'custom fields survive dump and restore');
# The sequence continues after restored ids.
$node->safe_psql('restored', q{
	INSERT INTO contactsync_contact (workspace, channel, email) VALUES ('brand', 'email', 'b@example.com')});
is($node->safe_psql('restored', 'SELECT count(DISTINCT id) FROM contactsync_contact'),
	'2', 'new ids do not collide with restored ones');

$node->stop;
done_testing();
