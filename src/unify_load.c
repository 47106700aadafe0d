/*
 * unify_load.c — read a whole workspace for unification, fast and exact.
 *
 * One query lists the workspace's contacts (the planner picks a sequential
 * scan or an index scan on workspace); its rows stream into a DestReceiver,
 * so nothing is materialised or copied per row.  The first read keeps, per
 * contact, its id and stored unified_contact_id, and per identifier value
 * (customer_id and each unify key) a 64-bit hash of the key and value.
 * Sorting the hashes brings equal values together.  Every value that shares
 * its hash with another is then checked against the first string seen with
 * that hash, so a hash collision can never join two contacts: a differing
 * value becomes a value of its own (told apart by a second, independently
 * seeded hash, and checked again).
 *
 * The strings for that check come from the first read while they fit in
 * the budget (maintenance_work_mem for contactsync_unify, work_mem inside
 * an import: one read in all); past that they are dropped and a
 * second read over the same snapshot supplies them, keeping only the
 * strings of shared values (no second read when no value occurs twice).
 * Kept strings lie end to end in one arena with their lengths only; after
 * the check the arena is compacted in place to the strings of shared
 * values.
 *
 * Memory at the peak, while the hashes are sorted and grouped: 20 bytes
 * per contact (id, stored unified_contact_id, first occurrence) and 21 per
 * identifier value (a 12-byte sort entry, its group, key and length; the
 * sort works in place with a buffer of 1/64 of the values), plus the
 * strings within the budget.  An occurrence's contact is not stored: the
 * occurrences are in scan order, so it follows from the first occurrences.
 * The contacts are sorted by id only after the check, once the sort
 * entries are gone and the strings are only the shared ones.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "tcop/dest.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "contactsync.h"
#include "unify_int.h"

/* The identifier columns read, in query order after id, unify_split, unified_contact_id. */
#define FIRST_VALUE_COL 3
#define NVALUE_COLS 7
#define KEY_CUSTOMER_ID 0

/* Column -> key: phone and whatsapp_mobile are one phone space. */
static const int col_key[NVALUE_COLS] = {0, 1, 2, 2, 3, 4, 5};
static const char *const key_name[] = {"customer_id", "email", "phone", "line_uid", "fb_id", "ig_id"};

#define SEED1 UINT64CONST(0x636f6e7461637473)
#define SEED2 UINT64CONST(0x796e632d756e6966)

void *
cs_grow(void *items, int n, int *cap, Size size)
{
	if (n < *cap)
		return items;
	*cap = *cap ? *cap * 2 : 1024;
	return items ? repalloc_huge(items, size * *cap) : palloc_extended(size * *cap, MCXT_ALLOC_HUGE);
}

