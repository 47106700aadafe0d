/*
 * bulk.c — insert the rows of a query into a table as COPY writes one, and
 * update rows as UPDATE does, without the executor's per-row index work.
 *
 * An INSERT ... SELECT goes through the executor one row at a time: each
 * row is a heap insertion of its own (a buffer lock, a WAL record).  COPY
 * writes heap tuples in batches (table_multi_insert: one WAL record and one
 * buffer lock per page) and then adds each row's index entries, which is
 * measurably cheaper for the same rows (doc/performance.md).  cs_bulk_insert
 * does what COPY does with the rows of a query instead of a file: the same
 * executor pieces for defaults, stored generated columns, constraints and
 * index entries, so a row it writes is the row an INSERT writes.
 *
 * cs_bulk_update writes new versions of rows the same way: each formed as
 * an UPDATE forms it, written by table_tuple_update (heap-only when the page
 * has room), and the index entries of the others added as new rows' are
 * (see IndexEntries).
 *
 * Both decline (return -1, having written nothing) when the table needs
 * more than that: a table that is not a plain table, has triggers (which
 * includes foreign keys and deferrable unique constraints) or row-level
 * security, that the current user may not insert into (update) as a
 * whole, or a database with Citus, whose tables only statements reach.
 * The caller then runs its INSERT (UPDATE), which does all of that and
 * raises the errors the statement raises.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/itup.h"
#include "access/nbtree.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "executor/nodeModifyTable.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_relation.h"
#include "rewrite/rewriteHandler.h"
#include "utils/acl.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "import.h"

/* Rows fetched from the query and written by one table_multi_insert. */
#define BULK_BATCH 1000

/*
 * The index entries of the rows written.  A B-tree takes entries in key
 * order several times faster than in the order of the rows: each insertion
 * descends to a leaf next to the one the previous insertion left in the
 * processor's cache, instead of to one anywhere in the index
 * (doc/performance.md).  So the entries of each index are held, up to a
 * budget for all of them (maintenance_work_mem for an import's new and
 * changed contacts, work_mem for unification's writes), put in order and
 * then inserted.  Until then the rows written are not found through the
 * indexes: no query of the same write looks for them.
 *
 * The order is that of a 16-byte key made of the bytes of the key columns
 * after those equal in every entry held (the workspace): a text's bytes, an
 * integer's as it sorts.  That is the index's own order under the C
 * collation (the C.UTF-8 locale included) up to 16 bytes, and near it under
 * others; the order decides only how fast the entries go in, not where, so
 * a sort comparing keys of fixed size, much cheaper than the index's
 * comparisons, is enough.  An index whose key columns are not all text or
 * integers ascending with nulls last takes its entries in the rows' order;
 * one that is not a B-tree or has an exclusion constraint takes every row's
 * entries as the row is written, as an INSERT adds them.
 *
 * A unique index checks each entry for a conflict, as the executor does;
 * except, in an update, the entry of a new version whose key is the old
 * version's (every key column equal, no expression, no predicate): the old
 * version, live until this transaction ends, already holds that key, so no
 * other row can hold it, and another transaction inserting it waits for
 * this one and then finds the new entry (doc/design.md).  Such entries are
 * held apart (each unique index has a second HeldIndex) and inserted
 * without the check, which reads the heap for every equal key it meets.
 */
typedef struct HeldIndex
{
	IndexTuple *t;				/* the entries, their TIDs set */
	int64		n;
	int64		cap;
	bool		sortable;		/* its key columns can be put in order */
} HeldIndex;

/* An entry with its order key, while one index's entries are put in order. */
typedef struct OrderedEntry
{
	uint64		k1;				/* the order key's first 8 bytes */
	uint64		k2;				/* and the next 8 */
	IndexTuple	itup;
} OrderedEntry;

typedef struct IndexEntries
{
	ResultRelInfo *rri;
	EState	   *estate;
	Relation	heap;
	bool		held;			/* entries are held (else inserted per row) */
	HeldIndex  *idx;			/* per index; then per index, its entries that
								 * need no uniqueness check */
	MemoryContext cxt;			/* the entries' tuples and arrays */
	char	   *arena;			/* where the next tuple goes, */
	Size		arena_left;		/* and the room left there */
	Size		bytes;			/* what the entries held take */
	int64		most;			/* the most entries an index holds */
	int64		rows;			/* the rows whose entries are held */
	Size		budget;
} IndexEntries;

