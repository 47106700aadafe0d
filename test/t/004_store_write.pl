# Which way an import writes its new contacts (src/bulk.c): in bulk, as COPY
# writes rows, unless the store needs the executor's INSERT (a trigger,
# row-level security, or INSERT granted on columns only).  The choice shows
# in a DEBUG1 line; what the contacts look like either way is checked by the
# pg_regress test import_store_write.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('store_write');
$node->init(extra => [ '--encoding=UTF8', '--locale=C' ]);
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION contactsync;
	CREATE TABLE staging (line_uid text, name text);
	INSERT INTO staging SELECT 'U' || md5(i::text), 'Name ' || i FROM generate_series(1, 100) AS i;
});

# The DEBUG1 lines of one import into `workspace`, run as `role` if given.
sub import_messages
{
	my ($workspace, $role) = @_;
	my $set_role = defined $role ? "SET ROLE $role;" : '';
	my ($ret, $out, $err) = $node->psql('postgres', qq{
		$set_role
		SET client_min_messages = debug1;
		SELECT created FROM contactsync_import('staging', 'line_uid', workspace => '$workspace');
	});
	is($ret, 0, "the import into $workspace succeeds");
	is($out, '100', "it creates every contact of $workspace");
	return $err;
}

# Rule: a plain store is written in bulk.
my $plain = import_messages('plain');
like($plain, qr/creates written in bulk/, 'no trigger: written in bulk');

# Rule: written in bulk, the new contacts' index entries are inserted in
# key order, in one round while they fit in maintenance_work_mem and in
# several when they do not (5,000 rows take about 2 MB of entries); with an
# index that is not a B-tree, row by row.
sub rounds
{
	my ($messages) = @_;
	my @rounds = $messages =~ /index entries of (\d+) rows inserted in key order/g;
	return scalar(@rounds) . ' rounds, ' . eval { my $n = 0; $n += $_ for @rounds; $n } . ' rows';
}
is(rounds($plain), '1 rounds, 100 rows', 'entries in key order, one round');
$node->safe_psql('postgres', q{
	CREATE TABLE staging_5000 (line_uid text, name text);
	INSERT INTO staging_5000 SELECT 'U' || md5('r' || i), 'Name ' || i FROM generate_series(1, 5000) AS i;
});
my ($ret, $out, $err) = $node->psql('postgres', q{
	SET client_min_messages = debug1;
	SET maintenance_work_mem = '1MB';
	SELECT created FROM contactsync_import('staging_5000', 'line_uid', workspace => 'rounds');
});
is($out, '5000', 'the import in rounds creates every contact');
like(rounds($err), qr/^([2-9]|\d\d+) rounds, 5000 rows$/, 'entries beyond maintenance_work_mem: several rounds');
$node->safe_psql('postgres', 'CREATE INDEX tags_gin ON contactsync_contact USING gin (tags)');
is(rounds(import_messages('gin')), '0 rounds, 0 rows', 'a GIN index: entries row by row');
$node->safe_psql('postgres', 'DROP INDEX tags_gin; DELETE FROM contactsync_contact WHERE workspace IN (\'rounds\', \'gin\')');

