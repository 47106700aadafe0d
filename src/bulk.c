/*
 * bulk.c — insert the rows of a query into a table as COPY writes one.
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
 * It declines (returns -1, having written nothing) when the table needs
 * more than that: a table that is not a plain table, has triggers (which
 * includes foreign keys and deferrable unique constraints) or row-level
 * security, that the current user may not insert into as a whole, or a
 * database with Citus, whose tables only statements reach.  The
 * caller then runs its INSERT, which does all of that and raises the
 * errors an INSERT raises.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "executor/nodeModifyTable.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_relation.h"
#include "rewrite/rewriteHandler.h"
#include "utils/acl.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "import.h"

/* Rows fetched from the query and written by one table_multi_insert. */
#define BULK_BATCH 1000

/*
 * Whether cs_bulk_insert can write into rel (opened by the caller).  Not
 * where Citus is installed: there a distributed table's relation on a node
 * is a shell whose rows live in shards, and only a statement reaches them
 * (doc/scale-out.md).
 */
static bool
bulk_insertable(Relation rel)
{
	return rel->rd_rel->relkind == RELKIND_RELATION &&
		rel->trigdesc == NULL &&
		!rel->rd_rel->relrowsecurity &&
		pg_class_aclcheck(RelationGetRelid(rel), GetUserId(), ACL_INSERT) == ACLCHECK_OK &&
		!OidIsValid(get_extension_oid("citus", true));
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
	Relation	rel;
	TupleDesc	td;
	int			natts;
	EState	   *estate;
	ExprContext *econtext;
	RangeTblEntry *rte;
	ResultRelInfo *rri;
	int		   *from = NULL;	/* per table column: the query's column, or -1 */
	ExprState **defaults;
	Datum	   *qvalues = NULL;
	bool	   *qnulls = NULL;
	TupleTableSlot *slots[BULK_BATCH];
	BulkInsertState bistate;
	CommandId	cid;
	Portal		portal;
	bool		generated;
	int64		written = 0;
	int			a,
				k;

	rel = table_open(relid, RowExclusiveLock);
	if (!bulk_insertable(rel))
	{
		table_close(rel, NoLock);
		return -1;
	}
	td = RelationGetDescr(rel);
	natts = td->natts;
	generated = td->constr != NULL && td->constr->has_generated_stored;

	/* The executor state an INSERT into the table would have. */
	estate = CreateExecutorState();
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	rte->requiredPerms = ACL_INSERT;
	ExecInitRangeTable(estate, list_make1(rte));
	rri = makeNode(ResultRelInfo);
	ExecInitResultRelation(estate, rri, 1);
	CheckValidResultRel(rri, CMD_INSERT);
	ExecOpenIndices(rri, false);
	econtext = GetPerTupleExprContext(estate);

	for (k = 0; k < BULK_BATCH; k++)
		slots[k] = table_slot_create(rel, NULL);
	defaults = palloc0(sizeof(ExprState *) * natts);
	bistate = GetBulkInsertState();
	cid = GetCurrentCommandId(true);

	portal = SPI_cursor_open_with_args(NULL, query, nargs, types, values, nulls, false, 0);
	for (;;)
	{
		SPITupleTable *tt;
		int			n;

		SPI_cursor_fetch(portal, true, BULK_BATCH);
		tt = SPI_tuptable;
		n = (int) SPI_processed;
		if (n == 0)
			break;

		if (from == NULL)
		{
			/* The query's columns by name; every other column's default. */
			TupleDesc	qd = tt->tupdesc;
			int			q;

			from = palloc(sizeof(int) * natts);
			for (a = 0; a < natts; a++)
				from[a] = -1;
			for (q = 0; q < qd->natts; q++)
			{
				Form_pg_attribute qa = TupleDescAttr(qd, q);
				AttrNumber	attnum = attnameAttNum(rel, NameStr(qa->attname), false);

				if (attnum <= 0 || TupleDescAttr(td, attnum - 1)->atttypid != qa->atttypid ||
					TupleDescAttr(td, attnum - 1)->attgenerated)
					elog(ERROR, "contactsync: query column \"%s\" does not fill a column of \"%s\"",
						 NameStr(qa->attname), RelationGetRelationName(rel));
				from[attnum - 1] = q;
			}
			for (a = 0; a < natts; a++)
			{
				Form_pg_attribute att = TupleDescAttr(td, a);
				Node	   *expr;

				if (from[a] >= 0 || att->attisdropped || att->attgenerated)
					continue;
				expr = build_column_default(rel, a + 1);
				if (expr != NULL)
					defaults[a] = ExecPrepareExpr((Expr *) expr, estate);
			}
			qvalues = palloc(sizeof(Datum) * qd->natts);
			qnulls = palloc(sizeof(bool) * qd->natts);
		}

		/* Each row as the table's row, owned by its slot. */
		for (k = 0; k < n; k++)
		{
			TupleTableSlot *slot = slots[k];

			CHECK_FOR_INTERRUPTS();
			ResetPerTupleExprContext(estate);
			ExecClearTuple(slot);
			heap_deform_tuple(tt->vals[k], tt->tupdesc, qvalues, qnulls);
			for (a = 0; a < natts; a++)
			{
				if (from[a] >= 0)
				{
					slot->tts_values[a] = qvalues[from[a]];
					slot->tts_isnull[a] = qnulls[from[a]];
				}
				else if (defaults[a] != NULL)
					slot->tts_values[a] = ExecEvalExpr(defaults[a], econtext, &slot->tts_isnull[a]);
				else
				{
					slot->tts_values[a] = (Datum) 0;
					slot->tts_isnull[a] = true;
				}
			}
			ExecStoreVirtualTuple(slot);
			if (generated)
				ExecComputeStoredGenerated(rri, estate, slot, CMD_INSERT);	/* materializes */
			else
				ExecMaterializeSlot(slot);
			if (td->constr != NULL)
				ExecConstraints(rri, slot, estate);
		}
		SPI_freetuptable(tt);

		/* The heap tuples in one go, then each row's index entries. */
		table_multi_insert(rel, slots, n, cid, 0, bistate);
		for (k = 0; k < n; k++)
		{
			List	   *recheck;

			ResetPerTupleExprContext(estate);
			if (rri->ri_NumIndices > 0)
			{
				recheck = ExecInsertIndexTuples(rri, slots[k], estate, false, false, NULL, NIL);
				/* only deferrable unique constraints recheck, and they come with triggers */
				Assert(recheck == NIL);
				list_free(recheck);
			}
			ExecClearTuple(slots[k]);
		}
		written += n;
	}
	SPI_cursor_close(portal);

	FreeBulkInsertState(bistate);
	table_finish_bulk_insert(rel, 0);
	for (k = 0; k < BULK_BATCH; k++)
		ExecDropSingleTupleTableSlot(slots[k]);
	ExecCloseResultRelations(estate);
	ExecCloseRangeTableRelations(estate);
	FreeExecutorState(estate);
	table_close(rel, NoLock);

	/* the next statement sees the rows */
	CommandCounterIncrement();
	return written;
}