#define ARENA_BLOCK ((Size) 1024 * 1024)

#define ST_SORT sort_ordered_entries
#define ST_ELEMENT_TYPE OrderedEntry
#define ST_COMPARE(a, b) ((a)->k1 != (b)->k1 ? ((a)->k1 < (b)->k1 ? -1 : 1) : \
						  (a)->k2 < (b)->k2 ? -1 : (a)->k2 > (b)->k2 ? 1 : 0)
#define ST_CHECK_FOR_INTERRUPTS
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * Whether cs_bulk_insert (ACL_INSERT) or cs_bulk_update (ACL_UPDATE) can
 * write into rel (opened by the caller).  Not where Citus is installed:
 * there a distributed table's relation on a node is a shell whose rows live
 * in shards, and only a statement reaches them (doc/scale-out.md).
 */
static bool
bulk_writable(Relation rel, AclMode mode)
{
	return rel->rd_rel->relkind == RELKIND_RELATION &&
		rel->trigdesc == NULL &&
		!rel->rd_rel->relrowsecurity &&
		pg_class_aclcheck(RelationGetRelid(rel), GetUserId(), mode) == ACLCHECK_OK &&
		!OidIsValid(get_extension_oid("citus", true));
}

/* Whether the key column's values can be put in the index's order (see above). */
static bool
column_orderable(Relation index, int col)
{
	Oid			type = TupleDescAttr(RelationGetDescr(index), col)->atttypid;

	if (index->rd_indoption[col] != 0)	/* descending, or nulls first */
		return false;
	return type == TEXTOID || type == VARCHAROID || type == BPCHAROID ||
		type == INT2OID || type == INT4OID || type == INT8OID;
}

static void
entries_init(IndexEntries *ie, ResultRelInfo *rri, EState *estate, Relation heap, Size budget)
{
	int			i,
				c;

	memset(ie, 0, sizeof(*ie));
	ie->rri = rri;
	ie->estate = estate;
	ie->heap = heap;
	ie->budget = budget;
	ie->held = rri->ri_NumIndices > 0;
	ie->idx = palloc0(sizeof(HeldIndex) * 2 * Max(rri->ri_NumIndices, 1));
	for (i = 0; i < rri->ri_NumIndices; i++)
	{
		Relation	index = rri->ri_IndexRelationDescs[i];
		IndexInfo  *info = rri->ri_IndexRelationInfo[i];

		if (index->rd_rel->relam != BTREE_AM_OID || info->ii_ExclusionOps != NULL)
			ie->held = false;
		else if (info->ii_Predicate != NIL && info->ii_PredicateState == NULL)
			info->ii_PredicateState = ExecPrepareQual(info->ii_Predicate, estate);
		ie->idx[i].sortable = true;
		for (c = 0; c < IndexRelationGetNumberOfKeyAttributes(index); c++)
			if (!column_orderable(index, c))
				ie->idx[i].sortable = false;
		ie->idx[rri->ri_NumIndices + i].sortable = ie->idx[i].sortable;
	}
	if (ie->held)
		ie->cxt = AllocSetContextCreate(CurrentMemoryContext, "contactsync index entries",
										ALLOCSET_DEFAULT_SIZES);
}

/* Append a key column's value to the order key: its bytes as they sort. */
static int
key_bytes(unsigned char *key, int used, Oid type, Datum value, bool isnull)
{
	int			room = 16 - used;

	if (room <= 0)
		return used;
	if (isnull)					/* nulls last */
	{
		memset(key + used, 0xFF, room);
		return 16;
	}
	if (type == INT2OID || type == INT4OID || type == INT8OID)
	{
		int64		v = type == INT8OID ? DatumGetInt64(value) :
			type == INT4OID ? DatumGetInt32(value) : DatumGetInt16(value);
		uint64		u = (uint64) v ^ ((uint64) 1 << 63);
		int			b;

		for (b = 0; b < 8 && used < 16; b++)
			key[used++] = (unsigned char) (u >> (56 - 8 * b));
		return used;
	}
	else
	{
		struct varlena *t = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(value));
		int			len = Min((int) VARSIZE_ANY_EXHDR(t), room);

		memcpy(key + used, VARDATA_ANY(t), len);
		used += len;
		if (used < 16)
			key[used++] = 0;	/* a shorter string first */
		if ((Pointer) t != DatumGetPointer(value))
			pfree(t);
		return used;
	}
}

