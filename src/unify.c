/*
 * unify.c — identity unification (SPEC §4): contacts of a workspace that
 * share a unify-key value belong to one person, under Customer-ID protection.
 *
 * The identifiers are read once: one query lists the contacts (id,
 * customer_id), one lists every unify-key value shared by two or more of
 * them with its members.  Everything else happens in memory, in time
 * near-linear in the contacts and shared values:
 *
 *   1. contacts with the same customer_id form a group;
 *   2. contacts without one form components through shared values
 *      (union-find);
 *   3. a component linked to exactly one customer_id group joins it; to
 *      none, it is a person of its own; to two or more, it stays apart and
 *      is in conflict with them; two customer_id groups linked directly are
 *      in conflict and stay apart.
 *
 * A person's unified_contact_id is the smallest contact id of its group, and
 * a conflict's id the smallest contact id of all the groups it joins, so the
 * result depends on the data only, not on row, edge or plan order.  Contacts
 * with unify_split take no part: each is a person of its own.
 *
 * A run covers a whole workspace, or the part of it connected to some seed
 * contacts (the contacts an import changed, and the stored contacts that
 * share a value with the contacts it is about to create): the closure under
 * shared identifiers, former group-mates and conflict partners, found a
 * frontier at a time with indexed look-ups.  Contacts an import is about to
 * create take part before they are stored (CsUnifyPending): the run returns
 * their persons for the import to write with them.
 */
#include "postgres.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "import.h"
#include "unify.h"
#include "unify_int.h"

PG_FUNCTION_INFO_V1(contactsync_unify);
PG_FUNCTION_INFO_V1(contactsync_split);

#define FETCH_ROWS 10000

/* Union-find with the smallest index as root (deterministic). */
static int32
uf_find(int32 *p, int32 x)
{
	while (p[x] != x)
	{
		p[x] = p[p[x]];
		x = p[x];
	}
	return x;
}

static void
uf_union(int32 *p, int32 a, int32 b)
{
	a = uf_find(p, a);
	b = uf_find(p, b);
	if (a < b)
		p[b] = a;
	else if (b < a)
		p[a] = b;
}


typedef struct IdCid
{
	int64		id;
	int32		cid;
} IdCid;

static int
cmp_idcid(const void *a, const void *b)
{
	int64		x = ((const IdCid *) a)->id,
				y = ((const IdCid *) b)->id;

	return (x > y) - (x < y);
}

static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/*
 * Run a query through a cursor, FETCH_ROWS rows at a time, and hand each row
 * to fn: the tuples of a batch are freed before the next, so memory follows
 * what fn keeps, not the result's size.
 */
typedef void (*row_fn) (HeapTuple tuple, TupleDesc desc, void *state);

static void
for_each_row(const char *sql, int nargs, Oid *types, Datum *args, row_fn fn, void *state)
{
	SPIPlanPtr	plan = SPI_prepare(sql, nargs, types);
	Portal		portal;

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, args, NULL, false);
	for (;;)
	{
		uint64		r;

		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		for (r = 0; r < SPI_processed; r++)
		{
			CHECK_FOR_INTERRUPTS();
			fn(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, state);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_freeplan(plan);
}

/*
 * The int8 elements of an array column, into `buf` (grown as needed): one
 * buffer reused for every row, so reading a million rows allocates nothing
 * per row.
 */
static int64 *
int8_elements(HeapTuple t, TupleDesc d, int col, int *n, int64 **buf, int *bufcap)
{
	bool		isnull;
	Datum		v = SPI_getbinval(t, d, col, &isnull);
	ArrayType  *arr;
	int			count;

	*n = 0;
	if (isnull)
		return *buf;
	arr = DatumGetArrayTypeP(v);
	count = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (ARR_HASNULL(arr))
		elog(ERROR, "unexpected NULL in an id array");
	if (count > *bufcap)
	{
		*bufcap = Max(count, 64);
		*buf = *buf ? repalloc(*buf, sizeof(int64) * *bufcap) : palloc(sizeof(int64) * *bufcap);
	}
	if (count > 0)
		memcpy(*buf, ARR_DATA_PTR(arr), sizeof(int64) * count);
	if ((Pointer) arr != DatumGetPointer(v))
		pfree(arr);
	*n = count;
	return *buf;
}

/* What load_contacts collects. */
typedef struct ContactRows
{
	IdCid	   *rows;
	int			n,
				cap;
	int32		ncid;
	int64	   *split_ids;
	int			nsplit,
				split_cap;
	int64	   *buf;			/* one row's ids */
	int			bufcap;
} ContactRows;

static void
contact_row(HeapTuple t, TupleDesc d, void *state)
{
	ContactRows *cr = state;
	bool		isnull;
	bool		is_group = DatumGetBool(SPI_getbinval(t, d, 1, &isnull));
	int			n,
				k;
	int64	   *elems = int8_elements(t, d, 3, &n, &cr->buf, &cr->bufcap);

	for (k = 0; k < n; k++)
	{
		cr->split_ids = cs_grow(cr->split_ids, cr->nsplit, &cr->split_cap, sizeof(int64));
		cr->split_ids[cr->nsplit++] = elems[k];
	}
	elems = int8_elements(t, d, 2, &n, &cr->buf, &cr->bufcap);
	for (k = 0; k < n; k++)
	{
		cr->rows = cs_grow(cr->rows, cr->n, &cr->cap, sizeof(IdCid));
		cr->rows[cr->n].id = elems[k];
		cr->rows[cr->n].cid = is_group ? cr->ncid : -1;
		cr->n++;
	}
	if (is_group && n > 0)
		cr->ncid++;
}

/*
 * The pending contacts of a run (CsUnifyPending.sql) as a FROM item with
 * named columns.
 */
static char *
pending_rel(const char *pending_sql)
{
	return psprintf("(%s) AS p(id, unify_split, unified_contact_id, customer_id, email, phone, "
					"whatsapp_mobile, line_uid, fb_id, ig_id)", pending_sql);
}

/*
 * Load the contacts of the run (the ids in $2): contacts without a
 * customer_id one per row, contacts with one grouped by it, so each group row
 * is one customer_id group; split contacts apart.  The scope is read once by
 * id (a materialised CTE), so no branch can pick a plan that walks a whole
 * identifier index of the store.  With pending_sql, the pending contacts are
 * listed with them.
 */
static void
load_contacts(const char *schema, Datum *args, Oid *types, int nargs,
			  const char *pending_sql, Contacts *c, int64 **split_ids, int *nsplit)
{
	char	   *sql = psprintf("WITH c AS MATERIALIZED (SELECT c.id, c.customer_id, c.unify_split "
							   "FROM %s.contactsync_contact c WHERE c.workspace = $1 AND c.id = ANY ($2)%s%s) "
							   "SELECT true AS is_group, pg_catalog.array_agg(c.id) FILTER (WHERE NOT c.unify_split), "
							   "pg_catalog.array_agg(c.id) FILTER (WHERE c.unify_split) "
							   "FROM c WHERE c.customer_id IS NOT NULL GROUP BY c.customer_id "
							   "UNION ALL SELECT false, ARRAY[c.id], NULL FROM c "
							   "WHERE c.customer_id IS NULL AND NOT c.unify_split "
							   "UNION ALL SELECT false, NULL, ARRAY[c.id] FROM c "
							   "WHERE c.customer_id IS NULL AND c.unify_split",
							   schema,
							   pending_sql ? " UNION ALL SELECT p.id, p.customer_id, p.unify_split FROM " : "",
							   pending_sql ? pending_rel(pending_sql) : "");
	ContactRows cr = {0};
	int			i;

	for_each_row(sql, nargs, types, args, contact_row, &cr);
	if (cr.n > 0)
		qsort(cr.rows, cr.n, sizeof(IdCid), cmp_idcid);
	c->n = cr.n;
	c->ncid = cr.ncid;
	c->current = NULL;
	c->ids = palloc_extended(sizeof(int64) * Max(cr.n, 1), MCXT_ALLOC_HUGE);
	c->cid = palloc_extended(sizeof(int32) * Max(cr.n, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < cr.n; i++)
	{
		c->ids[i] = cr.rows[i].id;
		c->cid[i] = cr.rows[i].cid;
	}
	*split_ids = cr.split_ids;
	*nsplit = cr.nsplit;

	/*
	 * With pending contacts, current marks them (CS_UNIFY_PENDING), so the
	 * run returns their persons instead of writing them; the stored contacts
	 * are marked unread (-1): their unified_contact_id is written where it
	 * differs, as without pending contacts.
	 */
	if (pending_sql != NULL)
	{
		uint64		r;
		int			rc;

		c->current = palloc_extended(sizeof(int64) * Max(cr.n, 1), MCXT_ALLOC_HUGE);
		for (i = 0; i < cr.n; i++)
			c->current[i] = -1;
		rc = SPI_execute(psprintf("SELECT p.id FROM %s", pending_rel(pending_sql)), false, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "pending contacts query failed: %s", SPI_result_code_string(rc));
		for (r = 0; r < SPI_processed; r++)
		{
			bool		isnull;
			int			pos = cs_find_id(c->ids, c->n,
										 DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r],
																	 SPI_tuptable->tupdesc, 1, &isnull)));

			if (pos >= 0)
				c->current[pos] = CS_UNIFY_PENDING;
		}
		SPI_freetuptable(SPI_tuptable);
	}
}

