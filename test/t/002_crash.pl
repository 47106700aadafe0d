# Crash safety (SPEC §7): an importing backend killed mid-import, and a
# server stopped in immediate mode mid-import, leave only what was committed
# before; no batch claims success, and the next import works.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init(extra => [ '--encoding=UTF8', '--locale=C' ]);
$node->append_conf('postgresql.conf', 'restart_after_crash = on');
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION contactsync;
	CREATE TABLE small (line_uid text, name text);
	INSERT INTO small SELECT 'U' || md5('small' || g), 'small ' || g FROM generate_series(1, 100) g;
	SELECT created FROM contactsync_import('small', 'line_uid');
	CREATE TABLE big (line_uid text, name text, email text, phone text);
	INSERT INTO big SELECT 'U' || md5(g::text), 'big ' || g, 'user' || g || '@example.com',
	                       '+8869' || lpad(g::text, 8, '0')
	  FROM generate_series(1, 150000) g;
});

# The state a committed import left: 100 contacts, one batch, 100 result rows.
sub committed_state
{
	return $node->safe_psql('postgres', q{
		SELECT (SELECT count(*) FROM contactsync_contact) || ' contacts, '
		    || (SELECT count(*) FROM contactsync_import_batch) || ' batches, '
		    || (SELECT count(*) FROM contactsync_import_row) || ' result rows'});
}
is(committed_state(), '100 contacts, 1 batches, 100 result rows', 'the committed import');

# Start the big import in the background and wait until it has run a second.
sub start_big_import
{
	my $bg = $node->background_psql('postgres', on_error_stop => 0);
	my $pid = $bg->query_safe('SELECT pg_backend_pid()');
	$bg->query_until(qr/started/,
		"\\echo started\nSELECT * FROM contactsync_import('big', 'line_uid');\n");
	$node->poll_query_until('postgres', qq{
		SELECT count(*) = 1 FROM pg_stat_activity
		 WHERE pid = $pid AND state = 'active' AND query LIKE '%contactsync_import%'
		   AND now() - query_start > interval '1 second'})
	  or die 'the import did not start';
	return ($bg, $pid);
}

# 1. SIGKILL the importing backend.
my ($bg, $pid) = start_big_import();
kill 'KILL', $pid;
eval { $bg->quit; };
$node->poll_query_until('postgres', 'SELECT 1', '1')
  or die 'the server did not come back';
is(committed_state(), '100 contacts, 1 batches, 100 result rows',
	'after SIGKILL only the committed import remains');

# 2. Stop the server in immediate mode mid-import.
($bg, $pid) = start_big_import();
$node->stop('immediate');
eval { $bg->quit; };
$node->start;
is(committed_state(), '100 contacts, 1 batches, 100 result rows',
	'after an immediate stop only the committed import remains');

# No batch claims success without its rows: every batch has its result rows.
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM contactsync_import_batch b
	 WHERE b.rows <> (SELECT count(*) FROM contactsync_import_row r WHERE r.batch_id = b.id)}),
	'0', 'every batch has exactly its result rows');

# The next import works, and sees a consistent store.
is($node->safe_psql('postgres', q{
	SET client_min_messages = warning;
	SELECT created || ' created, ' || failed || ' failed' FROM contactsync_import('small', 'line_uid', workspace => 'after')}),
	'100 created, 0 failed', 'the next import works');
is($node->safe_psql('postgres', q{
	SET client_min_messages = warning;
	SELECT unchanged FROM contactsync_import('small', 'line_uid')}),
	'100', 'the committed contacts are intact');

$node->stop;
done_testing();