/*
 * Put one index's entries in order (keys from the first column that varies)
 * in h->t itself.
 */
static void
order_entries(IndexEntries *ie, Relation index, HeldIndex *h)
{
	TupleDesc	itd = RelationGetDescr(index);
	int			nkeys = IndexRelationGetNumberOfKeyAttributes(index);
	int			first = 0;
	OrderedEntry *o;
	int64		j;

	if (!h->sortable || h->n < 2)
		return;
	/* the leading columns equal in every entry (the workspace) order nothing */
	for (first = 0; first < nkeys; first++)
	{
		Form_pg_attribute att = TupleDescAttr(itd, first);
		bool		null0;
		Datum		v0 = index_getattr(h->t[0], first + 1, itd, &null0);
		bool		same = true;

		for (j = 1; j < h->n && same; j++)
		{
			bool		null;
			Datum		v = index_getattr(h->t[j], first + 1, itd, &null);

			same = null == null0 && (null || datumIsEqual(v, v0, att->attbyval, att->attlen));
		}
		if (!same)
			break;
	}
	if (first == nkeys)
		return;
	o = MemoryContextAllocHuge(ie->cxt, sizeof(OrderedEntry) * h->n);
	for (j = 0; j < h->n; j++)
	{
		unsigned char key[16];
		int			used = 0,
					c,
					b;

		memset(key, 0, sizeof(key));
		for (c = first; c < nkeys && used < 16; c++)
		{
			bool		null;
			Datum		v = index_getattr(h->t[j], c + 1, itd, &null);

			used = key_bytes(key, used, TupleDescAttr(itd, c)->atttypid, v, null);
		}
		o[j].k1 = o[j].k2 = 0;
		for (b = 0; b < 8; b++)
		{
			o[j].k1 = (o[j].k1 << 8) | key[b];
			o[j].k2 = (o[j].k2 << 8) | key[8 + b];
		}
		o[j].itup = h->t[j];
	}
	sort_ordered_entries(o, h->n);
	for (j = 0; j < h->n; j++)
		h->t[j] = o[j].itup;
	pfree(o);
}

/* Insert the entries held, each index's in its order; then hold none. */
static void
entries_flush(IndexEntries *ie)
{
	ResultRelInfo *rri = ie->rri;
	Datum		values[INDEX_MAX_KEYS];
	bool		isnull[INDEX_MAX_KEYS];
	int			i;
	int64		kept = 0;

	if (!ie->held || ie->bytes == 0)
		return;
	for (i = 0; i < rri->ri_NumIndices; i++)
		kept += ie->idx[rri->ri_NumIndices + i].n;
	ereport(DEBUG1,
			(errmsg_internal("contactsync: index entries of " INT64_FORMAT " rows inserted in key order "
							 "(%zu kB held; " INT64_FORMAT " entries of unique keys kept, not checked)",
							 ie->rows, ie->bytes / 1024, kept)));
	for (i = 0; i < rri->ri_NumIndices; i++)
	{
		Relation	index = rri->ri_IndexRelationDescs[i];
		IndexInfo  *info = rri->ri_IndexRelationInfo[i];
		int			pass;

		/* the entries checked, then those that need no check (see above) */
		for (pass = 0; pass < 2; pass++)
		{
			HeldIndex  *h = &ie->idx[pass * rri->ri_NumIndices + i];

			/* as ExecInsertIndexTuples decides (no deferrable constraint here: they come with triggers) */
			IndexUniqueCheck check = pass == 0 && index->rd_index->indisunique ?
				UNIQUE_CHECK_YES : UNIQUE_CHECK_NO;
			int64		j;

			order_entries(ie, index, h);
			for (j = 0; j < h->n; j++)
			{
				MemoryContext old;

				CHECK_FOR_INTERRUPTS();
				ResetPerTupleExprContext(ie->estate);
				old = MemoryContextSwitchTo(GetPerTupleMemoryContext(ie->estate));
				index_deform_tuple(h->t[j], RelationGetDescr(index), values, isnull);
				index_insert(index, values, isnull, &h->t[j]->t_tid, ie->heap, check, false, info);
				MemoryContextSwitchTo(old);
			}
			h->t = NULL;
			h->n = h->cap = 0;
		}
	}
	MemoryContextReset(ie->cxt);
	ie->arena = NULL;
	ie->arena_left = 0;
	ie->bytes = 0;
	ie->most = 0;
	ie->rows = 0;
}