/* What load_shared collects. */
typedef struct SharedRows
{
	const Contacts *c;
	Shared	   *out;
	int			n,
				cap;
	int64	   *buf;			/* one row's ids */
	int			bufcap;
} SharedRows;

static void
shared_row(HeapTuple t, TupleDesc d, void *state)
{
	SharedRows *sr = state;
	int			nelems,
				k,
				m = 0;
	int64	   *elems = int8_elements(t, d, 2, &nelems, &sr->buf, &sr->bufcap);
	bool		distinct = false;
	Shared	   *sh;

	sr->out = cs_grow(sr->out, sr->n, &sr->cap, sizeof(Shared));
	sh = &sr->out[sr->n];
	sh->members = palloc(sizeof(int32) * Max(nelems, 1));
	for (k = 0; k < nelems; k++)
	{
		int			idx = cs_find_id(sr->c->ids, sr->c->n, elems[k]);

		if (idx >= 0)
			sh->members[m++] = idx;
	}
	sh->nmembers = m;
	/* One contact listed twice (phone = whatsapp_mobile) shares nothing. */
	for (k = 1; k < m && !distinct; k++)
		distinct = sh->members[k] != sh->members[0];
	if (!distinct)
	{
		pfree(sh->members);
		return;
	}
	sh->label = SPI_getvalue(t, d, 1);
	sh->key = sh->value = NULL;
	sr->n++;
}

/*
 * Load every unify-key value shared by two or more contacts of the run (the
 * ids in $2, and the pending contacts of pending_sql).  phone and
 * whatsapp_mobile are one phone space: either key brings the values of both
 * columns.
 */
static Shared *
load_shared(const char *schema, Datum *args, Oid *types, int nargs,
			const char *pending_sql, const Contacts *c, int *nshared)
{
	char	   *sql = psprintf("SELECT s.k || ':' || s.v, pg_catalog.array_agg(s.id) FROM ("
							   "SELECT c.id, u.k, u.v FROM (SELECT c.id, c.email, c.phone, c.whatsapp_mobile, "
							   "c.line_uid, c.fb_id, c.ig_id FROM %s.contactsync_contact c "
							   "WHERE c.workspace = $1 AND c.id = ANY ($2) AND NOT c.unify_split%s%s) AS c "
							   "CROSS JOIN LATERAL (VALUES ('email', c.email, 'email'), ('phone', c.phone, 'phone'), "
							   "('phone', c.whatsapp_mobile, 'whatsapp_mobile'), ('line_uid', c.line_uid, 'line_uid'), "
							   "('fb_id', c.fb_id, 'fb_id'), ('ig_id', c.ig_id, 'ig_id')) AS u(k, v, field) "
							   "CROSS JOIN LATERAL (SELECT COALESCE((SELECT st.unify_keys FROM %s.contactsync_settings st "
							   "WHERE st.workspace = $1), ARRAY['email', 'phone', 'customer_id', 'line_uid', "
							   "'whatsapp_mobile', 'fb_id', 'ig_id']) AS ks) AS ws "
							   "WHERE u.v IS NOT NULL "
							   "AND CASE WHEN u.k = 'phone' THEN ws.ks && ARRAY['phone', 'whatsapp_mobile'] "
							   "ELSE u.field = ANY (ws.ks) END) AS s "
							   "GROUP BY s.k, s.v HAVING pg_catalog.count(*) > 1",
							   schema,
							   pending_sql ? " UNION ALL SELECT p.id, p.email, p.phone, p.whatsapp_mobile, "
							   "p.line_uid, p.fb_id, p.ig_id FROM " : "",
							   pending_sql ? pending_rel(pending_sql) : "",
							   schema);
	SharedRows	sr = {0};

	sr.c = c;
	for_each_row(sql, nargs, types, args, shared_row, &sr);
	*nshared = sr.n;
	return sr.out;
}

typedef struct Link
{
	int32		comp;			/* component root */
	int32		cid;			/* customer_id group */
} Link;

