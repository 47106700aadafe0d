/*
 * import.c — contactsync_import: argument checks, set-up, and the set-based
 * phases that classify, match, merge and write the rows the staging reader
 * validated into the work table.
 *
 * Every statement here runs under the function's pinned search_path
 * (pg_catalog, pg_temp), so functions and operators resolve in pg_catalog
 * only; the extension's tables are qualified with its schema and the work
 * tables with pg_temp.  Identifiers in the SQL come from the channel tables,
 * never from the caller; user values are parameters.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/parse_func.h"
#include "pgtime.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "contactsync.h"
#include "import.h"
#include "unify.h"
#include "validate.h"

PG_FUNCTION_INFO_V1(contactsync_import);

#define WORK "pg_temp.contactsync_work"
#define LOCK_CLASS 0x63730001	/* advisory lock class of workspace locks */

/*
 * cs_spi_exec — run one statement with parameters; `expected` is the SPI
 * result code it must return.
 */
void
cs_spi_exec(const char *sql, int nargs, Oid *types, Datum *values,
			const char *nulls, int expected)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);

	if (rc != expected)
		elog(ERROR, "contactsync statement failed (%s): %s", SPI_result_code_string(rc), sql);
}

/*
 * cs_progress — the end of a phase.  Always a DEBUG1 line with its time; a
 * NOTICE only once the import has run 5 seconds, and at most every 5
 * seconds, so a short import prints exactly its summary.
 */
void
cs_progress(CsImport *imp, const char *phase, int64 rows)
{
	TimestampTz now = GetCurrentTimestamp();
	long		phase_ms = (long) ((now - imp->phase_started) / 1000);
	long		total_ms = (long) ((now - imp->started) / 1000);

	/* (the memory figure walks every context: only when DEBUG1 is shown) */
	if (message_level_is_interesting(DEBUG1))
		ereport(DEBUG1,
				(errmsg_internal("contactsync: batch " INT64_FORMAT ": %s took %ld ms; memory contexts hold %zu kB",
								 imp->batch_id, phase, phase_ms,
								 MemoryContextMemAllocated(TopMemoryContext, true) / 1024)));
	if (TimestampDifferenceExceeds(imp->started, now, 5000) &&
		TimestampDifferenceExceeds(imp->last_report, now, 5000))
	{
		ereport(NOTICE,
				(errmsg("contactsync: batch " INT64_FORMAT ": %s done (" INT64_FORMAT " rows), %ld.%01ld s elapsed",
						imp->batch_id, phase, rows, total_ms / 1000, (total_ms % 1000) / 100)));
		imp->last_report = now;
	}
	imp->phase_started = now;
}

/*
 * cs_workspace_lock — the transaction-scoped lock that serialises imports,
 * unification and undo within one workspace.
 */
void
cs_workspace_lock(const char *workspace)
{
	DirectFunctionCall2(pg_advisory_xact_lock_int4, Int32GetDatum(LOCK_CLASS),
						Int32GetDatum((int32) hash_bytes((const unsigned char *) workspace,
														 strlen(workspace))));
}

/* Raise the misuse error for a bad enumerated argument. */
static void
bad_argument(const char *param, const char *value, const char *allowed)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s \"%s\"", param, value),
			 errhint("Use %s.", allowed)));
}

/* A text argument as a C string, or the default when NULL. */
static char *
text_arg(FunctionCallInfo fcinfo, int n, const char *dflt)
{
	if (PG_ARGISNULL(n))
		return dflt ? pstrdup(dflt) : NULL;
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

static bool
bool_arg(FunctionCallInfo fcinfo, int n, bool dflt)
{
	return PG_ARGISNULL(n) ? dflt : PG_GETARG_BOOL(n);
}

/* Whether s is one of the NULL-terminated list. */
static bool
one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/*
 * The field a key reads on a channel, or an error: line_uid (line only),
 * phone (whatsapp_mobile on whatsapp), email, customer_id, whatsapp_mobile
 * (whatsapp only).
 */
static CsFieldId
key_field(const char *key, const CsChannelDef *ch)
{
	bool		whatsapp = strcmp(ch->name, "whatsapp") == 0;

	if (strcmp(key, "customer_id") == 0)
		return CSF_CUSTOMER_ID;
	if (strcmp(key, "email") == 0)
		return CSF_EMAIL;
	if (strcmp(key, "phone") == 0)
		return whatsapp ? CSF_WHATSAPP_MOBILE : CSF_PHONE;
	if (strcmp(key, "line_uid") == 0 && strcmp(ch->name, "line") == 0)
		return CSF_LINE_UID;
	if (strcmp(key, "whatsapp_mobile") == 0 && whatsapp)
		return CSF_WHATSAPP_MOBILE;
	if (strcmp(key, "line_uid") == 0 || strcmp(key, "whatsapp_mobile") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("key \"%s\" is not allowed for channel %s", key, ch->name),
				 errdetail("line_uid is a key of LINE imports only, whatsapp_mobile of WhatsApp imports only."),
				 errhint("Use phone, email or customer_id, or name the channel with channel => ...")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown key \"%s\"", key),
			 errhint("Use line_uid, phone, email, customer_id or whatsapp_mobile.")));
	return CSF_NFIELDS;			/* keep compiler quiet */
}