/* Hold an index entry (formed in the per-row context) until the flush. */
static void
entries_hold(IndexEntries *ie, HeldIndex *h, IndexTuple itup, ItemPointer tid)
{
	Size		size = MAXALIGN(IndexTupleSize(itup));

	if (h->n == h->cap)
	{
		int64		cap = Max(h->cap * 2, 1024);

		h->t = h->t == NULL ?
			MemoryContextAllocHuge(ie->cxt, sizeof(IndexTuple) * cap) :
			repalloc_huge(h->t, sizeof(IndexTuple) * cap);
		ie->bytes += sizeof(IndexTuple) * (cap - h->cap);
		h->cap = cap;
	}
	if (size > ie->arena_left)
	{
		Size		block = Max(size, ARENA_BLOCK);

		ie->arena = MemoryContextAlloc(ie->cxt, block);
		ie->arena_left = block;
		ie->bytes += block;
	}
	memcpy(ie->arena, itup, IndexTupleSize(itup));
	h->t[h->n] = (IndexTuple) ie->arena;
	h->t[h->n]->t_tid = *tid;
	h->n++;
	ie->most = Max(ie->most, h->n);
	ie->arena += size;
	ie->arena_left -= size;
}

/*
 * The index entries of a row just written (its slot holds its TID).
 * same_key (updates only, else NULL): per index, whether the new version's
 * key is the old version's, so that its entry needs no uniqueness check.
 */
static void
entries_add(IndexEntries *ie, TupleTableSlot *slot, const bool *same_key)
{
	ResultRelInfo *rri = ie->rri;
	ExprContext *econtext = GetPerTupleExprContext(ie->estate);
	Datum		values[INDEX_MAX_KEYS];
	bool		isnull[INDEX_MAX_KEYS];
	int			i;

	ResetPerTupleExprContext(ie->estate);
	if (!ie->held)
	{
		MemoryContext old = MemoryContextSwitchTo(GetPerTupleMemoryContext(ie->estate));
		List	   *recheck PG_USED_FOR_ASSERTS_ONLY;

		recheck = ExecInsertIndexTuples(rri, slot, ie->estate, false, false, NULL, NIL);
		/* only deferrable unique constraints recheck, and they come with triggers */
		Assert(recheck == NIL);
		MemoryContextSwitchTo(old);
		return;
	}
	econtext->ecxt_scantuple = slot;
	for (i = 0; i < rri->ri_NumIndices; i++)
	{
		Relation	index = rri->ri_IndexRelationDescs[i];
		IndexInfo  *info = rri->ri_IndexRelationInfo[i];
		IndexTuple	itup;

		if (!info->ii_ReadyForInserts)
			continue;
		if (info->ii_PredicateState != NULL && !ExecQual(info->ii_PredicateState, econtext))
			continue;
		FormIndexDatum(info, slot, ie->estate, values, isnull);
		itup = index_form_tuple_context(RelationGetDescr(index), values, isnull,
										GetPerTupleMemoryContext(ie->estate));
		entries_hold(ie, &ie->idx[(same_key != NULL && same_key[i] ? rri->ri_NumIndices : 0) + i],
					 itup, &slot->tts_tid);
	}
	ie->rows++;
	/* what is held, and the order keys of the index with the most entries */
	if (ie->bytes + sizeof(OrderedEntry) * ie->most >= ie->budget)
		entries_flush(ie);
}

/*
 * What cs_bulk_insert and cs_bulk_update share: the table, the executor
 * state the statement would have, where each of the table's columns comes
 * from in the query's rows, and the index entries.
 */
typedef struct BulkWrite
{
	Relation	rel;
	TupleDesc	td;
	CmdType		cmd;
	EState	   *estate;
	ResultRelInfo *rri;
	int		   *from;			/* per table column: the query's column, or -1 */
	int		   *stored;			/* update: per table column, the query's column
								 * of the stored value (the first of its name),
								 * or -1 */
	ExprState **defaults;		/* per table column the query does not fill (insert) */
	Datum	   *qvalues;
	bool	   *qnulls;
	bool		generated;
	IndexEntries ie;
} BulkWrite;