static int
cmp_link(const void *a, const void *b)
{
	const Link *x = a,
			   *y = b;

	if (x->comp != y->comp)
		return (x->comp > y->comp) - (x->comp < y->comp);
	return (x->cid > y->cid) - (x->cid < y->cid);
}

/* Grow-on-demand array of links. */
typedef struct LinkArray
{
	Link	   *items;
	int			n,
				cap;
} LinkArray;

static void
add_link(LinkArray *a, int32 comp, int32 cid)
{
	a->items = cs_grow(a->items, a->n, &a->cap, sizeof(Link));
	a->items[a->n].comp = comp;
	a->items[a->n].cid = cid;
	a->n++;
}

/* The contacts a closure has reached: a set, and the same in arrival order. */
typedef struct ClosureSet
{
	HTAB	   *seen;
	int64	   *all;
	int			nall,
				allcap;
} ClosureSet;

/* Add a contact; true when it is new (then it joins the next frontier). */
static bool
closure_add(ClosureSet *set, int64 id)
{
	bool		found;

	hash_search(set->seen, &id, HASH_ENTER, &found);
	if (found)
		return false;
	if (set->nall == set->allcap)
	{
		set->allcap *= 2;
		set->all = repalloc_huge(set->all, sizeof(int64) * set->allcap);
	}
	set->all[set->nall++] = id;
	return true;
}

/*
 * Add the ids of the last query's rows to the set; the new ones are
 * appended to *next (grown to hold them), counted by *nnext.
 */
static void
closure_take(ClosureSet *set, Datum **next, int *nnext)
{
	uint64		r;

	*next = repalloc(*next, sizeof(Datum) * (*nnext + Max(SPI_processed, 1)));
	for (r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));

		if (!isnull && closure_add(set, id))
			(*next)[(*nnext)++] = Int64GetDatum(id);
	}
	SPI_freetuptable(SPI_tuptable);
}

/*
 * Grow the seed set to its closure: contacts sharing an identifier or
 * customer_id, former group-mates and conflict partners, a frontier at a
 * time.  With pending contacts (pending_sql), the stored contacts sharing an
 * identifier or customer_id with one of them are seeds too (the pending
 * contacts themselves are not stored, so not in the result).  Returns a
 * sorted int8[] Datum of stored contacts.
 */
static Datum
closure(const char *schema, const char *workspace, Datum seeds, const char *pending_sql)
{
	HASHCTL		ctl;
	ClosureSet	set;
	ArrayType  *arr = DatumGetArrayTypeP(seeds);
	Datum	   *elems;
	int			nelems,
				i;
	Datum	   *frontier;
	int			nfront = 0;
	SPIPlanPtr	plan;
	Oid			types[2] = {TEXTOID, INT8ARRAYOID};
	StringInfoData q;
	static const char *const pairs[][2] = {
		{"email", "email"}, {"phone", "phone"}, {"phone", "whatsapp_mobile"},
		{"whatsapp_mobile", "phone"}, {"whatsapp_mobile", "whatsapp_mobile"},
		{"line_uid", "line_uid"}, {"fb_id", "fb_id"}, {"ig_id", "ig_id"},
		{"customer_id", "customer_id"}, {"unified_contact_id", "unified_contact_id"}
	};

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(int64);
	ctl.hcxt = CurrentMemoryContext;
	set.seen = hash_create("contactsync closure", 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	deconstruct_array(arr, INT8OID, 8, true, TYPALIGN_DOUBLE, &elems, NULL, &nelems);
	set.allcap = Max(nelems * 2, 64);
	set.all = palloc(sizeof(int64) * set.allcap);
	set.nall = 0;
	frontier = palloc(sizeof(Datum) * Max(nelems, 1));
	for (i = 0; i < nelems; i++)
		if (closure_add(&set, DatumGetInt64(elems[i])))
			frontier[nfront++] = elems[i];

	/* The stored contacts that share a value with a pending contact. */
	if (pending_sql != NULL)
	{
		int			rc;
		Datum		ws = CStringGetTextDatum(workspace);
		Oid			wt = TEXTOID;

		initStringInfo(&q);
		appendStringInfo(&q, "WITH f AS MATERIALIZED (SELECT * FROM %s) ", pending_rel(pending_sql));
		for (i = 0; i < (int) lengthof(pairs); i++)
			if (strcmp(pairs[i][0], "unified_contact_id") != 0)
				appendStringInfo(&q, "%sSELECT n.id FROM f JOIN %s.contactsync_contact n ON n.workspace = $1 AND n.%s = f.%s ",
								 i > 0 ? "UNION " : "", schema, pairs[i][1], pairs[i][0]);
		rc = SPI_execute_with_args(q.data, 1, &wt, &ws, NULL, false, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "closure query failed: %s", SPI_result_code_string(rc));
		closure_take(&set, &frontier, &nfront);
		pfree(q.data);
	}

	initStringInfo(&q);
	appendStringInfo(&q, "WITH f AS (SELECT c.* FROM %s.contactsync_contact c WHERE c.workspace = $1 AND c.id = ANY ($2)) ", schema);
	for (i = 0; i < (int) lengthof(pairs); i++)
		appendStringInfo(&q, "%sSELECT n.id FROM f JOIN %s.contactsync_contact n ON n.workspace = $1 AND n.%s = f.%s ",
						 i > 0 ? "UNION " : "", schema, pairs[i][1], pairs[i][0]);
	appendStringInfo(&q, "UNION SELECT m2.contact_id FROM f JOIN %s.contactsync_conflict_member m1 "
					 "ON m1.workspace = $1 AND m1.contact_id = f.id JOIN %s.contactsync_conflict_member m2 "
					 "ON m2.workspace = $1 AND m2.conflict_id = m1.conflict_id", schema, schema);
	plan = SPI_prepare(q.data, 2, types);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));

	while (nfront > 0)
	{
		Datum		args[2];
		int			rc;
		Datum	   *next = palloc(sizeof(Datum));
		int			nnext = 0;

		CHECK_FOR_INTERRUPTS();
		args[0] = CStringGetTextDatum(workspace);
		args[1] = PointerGetDatum(construct_array(frontier, nfront, INT8OID, 8, true, TYPALIGN_DOUBLE));
		rc = SPI_execute_plan(plan, args, NULL, false, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "closure query failed: %s", SPI_result_code_string(rc));
		closure_take(&set, &next, &nnext);
		pfree(frontier);
		frontier = next;
		nfront = nnext;
	}
	hash_destroy(set.seen);
	qsort(set.all, set.nall, sizeof(int64), cmp_int64);
	{
		Datum	   *d = palloc(sizeof(Datum) * Max(set.nall, 1));

		for (i = 0; i < set.nall; i++)
			d[i] = Int64GetDatum(set.all[i]);
		return PointerGetDatum(construct_array(d, set.nall, INT8OID, 8, true, TYPALIGN_DOUBLE));
	}
}