/* Load the workspace's custom fields (active and archived). */
static void
load_custom_fields(CsImport *imp)
{
	Oid			types[1] = {TEXTOID};
	Datum		vals[1] = {CStringGetTextDatum(imp->workspace)};
	uint64		i;

	cs_spi_exec(psprintf("SELECT identifier, type, status = 'active' FROM %s.contactsync_custom_field "
						 "WHERE workspace = $1 ORDER BY identifier", imp->schema),
				1, types, vals, NULL, SPI_OK_SELECT);
	imp->ncustoms = (int) SPI_processed;
	imp->customs = palloc0(sizeof(CsCustomField) * Max(imp->ncustoms, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	d = SPI_tuptable->tupdesc;
		char	   *type = SPI_getvalue(t, d, 2);
		bool		isnull;

		imp->customs[i].identifier = SPI_getvalue(t, d, 1);
		imp->customs[i].type = strcmp(type, "number") == 0 ? 'n' :
			strcmp(type, "date") == 0 ? 'd' :
			strcmp(type, "datetime") == 0 ? 'D' : 't';
		imp->customs[i].active = DatumGetBool(SPI_getbinval(t, d, 3, &isnull));
	}
}

/* The workspace's default region, or NULL. */
static char *
workspace_region(CsImport *imp)
{
	Oid			types[1] = {TEXTOID};
	Datum		vals[1] = {CStringGetTextDatum(imp->workspace)};

	cs_spi_exec(psprintf("SELECT default_region FROM %s.contactsync_settings WHERE workspace = $1",
						 imp->schema), 1, types, vals, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return NULL;
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/* Create the work table the staging reader fills. */
static void
create_work_table(void)
{
	StringInfoData sql;
	int			f;

	if (OidIsValid(RelnameGetRelid("contactsync_work")))
		cs_spi_exec("DROP TABLE pg_temp.contactsync_work", 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	if (OidIsValid(RelnameGetRelid("contactsync_upd")))
		cs_spi_exec("DROP TABLE pg_temp.contactsync_upd", 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	if (OidIsValid(RelnameGetRelid("contactsync_match")))
		cs_spi_exec("DROP TABLE pg_temp.contactsync_match", 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	if (OidIsValid(RelnameGetRelid("contactsync_new")))
		cs_spi_exec("DROP TABLE pg_temp.contactsync_new", 0, NULL, NULL, NULL, SPI_OK_UTILITY);

	initStringInfo(&sql);
	appendStringInfoString(&sql, "CREATE TEMP TABLE contactsync_work (rn int4 NOT NULL, st text, codes text[], msg text, keyv text");
	for (f = 0; f < CSF_EXTERNAL_MEMBER_ID; f++)
		appendStringInfo(&sql, ", %s %s", cs_fields[f].name,
						 f == CSF_TAGS ? "text[]" : f == CSF_BIRTHDAY ? "date" :
						 f == CSF_CONSENT_AT ? "timestamptz" : "text");
	appendStringInfoString(&sql, ", custom jsonb, cells jsonb, tid tid) ON COMMIT DROP");
	cs_spi_exec(sql.data, 0, NULL, NULL, NULL, SPI_OK_UTILITY);
}

/*
 * SQL expression: the tags of the arrays a, b, c (text[] expressions; a may
 * be NULL for none) in order, each where it first occurs — the tag union of
 * the merge rules.  contactsync_tags_union (src/tags.c) computes it; an
 * installed 0.1.0 lacks that function, and gets the same result from a
 * subquery.
 */
static char *
tags_union(CsImport *imp, const char *a, const char *b, const char *c)
{
	if (imp->tags_union)
		return psprintf("%s.contactsync_tags_union(%s, %s, %s)",
						imp->schema, a ? a : "NULL", b, c);
	return psprintf("ARRAY(SELECT u.t FROM pg_catalog.unnest(%s%sCOALESCE(%s, '{}'::text[]) || COALESCE(%s, '{}'::text[])) "
					"WITH ORDINALITY AS u(t, o) GROUP BY u.t ORDER BY pg_catalog.min(u.o))",
					a ? a : "", a ? " || " : "", b, c);
}

/*
 * add_tags under the rules of a tags cell (SPEC §3): split on commas,
 * trimmed, empty and NULL ones dropped, each exact tag once, in order.
 * (Datum) 0 when none is left.
 */
static Datum
clean_add_tags(Datum arr)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	StringInfoData joined;
	char	   *clean = NULL;

	deconstruct_array(DatumGetArrayTypeP(arr), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	initStringInfo(&joined);
	for (i = 0; i < n; i++)
		if (!nulls[i])
		{
			if (joined.len > 0)
				appendStringInfoChar(&joined, ',');
			appendStringInfoString(&joined, TextDatumGetCString(elems[i]));
		}
	if (cs_validate(cs_channel_by_name("line"), CSV_TAGS, joined.data, joined.len, NULL, &clean) != NULL ||
		clean == NULL || clean[0] == '\0')
		return (Datum) 0;
	/* clean is the tags joined by commas, none of them empty */
	return cs_split_commas(clean);
}

/*
 * The match table gets an index on the row number below this many rows,
 * for the nested loops of small imports; above it every statement joins it
 * by hashing, and building the index costs more than it saves.  (The merge
 * table keeps its index at every size: the UPDATE of large merges measured
 * slower without it.)
 */
#define TEMP_INDEX_MAX_ROWS 50000

/* The statuses of result rows, in the order of CsImport.counts. */
static const char *const cs_statuses[] = {"created", "updated", "unchanged", "skipped", "failed"};

/*
 * Rows whose key takes part in the duplicate check: open ones, and failed
 * ones with a valid key (a file that has the key twice is flagged on every
 * such row, SPEC §3; the last row wins even when it fails).  Skipped rows
 * (an empty whatsapp status) are not imported and repeat nothing.
 */
#define IN_PLAY "w.keyv IS NOT NULL AND (w.st IS NULL OR w.st = 'failed')"

/* Rows still open (no status) and without a stored match: they create. */
#define UNMATCHED "NOT EXISTS (SELECT 1 FROM pg_temp.contactsync_match m WHERE m.rn = w.rn)"

/*
 * Plain outcomes, kept in sets (contactsync_import_row_set): an update
 * (contactsync_upd u) that was written with no warning; a row (WORK w,
 * match m) that creates, updates plainly or matches a contact it leaves
 * unchanged without a warning, outside a dry run ($6).
 */
#define PLAIN_UPDATE "(u.changed AND NOT u.gone AND pg_catalog.cardinality(u.warnings) = 0)"
#define PLAIN_ROW "(NOT $6 AND w.st IS NULL AND (m.rn IS NULL OR u.rn IS NULL OR " PLAIN_UPDATE "))"

/*
 * The SQL expression that rebuilds a failed or skipped row's original cells
 * from the staging table (by the ctid the reader kept), as jsonb keyed by
 * column name: the same text the reader saw, without building JSON for the
 * rows that import.  jsonb_build_object takes at most 100 arguments, so
 * wide tables are built 50 columns at a time.
 */
static char *
lazy_cells_sql(CsImport *imp)
{
	StringInfoData sql;
	int			i;

	if (!imp->lazy_cells)
		return "w.cells";
	initStringInfo(&sql);
	appendStringInfo(&sql, "(SELECT ");
	for (i = 0; i < imp->ncolumns; i++)
	{
		const char *col = quote_identifier(imp->columns[i].name);

		if (i % 50 == 0)
			appendStringInfo(&sql, "%spg_catalog.jsonb_build_object(", i > 0 ? ") || " : "");
		else
			appendStringInfoString(&sql, ", ");
		appendStringInfo(&sql, "%s, s.%s::pg_catalog.text", quote_literal_cstr(imp->columns[i].name), col);
	}
	if (imp->ncolumns == 0)
		appendStringInfoString(&sql, "'{}'::pg_catalog.jsonb");
	else
		appendStringInfoChar(&sql, ')');
	appendStringInfo(&sql, " FROM %s s WHERE s.ctid = w.tid)", imp->relname);
	return sql.data;
}

/*
 * The contact column of merged field f: the channel fields, then custom,
 * platform_name and unify_split (f < CSF_EXTERNAL_MEMBER_ID + 3).
 */
static const char *
merged_column(int f)
{
	if (f < CSF_EXTERNAL_MEMBER_ID)
		return cs_fields[f].name;
	if (f == CSF_EXTERNAL_MEMBER_ID)
		return "custom";
	return f == CSF_EXTERNAL_MEMBER_ID + 1 ? "platform_name" : "unify_split";
}

/*
 * Whether the row can change merged field f.  A field the staging table
 * has no column for is NULL on every row, and a blank cell never
 * overwrites: its merged value is the stored one (tags still take
 * add_tags, and platform_name the argument when it is given).  Such fields
 * are left out of the comparison, the previous values and the UPDATE.
 */
static bool
merge_field_present(const CsImport *imp, int f)
{
	if (f < CSF_EXTERNAL_MEMBER_ID)
		return imp->field_column[f] >= 0 || (f == CSF_TAGS && imp->add_tags != (Datum) 0);
	if (f == CSF_EXTERNAL_MEMBER_ID + 1)
		return imp->platform_name != NULL;
	return true;				/* custom, unify_split */
}

/*
 * The merge rules of SPEC §3 as SQL, one expression per stored field, from
 * the row (w) and the stored contact (c): blanks never overwrite; with
 * overwrite off ($3) only empty fields are filled; tags merge or, with
 * replace ($4), are replaced, plus add_tags ($6); the channel primary key
 * never changes; an email status never goes back to subscribed;
 * platform_name ($5) fills an empty one; a row with a unify-key value
 * clears a split.  Each item is written as sep + expr + as + name for a
 * select list (as = " AS ") or sep + name + eq + expr for a SET list.
 */
static void
append_merge(StringInfo sql, CsImport *imp, const char *sep, const char *as, const char *eq)
{
	const CsChannelDef *ch = imp->channel;
	int			f;
	StringInfoData e;

	initStringInfo(&e);
	for (f = 0; f < CSF_EXTERNAL_MEMBER_ID + 3; f++)
	{
		const char *n = merged_column(f);

		resetStringInfo(&e);
		if (!merge_field_present(imp, f))
		{
			/* the stored value: nothing to set, a column to select */
			if (!*eq)
				appendStringInfo(sql, "%sc.%s%s%s", sep, n, as, n);
			continue;
		}
		if (f == CSF_EXTERNAL_MEMBER_ID)
		{
			appendStringInfoString(&e, "CASE WHEN w.custom IS NULL THEN c.custom WHEN $3 THEN c.custom || w.custom "
								   "ELSE w.custom || c.custom END");
		}
		else if (f == CSF_EXTERNAL_MEMBER_ID + 1)
		{
			appendStringInfoString(&e, "CASE WHEN c.platform_name IS NULL OR c.platform_name = '' "
								   "THEN COALESCE($5, c.platform_name) ELSE c.platform_name END");
		}
		else if (f == CSF_EXTERNAL_MEMBER_ID + 2)
		{
			/* a row with a value of one of the workspace's unify keys */
			appendStringInfo(&e, "c.unify_split AND w.customer_id IS NULL%s%s%s",
							 imp->split_keys.email ? " AND w.email IS NULL" : "",
							 imp->split_keys.phone ? " AND w.phone IS NULL AND w.whatsapp_mobile IS NULL" : "",
							 imp->split_keys.line_uid ? " AND w.line_uid IS NULL" : "");
		}
		else
		{
			if (f == (int) ch->primary)
				appendStringInfo(&e, "c.%s", n);
			else if (f == CSF_TAGS)
				/* a row without tags (and no add_tags) leaves the stored ones as they are */
				appendStringInfo(&e, "CASE WHEN w.tags IS NULL AND $6 IS NULL THEN c.tags "
								 "WHEN $4 AND w.tags IS NOT NULL THEN %s ELSE %s END",
								 tags_union(imp, NULL, "w.tags", "$6"),
								 tags_union(imp, "c.tags", "w.tags", "$6"));
			else if (f == CSF_MESSAGING_STATUS && strcmp(ch->name, "email") == 0)
				appendStringInfoString(&e, "CASE WHEN w.messaging_status IS NULL THEN c.messaging_status "
									   "WHEN w.messaging_status = 'subscribed' AND c.messaging_status IN ('unsubscribed', 'hard_bounce', 'spam_report') "
									   "THEN c.messaging_status "
									   "WHEN $3 OR c.messaging_status IS NULL OR c.messaging_status = '' THEN w.messaging_status "
									   "ELSE c.messaging_status END");
			else
				appendStringInfo(&e, "CASE WHEN w.%s IS NULL THEN c.%s "
								 "WHEN $3 OR c.%s IS NULL OR c.%s::text = '' THEN w.%s ELSE c.%s END",
								 n, n, n, n, n, n);
		}
		if (*eq)
			appendStringInfo(sql, "%s%s%s%s", sep, n, eq, e.data);
		else
			appendStringInfo(sql, "%s%s%s%s", sep, e.data, as, n);
	}
}

/*
 * Whether two rows in play may share a key: two equal key hashes (a true
 * repeat, or a collision that the exact check then tells apart).  The
 * hashes go into an open-addressing set twice their number in size,
 * placed by their own low bits (they are hashes already); 0 marks an empty
 * slot, so a hash of 0 is remembered apart.  (A sort of them took 40 ms
 * for 400,000 keys, the set a few.)
 */
static bool
keys_may_repeat(CsImport *imp)
{
	int64		i;
	bool		repeat = false;
	bool		zero = false;
	uint64		size = 16;
	uint64	   *set;

	if (imp->key_hashes == NULL)
		return true;
	while (size < (uint64) imp->nkey_hashes * 2)
		size <<= 1;
	set = MemoryContextAllocExtended(CurrentMemoryContext, size * sizeof(uint64),
									 MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	for (i = 0; i < imp->nkey_hashes && !repeat; i++)
	{
		uint64		h = imp->key_hashes[i];
		uint64		slot = h & (size - 1);

		if (h == 0)
		{
			repeat = zero;
			zero = true;
			continue;
		}
		while (set[slot] != 0 && set[slot] != h)
			slot = (slot + 1) & (size - 1);
		repeat = set[slot] == h;
		set[slot] = h;
	}
	pfree(set);
	pfree(imp->key_hashes);
	imp->key_hashes = NULL;
	return repeat;
}

/* The single bigint a one-row, one-column statement returns. */
static int64
spi_count(const char *sql)
{
	bool		isnull;

	cs_spi_exec(sql, 0, NULL, NULL, NULL, SPI_OK_SELECT);
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * Statistics of the store after a large import.  An import that writes at
 * least as many contacts as the store had at its last analyze (or since
 * it was analyzed empty) leaves the planner statistics that describe
 * another table: the next import's joins are then planned for a few rows
 * (measured: a re-import of 40,000 rows right after their first import
 * took 243 s in a nested loop that rescanned the work table for every
 * stored contact, 0.5 s with statistics).  Autovacuum would analyze the
 * store, but only within its nap time, and scripts import back to back.
 * So such an import analyzes the store itself, before its unification
 * queries: when the caller owns the table (ANALYZE needs that) and no one
 * else holds the lock ANALYZE takes (an import into another workspace
 * analyzing at the same time); otherwise it leaves it to autovacuum.
 */
static void
analyze_after_large_write(CsImport *imp, int64 written)
{
	bool		isnull;
	Oid			relid;
	double		reltuples;

	if (written < 1000)
		return;
	cs_spi_exec(psprintf("SELECT c.oid, c.reltuples::pg_catalog.float8 FROM pg_catalog.pg_class c "
						 "WHERE c.oid = %s::pg_catalog.regclass",
						 quote_literal_cstr(psprintf("%s.contactsync_contact", imp->schema))),
				0, NULL, NULL, NULL, SPI_OK_SELECT);
	relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	reltuples = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	if ((double) written < reltuples || !pg_class_ownercheck(relid, GetUserId()) ||
		!ConditionalLockRelationOid(relid, ShareUpdateExclusiveLock))
		return;
	{
		/*
		 * The columns the import's statements join and filter on, from a
		 * sample of 3,000 rows (statistics target 10): enough for the
		 * row counts and distinct values its plans need, at a tenth of the
		 * cost of the full analyze (measured: 17 against 298 ms at 384,000
		 * contacts).  Analyzing a list of columns leaves autovacuum's
		 * count of changed rows as it was, so autovacuum still analyzes
		 * the whole table, with its usual sample, for every other query.
		 */
		int			nest = NewGUCNestLevel();

		(void) set_config_option("default_statistics_target", "10", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		cs_spi_exec(psprintf("ANALYZE %s.contactsync_contact (workspace, channel, external_member_id, id, "
							 "line_uid, email, phone, whatsapp_mobile, customer_id, unified_contact_id, unify_split)",
							 imp->schema), 0, NULL, NULL, NULL, SPI_OK_UTILITY);
		AtEOXact_GUC(true, nest);
	}
	cs_progress(imp, "statistics", imp->rows);
}

/*
 * The new contacts' ids, drawn from the sequence in row order before they
 * are inserted: pg_temp.contactsync_new (rn, id), with the unify keys'
 * identifiers of each when unification is to read them (no join of the
 * work table back to the ids then).
 */
static void
number_creates(CsImport *imp, bool identifiers)
{
	const char *ids = identifiers ? ", w.customer_id, w.email, w.phone, w.whatsapp_mobile, w.line_uid" : "";

	cs_spi_exec(psprintf("CREATE TEMP TABLE contactsync_new ON COMMIT DROP AS "
						 "SELECT w.rn, pg_catalog.nextval('%s.contactsync_contact_id_seq') AS id%s "
						 "FROM (SELECT w.rn%s FROM " WORK " w WHERE w.st IS NULL AND " UNMATCHED " ORDER BY w.rn) AS w",
						 imp->schema, ids, ids),
				0, NULL, NULL, NULL, SPI_OK_UTILITY);
	/* its statistics: the creates join it to the work table */
	cs_spi_exec("ANALYZE pg_temp.contactsync_new (rn)", 0, NULL, NULL, NULL, SPI_OK_UTILITY);
}

/*
 * Unification before the creates.  The new contacts get their ids first
 * (pg_temp.contactsync_new, in row order) and take part in the run as if
 * stored; each is then inserted once with its person.  Inserting them as
 * their own persons and updating the ones that join another would write
 * every such contact twice, with entries in all the contact table's
 * indexes each time.  When the import's seeds (the contacts it creates,
 * and the updated ones that can regroup) are enough for the run to read
 * the whole workspace (cs_unify_covers), it does; otherwise it grows the
 * closure of the updated seeds and of the stored contacts that share a
 * value with a new one.  Returns false, doing nothing, when the import
 * creates nothing: unification follows the updates.  On true, *pending
 * holds the new contacts whose person is not themselves.
 */
static bool
unify_before_creates(CsImport *imp, CsUnifyPending *pending)
{
	int64		ncreate = imp->ncreate;
	int64		nregroup;

	if (ncreate == 0)
		return false;
	nregroup = spi_count("SELECT pg_catalog.count(*) FROM pg_temp.contactsync_upd u WHERE u.changed AND u.regroup");
	number_creates(imp, true);
	memset(pending, 0, sizeof(*pending));
	pending->sql = psprintf("SELECT n.id, false, %d::pg_catalog.int8, n.customer_id, n.email, n.phone, "
							"n.whatsapp_mobile, n.line_uid, NULL::pg_catalog.text, NULL::pg_catalog.text "
							"FROM pg_temp.contactsync_new n",
							CS_UNIFY_PENDING);
	if (cs_unify_covers(imp->schema, imp->workspace, ncreate + nregroup, ncreate))
		cs_unify_with_pending(imp->schema, imp->workspace, pending);
	else
	{
		bool		isnull;
		Datum		seeds;

		cs_spi_exec("SELECT COALESCE(pg_catalog.array_agg(u.id), '{}') FROM pg_temp.contactsync_upd u "
					"WHERE u.changed AND u.regroup", 0, NULL, NULL, NULL, SPI_OK_SELECT);
		seeds = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		seeds = PointerGetDatum(DatumGetArrayTypePCopy(seeds));
		cs_unify_around_pending(imp->schema, imp->workspace, seeds, pending);
	}
	return true;
}


/*
 * The merge of every matched contact, as a SELECT: whether the row changes
 * it, its warnings, whether the change can move it to another person, and
 * (when it changes) its previous values.  From the match table (rows that
 * update or leave a contact unchanged, or warn), or, with in_match, as the
 * match itself: every open row joined to the stored contact of its channel
 * primary key, all matched rows kept (the match table's rn and id with
 * the merge's columns; no candidate list, as the key matches one contact
 * at most).
 */
static void
append_merge_select(StringInfo sql, CsImport *imp, bool in_match)
{
	const char *pk = cs_fields[imp->channel->primary].name;
	const char *sep;
	int			f;

	appendStringInfo(sql, "SELECT m.rn, m.id, m.cs_ctid, m.warnings, m.changed, %s"
					 /*
					  * regroup: the change can move the contact to another
					  * person (an identifier, customer_id or the split flag
					  * changes), or it was never unified (unify => false); a
					  * change of name, note, tags and the like cannot, and is
					  * no unification seed.
					  */
					 "m.changed AND (m.old_unified_contact_id IS NULL OR "
					 "ROW(m.line_uid, m.email, m.phone, m.whatsapp_mobile, m.customer_id, m.unify_split) IS DISTINCT FROM "
					 "ROW(m.old_line_uid, m.old_email, m.old_phone, m.old_whatsapp_mobile, m.old_customer_id, "
					 "m.old_unify_split)) AS regroup, "
	/*
	 * previous: the stored values of the fields the row changes (and
	 * updated_at), so undo can put them back; fields the row leaves alone
	 * are not copied.
	 */
					 "CASE WHEN m.changed THEN pg_catalog.jsonb_build_object('updated_at', m.old_updated_at)",
					 in_match ? "" : "false AS gone, ");
	for (f = 0; f < CSF_EXTERNAL_MEMBER_ID + 3; f++)
	{
		const char *n = merged_column(f);

		if (!merge_field_present(imp, f))
			continue;
		appendStringInfo(sql, " || CASE WHEN m.%s IS DISTINCT FROM m.old_%s "
						 "THEN pg_catalog.jsonb_build_object('%s', m.old_%s) ELSE '{}'::jsonb END",
						 n, n, n, n);
	}
	/* changed: any field the row can change differs (custom and unify_split are always compared) */
	appendStringInfoString(sql, " END AS previous FROM (SELECT n.*, ROW(");
	for (f = 0, sep = ""; f < CSF_EXTERNAL_MEMBER_ID + 3; f++)
		if (merge_field_present(imp, f))
		{
			appendStringInfo(sql, "%sn.%s", sep, merged_column(f));
			sep = ", ";
		}
	appendStringInfoString(sql, ") IS DISTINCT FROM ROW(");
	for (f = 0, sep = ""; f < CSF_EXTERNAL_MEMBER_ID + 3; f++)
		if (merge_field_present(imp, f))
		{
			appendStringInfo(sql, "%sn.old_%s", sep, merged_column(f));
			sep = ", ";
		}
	appendStringInfoString(sql, ") AS changed "
						   "FROM (SELECT w.rn, c.id, c.ctid AS cs_ctid, c.updated_at AS old_updated_at, "
						   "c.unified_contact_id AS old_unified_contact_id");
	/*
	 * The stored values are read as columns: a whole-row reference would
	 * form a copy of every matched contact, most of which do not change.
	 */
	for (f = 0; f < CSF_EXTERNAL_MEMBER_ID + 3; f++)
		appendStringInfo(sql, ", c.%s AS old_%s", merged_column(f), merged_column(f));
	append_merge(sql, imp, ", ", " AS ", "");
	if (in_match && strcmp(imp->channel->name, "email") != 0)
		/* joined on the primary key, which cannot differ; no status rule */
		appendStringInfoString(sql, ", '{}'::pg_catalog.text[] AS warnings");
	else if (in_match)
		/* joined on the primary key: Email's status rule is the only warning */
		appendStringInfoString(sql, ", CASE WHEN $3 AND w.messaging_status = 'subscribed' "
							   "AND c.messaging_status IN ('unsubscribed', 'hard_bounce', 'spam_report') "
							   "THEN ARRAY['status_not_reversed'] ELSE '{}'::pg_catalog.text[] END AS warnings");
	else
		appendStringInfo(sql, ", pg_catalog.array_remove(ARRAY["
						 "CASE WHEN w.%s IS NOT NULL AND w.%s IS DISTINCT FROM c.%s THEN 'primary_key_not_updated' END, "
						 "CASE WHEN $2 = 'email' AND $3 AND w.messaging_status = 'subscribed' "
						 "AND c.messaging_status IN ('unsubscribed', 'hard_bounce', 'spam_report') THEN 'status_not_reversed' END"
						 "], NULL) AS warnings",
						 pk, pk, pk);
	if (in_match)
		appendStringInfo(sql, " FROM (SELECT * FROM " WORK " w WHERE w.st IS NULL) w"
						 " JOIN %s.contactsync_contact c ON c.workspace = $1 AND c.channel = $2"
						 " AND c.external_member_id = w.keyv"
						 ") AS n OFFSET 0) AS m",
						 imp->schema);
	else
		appendStringInfo(sql, " FROM (SELECT w.*, m.id AS matched FROM " WORK " w"
						 " JOIN pg_temp.contactsync_match m ON m.rn = w.rn WHERE w.st IS NULL OFFSET 0) w"
						 " JOIN %s.contactsync_contact c ON c.workspace = $1 AND c.id = w.matched"
						 ") AS n OFFSET 0) AS m"
						 " WHERE m.changed OR pg_catalog.cardinality(m.warnings) > 0",
						 imp->schema);
}

/* Row numbers a set of plain outcomes holds: those with the same rn / SET_ROWS. */
#define SET_ROWS 1000

/* The set being gathered: rows of one status and one thousand of row numbers. */
typedef struct SetBuffer
{
	CsImport   *imp;
	SPIPlanPtr	insert;			/* INSERT of a contactsync_import_row_set row */
	MemoryContext cxt;			/* the previous values' copies; reset per set */
	int			k;				/* the status (cs_statuses) */
	int			n;
	int32		bucket;			/* rn / SET_ROWS of its rows */
	Datum		rns[SET_ROWS];
	Datum		cids[SET_ROWS];
	Datum		prevs[SET_ROWS];	/* updates only */
} SetBuffer;

/* Write the gathered set as one contactsync_import_row_set row. */
static void
set_flush(SetBuffer *b)
{
	MemoryContext old;
	Datum		v[7];
	char		nulls[8] = "      n";
	int			rc;

	if (b->n == 0)
		return;
	old = MemoryContextSwitchTo(b->cxt);
	v[0] = CStringGetTextDatum(b->imp->workspace);
	v[1] = Int64GetDatum(b->imp->batch_id);
	v[2] = CStringGetTextDatum(cs_statuses[b->k]);
	v[3] = b->rns[0];
	v[4] = PointerGetDatum(construct_array(b->rns, b->n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
	v[5] = PointerGetDatum(construct_array(b->cids, b->n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	v[6] = (Datum) 0;
	if (b->k == 1)
	{
		v[6] = PointerGetDatum(construct_array(b->prevs, b->n, JSONBOID, -1, false, TYPALIGN_INT));
		nulls[6] = ' ';
	}
	rc = SPI_execute_plan(b->insert, v, nulls, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "contactsync: writing a set of results failed (%s)", SPI_result_code_string(rc));
	MemoryContextSwitchTo(old);
	MemoryContextReset(b->cxt);
	b->n = 0;
}

/*
 * Add row rn (in ascending order within status b->k) with its contact and,
 * for an update, its previous values; a row of the next thousand writes the
 * set gathered so far first.
 */
static void
set_add(SetBuffer *b, int32 rn, int64 id, Datum prev)
{
	if (rn / SET_ROWS != b->bucket)
		set_flush(b);
	b->bucket = rn / SET_ROWS;
	b->rns[b->n] = Int32GetDatum(rn);
	b->cids[b->n] = Int64GetDatum(id);
	if (b->k == 1)
	{
		MemoryContext old = MemoryContextSwitchTo(b->cxt);

		b->prevs[b->n] = PointerGetDatum(PG_DETOAST_DATUM_COPY(prev));
		MemoryContextSwitchTo(old);
	}
	b->n++;
}

/*
 * The plain outcomes (created, updated or unchanged without a code or a
 * warning; not in a dry run) go to contactsync_import_row_set, one row per
 * status and thousand of row numbers (rn / 1000), with each row's contact
 * and, for updates, its previous values; plain[k] lists the rows of
 * status k (created, updated, unchanged: cs_statuses order) as (rn, id)
 * or, for updates, (rn, id, previous) in row order.  Created and unchanged
 * rows come in any order: each is placed by its row number (9 bytes a
 * staging row), so the sets come out in row order with no sort.  Updated
 * rows stream in row order from the update table's index, so their
 * previous values are held one set at a time.  Each set is written by one
 * execution of a prepared INSERT.  Adds each status's rows to imp->counts.
 */
static void
write_sets(CsImport *imp, const char *const plain[3])
{
	int64		nrows = imp->rows;
	uint8	   *status = NULL;	/* per row number: 0, or 1 + the status */
	int64	   *ids = NULL;
	Oid			types[7] = {TEXTOID, INT8OID, TEXTOID, INT4OID, INT4ARRAYOID, INT8ARRAYOID, JSONBARRAYOID};
	SetBuffer  *b = palloc0(sizeof(SetBuffer));
	int			k;

	b->imp = imp;
	b->insert = SPI_prepare(psprintf("INSERT INTO %s.contactsync_import_row_set "
									 "(workspace, batch_id, status, first_row, row_numbers, contact_ids, previous) "
									 "VALUES ($1, $2, $3, $4, $5, $6, $7)", imp->schema), 7, types);
	if (b->insert == NULL)
		elog(ERROR, "contactsync: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	b->cxt = AllocSetContextCreate(CurrentMemoryContext, "contactsync sets", ALLOCSET_DEFAULT_SIZES);

	for (k = 0; k < 3; k++)
	{
		bool		updated = (k == 1);
		Portal		portal;

		if (plain[k] == NULL)
			continue;
		if (!updated && status == NULL)
		{
			status = MemoryContextAllocExtended(CurrentMemoryContext, nrows + 1,
												MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
			ids = MemoryContextAllocExtended(CurrentMemoryContext, sizeof(int64) * (nrows + 1),
											 MCXT_ALLOC_HUGE);
		}
		b->k = k;
		b->bucket = -1;
		portal = SPI_cursor_open_with_args(NULL, plain[k], 0, NULL, NULL, NULL, false, 0);
		for (;;)
		{
			SPITupleTable *tt;
			uint64		got,
						r;

			/* (writing a set runs a statement: SPI_tuptable is then another's) */
			SPI_cursor_fetch(portal, true, 10000);
			tt = SPI_tuptable;
			got = SPI_processed;
			if (got == 0)
				break;
			for (r = 0; r < got; r++)
			{
				HeapTuple	tup = tt->vals[r];
				TupleDesc	td = tt->tupdesc;
				bool		isnull;
				int32		rn = DatumGetInt32(SPI_getbinval(tup, td, 1, &isnull));
				int64		id = DatumGetInt64(SPI_getbinval(tup, td, 2, &isnull));
				Datum		prev;

				if (rn < 1 || rn > nrows)
					elog(ERROR, "contactsync: row number %d out of range", rn);
				imp->counts[k]++;
				if (!updated)
				{
					if (status[rn] != 0)
						elog(ERROR, "contactsync: row %d has two outcomes", rn);
					status[rn] = (uint8) (k + 1);
					ids[rn] = id;
					continue;
				}
				prev = SPI_getbinval(tup, td, 3, &isnull);
				if (isnull)
					elog(ERROR, "contactsync: an update without previous values");
				set_add(b, rn, id, prev);
			}
			SPI_freetuptable(tt);
		}
		SPI_cursor_close(portal);
		set_flush(b);
	}

	/* The created and unchanged sets, in row order. */
	for (k = 0; k < 3 && status != NULL; k += 2)
	{
		int64		rn;

		b->k = k;
		b->bucket = -1;
		for (rn = 1; rn <= nrows; rn++)
			if (status[rn] == k + 1)
				set_add(b, (int32) rn, ids[rn], (Datum) 0);
		set_flush(b);
	}
	SPI_freeplan(b->insert);
	MemoryContextDelete(b->cxt);
	pfree(b);
	if (status != NULL)
	{
		pfree(status);
		pfree(ids);
	}
}

/*
 * The set-based phases: duplicates, matching, classification, merge, the
 * creates (src/bulk.c, or an INSERT), one statement that records the rows
 * with an outcome of their own, and the sets of the plain ones.
 * Each statement touches the work table once; the ones that set a status
 * touch only the rows they fail or skip.  $1 is the workspace, $2 the
 * channel in all of them.
 */
static void
run_phases(CsImport *imp)
{
	const CsChannelDef *ch = imp->channel;
	const char *pk = cs_fields[ch->primary].name;
	const char *keycol = (imp->key_field == ch->primary) ? "external_member_id" :
		cs_fields[imp->key_field].name;
	bool		insert_all = strcmp(imp->mode, "insert_all") == 0;
	Oid			t2[2] = {TEXTOID, TEXTOID};
	Datum		v2[2] = {CStringGetTextDatum(imp->workspace), CStringGetTextDatum(ch->name)};
	Oid			t1[1] = {TEXTOID};
	Datum		key1[1] = {CStringGetTextDatum(imp->key)};
	StringInfoData sql;
	CsUnifyPending pending = {0};
	/* the creates' and results' parameters: $1 .. $9 */
	Oid			pt[9] = {TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTARRAYOID, BOOLOID, BOOLOID, INT8ARRAYOID, INT8ARRAYOID};
	Datum		pv[9];
	char		pn[10] = "         ";
	char	   *inserts = NULL;
	bool		creates;		/* rows create contacts (numbered in contactsync_new) */
	int			f;
	int64		nmatched = 0;	/* rows matched */
	int64		nmatched_open = 0;	/* of those, rows still open */
	bool		repeats = false;	/* a key may repeat in the file */

	/*
	 * When the key is the channel primary key, a row matches at most one
	 * contact, and every statement between matching and the merge (the
	 * ambiguity check, the skips of unmatched rows, the classification)
	 * leaves the matched rows open, except insert_only, which skips them:
	 * then the merge is computed in the same pass as the match, with no
	 * second join of the rows to the store.
	 */
	bool		merge_in_match = imp->key_field == ch->primary && !insert_all &&
		strcmp(imp->mode, "insert_only") != 0;

	/* The merge's parameters. */
	Oid			mt[6] = {TEXTOID, TEXTOID, BOOLOID, BOOLOID, TEXTOID, TEXTARRAYOID};
	Datum		mv[6] = {v2[0], v2[1], BoolGetDatum(imp->overwrite), BoolGetDatum(imp->tags_replace),
		imp->platform_name ? CStringGetTextDatum(imp->platform_name) : (Datum) 0,
	imp->add_tags};
	char		mn[7] = {' ', ' ', ' ', ' ', imp->platform_name ? ' ' : 'n', imp->add_tags ? ' ' : 'n', 0};

	initStringInfo(&sql);

	/* The unify keys whose value on a row clears a split (SPEC §4). */
	imp->split_keys = cs_unify_keys(imp->schema, imp->workspace);

	if (!insert_all)
	{
		/* Duplicate keys in the file. */
		Oid			t[2] = {BOOLOID, TEXTOID};
		Datum		v[2] = {BoolGetDatum(imp->on_duplicate_last), CStringGetTextDatum(imp->key)};

		/*
		 * Keys that repeat are found with a count alone; only their rows
		 * are gathered into arrays (one array per key of the file would
		 * cost memory and time for nothing when keys are unique).  When the
		 * reader's key hashes are all distinct, no key repeats and the
		 * statement is not run.
		 */
		repeats = keys_may_repeat(imp);
		if (repeats)
			cs_spi_exec("WITH k AS (SELECT w.keyv FROM " WORK " w WHERE " IN_PLAY " GROUP BY w.keyv HAVING pg_catalog.count(*) > 1), "
						"d AS (SELECT w.keyv, pg_catalog.array_agg(w.rn ORDER BY w.rn) AS rns, pg_catalog.max(w.rn) AS last "
						"FROM " WORK " w JOIN k ON k.keyv = w.keyv WHERE " IN_PLAY " GROUP BY w.keyv) "
						"UPDATE " WORK " w SET "
						"st = CASE WHEN $1 THEN 'skipped' ELSE 'failed' END, "
						"codes = CASE WHEN $1 THEN ARRAY['superseded'] "
						"ELSE COALESCE(w.codes, '{}') || 'duplicate_key_in_file'::text END, "
						"msg = CASE WHEN $1 THEN pg_catalog.format('superseded by row %s, which has the same %s %s', d.last, $2, w.keyv) "
						"ELSE pg_catalog.concat_ws('; ', w.msg, pg_catalog.format('%s %s appears more than once in the file (rows %s)', "
						"$2, w.keyv, pg_catalog.array_to_string(d.rns, ', '))) END "
						"FROM d WHERE w.keyv = d.keyv AND " IN_PLAY " AND (NOT $1 OR (w.st IS NULL AND w.rn < d.last))",
						2, t, v, NULL, SPI_OK_UPDATE);
		cs_progress(imp, "duplicate check", imp->rows);

		/*
		 * Matching: every stored contact with the key, latest first.  The
		 * channel primary key is unique per workspace and channel, so a row
		 * matches at most one contact and no aggregate is needed.  Other
		 * keys: the candidates are counted first, and only rows with two or
		 * more get their ordered list (an ordered aggregate sorts per group).
		 * id is the contact the row updates (cands[1]), a column of its own
		 * so that the planner has statistics for it: every later statement
		 * reads it, not the array.
		 */
		if (merge_in_match)
		{
			resetStringInfo(&sql);
			appendStringInfoString(&sql, "CREATE TEMP TABLE contactsync_match ON COMMIT DROP AS ");
			append_merge_select(&sql, imp, true);
			cs_spi_exec(sql.data, 6, mt, mv, mn, SPI_OK_UTILITY);
			nmatched_open = (int64) SPI_processed;
		}
		else if (imp->key_field == ch->primary)
		{
			cs_spi_exec(psprintf("CREATE TEMP TABLE contactsync_match ON COMMIT DROP AS "
								 "SELECT w.rn, c.id, ARRAY[c.id] AS cands "
								 "FROM " WORK " w JOIN %s.contactsync_contact c "
								 "ON c.workspace = $1 AND c.channel = $2 AND c.external_member_id = w.keyv "
								 "WHERE w.st IS NULL",
								 imp->schema),
						2, t2, v2, NULL, SPI_OK_UTILITY);
			nmatched_open = (int64) SPI_processed;
		}
		else
		{
			cs_spi_exec(psprintf("CREATE TEMP TABLE contactsync_match ON COMMIT DROP AS "
								 "SELECT w.rn, pg_catalog.min(c.id) AS id, ARRAY[pg_catalog.min(c.id)] AS cands, pg_catalog.count(*) AS n "
								 "FROM " WORK " w JOIN %s.contactsync_contact c "
								 "ON c.workspace = $1 AND c.channel = $2 AND c.%s = w.keyv "
								 "WHERE w.st IS NULL GROUP BY w.rn",
								 imp->schema, keycol),
						2, t2, v2, NULL, SPI_OK_UTILITY);
			nmatched_open = (int64) SPI_processed;
			cs_spi_exec(psprintf("UPDATE pg_temp.contactsync_match m SET cands = a.cands, id = a.cands[1] "
								 "FROM (SELECT w.rn, pg_catalog.array_agg(c.id ORDER BY c.created_at DESC, c.id DESC) AS cands "
								 "FROM pg_temp.contactsync_match m2 JOIN " WORK " w ON w.rn = m2.rn "
								 "JOIN %s.contactsync_contact c ON c.workspace = $1 AND c.channel = $2 AND c.%s = w.keyv "
								 "WHERE m2.n > 1 GROUP BY w.rn) AS a WHERE m.rn = a.rn",
								 imp->schema, keycol),
						2, t2, v2, NULL, SPI_OK_UPDATE);
		}
		nmatched = nmatched_open;
		if (nmatched < TEMP_INDEX_MAX_ROWS)
			cs_spi_exec("CREATE UNIQUE INDEX ON pg_temp.contactsync_match (rn)", 0, NULL, NULL, NULL, SPI_OK_UTILITY);
		cs_spi_exec("ANALYZE pg_temp.contactsync_match (rn, id)", 0, NULL, NULL, NULL, SPI_OK_UTILITY);
		cs_progress(imp, "matching", imp->rows);

		/* (the channel primary key matches one contact at most) */
		if (imp->on_ambiguous_error && imp->key_field != ch->primary)
		{
			cs_spi_exec("UPDATE " WORK " w SET st = 'failed', codes = ARRAY['ambiguous_match'], "
						"msg = pg_catalog.format('%s %s matches %s stored contacts (ids %s)', $1, w.keyv, "
						"pg_catalog.cardinality(m.cands), pg_catalog.array_to_string(m.cands, ', ')) "
						"FROM pg_temp.contactsync_match m WHERE m.rn = w.rn AND w.st IS NULL "
						"AND pg_catalog.cardinality(m.cands) > 1",
						1, t1, key1, NULL, SPI_OK_UPDATE);
			nmatched_open -= (int64) SPI_processed;
		}
		if (strcmp(imp->mode, "insert_only") == 0)
		{
			cs_spi_exec("UPDATE " WORK " w SET st = 'skipped', codes = ARRAY['already_exists'], "
						"msg = pg_catalog.format('contact %s already exists (insert_only)', m.id) "
						"FROM pg_temp.contactsync_match m WHERE m.rn = w.rn AND w.st IS NULL",
						0, NULL, NULL, NULL, SPI_OK_UPDATE);
			nmatched_open -= (int64) SPI_processed;
		}

		/* Unmatched rows: update_only and customer_id skip them. */
		if (strcmp(imp->mode, "update_only") == 0 || imp->key_field == CSF_CUSTOMER_ID)
		{
			Oid			t[2] = {BOOLOID, TEXTOID};
			Datum		v[2] = {BoolGetDatum(strcmp(imp->mode, "update_only") == 0),
			CStringGetTextDatum(imp->key)};
			const char *creates = imp->customer_id_creates ? "true" : "false";

			cs_spi_exec(psprintf("UPDATE " WORK " w SET st = 'skipped', codes = ARRAY['not_found'], "
								 "msg = CASE WHEN $1 THEN pg_catalog.format('no stored contact has %%s %%s (update_only)', $2, w.keyv) "
								 "WHEN %s THEN pg_catalog.format('no stored contact has customer_id %%s, and the row has no %s to create one', w.keyv) "
								 "ELSE pg_catalog.format('no stored contact has customer_id %%s (customer_id_creates is off)', w.keyv) END "
								 "WHERE w.st IS NULL AND " UNMATCHED " AND ($1 OR NOT %s OR w.%s IS NULL)",
								 creates, pk, creates, pk),
						2, t, v, NULL, SPI_OK_UPDATE);
		}
	}
	else
		cs_spi_exec("CREATE TEMP TABLE contactsync_match (rn int4 PRIMARY KEY, id bigint, cands bigint[]) ON COMMIT DROP",
					0, NULL, NULL, NULL, SPI_OK_UTILITY);

	/*
	 * Rows that would create: the primary key is needed, and must be new.
	 * When the key is the primary key (and rows are matched), matching has
	 * already looked the primary key up in the store and the duplicate
	 * check has failed or skipped every repeat: an unmatched open row has
	 * a new primary key, and no statement is needed; the rows that create
	 * are the open rows less the matched ones still open.  Otherwise a
	 * window finds repeats and a join to the store finds primary keys that
	 * belong to another contact, in a statement that returns how many rows
	 * still create.
	 */
	if (imp->key_field == ch->primary && !insert_all)
	{
		/*
		 * Every open row has its key (the reader fails a row without it),
		 * here the primary key, so none lacks it.  Unless a statement since
		 * the reader closed rows other than matched ones (a repeat in the
		 * file, update_only), the open rows are those the reader left open,
		 * less the matched rows insert_only skipped: no pass over the work
		 * table counts them.
		 */
		if (repeats || strcmp(imp->mode, "update_only") == 0)
			imp->ncreate = spi_count("SELECT pg_catalog.count(*) FROM " WORK " w WHERE w.st IS NULL") - nmatched_open;
		else
			imp->ncreate = imp->nopen - nmatched;
	}
	else
	{
		bool		isnull;

		cs_spi_exec(psprintf("WITH f AS (SELECT w.rn, w.%s AS pk, w.rn <> pg_catalog.min(w.rn) OVER (PARTITION BY w.%s) AS later "
							 "FROM " WORK " w WHERE w.st IS NULL AND " UNMATCHED "), "
							 "x AS (UPDATE " WORK " w SET st = 'failed', "
							 "codes = CASE WHEN f.pk IS NULL THEN ARRAY['missing_required'] ELSE ARRAY['channel_key_exists'] END, "
							 "msg = CASE WHEN f.pk IS NULL THEN 'a new %s contact needs %s' "
							 "WHEN c.id IS NOT NULL THEN pg_catalog.format('%s %%s already belongs to contact %%s', f.pk, c.id) "
							 "ELSE pg_catalog.format('%s %%s appears on an earlier row of the file', f.pk) END "
							 "FROM f LEFT JOIN %s.contactsync_contact c ON c.workspace = $1 AND c.channel = $2 "
							 "AND c.external_member_id = f.pk "
							 "WHERE w.rn = f.rn AND (f.pk IS NULL OR (f.later AND f.pk IS NOT NULL) OR c.id IS NOT NULL) "
							 "RETURNING 1) "
							 "SELECT (SELECT pg_catalog.count(*) FROM f) - (SELECT pg_catalog.count(*) FROM x)",
							 pk, pk, ch->name, pk, pk, pk, imp->schema),
					2, t2, v2, NULL, SPI_OK_SELECT);
		imp->ncreate = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	}
	cs_progress(imp, "classification", imp->rows);

	/*
	 * Merge.  First, for every matched contact: whether the row changes it,
	 * its warnings, and (when it changes) its previous values.  Then one
	 * UPDATE of the changed contacts that computes the new values again
	 * from the row and the contact as it is then: if another transaction
	 * updated the contact meanwhile, PostgreSQL re-evaluates the SET list on
	 * the newest version, so a concurrent change to another field (a note,
	 * a tag) is kept, not overwritten with a stale value.
	 */
	resetStringInfo(&sql);
	if (merge_in_match)
		appendStringInfoString(&sql, "CREATE TEMP TABLE contactsync_upd ON COMMIT DROP AS "
							   "SELECT m.rn, m.id, m.cs_ctid, m.warnings, m.changed, false AS gone, m.regroup, m.previous "
							   "FROM pg_temp.contactsync_match m "
							   "WHERE m.changed OR pg_catalog.cardinality(m.warnings) > 0");
	else
	{
		appendStringInfoString(&sql, "CREATE TEMP TABLE contactsync_upd ON COMMIT DROP AS ");
		append_merge_select(&sql, imp, false);
	}
	{
		uint64		updated;
		int64		nchanged;

		if (merge_in_match)
			cs_spi_exec(sql.data, 0, NULL, NULL, NULL, SPI_OK_UTILITY);
		else
			cs_spi_exec(sql.data, 6, mt, mv, mn, SPI_OK_UTILITY);
		cs_spi_exec("CREATE UNIQUE INDEX ON pg_temp.contactsync_upd (rn)", 0, NULL, NULL, NULL, SPI_OK_UTILITY);
		/* No UPDATE (and no plan for one) when no contact changes. */
		nchanged = imp->dry_run ? 0 :
			spi_count("SELECT pg_catalog.count(*) FROM pg_temp.contactsync_upd WHERE changed");
		if (nchanged > 0)
		{
			int64		bulk;
			int64	   *retry;
			int			nretry;

			/*
			 * The changed contacts' new versions written by cs_bulk_update
			 * (src/bulk.c), their index entries in key order, from a
			 * SELECT of each stored row and its merged values.  The row is
			 * looked up by the ctid the match saw it at (no second join of
			 * the store): that version cannot have been pruned since, as
			 * the snapshot of the statement calling the import is older
			 * and holds pruning back; if this SELECT's snapshot no longer
			 * sees it, the row comes back without a ctid.  Such contacts,
			 * those another transaction changed after that snapshot (and
			 * every contact, where the store needs the executor's UPDATE:
			 * a trigger, row-level security, UPDATE granted on columns
			 * only) are updated by the UPDATE below, which waits for the
			 * row and merges into its newest version.
			 */
			resetStringInfo(&sql);
			appendStringInfoString(&sql, "SELECT c.*, u.id AS id");
			append_merge(&sql, imp, ", ", " AS ", "");
			appendStringInfo(&sql, ", pg_catalog.now() AS updated_at "
							 "FROM pg_temp.contactsync_upd u JOIN " WORK " w ON w.rn = u.rn "
							 "LEFT JOIN LATERAL (SELECT s.ctid AS cs_ctid, s.* FROM %s.contactsync_contact s "
							 "WHERE s.ctid = u.cs_ctid AND s.workspace = $1 AND s.id = u.id OFFSET 0) c ON true "
							 "WHERE u.changed",
							 imp->schema);
			bulk = cs_bulk_update(get_relname_relid("contactsync_contact", imp->schema_oid),
								  sql.data, 6, mt, mv, mn, &retry, &nretry);
			updated = bulk < 0 ? 0 : (uint64) bulk;
			if (bulk < 0 || nretry > 0)
			{
				Oid			rt[7];
				Datum		rv[7];
				char		rn[8];

				memcpy(rt, mt, sizeof(Oid) * 6);
				memcpy(rv, mv, sizeof(Datum) * 6);
				memcpy(rn, mn, 6);
				rt[6] = INT8ARRAYOID;
				rv[6] = bulk < 0 ? (Datum) 0 : cs_int8_array(retry, nretry);
				rn[6] = bulk < 0 ? 'n' : ' ';
				rn[7] = '\0';
				resetStringInfo(&sql);
				appendStringInfo(&sql, "UPDATE %s.contactsync_contact c SET updated_at = pg_catalog.now()", imp->schema);
				append_merge(&sql, imp, ", ", "", " = ");
				appendStringInfoString(&sql, " FROM pg_temp.contactsync_upd u JOIN " WORK " w ON w.rn = u.rn "
									   "WHERE c.workspace = $1 AND c.id = u.id AND u.changed "
									   "AND ($7 IS NULL OR u.id = ANY ($7))");
				cs_spi_exec(sql.data, 7, rt, rv, rn, SPI_OK_UPDATE);
				updated += SPI_processed;
			}
			ereport(DEBUG1,
					(errmsg_internal("contactsync: batch " INT64_FORMAT ": updates written %s",
									 imp->batch_id, bulk < 0 ? "by UPDATE" : nretry > 0 ?
									 psprintf("in bulk, %d by UPDATE", nretry) : "in bulk")));

			/*
			 * Contacts deleted by another transaction while the import waited
			 * for them were not updated: their rows are skipped, not claimed.
			 */
			if (nchanged != (int64) updated)
				cs_spi_exec(psprintf("UPDATE pg_temp.contactsync_upd u SET gone = true, changed = false, previous = NULL "
									 "WHERE u.changed AND NOT EXISTS (SELECT 1 FROM %s.contactsync_contact c "
									 "WHERE c.workspace = $1 AND c.id = u.id)", imp->schema),
							1, t2, v2, NULL, SPI_OK_UPDATE);
		}
	}
	cs_progress(imp, "updates", imp->rows);

	pv[0] = v2[0];
	pv[1] = v2[1];
	pv[2] = Int64GetDatum(imp->batch_id);
	pv[3] = imp->platform_name ? CStringGetTextDatum(imp->platform_name) : (Datum) 0;
	pv[4] = imp->add_tags;
	pv[5] = BoolGetDatum(imp->dry_run);
	pv[6] = BoolGetDatum(imp->unify);
	pn[3] = imp->platform_name ? ' ' : 'n';
	pn[4] = imp->add_tags ? ' ' : 'n';
	imp->unified = false;
	if (imp->unify && !imp->dry_run)
	{
		imp->unified = unify_before_creates(imp, &pending);
		if (imp->unified)
			cs_progress(imp, "unification", imp->rows);
	}
	creates = !imp->dry_run && imp->ncreate > 0;
	pv[7] = cs_int8_array(pending.ids, pending.n);
	pv[8] = cs_int8_array(pending.ucids, pending.n);

	/*
	 * The creates: ids drawn in row order (pg_temp.contactsync_new; already
	 * there when unification ran first), each new contact with every field
	 * of its row.  With unification on, unification ran first: a new
	 * contact is written with its person, another contact's id for those
	 * it put in another person (the pending ids and persons, $8 and $9),
	 * its own id otherwise.  They are written as COPY writes rows
	 * (cs_bulk_insert, src/bulk.c), or, where the store needs the
	 * executor's INSERT (a trigger, row-level security, column privileges),
	 * by an INSERT in the statement below.  The rows are not ordered: a
	 * sort of the joined rows, wide, went to disk; they come in the order
	 * of the table the join scans, both tables being in row order, and
	 * only the locality of the index entries depends on it.
	 */
	if (creates)
	{
		StringInfoData cols,
					src;

		if (!imp->unified)		/* (which numbered them) */
			number_creates(imp, false);
		initStringInfo(&cols);
		initStringInfo(&src);
		appendStringInfoString(&cols, "id, unified_contact_id, workspace, channel, platform_name");
		appendStringInfoString(&src, "SELECT n.id AS id, CASE WHEN $7 THEN COALESCE(p.ucid, n.id) END AS unified_contact_id, "
							   "$1 AS workspace, $2 AS channel, $4 AS platform_name");
		for (f = 0; f < CSF_EXTERNAL_MEMBER_ID; f++)
		{
			appendStringInfo(&cols, ", %s", cs_fields[f].name);
			if (f == CSF_TAGS)
				appendStringInfo(&src, ", %s AS tags", tags_union(imp, NULL, "w.tags", "$5"));
			else
				appendStringInfo(&src, ", w.%s AS %s", cs_fields[f].name, cs_fields[f].name);
		}
		appendStringInfoString(&cols, ", custom");
		appendStringInfoString(&src, ", COALESCE(w.custom, '{}'::jsonb) AS custom "
							   "FROM " WORK " w JOIN pg_temp.contactsync_new n ON n.rn = w.rn "
							   "LEFT JOIN ROWS FROM (pg_catalog.unnest($8), pg_catalog.unnest($9)) AS p(id, ucid) ON p.id = n.id");
		if (cs_bulk_insert(get_relname_relid("contactsync_contact", imp->schema_oid), src.data, 9, pt, pv, pn) < 0)
			inserts = psprintf("INSERT INTO %s.contactsync_contact (%s) %s", imp->schema, cols.data, src.data);
		ereport(DEBUG1,
				(errmsg_internal("contactsync: batch " INT64_FORMAT ": creates written %s",
								 imp->batch_id, inserts ? "by INSERT" : "in bulk")));
	}

	/* Results in one statement (after the creates' INSERT, if any, in the same). */
	resetStringInfo(&sql);
	if (inserts != NULL)
		appendStringInfo(&sql, "WITH ins AS (%s) ", inserts);
	else
		appendStringInfoString(&sql, "WITH ins AS (SELECT WHERE false) ");
	/*
	 * Plain outcomes (created, updated or unchanged without a code or a
	 * warning; not in a dry run) go to contactsync_import_row_set in sets
	 * of up to 1,000 rows, updates with their previous values;
	 * every other row gets its own contactsync_import_row_single (the view
	 * contactsync_import_row lists both; an installed 0.1.0 has one table
	 * contactsync_import_row for every row).  The statement
	 * returns the number of rows of each status.
	 */
	{
		/* The result columns of a row of its own, from w, u, m and i. */
		char	   *exprs = psprintf("$1, $3, w.rn, "
									 "CASE WHEN w.st IS NOT NULL THEN w.st WHEN m.rn IS NULL THEN 'created' "
									 "WHEN u.gone THEN 'skipped' WHEN u.changed THEN 'updated' ELSE 'unchanged' END, "
									 "CASE WHEN w.st IS NULL THEN COALESCE(u.id, m.id, i.id) END, CASE WHEN u.gone THEN ARRAY['contact_deleted'] ELSE COALESCE(w.codes, '{}') END, "
									 "CASE WHEN w.st IS NOT NULL THEN w.msg "
									 "WHEN u.gone THEN pg_catalog.format('contact %%s was deleted by another transaction during the import', u.id) "
									 "WHEN m.rn IS NULL THEN CASE WHEN i.id IS NULL THEN 'would be created (dry run)' "
									 "ELSE pg_catalog.format('created contact %%s', i.id) END "
									 "ELSE pg_catalog.concat_ws('; ', "
									 "CASE WHEN NOT COALESCE(u.changed, false) THEN pg_catalog.format('contact %%s unchanged', m.id) "
									 "WHEN $6 THEN pg_catalog.format('contact %%s would be updated (dry run)', u.id) "
									 "ELSE pg_catalog.format('updated contact %%s', u.id) END, "
									 "CASE WHEN 'primary_key_not_updated' = ANY (u.warnings) THEN 'the channel primary key cannot change; the stored value was kept' END, "
									 "CASE WHEN 'status_not_reversed' = ANY (u.warnings) THEN 'an unsubscribed, bounced or reported email cannot be made subscribed by an import; the stored status was kept' END) END, "
									 "COALESCE(u.warnings, '{}'), "
									 "CASE WHEN w.st IN ('failed', 'skipped') OR u.gone THEN %s END, "
									 "u.previous",
									 lazy_cells_sql(imp));

		appendStringInfo(&sql, ", per_row AS (INSERT INTO %s.%s (workspace, batch_id, row_number, status, contact_id, "
						 "codes, message, warnings, cells, previous) ",
						 imp->schema, imp->row_sets ? "contactsync_import_row_single" : "contactsync_import_row");
		if (imp->row_sets && !imp->dry_run)
		{
			/*
			 * Outside a dry run with sets, a row of its own is failed or
			 * skipped (no other table holds anything of it), or has a
			 * contactsync_upd row that is not a plain update (a warning, a
			 * contact deleted meanwhile), whose contact is its match: two
			 * branches, neither passing over the match table, and the
			 * update table read only for its few rows that are not plain.
			 */
			appendStringInfo(&sql, "SELECT %s FROM " WORK " w LEFT JOIN pg_temp.contactsync_upd u ON false "
							 "CROSS JOIN LATERAL (SELECT u.rn, u.id) AS m "
							 "CROSS JOIN (SELECT NULL::pg_catalog.int8 AS id) AS i WHERE w.st IS NOT NULL "
							 "UNION ALL SELECT %s FROM pg_temp.contactsync_upd u JOIN " WORK " w ON w.rn = u.rn "
							 "CROSS JOIN LATERAL (SELECT u.rn, u.id) AS m "
							 "CROSS JOIN (SELECT NULL::pg_catalog.int8 AS id) AS i "
							 "WHERE w.st IS NULL AND NOT " PLAIN_UPDATE " ",
							 exprs, exprs);
		}
		else
			appendStringInfo(&sql, "SELECT %s FROM " WORK " w LEFT JOIN pg_temp.contactsync_upd u ON u.rn = w.rn "
							 "LEFT JOIN pg_temp.contactsync_match m ON m.rn = w.rn %s WHERE NOT %s ",
							 exprs,
			/* with sets, a created row is never a row of its own outside a dry run */
							 imp->row_sets || !creates ? "CROSS JOIN (SELECT NULL::pg_catalog.int8 AS id) AS i" :
							 "LEFT JOIN pg_temp.contactsync_new i ON i.rn = w.rn",
							 imp->row_sets ? PLAIN_ROW : "false");
		appendStringInfoString(&sql, "RETURNING status) ");
	}
	appendStringInfoString(&sql, "SELECT status, pg_catalog.count(*) FROM per_row GROUP BY status");
	{
		uint64		r;

		cs_spi_exec(sql.data, 9, pt, pv, pn, SPI_OK_SELECT);
		memset(imp->counts, 0, sizeof(imp->counts));
		for (r = 0; r < SPI_processed; r++)
		{
			char	   *st = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);
			bool		isnull;
			int64		cnt = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &isnull));
			int			k;

			for (k = 0; k < 5; k++)
				if (st != NULL && strcmp(st, cs_statuses[k]) == 0)
					imp->counts[k] += cnt;
		}
	}
	if (imp->row_sets && !imp->dry_run)
	{
		const char *plain[3] = {
			/* created: every row of contactsync_new, with its id */
			creates ? "SELECT n.rn, n.id FROM pg_temp.contactsync_new n" : NULL,
			/* updated with no warning, in row order (by the index on rn), with the previous values */
			"SELECT u.rn, u.id, u.previous FROM pg_temp.contactsync_upd u WHERE " PLAIN_UPDATE " ORDER BY u.rn",

			/*
			 * unchanged: matched, with no update row.  When no statement
			 * after matching failed or skipped a matched row, every match
			 * is still open and the work table is not read; and when the
			 * match computed the merge, its own rows say which have no
			 * update row (neither changed nor warned).
			 */
			nmatched == 0 ? NULL : nmatched_open == nmatched && merge_in_match ?
			"SELECT m.rn, m.id FROM pg_temp.contactsync_match m "
			"WHERE NOT m.changed AND pg_catalog.cardinality(m.warnings) = 0" :
			nmatched_open == nmatched ?
			"SELECT m.rn, m.id FROM pg_temp.contactsync_match m "
			"WHERE NOT EXISTS (SELECT 1 FROM pg_temp.contactsync_upd u WHERE u.rn = m.rn)" :
			"SELECT w.rn, m.id FROM " WORK " w JOIN pg_temp.contactsync_match m ON m.rn = w.rn "
			"WHERE w.st IS NULL AND NOT EXISTS (SELECT 1 FROM pg_temp.contactsync_upd u WHERE u.rn = w.rn)"};

		write_sets(imp, plain);
	}

	/* Every staging row has exactly one outcome. */
	if (imp->counts[0] + imp->counts[1] + imp->counts[2] + imp->counts[3] + imp->counts[4] != imp->rows)
		elog(ERROR, "contactsync: batch " INT64_FORMAT ": " INT64_FORMAT " rows read, " INT64_FORMAT " outcomes",
			 imp->batch_id, imp->rows,
			 imp->counts[0] + imp->counts[1] + imp->counts[2] + imp->counts[3] + imp->counts[4]);
	cs_progress(imp, "creates and results", imp->rows);
	if (!imp->dry_run)
		analyze_after_large_write(imp, imp->counts[0] + imp->counts[1]);
}

/*
 * contactsync_import(staging regclass, key text, channel, mode, overwrite,
 *                    tags_mode, region, timezone, workspace, platform_name,
 *                    add_tags, on_duplicate, on_ambiguous,
 *                    customer_id_creates, unify, dry_run)
 *   RETURNS contactsync_import_summary
 */
Datum
contactsync_import(PG_FUNCTION_ARGS)
{
	static const char *const modes[] = {"upsert", "insert_only", "update_only", "insert_all", NULL};
	CsImport   *imp = palloc0(sizeof(CsImport));
	char	   *chname,
			   *tags_mode,
			   *on_duplicate,
			   *on_ambiguous,
			   *region;
	TupleDesc	tupdesc;
	Datum		result[10];
	bool		rnulls[10] = {0};
	HeapTuple	tuple;
	uint64		i;
	AclResult	acl;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("staging table and key must not be NULL"),
				 errhint("Call contactsync_import('staging', 'customer_id').")));
	imp->relid = PG_GETARG_OID(0);
	imp->key = text_arg(fcinfo, 1, NULL);
	chname = text_arg(fcinfo, 2, NULL);
	imp->mode = text_arg(fcinfo, 3, "upsert");
	imp->overwrite = bool_arg(fcinfo, 4, true);
	tags_mode = text_arg(fcinfo, 5, "merge");
	region = text_arg(fcinfo, 6, NULL);
	imp->timezone = text_arg(fcinfo, 7, "UTC");
	imp->workspace = text_arg(fcinfo, 8, "default");
	imp->platform_name = text_arg(fcinfo, 9, NULL);
	imp->add_tags = PG_ARGISNULL(10) ? (Datum) 0 : clean_add_tags(PG_GETARG_DATUM(10));
	on_duplicate = text_arg(fcinfo, 11, "error");
	on_ambiguous = text_arg(fcinfo, 12, "latest");
	imp->customer_id_creates = bool_arg(fcinfo, 13, false);
	imp->unify = bool_arg(fcinfo, 14, true);
	imp->dry_run = bool_arg(fcinfo, 15, false);

	/* Misuse fails fast, before anything is read or written. */
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(imp->relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("staging table with OID %u does not exist", imp->relid)));
	imp->relname = quote_qualified_identifier(get_namespace_name(get_rel_namespace(imp->relid)),
											  get_rel_name(imp->relid));
	/* For messages and the batch: the name as the caller would write it. */
	imp->display_name = isTempNamespace(get_rel_namespace(imp->relid)) ?
		(char *) quote_identifier(get_rel_name(imp->relid)) : imp->relname;
	acl = pg_class_aclcheck(imp->relid, GetUserId(), ACL_SELECT);
	if (acl != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for staging table %s", imp->display_name),
				 errdetail("Importing reads the staging table with the caller's rights."),
				 errhint("GRANT SELECT ON %s to the importing role.", imp->display_name)));
	if (!one_of(imp->mode, modes))
		bad_argument("mode", imp->mode, "upsert, insert_only, update_only or insert_all");
	if (strcmp(tags_mode, "merge") != 0 && strcmp(tags_mode, "replace") != 0)
		bad_argument("tags_mode", tags_mode, "merge or replace");
	imp->tags_replace = strcmp(tags_mode, "replace") == 0;
	if (strcmp(on_duplicate, "error") != 0 && strcmp(on_duplicate, "last") != 0)
		bad_argument("on_duplicate", on_duplicate, "error or last");
	imp->on_duplicate_last = strcmp(on_duplicate, "last") == 0;
	if (strcmp(on_ambiguous, "latest") != 0 && strcmp(on_ambiguous, "error") != 0)
		bad_argument("on_ambiguous", on_ambiguous, "latest or error");
	imp->on_ambiguous_error = strcmp(on_ambiguous, "error") == 0;
	if (imp->workspace[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("workspace must not be empty"),
				 errhint("Pass a workspace name such as 'default'.")));
	if (pg_tzset(imp->timezone) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown time zone \"%s\"", imp->timezone),
				 errhint("Use a zone name such as 'Asia/Taipei' or 'UTC'.")));
	if (chname != NULL)
	{
		imp->channel = cs_channel_by_name(chname);
		if (imp->channel == NULL)
			bad_argument("channel", chname, "line, email, whatsapp or sms");
		if (!imp->channel->importable)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s contacts cannot be imported", chname),
					 errdetail("Facebook and Instagram contacts come from their platforms, not from files."),
					 errhint("Import line, email, whatsapp or sms contacts.")));
	}
	if (region != NULL && region[0] != '\0')
		imp->region = pstrdup(cs_resolve_region(region, strlen(region)));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* The extension's schema: where this function itself lives. */
	{
		Oid			nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
		Oid			argtypes[3] = {TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID};

		imp->schema = (char *) quote_identifier(get_namespace_name(nsp));
		imp->schema_oid = nsp;

		/*
		 * contactsync_tags_union came with 0.2.0: until ALTER EXTENSION
		 * UPDATE, an installed 0.1.0 runs this library without it, and the
		 * merge spells the union in SQL.
		 */
		imp->tags_union = OidIsValid(LookupFuncName(list_make2(makeString(get_namespace_name(nsp)),
															   makeString("contactsync_tags_union")),
													3, argtypes, true));
		/* contactsync_import_row_set came with 0.2.0 too. */
		imp->row_sets = OidIsValid(get_relname_relid("contactsync_import_row_set", nsp));
	}

	load_custom_fields(imp);
	cs_map_columns(imp);
	if (imp->channel == NULL)
	{
		imp->channel = cs_infer_channel(imp);
		if (!imp->channel->importable)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s contacts cannot be imported", imp->channel->name),
					 errdetail("The staging table's platform_type column names %s.", imp->channel->name),
					 errhint("Import line, email, whatsapp or sms contacts.")));
	}
	/* external_member_id stands for the primary key when no column names it. */
	if (imp->field_column[imp->channel->primary] < 0)
		imp->field_column[imp->channel->primary] = imp->field_column[CSF_EXTERNAL_MEMBER_ID];
	imp->key_field = key_field(imp->key, imp->channel);
	if (imp->field_column[imp->key_field] < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("staging table %s has no column for key \"%s\"", imp->display_name, imp->key),
				 errdetail("The key %s reads the field %s on %s imports.", imp->key,
						   cs_fields[imp->key_field].name, imp->channel->name),
				 errhint("Add a column named %s (or one of its aliases), or choose another key.",
						 cs_fields[imp->key_field].name)));

	/*
	 * A whatsapp row with an empty status is skipped, so a whatsapp file
	 * without the status column would import nothing: the source platforms
	 * refuse such a file, and so does the import.
	 */
	if (imp->channel->skip_empty_status && imp->field_column[CSF_MESSAGING_STATUS] < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("staging table %s has no messaging_status column", imp->display_name),
				 errdetail("A %s import must include the status: a row with an empty status is skipped, so without the column no row would import.",
						   imp->channel->name),
				 errhint("Add a column named messaging_status (or status) with a status on every row.")));

	/* Region: the argument, else the workspace's, else the setting. */
	if (imp->region == NULL)
	{
		char	   *wr = workspace_region(imp);

		imp->region = (wr != NULL) ? wr : cs_resolve_region(NULL, 0);
	}

	/* Imports into one workspace serialise; others run concurrently. */
	cs_workspace_lock(imp->workspace);

	/* The batch. */
	{
		Oid			t[6] = {TEXTOID, TEXTOID, TEXTARRAYOID, TEXTOID, TEXTOID, BOOLOID};
		Datum		v[6];
		Datum	   *names = palloc(sizeof(Datum) * Max(imp->ncolumns, 1));
		int			c;

		for (c = 0; c < imp->ncolumns; c++)
			names[c] = CStringGetTextDatum(imp->columns[c].name);
		v[0] = CStringGetTextDatum(imp->workspace);
		v[1] = CStringGetTextDatum(imp->display_name);
		v[2] = PointerGetDatum(construct_array(names, imp->ncolumns, TEXTOID, -1, false, TYPALIGN_INT));
		v[3] = CStringGetTextDatum(imp->channel->name);
		v[4] = CStringGetTextDatum(imp->key);
		v[5] = BoolGetDatum(imp->dry_run);
		cs_spi_exec(psprintf("INSERT INTO %s.contactsync_import_batch (workspace, staging, staging_columns, channel, key, dry_run, params) "
							 "VALUES ($1, $2, $3, $4, $5, $6, pg_catalog.jsonb_build_object("
							 "'mode', %s, 'overwrite', %s, 'tags_mode', %s, 'region', %s, 'timezone', %s, "
							 "'platform_name', %s, 'on_duplicate', %s, 'on_ambiguous', %s, "
							 "'customer_id_creates', %s, 'unify', %s)) RETURNING id",
							 imp->schema, quote_literal_cstr(imp->mode), imp->overwrite ? "true" : "false",
							 quote_literal_cstr(tags_mode),
							 imp->region ? quote_literal_cstr(imp->region) : "NULL",
							 quote_literal_cstr(imp->timezone),
							 imp->platform_name ? quote_literal_cstr(imp->platform_name) : "NULL",
							 quote_literal_cstr(on_duplicate), quote_literal_cstr(on_ambiguous),
							 imp->customer_id_creates ? "true" : "false", imp->unify ? "true" : "false"),
					6, t, v, NULL, SPI_OK_INSERT_RETURNING);
		imp->batch_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &rnulls[0]));
	}

	imp->lazy_cells = (get_rel_relkind(imp->relid) == RELKIND_RELATION ||
					   get_rel_relkind(imp->relid) == RELKIND_MATVIEW);
	create_work_table();
	imp->started = imp->last_report = imp->phase_started = GetCurrentTimestamp();
	cs_read_staging(imp);
	cs_spi_exec("ANALYZE pg_temp.contactsync_work", 0, NULL, NULL, NULL, SPI_OK_UTILITY);
	cs_progress(imp, "reading and validating", imp->rows);
	run_phases(imp);

	/*
	 * Unification of what the import created or changed, and the conflicts
	 * those contacts are in (counted with unify => false too: an update can
	 * touch a contact that is in a conflict already).
	 */
	if (!imp->dry_run)
	{
		Oid			t[2] = {TEXTOID, INT8OID};
		Datum		v[2] = {CStringGetTextDatum(imp->workspace), Int64GetDatum(imp->batch_id)};
		bool		isnull;
		Datum		seeds;

		/* The contacts the import created: numbered in contactsync_new. */
		const char *created = imp->counts[0] > 0 ? "SELECT n.id FROM pg_temp.contactsync_new n" :
			"SELECT NULL::pg_catalog.int8 AS id WHERE false";

		/*
		 * Seeds: the contacts created, and the updated ones whose change can
		 * regroup them (contactsync_upd.regroup); a rename is no seed.
		 * Nothing to do when unification ran before the creates, or with
		 * unify => false.
		 */
		if (imp->unify && !imp->unified)
		{
			cs_spi_exec(psprintf("SELECT pg_catalog.array_agg(s.id) FROM (%s "
								 "UNION ALL SELECT u.id FROM pg_temp.contactsync_upd u WHERE u.changed AND u.regroup) AS s",
								 created), 2, t, v, NULL, SPI_OK_SELECT);
			seeds = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
			if (!isnull)
			{
				seeds = PointerGetDatum(DatumGetArrayTypePCopy(seeds));
				cs_unify(imp->schema, imp->workspace, seeds);
			}
		}

		/*
		 * Conflicts that involve any contact created or updated.  Walked
		 * from the smaller side (CS_PROBE_COST): the workspace's conflict
		 * members, hashed, when they are at most that many times the file's
		 * rows (cs_conflict_rows_at_most); else each contact the import
		 * touched, probing the members by contact.  The conflicts touched
		 * are found once (c), so no plan can walk the touched contacts once
		 * per member.
		 */
		{
			char	   *touched = psprintf("%s UNION ALL SELECT u.id FROM pg_temp.contactsync_upd u WHERE u.changed",
										   created);

			if (cs_conflict_rows_at_most(imp->schema, v[0], imp->rows * CS_PROBE_COST))
				cs_spi_exec(psprintf("WITH m AS MATERIALIZED (SELECT m.conflict_id, m.contact_id "
									 "FROM %s.contactsync_conflict_member m WHERE m.workspace = $1), "
									 "t AS MATERIALIZED (%s), "
									 "c AS MATERIALIZED (SELECT DISTINCT m1.conflict_id FROM m m1 JOIN t ON t.id = m1.contact_id) "
									 "SELECT pg_catalog.count(DISTINCT m2.contact_id) FROM m m2 JOIN c ON c.conflict_id = m2.conflict_id",
									 imp->schema, touched), 2, t, v, NULL, SPI_OK_SELECT);
			else
				/*
				 * Each probe a lateral subquery the planner cannot flatten:
				 * a join would let it hash every member of the workspace
				 * for a few hundred touched contacts.
				 */
				cs_spi_exec(psprintf("WITH c AS MATERIALIZED (SELECT DISTINCT m1.conflict_id FROM (%s) t "
									 "CROSS JOIN LATERAL (SELECT m1.conflict_id FROM %s.contactsync_conflict_member m1 "
									 "WHERE m1.workspace = $1 AND m1.contact_id = t.id OFFSET 0) m1) "
									 "SELECT pg_catalog.count(DISTINCT m2.contact_id) FROM c "
									 "CROSS JOIN LATERAL (SELECT m2.contact_id FROM %s.contactsync_conflict_member m2 "
									 "WHERE m2.workspace = $1 AND m2.conflict_id = c.conflict_id OFFSET 0) m2",
									 touched, imp->schema, imp->schema), 2, t, v, NULL, SPI_OK_SELECT);
			imp->conflicts = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		}
		cs_progress(imp, imp->unify && !imp->unified ? "unification" : "conflict count", imp->rows);
	}

	/* The batch row, the summary. */
	{
		Oid			t[9] = {INT8OID, INT8OID, INT8OID, INT8OID, INT8OID, INT8OID, TEXTARRAYOID, TEXTOID, INT8OID};
		Datum		v[9];
		Datum	   *warn = palloc(sizeof(Datum) * Max(list_length(imp->column_warnings), 1));
		ListCell   *lc;
		int			k = 0;

		foreach(lc, imp->column_warnings)
			warn[k++] = CStringGetTextDatum((char *) lfirst(lc));
		v[0] = Int64GetDatum(imp->rows);
		for (k = 0; k < 5; k++)
			v[1 + k] = Int64GetDatum(imp->counts[k]);
		v[6] = PointerGetDatum(construct_array(warn, list_length(imp->column_warnings), TEXTOID, -1, false, TYPALIGN_INT));
		v[7] = CStringGetTextDatum(imp->workspace);
		v[8] = Int64GetDatum(imp->batch_id);
		cs_spi_exec(psprintf("UPDATE %s.contactsync_import_batch SET rows = $1, created = $2, updated = $3, "
							 "unchanged = $4, skipped = $5, failed = $6, column_warnings = $7, conflicts = " INT64_FORMAT ", "
							 "finished_at = pg_catalog.clock_timestamp() WHERE workspace = $8 AND id = $9",
							 imp->schema, imp->conflicts), 9, t, v, NULL, SPI_OK_UPDATE);
	}
	SPI_finish();

	ereport(NOTICE,
			(errmsg("contactsync: batch " INT64_FORMAT "%s (%s, key %s): " INT64_FORMAT " rows: "
					INT64_FORMAT " created, " INT64_FORMAT " updated, " INT64_FORMAT " unchanged, "
					INT64_FORMAT " skipped, " INT64_FORMAT " failed",
					imp->batch_id, imp->dry_run ? " (dry run)" : "", imp->channel->name, imp->key,
					imp->rows, imp->counts[0], imp->counts[1], imp->counts[2], imp->counts[3], imp->counts[4])));

	if (imp->conflicts > 0)
		ereport(NOTICE,
				(errmsg("identity conflict detected: " INT64_FORMAT " contacts not merged automatically (Customer ID)",
						imp->conflicts),
				 errhint("See the view contactsync_conflicts; fix the customer_id and re-import to clear it.")));

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	result[0] = Int64GetDatum(imp->batch_id);
	result[1] = CStringGetTextDatum(imp->channel->name);
	result[2] = CStringGetTextDatum(imp->key);
	result[3] = Int64GetDatum(imp->rows);
	for (i = 0; i < 5; i++)
		result[4 + i] = Int64GetDatum(imp->counts[i]);
	result[9] = Int64GetDatum(imp->conflicts);
	tuple = heap_form_tuple(tupdesc, result, rnulls);
	PG_RETURN_DATUM(HeapTupleGetDatum(tuple));
}