/* Open relid for cmd; false (nothing opened) when it needs the statement. */
static bool
bulk_begin(BulkWrite *bw, Oid relid, CmdType cmd, Size budget)
{
	AclMode		mode = cmd == CMD_INSERT ? ACL_INSERT : ACL_UPDATE;
	RangeTblEntry *rte;

	memset(bw, 0, sizeof(*bw));
	bw->rel = table_open(relid, RowExclusiveLock);
	if (!bulk_writable(bw->rel, mode))
	{
		table_close(bw->rel, NoLock);
		return false;
	}
	bw->cmd = cmd;
	bw->td = RelationGetDescr(bw->rel);
	bw->generated = bw->td->constr != NULL && bw->td->constr->has_generated_stored;

	/* The executor state the statement would have. */
	bw->estate = CreateExecutorState();
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = bw->rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	rte->requiredPerms = mode;
	ExecInitRangeTable(bw->estate, list_make1(rte));
	bw->rri = makeNode(ResultRelInfo);
	ExecInitResultRelation(bw->estate, bw->rri, 1);
	CheckValidResultRel(bw->rri, cmd);
	ExecOpenIndices(bw->rri, false);
	entries_init(&bw->ie, bw->rri, bw->estate, bw->rel, budget);
	return true;
}

/*
 * The query's columns by name, from its column `skip` on.  For an insert,
 * each names a column it fills, and every other column gets its default;
 * for an update, every column comes from the query (the stored row's
 * columns, then the new values, which take their place), generated ones
 * aside.
 */
static void
bulk_map(BulkWrite *bw, TupleDesc qd, int skip)
{
	int			natts = bw->td->natts;
	int			a,
				q;

	bw->from = palloc(sizeof(int) * natts);
	bw->stored = palloc(sizeof(int) * natts);
	bw->defaults = palloc0(sizeof(ExprState *) * natts);
	for (a = 0; a < natts; a++)
		bw->from[a] = bw->stored[a] = -1;
	for (q = skip; q < qd->natts; q++)
	{
		Form_pg_attribute qa = TupleDescAttr(qd, q);
		AttrNumber	attnum = attnameAttNum(bw->rel, NameStr(qa->attname), false);

		if (attnum > 0 && bw->cmd == CMD_UPDATE && bw->stored[attnum - 1] < 0 &&
			TupleDescAttr(bw->td, attnum - 1)->atttypid == qa->atttypid)
			bw->stored[attnum - 1] = q;

		if (attnum > 0 && bw->cmd == CMD_UPDATE && TupleDescAttr(bw->td, attnum - 1)->attgenerated)
			continue;
		if (attnum <= 0 || TupleDescAttr(bw->td, attnum - 1)->atttypid != qa->atttypid ||
			TupleDescAttr(bw->td, attnum - 1)->attgenerated ||
			(bw->cmd == CMD_INSERT && bw->from[attnum - 1] >= 0))
			elog(ERROR, "contactsync: query column \"%s\" does not fill a column of \"%s\"",
				 NameStr(qa->attname), RelationGetRelationName(bw->rel));
		bw->from[attnum - 1] = q;
	}
	for (a = 0; a < natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(bw->td, a);
		Node	   *expr;

		if (bw->from[a] >= 0 || att->attisdropped || att->attgenerated)
			continue;
		if (bw->cmd == CMD_UPDATE)
			elog(ERROR, "contactsync: no query column fills column \"%s\" of \"%s\"",
				 NameStr(att->attname), RelationGetRelationName(bw->rel));
		expr = build_column_default(bw->rel, a + 1);
		if (expr != NULL)
			bw->defaults[a] = ExecPrepareExpr((Expr *) expr, bw->estate);
	}
	bw->qvalues = palloc(sizeof(Datum) * qd->natts);
	bw->qnulls = palloc(sizeof(bool) * qd->natts);
}

/*
 * A query row as the table's row in slot, owned by the slot, with its
 * generated columns computed and its constraints checked.
 */