/*
 * The estimated rows of one of the extension's tables, all workspaces
 * together: its density at the last vacuum or analyze times its pages now,
 * as the planner estimates a table; -1 without an estimate yet.
 */
static double
rows_estimate(const char *schema, const char *table)
{
	bool		isnull;
	Datum		est;
	int			rc;

	rc = SPI_execute(psprintf("SELECT CASE WHEN c.reltuples >= 0 AND c.relpages > 0 "
							  "THEN c.reltuples::pg_catalog.float8 / c.relpages * (pg_catalog.pg_relation_size(c.oid) "
							  "/ pg_catalog.current_setting('block_size')::pg_catalog.int8) END "
							  "FROM pg_catalog.pg_class c WHERE c.oid = %s::pg_catalog.regclass",
							  quote_literal_cstr(psprintf("%s.%s", schema, table))), true, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "size estimate of %s failed: %s", table, SPI_result_code_string(rc));
	est = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? -1 : DatumGetFloat8(est);
}

/*
 * The rows of one workspace in one of the extension's tables, counted no
 * further than limit: the cost follows the answer needed, not the table.
 */
static int64
workspace_rows_upto(const char *schema, const char *table, Datum workspace, int64 limit)
{
	Oid			t[2] = {TEXTOID, INT8OID};
	Datum		a[2] = {workspace, Int64GetDatum(limit)};
	bool		isnull;
	int			rc;

	rc = SPI_execute_with_args(psprintf("SELECT pg_catalog.count(*) FROM (SELECT FROM %s.%s "
										"WHERE workspace = $1 LIMIT $2) AS s", schema, table),
							   2, t, a, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "row count of %s failed: %s", table, SPI_result_code_string(rc));
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * Whether a run from these seeds should cover the whole workspace: when the
 * seeds are a sixteenth of its contacts or more (SEEDS_COVER), reading
 * everything once is cheaper than growing a closure a frontier at a time,
 * and gives the same groups.  Measured: the closure costs about 60 µs a
 * seed (ten index probes a contact, a frontier at a time), the streamed
 * read 0.5–2 µs a contact of the workspace.
 */
#define SEEDS_COVER 16

bool
cs_unify_covers(const char *schema, const char *workspace, int64 nseeds, int64 adding)
{
	int64		total;
	double		est;

	if (nseeds < 1000)
		return false;

	/*
	 * A seed set larger than twice the whole store's estimated size covers
	 * any workspace in it: no count.  Without an estimate yet, or below
	 * that, the count decides.
	 */
	est = rows_estimate(schema, "contactsync_contact");
	if (est >= 0 && (double) nseeds * SEEDS_COVER >= 2.0 * est)
		return true;

	/*
	 * Count no further than the answer needs (SEEDS_COVER contacts a seed,
	 * plus one): the cost follows the batch, not the size of the store.
	 */
	total = workspace_rows_upto(schema, "contactsync_contact", CStringGetTextDatum(workspace),
								Max(nseeds * SEEDS_COVER - adding, 0) + 1);
	return nseeds * SEEDS_COVER >= total + adding;
}

static bool
seeds_cover_workspace(const char *schema, const char *workspace, Datum seeds)
{
	return cs_unify_covers(schema, workspace,
						   ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(seeds)),
										  ARR_DIMS(DatumGetArrayTypeP(seeds))), 0);
}

/*
 * A stored conflict row (m) that the run found again: the same conflict,
 * contact and link among its rows ($4, $5, $6).
 */
#define FOUND_AGAIN "SELECT 1 FROM ROWS FROM (pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6)) " \
	"AS n(conflict_id, contact_id, linked_by) WHERE n.contact_id = m.contact_id " \
	"AND n.conflict_id = m.conflict_id AND n.linked_by IS NOT DISTINCT FROM m.linked_by"

/*
 * Whether the workspace has at most n conflict rows: when the table's
 * estimated size says so either way, no count (the whole table holds at
 * least the workspace's rows, and either answer gives the same outcome,
 * only at another cost); without an estimate, counted no further than n.
 */
bool
cs_conflict_rows_at_most(const char *schema, Datum workspace, int64 n)
{
	double		est = rows_estimate(schema, "contactsync_conflict_member");

	if (est >= 0)
		return est <= (double) n;
	return workspace_rows_upto(schema, "contactsync_conflict_member", workspace, n + 1) <= n;
}

/* Run a statement with (workspace, ids[], ...) arrays as parameters. */
static void
exec_arrays(const char *sql, int nargs, Oid *types, Datum *args, int expected)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, args, NULL, false, 0);

	if (rc != expected)
		elog(ERROR, "unification statement failed (%s): %s", SPI_result_code_string(rc), sql);
}

Datum
cs_int8_array(const int64 *v, int n)
{
	Datum	   *d = palloc_extended(sizeof(Datum) * Max(n, 1), MCXT_ALLOC_HUGE);
	int			i;
	ArrayType  *a;

	for (i = 0; i < n; i++)
		d[i] = Int64GetDatum(v[i]);
	a = construct_array(d, n, INT8OID, 8, true, TYPALIGN_DOUBLE);
	pfree(d);
	return PointerGetDatum(a);
}

/*
 * Writing unified_contact_id: the changed contacts go out in chunks of
 * WRITE_CHUNK (id, person) pairs, each one UPDATE of the contacts whose
 * primary key is in the chunk (id = ANY), the new value looked up by id in
 * a jsonb object of the chunk's pairs (a binary search of its sorted
 * keys).  A first run changes every contact of the workspace; in one
 * statement its arrays and the join's hash table grew with the workspace
 * (about 200 bytes a changed contact, 2 GB at 10,000,000), in chunks they
 * stay at a few hundred kilobytes.  The statement has no join, so no plan
 * can scan the workspace once per pair: joined to the chunk's pairs (as it
 * was, with hash and merge joins off), a store whose statistics were from
 * before a large import was planned as a nested loop that read the whole
 * workspace for every pair (measured: 34 s a chunk of 10,000 in a 25,000-
 * contact workspace).
 *
 * Each chunk's new versions are written by cs_bulk_update_rows (src/bulk.c)
 * from a SELECT of the same rows, their index entries held across chunks
 * (up to work_mem: the run's own arrays are still in memory) and inserted
 * in key order; contacts another transaction changed meanwhile, and every
 * contact where the store needs the executor's UPDATE (a trigger, row-level
 * security, column-only grants), go through the UPDATE.  The chunks touch
 * distinct contacts and no other statement runs between them, so no query
 * looks for a row whose index entries are still held.
 */