UnifyKeys
cs_unify_keys(const char *schema, const char *workspace)
{
	UnifyKeys	k = {true, true, true, true, true, true};
	Oid			t[1] = {TEXTOID};
	Datum		a[1] = {CStringGetTextDatum(workspace)};
	bool		isnull;
	Datum		v;
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;

	if (SPI_execute_with_args(psprintf("SELECT unify_keys FROM %s.contactsync_settings WHERE workspace = $1", schema),
							  1, t, a, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "unify keys look-up failed");
	if (SPI_processed == 0)
		return k;				/* the defaults: every key */
	v = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		return k;
	memset(&k, 0, sizeof(k));
	deconstruct_array(DatumGetArrayTypeP(v), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		char	   *s;

		if (nulls[i])
			continue;
		s = TextDatumGetCString(elems[i]);
		if (strcmp(s, "email") == 0)
			k.email = true;
		else if (strcmp(s, "phone") == 0)
			k.phone = true;
		else if (strcmp(s, "whatsapp_mobile") == 0)
			k.whatsapp_mobile = true;
		else if (strcmp(s, "line_uid") == 0)
			k.line_uid = true;
		else if (strcmp(s, "fb_id") == 0)
			k.fb_id = true;
		else if (strcmp(s, "ig_id") == 0)
			k.ig_id = true;
	}
	/* phone and whatsapp_mobile are one phone space: either key brings both */
	if (k.phone || k.whatsapp_mobile)
		k.phone = k.whatsapp_mobile = true;
	return k;
}

/* A string kept for a value: its key and bytes (NUL-terminated). */
typedef struct Rep
{
	uint8		key;
	int			len;
	char	   *bytes;
} Rep;

/* A value told apart from the first one seen with its hash. */
typedef struct CollisionKey
{
	int32		gid;
	int32		key;
	uint64		h2;
} CollisionKey;

typedef struct Collision
{
	CollisionKey k;
	int32		vid;
	Rep			rep;
} Collision;

/*
 * One identifier occurrence, for sorting by hash (12 bytes: packed).  The
 * key is not part of the order: the hash is seeded with it, and two keys
 * with one hash are told apart like any other two values with one hash.
 */
typedef struct Occ
{
	uint64		h;
	int32		occ;
} pg_attribute_packed() Occ;

typedef struct LoadState
{
	bool		use_col[NVALUE_COLS];
	int			pass;
	MemoryContext cxt;			/* where the arrays live */
	MemoryContext rowcxt;
	MemoryContext repcxt;

	/* pass 1: contacts in scan order */
	int			n,
				cap;
	int64	   *ids;
	int64	   *current;
	int32	   *occ_start;		/* first occurrence of each contact; n + 1 entries */
	/* occurrences, in scan order (so their contacts are found from occ_start) */
	int			nocc,
				occcap;
	uint64	   *occ_hash;
	uint8	   *occ_key;
	/* split contacts */
	SplitContacts *split;
	int			split_cap;


	/* between the passes */
	int32	   *vid;			/* per occurrence: its value (below nmultigroups: a
								 * hash group of two or more) */
	Rep		   *reps;			/* per hash group of two or more (by vid): the first string seen */
	int32	   *sorted_pos;		/* scan index -> position in id order */
	int32	   *scan_of;		/* position in id order -> scan index */
	int			next_scan;		/* pass 2: scan index of the previous row */

	/*
	 * The first read keeps the strings too while they fit in the budget
	 * (maintenance_work_mem); then no second read is needed.  They lie end
	 * to end in the arena, each NUL-terminated, in occurrence order: an
	 * occurrence's offset is the sum of the lengths before it.
	 */
	bool		keep;
	Size		budget;
	char	   *arena;
	Size		arena_len,
				arena_cap,
				arena_kept;		/* after the check: the shared values' strings */
	int32	   *occ_len;
	int64	   *sorted_ids;
	int			ngroups;
	int			nmultigroups;	/* groups of two or more: vids 0 .. nmultigroups - 1 */
	int			nvids;
	HTAB	   *collisions;
	Collision **coll_by_vid;	/* vid - ngroups -> entry */
	int			coll_cap;
} LoadState;

typedef struct LoadReceiver
{
	DestReceiver pub;
	LoadState  *st;
} LoadReceiver;

static void
recv_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
recv_shutdown(DestReceiver *self)
{
}

static void
recv_destroy(DestReceiver *self)
{
}

/* pfree what may never have been allocated (no rows). */
void
cs_free_if(void *p)
{
	if (p)
		pfree(p);
}

/* (Re)allocate a huge array. */
static void *
resize(void *p, Size bytes)
{
	return p ? repalloc_huge(p, bytes) : palloc_extended(bytes, MCXT_ALLOC_HUGE);
}

/* Stop keeping strings: the second read will fetch the ones needed. */
static void
drop_strings(LoadState *st)
{
	st->keep = false;
	cs_free_if(st->arena);
	cs_free_if(st->occ_len);
	st->arena = NULL;
	st->occ_len = NULL;
}

static void
add_occurrence(LoadState *st, uint64 h, int key, const char *s, int len)
{
	if (st->nocc == st->occcap)
	{
		/* by half: a realloc of a large block moves pages, it does not copy */
		st->occcap = st->occcap ? st->occcap + st->occcap / 2 : 4096;
		st->occ_hash = resize(st->occ_hash, sizeof(uint64) * st->occcap);
		st->occ_key = resize(st->occ_key, sizeof(uint8) * st->occcap);
		if (st->keep && (Size) st->occcap * sizeof(int32) + st->arena_cap > st->budget)
			drop_strings(st);
		if (st->keep)
			st->occ_len = resize(st->occ_len, sizeof(int32) * st->occcap);
	}
	if (st->keep && st->arena_len + len + 1 > st->arena_cap)
	{
		/*
		 * By half too, with 1 MB to spare at least, but never past the
		 * budget: near it, the growth is cut to what is left.
		 */
		Size		need = st->arena_len + len + 1 + 1024 * 1024;
		Size		room = st->budget - Min(st->budget, (Size) st->occcap * sizeof(int32));
		Size		cap = Min(Max(st->arena_cap + st->arena_cap / 2, need), room);

		if (cap < need)
			drop_strings(st);
		else
		{
			st->arena = resize(st->arena, cap);
			st->arena_cap = cap;
		}
	}
	if (st->keep)
	{
		memcpy(st->arena + st->arena_len, s, len);
		st->arena[st->arena_len + len] = '\0';
		st->occ_len[st->nocc] = len;
		st->arena_len += len + 1;
	}
	st->occ_hash[st->nocc] = h;
	st->occ_key[st->nocc] = (uint8) key;
	st->nocc++;
}

/* Binary search of a contact id in id order, or -1. */
int
cs_find_id(const int64 *ids, int n, int64 id)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (ids[mid] == id)
			return mid;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static bool
rep_equal(const Rep *r, int key, const char *s, int len)
{
	return r->key == key && r->len == len && memcmp(r->bytes, s, len) == 0;
}

static Rep
rep_make(LoadState *st, int key, const char *s, int len)
{
	Rep			r;

	r.key = (uint8) key;
	r.len = len;
	r.bytes = MemoryContextAlloc(st->repcxt, len + 1);
	memcpy(r.bytes, s, len);
	r.bytes[len] = '\0';
	return r;
}

/*
 * Check one occurrence against its hash group's first string; a different
 * value moves to a value of its own.  Strings kept from the first read (s
 * points into the arena) are not copied: a group's first string moves to
 * the front of the arena, which is then cut to those.
 */
static void
check_occurrence(LoadState *st, int occ, int key, const char *s, int len)
{
	int32		gid = st->vid[occ];
	Rep		   *r;
	CollisionKey ck;
	Collision  *e;
	bool		found;

	if (gid >= st->nmultigroups)
		return;					/* a value of one occurrence joins nothing */
	r = &st->reps[gid];
	if (r->bytes == NULL)
	{
		if (st->keep)
		{
			/*
			 * s lies in the arena at or after arena_kept, and every string
			 * before it has been read: moving it down keeps only what the
			 * groups need, and overwrites nothing still to be read.
			 */
			r->key = (uint8) key;
			r->len = len;
			r->bytes = st->arena + st->arena_kept;
			memmove(r->bytes, s, len + 1);
			st->arena_kept += len + 1;
		}
		else
			*r = rep_make(st, key, s, len);
		return;
	}
	if (rep_equal(r, key, s, len))
		return;

	/* Same 64-bit hash, different value. */
	memset(&ck, 0, sizeof(ck));
	ck.gid = gid;
	ck.key = key;
	ck.h2 = hash_bytes_extended((const unsigned char *) s, len, SEED2 + key);
	e = hash_search(st->collisions, &ck, HASH_ENTER, &found);
	if (!found)
	{
		e->vid = st->nvids++;
		e->rep = rep_make(st, key, s, len);
		st->coll_by_vid = cs_grow(st->coll_by_vid, e->vid - st->ngroups, &st->coll_cap, sizeof(Collision *));
		st->coll_by_vid[e->vid - st->ngroups] = e;
	}
	else if (!rep_equal(&e->rep, key, s, len))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("two different %s values have the same two 64-bit hashes", key_name[key]),
				 errdetail("Values \"%s\" and \"%s\".", e->rep.bytes, pnstrdup(s, len)),
				 errhint("Report this pair of values: unification does not guess, so it stopped.")));
	st->vid[occ] = e->vid;
}