static void
bulk_form(BulkWrite *bw, TupleTableSlot *slot, HeapTuple qt, TupleDesc qd)
{
	ExprContext *econtext = GetPerTupleExprContext(bw->estate);
	int			a;

	CHECK_FOR_INTERRUPTS();
	ResetPerTupleExprContext(bw->estate);
	ExecClearTuple(slot);
	heap_deform_tuple(qt, qd, bw->qvalues, bw->qnulls);
	for (a = 0; a < bw->td->natts; a++)
	{
		if (bw->from[a] >= 0)
		{
			slot->tts_values[a] = bw->qvalues[bw->from[a]];
			slot->tts_isnull[a] = bw->qnulls[bw->from[a]];
		}
		else if (bw->defaults[a] != NULL)
			slot->tts_values[a] = ExecEvalExpr(bw->defaults[a], econtext, &slot->tts_isnull[a]);
		else
		{
			slot->tts_values[a] = (Datum) 0;
			slot->tts_isnull[a] = true;
		}
	}
	ExecStoreVirtualTuple(slot);
	if (bw->generated)
		ExecComputeStoredGenerated(bw->rri, bw->estate, slot, bw->cmd);	/* materializes */
	else
		ExecMaterializeSlot(slot);
	if (bw->td->constr != NULL)
		ExecConstraints(bw->rri, slot, bw->estate);
}

/*
 * The query's cursor, and the command id the rows are written with: the
 * one its snapshot was taken at (opening it advances the command counter),
 * so, as in the executor, the rows written are invisible to the query that
 * reads them, whatever its plan (an update never reads a row it wrote).
 */
static Portal
bulk_open(const char *query, int nargs, Oid *types, Datum *values, const char *nulls,
		  CommandId *cid)
{
	Portal		portal = SPI_cursor_open_with_args(NULL, query, nargs, types, values, nulls, false, 0);

	*cid = GetCurrentCommandId(true);
	return portal;
}

/* The query's next rows (their number in *n), or NULL after the last. */
static SPITupleTable *
bulk_fetch(Portal portal, int *n)
{
	SPI_cursor_fetch(portal, true, BULK_BATCH);
	*n = (int) SPI_processed;
	return *n > 0 ? SPI_tuptable : NULL;
}

/* The last index entries, then everything closed. */
static void
bulk_end(BulkWrite *bw)
{
	entries_flush(&bw->ie);
	if (bw->ie.cxt != NULL)
		MemoryContextDelete(bw->ie.cxt);
	ExecCloseResultRelations(bw->estate);
	ExecCloseRangeTableRelations(bw->estate);
	FreeExecutorState(bw->estate);
	table_close(bw->rel, NoLock);

	/* the next statement sees the rows */
	CommandCounterIncrement();
}

/*
 * cs_bulk_insert — insert every row `query` returns into the table relid;
 * the query's columns are named as the table's columns they fill (any
 * order); the table's other columns get their defaults, stored generated
 * columns are computed, and NOT NULL and CHECK constraints are checked, as
 * an INSERT naming the query's columns would.  Returns the number of rows
 * written, or -1 when the table needs an INSERT (see above).
 */
int64
cs_bulk_insert(Oid relid, const char *query, int nargs, Oid *types, Datum *values,
			   const char *nulls)
{
	BulkWrite	bw;
	SPITupleTable *tt;
	int			n;
	TupleTableSlot *slots[BULK_BATCH];
	BulkInsertState bistate;
	CommandId	cid;
	Portal		portal;
	int64		written = 0;
	int			k;

	if (!bulk_begin(&bw, relid, CMD_INSERT, (Size) maintenance_work_mem * 1024))
		return -1;
	for (k = 0; k < BULK_BATCH; k++)
		slots[k] = table_slot_create(bw.rel, NULL);
	bistate = GetBulkInsertState();
	portal = bulk_open(query, nargs, types, values, nulls, &cid);
	while ((tt = bulk_fetch(portal, &n)) != NULL)
	{
		if (bw.from == NULL)
			bulk_map(&bw, tt->tupdesc, 0);
		for (k = 0; k < n; k++)
			bulk_form(&bw, slots[k], tt->vals[k], tt->tupdesc);
		SPI_freetuptable(tt);

		/* The heap tuples in one go, then their index entries. */
		table_multi_insert(bw.rel, slots, n, cid, 0, bistate);
		for (k = 0; k < n; k++)
		{
			if (bw.rri->ri_NumIndices > 0)
				entries_add(&bw.ie, slots[k], NULL);
			ExecClearTuple(slots[k]);
		}
		written += n;
	}
	SPI_cursor_close(portal);

	FreeBulkInsertState(bistate);
	table_finish_bulk_insert(bw.rel, 0);
	for (k = 0; k < BULK_BATCH; k++)
		ExecDropSingleTupleTableSlot(slots[k]);
	bulk_end(&bw);
	return written;
}