# Rule: changed contacts are updated in bulk on a plain store, their index
# entries in key order (a new version that is heap-only has none).
($ret, $out, $err) = $node->psql('postgres', q{
	SET client_min_messages = debug1;
	CREATE TEMP TABLE renames AS SELECT line_uid, 'Renamed ' || name AS name FROM staging;
	SELECT updated FROM contactsync_import('renames', 'line_uid', workspace => 'plain');
});
is($out, '100', 'the update changes every contact');
like($err, qr/updates written in bulk$/m, 'no trigger: updates written in bulk');
# Rule: a rename keeps each contact's keys, so the entries of the store's
# two unique indexes (the id, the channel key) for each new version that is
# not heap-only go in without a uniqueness check: two per such version.
my ($versions, $kept) = $err =~ /index entries of (\d+) rows inserted in key order \(\d+ kB held; (\d+) entries of unique keys kept/;
ok(defined $versions && $versions > 0, 'some new versions are not heap-only');
is($kept, 2 * ($versions // 0), 'their two unique keys kept, not checked');

# Rule: a trigger on the store makes the creates an INSERT, which fires it.
$node->safe_psql('postgres', q{
	CREATE TABLE fired (n int);
	CREATE FUNCTION count_row() RETURNS trigger LANGUAGE plpgsql AS
	  $$BEGIN INSERT INTO public.fired VALUES (1); RETURN NEW; END$$;
	CREATE TRIGGER count_row BEFORE INSERT OR UPDATE ON contactsync_contact FOR EACH ROW EXECUTE FUNCTION count_row();
});
like(import_messages('triggered'), qr/creates written by INSERT/, 'a trigger: written by INSERT');
is($node->safe_psql('postgres', 'SELECT count(*) FROM fired'), '100', 'the trigger fired for every new contact');
# Rule: so are updates: by UPDATE, which fires it.
($ret, $out, $err) = $node->psql('postgres', q{
	SET client_min_messages = debug1;
	CREATE TEMP TABLE renames AS SELECT line_uid, 'Renamed ' || name AS name FROM staging;
	SELECT updated FROM contactsync_import('renames', 'line_uid', workspace => 'triggered');
});
is($out, '100', 'the update through the trigger changes every contact');
like($err, qr/updates written by UPDATE/, 'a trigger: updates written by UPDATE');
is($node->safe_psql('postgres', 'SELECT count(*) FROM fired'), '200', 'the trigger fired for every updated contact too');
$node->safe_psql('postgres', 'DROP TRIGGER count_row ON contactsync_contact');

# Rule: row-level security on the store makes the creates an INSERT.
$node->safe_psql('postgres', q{
	CREATE ROLE importer;
	GRANT SELECT ON staging TO importer;
	GRANT SELECT, UPDATE ON contactsync_contact, contactsync_import_batch TO importer;
	GRANT INSERT ON contactsync_import_batch TO importer;
	GRANT SELECT, INSERT ON contactsync_import_row_single, contactsync_import_row_set TO importer;
	GRANT SELECT ON contactsync_import_row TO importer;
	GRANT SELECT, INSERT, DELETE ON contactsync_conflict_member TO importer;
	GRANT SELECT ON contactsync_custom_field, contactsync_settings TO importer;
	GRANT USAGE ON SEQUENCE contactsync_contact_id_seq, contactsync_import_batch_id_seq TO importer;
	GRANT INSERT ON contactsync_contact TO importer;
	CREATE POLICY everything ON contactsync_contact USING (true) WITH CHECK (true);
	ALTER TABLE contactsync_contact ENABLE ROW LEVEL SECURITY;
});
like(import_messages('secured', 'importer'), qr/creates written by INSERT/,
	'row-level security: written by INSERT');
$node->safe_psql('postgres', 'ALTER TABLE contactsync_contact DISABLE ROW LEVEL SECURITY');

# Rule: INSERT granted on the store's columns, not on the table, makes the
# creates an INSERT (which checks each column's privilege).
$node->safe_psql('postgres', q{
	REVOKE INSERT ON contactsync_contact FROM importer;
	GRANT INSERT (id, unified_contact_id, workspace, channel, platform_name, line_uid, email, phone,
	              whatsapp_mobile, customer_id, name, note, tags, gender, birthday, messaging_status,
	              consent_source, consent_at, custom)
	  ON contactsync_contact TO importer;
});
like(import_messages('columns', 'importer'), qr/creates written by INSERT/,
	'INSERT on columns only: written by INSERT');

# And with INSERT on the table again, the same role writes in bulk.
$node->safe_psql('postgres', 'GRANT INSERT ON contactsync_contact TO importer');
like(import_messages('granted', 'importer'), qr/creates written in bulk/,
	'INSERT on the table: written in bulk');

is($node->safe_psql('postgres',
		"SELECT string_agg(workspace || ':' || n, ' ' ORDER BY workspace) FROM "
		  . "(SELECT workspace, count(*) AS n FROM contactsync_contact GROUP BY 1) s"),
	'columns:100 granted:100 plain:100 secured:100 triggered:100',
	'every import wrote its contacts');

$node->stop;
done_testing();