static bool
recv_row(TupleTableSlot *slot, DestReceiver *self)
{
	LoadState  *st = ((LoadReceiver *) self)->st;
	MemoryContext old;
	int64		id;
	int			col,
				scan = -1,
				occ = 0;

	/* Called inside the executor: allocate in the loader's own context. */
	old = MemoryContextSwitchTo(st->cxt);
	slot_getallattrs(slot);
	id = DatumGetInt64(slot->tts_values[0]);
	if (DatumGetBool(slot->tts_values[1]))
	{
		/* unify_split: its own person, nothing read. */
		if (st->pass == 1)
		{
			SplitContacts *sp = st->split;

			if (sp->n == st->split_cap)
			{
				st->split_cap = st->split_cap ? st->split_cap * 2 : 64;
				sp->ids = resize(sp->ids, sizeof(int64) * st->split_cap);
				sp->current = resize(sp->current, sizeof(int64) * st->split_cap);
			}
			sp->ids[sp->n] = id;
			sp->current[sp->n] = slot->tts_isnull[2] ? -1 : DatumGetInt64(slot->tts_values[2]);
			sp->n++;
		}
		MemoryContextSwitchTo(old);
		return true;
	}

	if (st->pass == 1)
	{
		if (st->n == st->cap)
		{
			st->cap = st->cap ? st->cap + st->cap / 2 : 4096;
			st->ids = resize(st->ids, sizeof(int64) * st->cap);
			st->current = resize(st->current, sizeof(int64) * st->cap);
			st->occ_start = resize(st->occ_start, sizeof(int32) * (st->cap + 1));
		}
		scan = st->n++;
		st->ids[scan] = id;
		st->current[scan] = slot->tts_isnull[2] ? -1 : DatumGetInt64(slot->tts_values[2]);
		st->occ_start[scan] = st->nocc;
	}
	else
	{
		int			pos;

		/*
		 * The second read usually returns the rows in the order of the
		 * first: try the next scan position before searching.
		 */
		st->next_scan++;
		if (st->next_scan < st->n && st->sorted_ids[st->sorted_pos[st->next_scan]] == id)
			pos = st->sorted_pos[st->next_scan];
		else
			pos = cs_find_id(st->sorted_ids, st->n, id);
		if (pos < 0)
			elog(ERROR, "contact " INT64_FORMAT " appeared between two reads of one snapshot", id);
		scan = st->scan_of[pos];
		st->next_scan = scan;
		occ = st->occ_start[scan];
	}

	for (col = 0; col < NVALUE_COLS; col++)
	{
		text	   *t;
		const char *s;
		int			len;
		int			key = col_key[col];

		if (!st->use_col[col] || slot->tts_isnull[FIRST_VALUE_COL + col])
			continue;
		MemoryContextSwitchTo(st->rowcxt);
		t = DatumGetTextPP(slot->tts_values[FIRST_VALUE_COL + col]);
		MemoryContextSwitchTo(st->cxt);
		s = VARDATA_ANY(t);
		len = VARSIZE_ANY_EXHDR(t);
		if (st->pass == 1)
		{
			uint64		h = hash_bytes_extended((const unsigned char *) s, len, SEED1 + key);

			if (cs_unify_hash_bits < 64)
				h &= (UINT64CONST(1) << cs_unify_hash_bits) - 1;
			add_occurrence(st, h, key, s, len);
		}
		else
		{
			if (occ >= st->occ_start[scan + 1] || st->occ_key[occ] != key)
				elog(ERROR, "contact " INT64_FORMAT " changed between two reads of one snapshot", id);
			check_occurrence(st, occ, key, s, len);
			occ++;
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(st->rowcxt);
	return true;
}

static void
run_pass(LoadState *st, const char *sql, const char *workspace)
{
	LoadReceiver r;
	SPIExecuteOptions opts;
	ParamListInfo params = makeParamList(1);
	int			rc;

	params->params[0].value = CStringGetTextDatum(workspace);
	params->params[0].isnull = false;
	params->params[0].pflags = PARAM_FLAG_CONST;
	params->params[0].ptype = TEXTOID;

	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = recv_row;
	r.pub.rStartup = recv_startup;
	r.pub.rShutdown = recv_shutdown;
	r.pub.rDestroy = recv_destroy;
	r.pub.mydest = DestNone;
	r.st = st;

	memset(&opts, 0, sizeof(opts));
	opts.params = params;
	opts.read_only = true;		/* the pushed snapshot, the same for both passes */
	opts.dest = (DestReceiver *) &r;
	rc = SPI_execute_extended(sql, &opts);
	/* A SELECT whose rows go to a receiver of our own reports SPI_OK_UTILITY. */
	if (rc != SPI_OK_SELECT && rc != SPI_OK_UTILITY)
		elog(ERROR, "workspace read failed: %s", SPI_result_code_string(rc));
}

/* The digit of a radix pass: a byte of the hash (7 = most significant). */
static inline int
occ_digit(const Occ *o, int pass)
{
	return (int) ((o->h >> (8 * pass)) & 0xff);
}

/*
 * Stable LSD radix sort of a[0..n) by hash bytes 0..top, with
 * tmp (n entries) as the second buffer; a digit that is the same everywhere
 * is skipped.
 */
static void
lsd_sort_occ(Occ *a, int n, int top, Occ *tmp)
{
	Occ		   *src = a,
			   *dst = tmp;
	int			pass;

	for (pass = 0; pass <= top; pass++)
	{
		int32		count[256] = {0};
		int			i,
					b;
		int32		sum = 0;

		for (i = 0; i < n; i++)
			count[occ_digit(&src[i], pass)]++;
		for (b = 0; b < 256; b++)
			if (count[b] == n)
				break;
		if (b < 256)
			continue;			/* one bucket: this digit orders nothing */
		for (b = 0; b < 256; b++)
		{
			int32		c = count[b];

			count[b] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[occ_digit(&src[i], pass)]++] = src[i];
		{
			Occ		   *t = src;

			src = dst;
			dst = t;
		}
	}
	if (src != a)
		memcpy(a, src, sizeof(Occ) * n);
}

/*
 * In-place MSD radix partition on digit "pass" (American flag sort), each
 * bucket then sorted on the lower digits: by LSD passes once it fits the
 * small buffer tmp (tmpcap entries), else by partitioning again.
 */
static void
msd_sort_occ(Occ *a, int n, int pass, Occ *tmp, int tmpcap)
{
	int32		count[256] = {0};
	int32		next[256],
				end[256];
	int			i,
				b;
	int32		sum = 0;

	if (n <= 1)
		return;
	if (n <= tmpcap)
	{
		lsd_sort_occ(a, n, pass, tmp);
		return;
	}
	CHECK_FOR_INTERRUPTS();
	for (i = 0; i < n; i++)
		count[occ_digit(&a[i], pass)]++;
	for (b = 0; b < 256; b++)
		if (count[b] == n)
		{
			/* one bucket: this digit orders nothing */
			if (pass > 0)
				msd_sort_occ(a, n, pass - 1, tmp, tmpcap);
			return;
		}
	for (b = 0; b < 256; b++)
	{
		next[b] = sum;
		sum += count[b];
		end[b] = sum;
	}
	for (b = 0; b < 256; b++)
	{
		while (next[b] < end[b])
		{
			Occ			v = a[next[b]];
			int			d = occ_digit(&v, pass);

			/* Carry v to its bucket, taking the entry there, until one belongs here. */
			while (d != b)
			{
				Occ			t = a[next[d]];

				a[next[d]++] = v;
				v = t;
				d = occ_digit(&v, pass);
			}
			a[next[b]++] = v;
		}
	}
	if (pass == 0)
		return;					/* the last digit */
	for (b = 0, sum = 0; b < 256; b++)
	{
		msd_sort_occ(a + sum, count[b], pass - 1, tmp, tmpcap);
		sum += count[b];
	}
}

/*
 * Sort occurrences by hash, in linear time and nearly in place: an
 * in-place partition on the most significant hash bytes until the buckets
 * fit a buffer of 1/64 of the entries (at least 64k), then LSD passes on
 * each bucket.  (A plain LSD sort needs a second array as large as the
 * first: 12 bytes an occurrence, 170 MB at 10,000,000 contacts.)
 */
static void
radix_sort_occ(Occ *a, int n)
{
	int			tmpcap = Min(n, Max(n / 64, 65536));
	Occ		   *tmp = palloc_extended(sizeof(Occ) * Max(tmpcap, 1), MCXT_ALLOC_HUGE);

	msd_sort_occ(a, n, 7, tmp, tmpcap);
	pfree(tmp);
}


void
cs_unify_load_workspace(const char *schema, const char *workspace, Size budget,
						const char *pending_sql, Contacts *c, SplitContacts *split,
						Shared **shared_out, int *nshared_out)
{
	LoadState	st;
	UnifyKeys	keys = cs_unify_keys(schema, workspace);
	char	   *sql = psprintf("SELECT c.id, c.unify_split, c.unified_contact_id, c.customer_id, c.email, c.phone, "
							   "c.whatsapp_mobile, c.line_uid, c.fb_id, c.ig_id "
							   "FROM %s.contactsync_contact c WHERE c.workspace = $1%s%s", schema,
							   pending_sql ? " UNION ALL " : "", pending_sql ? pending_sql : "");
	HASHCTL		ctl;
	int64		nmulti = 0;		/* occurrences of values that occur twice or more */
	int			i,
				k,
				owner;

	memset(&st, 0, sizeof(st));
	memset(split, 0, sizeof(*split));
	st.split = split;
	st.use_col[0] = true;		/* customer_id groups, always */
	st.use_col[1] = keys.email;
	st.use_col[2] = keys.phone;
	st.use_col[3] = keys.whatsapp_mobile;
	st.use_col[4] = keys.line_uid;
	st.use_col[5] = keys.fb_id;
	st.use_col[6] = keys.ig_id;
	st.cxt = CurrentMemoryContext;
	st.keep = true;
	st.budget = budget;
	st.rowcxt = AllocSetContextCreate(CurrentMemoryContext, "contactsync unify row", ALLOCSET_SMALL_SIZES);
	st.repcxt = AllocSetContextCreate(CurrentMemoryContext, "contactsync unify values", ALLOCSET_DEFAULT_SIZES);

	/* One snapshot for both passes, seeing what this transaction wrote. */
	CommandCounterIncrement();
	PushCopiedSnapshot(GetTransactionSnapshot());
	UpdateActiveSnapshotCommandId();

	st.pass = 1;
	run_pass(&st, sql, workspace);
	if (st.occ_start == NULL)
		st.occ_start = palloc(sizeof(int32));
	st.occ_start[st.n] = st.nocc;

	/* Give back what the growth left unused. */
	if (st.n > 0 && st.n < st.cap)
	{
		st.ids = resize(st.ids, sizeof(int64) * st.n);
		st.current = resize(st.current, sizeof(int64) * st.n);
		st.occ_start = resize(st.occ_start, sizeof(int32) * (st.n + 1));
	}
	if (st.nocc > 0 && st.nocc < st.occcap)
	{
		st.occ_hash = resize(st.occ_hash, sizeof(uint64) * st.nocc);
		st.occ_key = resize(st.occ_key, sizeof(uint8) * st.nocc);
		if (st.keep)
			st.occ_len = resize(st.occ_len, sizeof(int32) * st.nocc);
	}
	if (st.keep && st.arena_len > 0 && st.arena_len < st.arena_cap)
	{
		st.arena = resize(st.arena, st.arena_len);
		st.arena_cap = st.arena_len;
	}

	/*
	 * Hash groups: equal hashes brought together by sorting.  This is the
	 * peak of the load: 12-byte sort entries, each occurrence's group
	 * number, key and string length, the strings, and the contacts in scan
	 * order (sorted by id only afterwards, once the sort entries are gone
	 * and the strings kept are only the shared ones).
	 */
	{
		Occ		   *o = palloc_extended(sizeof(Occ) * Max(st.nocc, 1), MCXT_ALLOC_HUGE);
		int			nsingle = 0,
					next_multi = 0,
					next_single;

		for (i = 0; i < st.nocc; i++)
		{
			o[i].h = st.occ_hash[i];
			o[i].occ = i;
		}
		cs_free_if(st.occ_hash);
		st.occ_hash = NULL;
		radix_sort_occ(o, st.nocc);
		st.vid = palloc_extended(sizeof(int32) * Max(st.nocc, 1), MCXT_ALLOC_HUGE);

		/*
		 * Hash groups of two or more occurrences are numbered first (0 ..
		 * nmultigroups - 1), so only they need a string kept (reps); the
		 * groups of one follow.
		 */
		for (i = 0; i < st.nocc;)
		{
			int			end = i + 1;

			while (end < st.nocc && o[end].h == o[i].h)
				end++;
			if (end - i > 1)
				st.nmultigroups++;
			else
				nsingle++;
			i = end;
		}
		next_single = st.nmultigroups;
		for (i = 0; i < st.nocc;)
		{
			int			end = i + 1;
			int32		g;

			while (end < st.nocc && o[end].h == o[i].h)
				end++;
			g = (end - i > 1) ? next_multi++ : next_single++;
			for (k = i; k < end; k++)
				st.vid[o[k].occ] = g;
			if (end - i > 1)
				nmulti += end - i;
			i = end;
		}
		st.ngroups = st.nmultigroups + nsingle;
		pfree(o);
	}

	/* The strings of the values that share a hash, checked. */
	st.nvids = st.ngroups;
	st.reps = palloc_extended(sizeof(Rep) * Max(st.nmultigroups, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(CollisionKey);
	ctl.entrysize = sizeof(Collision);
	ctl.hcxt = CurrentMemoryContext;
	st.collisions = hash_create("contactsync unify collisions", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	if (st.keep)
	{
		Size		off = 0;

		/*
		 * check_occurrence moves each group's first string to the front
		 * (arena_kept); then the arena is cut to those and the groups
		 * pointed at it again.
		 */
		st.arena_kept = 0;
		for (i = 0; i < st.nocc; i++)
		{
			check_occurrence(&st, i, st.occ_key[i], st.arena + off, st.occ_len[i]);
			off += st.occ_len[i] + 1;
		}
		cs_free_if(st.occ_len);
		st.occ_len = NULL;
		if (st.arena)
		{
			for (i = 0; i < st.nmultigroups; i++)
				st.reps[i].bytes = (char *) (uintptr_t) (st.reps[i].bytes - st.arena);
			st.arena = resize(st.arena, Max(st.arena_kept, 1));
			for (i = 0; i < st.nmultigroups; i++)
				st.reps[i].bytes = st.arena + (uintptr_t) st.reps[i].bytes;
		}
	}

	/* Contacts in id order. */
	{
		/* (ids are positive: the radix sort of hashes sorts them too) */
		Occ		   *order = palloc_extended(sizeof(Occ) * Max(st.n, 1), MCXT_ALLOC_HUGE);
		bool		second_read = !st.keep && nmulti > 0;

		for (i = 0; i < st.n; i++)
		{
			order[i].h = (uint64) st.ids[i];
			order[i].occ = i;
		}
		cs_free_if(st.ids);
		st.ids = NULL;
		radix_sort_occ(order, st.n);
		st.sorted_ids = palloc_extended(sizeof(int64) * Max(st.n, 1), MCXT_ALLOC_HUGE);
		st.sorted_pos = palloc_extended(sizeof(int32) * Max(st.n, 1), MCXT_ALLOC_HUGE);
		if (second_read)
			st.scan_of = palloc_extended(sizeof(int32) * Max(st.n, 1), MCXT_ALLOC_HUGE);
		for (i = 0; i < st.n; i++)
		{
			st.sorted_ids[i] = (int64) order[i].h;
			st.sorted_pos[order[i].occ] = i;
			if (second_read)
				st.scan_of[i] = order[i].occ;
		}
		pfree(order);
		c->current = palloc_extended(sizeof(int64) * Max(st.n, 1), MCXT_ALLOC_HUGE);
		for (i = 0; i < st.n; i++)
			c->current[st.sorted_pos[i]] = st.current[i];
		cs_free_if(st.current);
		st.current = NULL;

		/* The second read, when the strings were not kept. */
		if (second_read)
		{
			st.pass = 2;
			st.next_scan = -1;
			run_pass(&st, sql, workspace);
			pfree(st.scan_of);
			st.scan_of = NULL;
		}
		/* else no value occurs twice: there is nothing to check or join. */
	}
	PopActiveSnapshot();
	elog(DEBUG1, "unification read %d contacts and %d identifier values in %s: %d shared by two or more",
		 st.n, st.nocc, st.keep ? "one read" : nmulti > 0 ? "two reads" : "one read (none shared)",
		 st.nmultigroups + (st.nvids - st.ngroups));

	/*
	 * Members of each value that can join contacts, in contact (id) order
	 * positions: counting sort by value.  A value that occurs once joins
	 * nothing and gets no slot; a customer_id that occurs once still makes
	 * its contact a customer_id group of one.  Slots: the hash groups of
	 * two or more (vids 0 .. nmultigroups - 1), then the values told apart
	 * from them (vids ngroups ..).
	 */
	c->n = st.n;
	c->ids = st.sorted_ids;
	c->cid = palloc_extended(sizeof(int32) * Max(st.n, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < st.n; i++)
		c->cid[i] = -1;
	c->ncid = 0;
	{
		int			nslots = st.nmultigroups + (st.nvids - st.ngroups);
		int32	   *start = palloc_extended(sizeof(int32) * (nslots + 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		uint8	   *vkey = palloc_extended(sizeof(uint8) * Max(nslots, 1), MCXT_ALLOC_HUGE);
		int32	   *members;
		Shared	   *shared = NULL;
		int			nshared = 0,
					shared_cap = 0;

#define SLOT_OF(v) ((v) < st.nmultigroups ? (v) : (v) >= st.ngroups ? st.nmultigroups + (v) - st.ngroups : -1)
		/* (occurrences are in scan order: owner follows them through occ_start) */
		for (i = 0, owner = 0; i < st.nocc; i++)
		{
			int			slot = SLOT_OF(st.vid[i]);

			while (st.occ_start[owner + 1] <= i)
				owner++;
			if (slot >= 0)
			{
				start[slot + 1]++;
				vkey[slot] = st.occ_key[i];
			}
			else if (st.occ_key[i] == KEY_CUSTOMER_ID)
				c->cid[st.sorted_pos[owner]] = c->ncid++;
		}
		for (i = 0; i < nslots; i++)
			start[i + 1] += start[i];
		members = palloc_extended(sizeof(int32) * Max(start[nslots], 1), MCXT_ALLOC_HUGE);
		/* Fill: start[s] moves to the end of slot s, then back one slot. */
		for (i = 0, owner = 0; i < st.nocc; i++)
		{
			int			slot = SLOT_OF(st.vid[i]);

			while (st.occ_start[owner + 1] <= i)
				owner++;
			if (slot >= 0)
				members[start[slot]++] = st.sorted_pos[owner];
		}
#undef SLOT_OF
		for (i = nslots; i > 0; i--)
			start[i] = start[i - 1];
		start[0] = 0;
		pfree(st.vid);
		cs_free_if(st.occ_key);
		st.vid = NULL;
		st.occ_key = NULL;

		for (i = 0; i < nslots; i++)
		{
			int			m = start[i + 1] - start[i];
			bool		distinct = false;
			const Rep  *r;

			if (m == 0)
				continue;
			if (vkey[i] == KEY_CUSTOMER_ID)
			{
				for (k = start[i]; k < start[i + 1]; k++)
					c->cid[members[k]] = c->ncid;
				c->ncid++;
				continue;
			}
			/* One contact listed twice (phone = whatsapp_mobile) shares nothing. */
			for (k = start[i] + 1; k < start[i + 1] && !distinct; k++)
				distinct = members[k] != members[start[i]];
			if (!distinct)
				continue;
			r = i < st.nmultigroups ? &st.reps[i] : &st.coll_by_vid[i - st.nmultigroups]->rep;
			shared = cs_grow(shared, nshared, &shared_cap, sizeof(Shared));
			shared[nshared].label = NULL;
			shared[nshared].key = key_name[vkey[i]];
			shared[nshared].value = r->bytes;
			shared[nshared].nmembers = m;
			shared[nshared].members = &members[start[i]];
			nshared++;
		}
		*shared_out = shared;
		*nshared_out = nshared;
		pfree(start);
		pfree(vkey);
	}
	pfree(st.occ_start);
	pfree(st.sorted_pos);
	MemoryContextDelete(st.rowcxt);
}