/* An update in bulk that may read its rows from several queries. */
struct CsBulkUpdate
{
	BulkWrite	bw;
	TupleTableSlot *slot;
	MemoryContext cxt;			/* where it began: what lasts until its end */
	int			idcol;			/* the table's id column */
	bool	   *same;			/* per index: the row's key is the stored one's */
};

/*
 * Per index, whether the new version in bu->slot (just formed from the
 * query row bu->bw.qvalues) has the stored version's key: a unique index
 * without expressions or predicate whose key columns the query returns
 * stored and new, each equal (IndexEntries: such an entry needs no
 * uniqueness check).  False for every other index.
 */
static const bool *
same_key(CsBulkUpdate *bu)
{
	BulkWrite  *bw = &bu->bw;
	ResultRelInfo *rri = bw->rri;
	int			i,
				c;

	for (i = 0; i < rri->ri_NumIndices; i++)
	{
		Relation	index = rri->ri_IndexRelationDescs[i];
		IndexInfo  *info = rri->ri_IndexRelationInfo[i];
		bool		same = index->rd_index->indisunique && info->ii_Expressions == NIL &&
			info->ii_Predicate == NIL;

		for (c = 0; same && c < info->ii_NumIndexKeyAttrs; c++)
		{
			int			a = info->ii_IndexAttrNumbers[c] - 1;
			Form_pg_attribute att;
			Datum		v;
			bool		isnull;
			int			q;

			if (a < 0 || bw->stored[a] < 0)
			{
				same = false;
				break;
			}
			att = TupleDescAttr(bw->td, a);
			q = bw->stored[a];
			v = slot_getattr(bu->slot, a + 1, &isnull);
			same = isnull == bw->qnulls[q] &&
				(isnull || datumIsEqual(v, bw->qvalues[q], att->attbyval, att->attlen));
		}
		bu->same[i] = same;
	}
	return bu->same;
}

/*
 * cs_bulk_update_begin — an update in bulk of the table relid, its index
 * entries held up to `budget` bytes; NULL when the table needs an UPDATE
 * (see above).  cs_bulk_update_rows writes the rows of each query, and
 * cs_bulk_update_end the last index entries.
 */
CsBulkUpdate *
cs_bulk_update_begin(Oid relid, Size budget)
{
	CsBulkUpdate *bu = palloc0(sizeof(CsBulkUpdate));

	if (!bulk_begin(&bu->bw, relid, CMD_UPDATE, budget))
	{
		pfree(bu);
		return NULL;
	}
	bu->slot = table_slot_create(bu->bw.rel, NULL);
	bu->same = palloc(sizeof(bool) * Max(bu->bw.rri->ri_NumIndices, 1));
	bu->cxt = CurrentMemoryContext;
	bu->idcol = -1;
	return bu;
}

/* One more id for the caller's UPDATE. */
static void
retry_add(int64 **retry, int *nretry, int *cap, int64 id)
{
	if (*nretry == *cap)
	{
		*cap = Max(*cap * 2, 64);
		*retry = *retry == NULL ? palloc(sizeof(int64) * *cap) :
			repalloc(*retry, sizeof(int64) * *cap);
	}
	(*retry)[(*nretry)++] = id;
}

/*
 * cs_bulk_update_rows — update rows as an UPDATE would: the query returns,
 * for each row to update, its ctid (first column, named anything) and then
 * the row's new values by column name, every column of the table (the
 * stored row's columns, then the new values of some, which take their
 * place); stored generated columns are computed again and NOT NULL and
 * CHECK constraints checked.  A new row version that is not heap-only gets
 * its index entries as new rows do (held, then in key order).  A row
 * another transaction updated or deleted since the query's snapshot is not
 * updated: its id (the column "id") goes to *retry, for the caller's
 * UPDATE, which waits for the row and applies its change to the newest
 * version.  So does a row whose ctid is NULL: one the query looked for by
 * the ctid it had earlier and did not find (a newer version, or none, is
 * all its snapshot sees).  Returns the number of rows updated.
 */