#define WRITE_CHUNK 10000

typedef struct UcidWriter
{
	const char *schema;
	Datum		workspace;
	SPIPlanPtr	plan;			/* the UPDATE */
	char	   *select;			/* the SELECT of a chunk's rows and new values */
	CsBulkUpdate *bulk;			/* or NULL: the UPDATE writes every chunk */
	MemoryContext cxt;			/* a chunk's arrays and jsonb, reset after it */
	int			n;
	int64		changed;
	int64		ids[WRITE_CHUNK];
	int64		ucids[WRITE_CHUNK];
} UcidWriter;

/* The parameters of both: workspace, ids, {"id": person, ...}. */
static Oid	writer_types[3] = {TEXTOID, INT8ARRAYOID, JSONBOID};

static void
writer_flush(UcidWriter *w)
{
	Datum		a[3];
	int			rc,
				i;
	StringInfoData pairs;
	MemoryContext old;

	if (w->n == 0)
		return;
	if (w->plan == NULL)
	{
		w->plan = SPI_prepare(psprintf("UPDATE %s.contactsync_contact c "
									   "SET unified_contact_id = ($3 OPERATOR(pg_catalog.->>) c.id::pg_catalog.text)::pg_catalog.int8 "
									   "WHERE c.workspace = $1 AND c.id = ANY ($2) "
									   "AND c.unified_contact_id IS DISTINCT FROM "
									   "($3 OPERATOR(pg_catalog.->>) c.id::pg_catalog.text)::pg_catalog.int8", w->schema),
							  3, writer_types);
		if (w->plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		w->select = psprintf("SELECT c.ctid AS cs_ctid, c.*, "
							 "($3 OPERATOR(pg_catalog.->>) c.id::pg_catalog.text)::pg_catalog.int8 AS unified_contact_id "
							 "FROM %s.contactsync_contact c WHERE c.workspace = $1 AND c.id = ANY ($2) "
							 "AND c.unified_contact_id IS DISTINCT FROM "
							 "($3 OPERATOR(pg_catalog.->>) c.id::pg_catalog.text)::pg_catalog.int8", w->schema);
		w->bulk = cs_bulk_update_begin(get_relname_relid("contactsync_contact",
														 get_namespace_oid(w->schema, false)),
									   (Size) work_mem * 1024);
	}
	/*
	 * {"id": person, ...}: ids are distinct within a chunk.  Parsing it
	 * allocates a value tree about ten times its size (1.7 MB a chunk):
	 * everything of the chunk lives in its own context, reset after it.
	 */
	if (w->cxt == NULL)
		w->cxt = AllocSetContextCreate(CurrentMemoryContext, "contactsync unify writer",
									   ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(w->cxt);
	initStringInfo(&pairs);
	appendStringInfoChar(&pairs, '{');
	for (i = 0; i < w->n; i++)
		appendStringInfo(&pairs, "%s\"" INT64_FORMAT "\":" INT64_FORMAT,
						 i > 0 ? "," : "", w->ids[i], w->ucids[i]);
	appendStringInfoChar(&pairs, '}');
	a[0] = w->workspace;
	a[1] = cs_int8_array(w->ids, w->n);
	a[2] = DirectFunctionCall1(jsonb_in, CStringGetDatum(pairs.data));
	if (w->bulk != NULL)
	{
		int64	   *retry;
		int			nretry;

		w->changed += cs_bulk_update_rows(w->bulk, w->select, 3, writer_types, a, NULL, &retry, &nretry);
		a[1] = nretry > 0 ? cs_int8_array(retry, nretry) : (Datum) 0;
	}
	if (a[1] != (Datum) 0)
	{
		rc = SPI_execute_plan(w->plan, a, NULL, false, 0);
		if (rc != SPI_OK_UPDATE)
			elog(ERROR, "unification statement failed: %s", SPI_result_code_string(rc));
		w->changed += SPI_processed;
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(w->cxt);
	w->n = 0;
}

static void
writer_add(UcidWriter *w, int64 id, int64 ucid)
{
	w->ids[w->n] = id;
	w->ucids[w->n++] = ucid;
	if (w->n == WRITE_CHUNK)
		writer_flush(w);
}

/* Write what is left. */
static void
writer_finish(UcidWriter *w)
{
	writer_flush(w);
	if (w->bulk != NULL)
		cs_bulk_update_end(w->bulk);
	if (w->plan != NULL)
		SPI_freeplan(w->plan);
	if (w->cxt != NULL)
		MemoryContextDelete(w->cxt);
}

static CsUnifyStats unify_run(const char *schema, const char *workspace, Datum seeds,
							  CsUnifyPending *pending, bool around);

/*
 * cs_unify — regroup the workspace, or the part connected to `seeds` (an
 * int8[] Datum, or 0 for the whole workspace).
 */
CsUnifyStats
cs_unify(const char *schema, const char *workspace, Datum seeds)
{
	return unify_run(schema, workspace, seeds, NULL, false);
}

CsUnifyStats
cs_unify_with_pending(const char *schema, const char *workspace, CsUnifyPending *pending)
{
	return unify_run(schema, workspace, (Datum) 0, pending, false);
}

CsUnifyStats
cs_unify_around_pending(const char *schema, const char *workspace, Datum seeds,
						CsUnifyPending *pending)
{
	return unify_run(schema, workspace, seeds, pending, true);
}

/*
 * around: the run covers the closure of the seeds and the pending contacts
 * (cs_unify_around_pending); otherwise pending contacts come with a whole
 * workspace.
 */
static CsUnifyStats
unify_run(const char *schema, const char *workspace, Datum seeds, CsUnifyPending *pending,
		  bool around)
{
	CsUnifyStats stats = {0};
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "contactsync unify",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Datum		scope = (Datum) 0;
	Datum		args[2];
	Oid			types[2] = {TEXTOID, INT8ARRAYOID};
	int			nargs = 1;
	Contacts	c;
	SplitContacts split = {0};
	Shared	   *shared;
	int			nshared;
	int32	   *comp,
			   *node;
	LinkArray	links = {0};
	LinkArray	cidlinks = {0};
	int32	   *ncomplinks;
	int32	   *single;		/* per component root: the one cid group, or -1 */
	int			nnodes;
	int32	   *first_of_node;	/* position of the node's smallest contact id */
	int32	   *conflict_of_node;	/* position of the conflict's smallest id, or -1 */
	char	  **linked_by;
	int			i,
				k;

	/*
	 * A connection of its own: every SPI call returns to the connection's
	 * procedure context, so what the run allocates after one would otherwise
	 * stay in the caller's until the import ends (hundreds of MB at
	 * 10,000,000 contacts, held through the statements that follow).
	 * SPI_finish frees it all.
	 */
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(cxt);
	args[0] = CStringGetTextDatum(workspace);
	if (around ||
		(pending == NULL && seeds != (Datum) 0 && !seeds_cover_workspace(schema, workspace, seeds)))
	{
		scope = closure(schema, workspace, seeds, around ? pending->sql : NULL);
		args[1] = scope;
		nargs = 2;
	}

	if (nargs == 1)
		/*
		 * The identifier strings may take maintenance_work_mem in
		 * contactsync_unify, a maintenance command; work_mem when the run
		 * follows an import (seeds given).
		 */
		cs_unify_load_workspace(schema, workspace,
								(Size) (seeds != (Datum) 0 || pending ? work_mem : maintenance_work_mem) * 1024,
								pending ? pending->sql : NULL, &c, &split, &shared, &nshared);
	else
	{
		const char *pending_sql = around ? pending->sql : NULL;

		load_contacts(schema, args, types, nargs, pending_sql, &c, &split.ids, &split.n);
		split.current = NULL;
		shared = load_shared(schema, args, types, nargs, pending_sql, &c, &nshared);
	}

	/* 2. Components of contacts without a customer_id. */
	comp = palloc_extended(sizeof(int32) * Max(c.n, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < c.n; i++)
		comp[i] = i;
	for (k = 0; k < nshared; k++)
	{
		int32		first = -1;

		for (i = 0; i < shared[k].nmembers; i++)
		{
			int32		m = shared[k].members[i];

			if (c.cid[m] >= 0)
				continue;
			if (first < 0)
				first = m;
			else
				uf_union(comp, first, m);
		}
	}

	/* Links: component to customer_id group, and group to group. */
	for (k = 0; k < nshared; k++)
	{
		int32		free_member = -1;
		int32		first_cid = -1;

		for (i = 0; i < shared[k].nmembers; i++)
			if (c.cid[shared[k].members[i]] < 0)
			{
				free_member = shared[k].members[i];
				break;
			}
		for (i = 0; i < shared[k].nmembers; i++)
		{
			int32		g = c.cid[shared[k].members[i]];

			if (g < 0)
				continue;
			if (free_member >= 0)
				add_link(&links, uf_find(comp, free_member), g);
			if (first_cid < 0)
				first_cid = g;
			else if (g != first_cid)
				add_link(&cidlinks, first_cid, g);
		}
	}
	if (links.n > 0)
		qsort(links.items, links.n, sizeof(Link), cmp_link);

	/* 3. A component joins its single group; two or more: conflict. */
	ncomplinks = palloc_extended(sizeof(int32) * Max(c.n, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	single = palloc_extended(sizeof(int32) * Max(c.n, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < c.n; i++)
		single[i] = -1;
	for (k = 0; k < links.n; k++)
	{
		if (k > 0 && links.items[k].comp == links.items[k - 1].comp &&
			links.items[k].cid == links.items[k - 1].cid)
			continue;			/* duplicate link */
		ncomplinks[links.items[k].comp]++;
		single[links.items[k].comp] = links.items[k].cid;
	}

	/*
	 * Final groups as nodes: customer_id groups are nodes 0..ncid-1; a
	 * component that does not join a group is node ncid + its root.
	 */
	nnodes = c.ncid + c.n;
	node = palloc_extended(sizeof(int32) * Max(c.n, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < c.n; i++)
	{
		if (c.cid[i] >= 0)
			node[i] = c.cid[i];
		else
		{
			int32		root = uf_find(comp, i);

			node[i] = (ncomplinks[root] == 1) ? single[root] : c.ncid + root;
		}
	}
	/* (Arrays are freed as soon as they are done with: memory follows the run.) */
	pfree(comp);

	/*
	 * The person of each node: its smallest contact id (ids are sorted, so
	 * the first position seen), kept as a position.
	 */
	first_of_node = palloc_extended(sizeof(int32) * Max(nnodes, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < nnodes; i++)
		first_of_node[i] = -1;
	for (i = 0; i < c.n; i++)
		if (first_of_node[node[i]] < 0)
			first_of_node[node[i]] = i;

	/* Conflict sets: nodes joined by conflict links, through union-find. */
	{
		int32	   *cset = palloc_extended(sizeof(int32) * Max(nnodes, 1), MCXT_ALLOC_HUGE);
		bool	   *in_conflict = palloc_extended(sizeof(bool) * Max(nnodes, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);

		for (i = 0; i < nnodes; i++)
			cset[i] = i;
		for (k = 0; k < links.n; k++)
		{
			int32		root = links.items[k].comp;

			if (ncomplinks[root] >= 2)
			{
				uf_union(cset, c.ncid + root, links.items[k].cid);
				in_conflict[c.ncid + root] = in_conflict[links.items[k].cid] = true;
			}
		}
		for (k = 0; k < cidlinks.n; k++)
		{
			uf_union(cset, cidlinks.items[k].comp, cidlinks.items[k].cid);
			in_conflict[cidlinks.items[k].comp] = in_conflict[cidlinks.items[k].cid] = true;
		}
		pfree(ncomplinks);
		pfree(single);
		cs_free_if(links.items);
		cs_free_if(cidlinks.items);
		/*
		 * A conflict's id: the smallest contact id over its set's nodes (the
		 * first position seen); each node in conflict takes the id of its
		 * set, as a position.
		 */
		{
			int32	   *set_first = palloc_extended(sizeof(int32) * Max(nnodes, 1), MCXT_ALLOC_HUGE);

			for (i = 0; i < nnodes; i++)
				set_first[i] = -1;
			for (i = 0; i < c.n; i++)
			{
				int32		r;

				if (!in_conflict[node[i]])
					continue;
				r = uf_find(cset, node[i]);
				if (set_first[r] < 0)
					set_first[r] = i;
			}
			conflict_of_node = palloc_extended(sizeof(int32) * Max(nnodes, 1), MCXT_ALLOC_HUGE);
			for (i = 0; i < nnodes; i++)
				conflict_of_node[i] = in_conflict[i] ? set_first[uf_find(cset, i)] : -1;
			pfree(set_first);
			pfree(cset);
		}

		/* linked_by: a shared value whose members span two nodes of one conflict */
		linked_by = palloc_extended(sizeof(char *) * Max(c.n, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		for (k = 0; k < nshared; k++)
		{
			bool		spans = false;

			for (i = 1; i < shared[k].nmembers && !spans; i++)
			{
				int32		a = node[shared[k].members[0]],
							b = node[shared[k].members[i]];

				if (a != b && in_conflict[a] && in_conflict[b] &&
					conflict_of_node[a] == conflict_of_node[b])
					spans = true;
			}
			if (!spans)
				continue;
			for (i = 0; i < shared[k].nmembers; i++)
			{
				int32		m = shared[k].members[i];

				if (!in_conflict[node[m]])
					continue;
				if (shared[k].label == NULL)
					shared[k].label = psprintf("%s:%s", shared[k].key, shared[k].value);
				if (linked_by[m] == NULL || strcmp(shared[k].label, linked_by[m]) < 0)
					linked_by[m] = shared[k].label;
			}
		}
	}

	/*
	 * Write: unified_contact_id where it changed; conflict membership.  The
	 * arrays sent are sized by what is written (changed contacts, contacts
	 * in conflict), not by the run.
	 */
	{
		int64	   *conf_ids,
				   *conf_contact;
		Datum	   *conf_link;
		bool	   *conf_link_null;
		int			nconf = 0;
		int			nall = c.n + split.n;
		int32	   *group_size = palloc_extended(sizeof(int32) * Max(nnodes, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		UcidWriter *writer = palloc0(sizeof(UcidWriter));
		int			pend_cap = 0,
					pend_cap2 = 0;
		Datum		a[6];
		Oid			t[6] = {TEXTOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, TEXTARRAYOID};
		int			dims[1];
		int			lbs[1] = {1};

		/*
		 * Only the rows whose unified_contact_id changes are sent, when the
		 * stored values were read; the IS DISTINCT FROM keeps an unchanged
		 * row unwritten either way.  They go out in chunks (UcidWriter).
		 */
		writer->schema = schema;
		writer->workspace = args[0];
		for (i = 0; i < nall; i++)
		{
			bool		in_run = i < c.n;
			int64		id = in_run ? c.ids[i] : split.ids[i - c.n];
			int64		u = in_run ? c.ids[first_of_node[node[i]]] : id;
			const int64 *cur = in_run ? c.current : split.current;

			if (in_run)
			{
				group_size[node[i]]++;
				if (conflict_of_node[node[i]] >= 0)
					nconf++;
			}
			if (cur != NULL && cur[in_run ? i : i - c.n] == u)
				continue;
			if (in_run && cur != NULL && cur[i] == CS_UNIFY_PENDING)
			{
				/* Not inserted yet: the INSERT writes its person. */
				if (u == id)
					continue;
				MemoryContextSwitchTo(old);
				pending->ids = cs_grow(pending->ids, pending->n, &pend_cap, sizeof(int64));
				pending->ucids = cs_grow(pending->ucids, pending->n, &pend_cap2, sizeof(int64));
				MemoryContextSwitchTo(cxt);
				pending->ids[pending->n] = id;
				pending->ucids[pending->n++] = u;
				continue;
			}
			writer_add(writer, id, u);
		}
		writer_finish(writer);
		for (i = 0; i < nnodes; i++)
			if (group_size[i] > 0)
			{
				stats.groups++;
				if (group_size[i] > 1)
					stats.merged += group_size[i];
			}
		stats.groups += split.n;
		stats.contacts = nall;
		stats.conflicts = nconf;

		a[0] = args[0];
		stats.changed = writer->changed;
		pfree(writer);

		conf_ids = palloc_extended(sizeof(int64) * Max(nconf, 1), MCXT_ALLOC_HUGE);
		conf_contact = palloc_extended(sizeof(int64) * Max(nconf, 1), MCXT_ALLOC_HUGE);
		conf_link = palloc_extended(sizeof(Datum) * Max(nconf, 1), MCXT_ALLOC_HUGE);
		conf_link_null = palloc_extended(sizeof(bool) * Max(nconf, 1), MCXT_ALLOC_HUGE);
		nconf = 0;
		for (i = 0; i < c.n; i++)
			if (conflict_of_node[node[i]] >= 0)
			{
				conf_ids[nconf] = c.ids[conflict_of_node[node[i]]];
				conf_contact[nconf] = c.ids[i];
				conf_link_null[nconf] = (linked_by[i] == NULL);
				conf_link[nconf] = linked_by[i] ? CStringGetTextDatum(linked_by[i]) : (Datum) 0;
				nconf++;
			}

		/* The scope: every contact of the run ($2), or the whole workspace. */
		if (nargs == 1)
			a[1] = cs_int8_array(NULL, 0);
		else
		{
			int64	   *scope_ids = palloc_extended(sizeof(int64) * Max(nall, 1), MCXT_ALLOC_HUGE);

			memcpy(scope_ids, c.ids, sizeof(int64) * c.n);
			if (split.n > 0)
				memcpy(scope_ids + c.n, split.ids, sizeof(int64) * split.n);
			a[1] = cs_int8_array(scope_ids, nall);
		}
		/*
		 * Conflict rows of the scope: delete what went, insert what came.
		 * A stored row goes when its contact is in the scope, or when it
		 * belongs to a conflict of the scope and its contact is gone, and
		 * the run did not find it again.  Walked from the smaller side: the
		 * workspace's members when they are at most CS_PROBE_COST times the
		 * scope (cs_conflict_rows_at_most), else the members of the
		 * scope's contacts and of their conflicts, each reached through an
		 * index (by contact, then by conflict) in a lateral subquery the
		 * planner cannot flatten, and deleted by their row addresses: the
		 * cost follows the scope, not the number of conflicts stored.
		 */
		dims[0] = nconf;
		a[3] = cs_int8_array(conf_ids, nconf);
		a[4] = cs_int8_array(conf_contact, nconf);
		a[5] = PointerGetDatum(construct_md_array(conf_link, conf_link_null, 1, dims, lbs,
												  TEXTOID, -1, false, TYPALIGN_INT));
		if (nargs == 1 || cs_conflict_rows_at_most(schema, a[0], nall * CS_PROBE_COST))
			exec_arrays(psprintf("DELETE FROM %s.contactsync_conflict_member m WHERE m.workspace = $1 "
								 "AND (%s OR m.contact_id = ANY ($2) OR (m.conflict_id IN (SELECT s.conflict_id "
								 "FROM %s.contactsync_conflict_member s WHERE s.workspace = $1 AND s.contact_id = ANY ($2)) "
								 "AND NOT EXISTS (SELECT 1 FROM %s.contactsync_contact c "
								 "WHERE c.workspace = $1 AND c.id = m.contact_id))) "
								 "AND NOT EXISTS (" FOUND_AGAIN ")",
								 schema, nargs == 1 ? "true" : "false", schema, schema),
						6, t, a, SPI_OK_DELETE);
		else
			exec_arrays(psprintf("WITH s AS MATERIALIZED (SELECT s.* FROM pg_catalog.unnest($2) AS k(id) "
								 "CROSS JOIN LATERAL (SELECT s.ctid AS tid, s.conflict_id, s.contact_id, s.linked_by "
								 "FROM %s.contactsync_conflict_member s WHERE s.workspace = $1 AND s.contact_id = k.id OFFSET 0) AS s), "
								 "o AS MATERIALIZED (SELECT o.* FROM (SELECT DISTINCT s.conflict_id FROM s) AS k "
								 "CROSS JOIN LATERAL (SELECT o.ctid AS tid, o.conflict_id, o.contact_id, o.linked_by "
								 "FROM %s.contactsync_conflict_member o WHERE o.workspace = $1 AND o.conflict_id = k.conflict_id OFFSET 0) AS o "
								 "WHERE NOT EXISTS (SELECT 1 FROM %s.contactsync_contact c WHERE c.workspace = $1 AND c.id = o.contact_id)) "
								 "DELETE FROM %s.contactsync_conflict_member m WHERE m.workspace = $1 AND m.ctid = ANY (ARRAY("
								 "SELECT m.tid FROM (SELECT * FROM s UNION SELECT * FROM o) AS m WHERE NOT EXISTS (" FOUND_AGAIN ")))",
								 schema, schema, schema, schema),
						6, t, a, SPI_OK_DELETE);
		exec_arrays(psprintf("INSERT INTO %s.contactsync_conflict_member (workspace, conflict_id, contact_id, linked_by) "
							 "SELECT $1, n.conflict_id, n.contact_id, n.linked_by "
							 "FROM ROWS FROM (pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6)) "
							 "AS n(conflict_id, contact_id, linked_by) "
							 "WHERE NOT EXISTS (SELECT 1 FROM %s.contactsync_conflict_member m WHERE m.workspace = $1 "
							 "AND m.contact_id = n.contact_id AND m.conflict_id = n.conflict_id "
							 "AND m.linked_by IS NOT DISTINCT FROM n.linked_by)",
							 schema, schema),
					6, t, a, SPI_OK_INSERT);
	}

	SPI_finish();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
#ifdef __GLIBC__

	/*
	 * Hand the freed arrays back to the system: the allocator keeps freed
	 * heap memory for reuse, and the statements after an import's
	 * unification (sorts and hash tables of their own) would otherwise add
	 * to it rather than reuse it.
	 */
	malloc_trim(0);
#endif
	return stats;
}

/* The extension's schema, quoted: where the calling function lives. */
static char *
own_schema(FunctionCallInfo fcinfo)
{
	return (char *) quote_identifier(get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid)));
}

/*
 * contactsync_unify(workspace text DEFAULT 'default')
 *   RETURNS TABLE (unified_contacts bigint, merged_contacts bigint, conflicts bigint)
 */
Datum
contactsync_unify(PG_FUNCTION_ARGS)
{
	char	   *workspace = PG_ARGISNULL(0) ? "default" : text_to_cstring(PG_GETARG_TEXT_PP(0));
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {0};
	CsUnifyStats stats;
	char	   *schema = own_schema(fcinfo);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	cs_workspace_lock(workspace);
	stats = cs_unify(schema, workspace, (Datum) 0);
	SPI_finish();

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = Int64GetDatum(stats.groups);
	values[1] = Int64GetDatum(stats.merged);
	values[2] = Int64GetDatum(stats.conflicts);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * contactsync_split(contact_id bigint) RETURNS bigint
 *
 * Takes a contact out of unification (its own person) and regroups the
 * contacts it was grouped with.  Returns its unified_contact_id.
 */
Datum
contactsync_split(PG_FUNCTION_ARGS)
{
	int64		id = PG_GETARG_INT64(0);
	char	   *schema = own_schema(fcinfo);
	Oid			t1[1] = {INT8OID};
	Datum		a1[1] = {Int64GetDatum(id)};
	char	   *workspace;
	bool		isnull;
	Datum		seeds;
	int			rc;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args(psprintf("SELECT workspace FROM %s.contactsync_contact WHERE id = $1", schema),
							   1, t1, a1, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "contact look-up failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("contact %lld does not exist", (long long) id),
				 errhint("See contactsync_contact for contact ids.")));
	workspace = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	cs_workspace_lock(workspace);

	/* Seeds: the contact and everyone grouped with it before. */
	{
		Oid			t[2] = {TEXTOID, INT8OID};
		Datum		a[2] = {CStringGetTextDatum(workspace), Int64GetDatum(id)};

		rc = SPI_execute_with_args(psprintf("SELECT pg_catalog.array_agg(o.id) FROM %s.contactsync_contact c "
											"JOIN %s.contactsync_contact o ON o.workspace = c.workspace "
											"AND (o.id = c.id OR o.unified_contact_id = c.unified_contact_id) "
											"WHERE c.workspace = $1 AND c.id = $2", schema, schema),
								   2, t, a, NULL, true, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "group look-up failed");
		seeds = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		seeds = PointerGetDatum(DatumGetArrayTypePCopy(seeds));
		rc = SPI_execute_with_args(psprintf("UPDATE %s.contactsync_contact SET unify_split = true, "
											"unified_contact_id = id WHERE workspace = $1 AND id = $2 "
											"AND (NOT unify_split OR unified_contact_id IS DISTINCT FROM id)", schema),
								   2, t, a, NULL, false, 0);
		if (rc != SPI_OK_UPDATE)
			elog(ERROR, "split failed");
	}
	cs_unify(schema, workspace, seeds);
	SPI_finish();
	PG_RETURN_INT64(id);
}

/*
 * contactsync_unify_contacts(workspace text, contact_ids bigint[])
 *   RETURNS TABLE (unified_contacts bigint, merged_contacts bigint, conflicts bigint)
 *
 * Regroups the part of a workspace connected to the given contacts, as an
 * import does for what it touched (used by undo).
 */
PG_FUNCTION_INFO_V1(contactsync_unify_contacts);

Datum
contactsync_unify_contacts(PG_FUNCTION_ARGS)
{
	char	   *workspace = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Datum		ids = PointerGetDatum(PG_GETARG_ARRAYTYPE_P_COPY(1));
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {0};
	CsUnifyStats stats = {0};
	char	   *schema = own_schema(fcinfo);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	cs_workspace_lock(workspace);
	if (ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(ids)), ARR_DIMS(DatumGetArrayTypeP(ids))) > 0)
		stats = cs_unify(schema, workspace, ids);
	SPI_finish();

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = Int64GetDatum(stats.groups);
	values[1] = Int64GetDatum(stats.merged);
	values[2] = Int64GetDatum(stats.conflicts);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