int64
cs_bulk_update_rows(CsBulkUpdate *bu, const char *query, int nargs, Oid *types, Datum *values,
					const char *nulls, int64 **retry, int *nretry)
{
	BulkWrite  *bw = &bu->bw;
	SPITupleTable *tt;
	int			n;
	CommandId	cid;
	Portal		portal;
	int64		updated = 0;
	int			cap = 0;

	*retry = NULL;
	*nretry = 0;
	portal = bulk_open(query, nargs, types, values, nulls, &cid);
	while ((tt = bulk_fetch(portal, &n)) != NULL)
	{
		int			k;

		if (bw->from == NULL)
		{
			AttrNumber	id = attnameAttNum(bw->rel, "id", false);
			MemoryContext old = MemoryContextSwitchTo(bu->cxt);

			bulk_map(bw, tt->tupdesc, 1);
			MemoryContextSwitchTo(old);
			if (TupleDescAttr(tt->tupdesc, 0)->atttypid != TIDOID || id <= 0 ||
				TupleDescAttr(bw->td, id - 1)->atttypid != INT8OID)
				elog(ERROR, "contactsync: an update query returns the ctid first, and the table has a bigint id");
			bu->idcol = id - 1;
		}
		for (k = 0; k < n; k++)
		{
			bool		isnull;
			ItemPointer otid = (ItemPointer) DatumGetPointer(SPI_getbinval(tt->vals[k], tt->tupdesc, 1, &isnull));
			ItemPointerData old;
			TM_FailureData tmfd;
			LockTupleMode lockmode;
			bool		update_indexes;
			TM_Result	result;

			if (isnull)
			{
				/* not found where the caller had it: the caller's UPDATE takes it */
				Datum		id = SPI_getbinval(tt->vals[k], tt->tupdesc, bw->from[bu->idcol] + 1, &isnull);

				if (isnull)
					elog(ERROR, "contactsync: an update query row has neither a ctid nor an id");
				retry_add(retry, nretry, &cap, DatumGetInt64(id));
				continue;
			}
			old = *otid;
			bulk_form(bw, bu->slot, tt->vals[k], tt->tupdesc);
			result = table_tuple_update(bw->rel, &old, bu->slot, cid, GetActiveSnapshot(), InvalidSnapshot,
										true, &tmfd, &lockmode, &update_indexes);
			switch (result)
			{
				case TM_Ok:
					updated++;
					if (update_indexes && bw->rri->ri_NumIndices > 0)
						entries_add(&bw->ie, bu->slot, same_key(bu));
					break;
				case TM_Updated:
				case TM_Deleted:
					/* changed since the query's snapshot: the caller's UPDATE takes it */
					retry_add(retry, nretry, &cap, DatumGetInt64(bu->slot->tts_values[bu->idcol]));
					break;
				default:
					/* a row updated twice by this command, or locked by it: never here */
					elog(ERROR, "contactsync: unexpected result %d updating a row of \"%s\"",
						 (int) result, RelationGetRelationName(bw->rel));
			}
		}
		SPI_freetuptable(tt);
	}
	SPI_cursor_close(portal);
	/* the next query sees the rows */
	CommandCounterIncrement();
	return updated;
}

void
cs_bulk_update_end(CsBulkUpdate *bu)
{
	ExecDropSingleTupleTableSlot(bu->slot);
	bulk_end(&bu->bw);
	pfree(bu);
}

/*
 * cs_bulk_update — cs_bulk_update_rows of one query, its index entries held
 * up to maintenance_work_mem; -1 when the table needs an UPDATE.
 */
int64
cs_bulk_update(Oid relid, const char *query, int nargs, Oid *types, Datum *values,
			   const char *nulls, int64 **retry, int *nretry)
{
	CsBulkUpdate *bu = cs_bulk_update_begin(relid, (Size) maintenance_work_mem * 1024);
	int64		updated;

	*retry = NULL;
	*nretry = 0;
	if (bu == NULL)
		return -1;
	updated = cs_bulk_update_rows(bu, query, nargs, types, values, nulls, retry, nretry);
	cs_bulk_update_end(bu);
	return updated;
}
