/*
 * tags.c — the tag union of the merge rules (SPEC §3 "Merge rules").
 *
 * contactsync_tags_union(a text[], b text[], c text[]) is the concatenation
 * a || b || c with repeated tags dropped, exactly (case-sensitive), each tag
 * kept where it first occurs; a NULL array counts as empty, and the result
 * is never NULL.  The import's statements call it once a row for new
 * contacts (file tags, add_tags) and for updates (stored tags, file tags,
 * add_tags); in SQL the same result takes a subquery with a sort and an
 * aggregate per row.
 *
 * Repeats are found by comparing with the tags kept so far while they are
 * few (a handful, as tags are), and through a hash table past that, so the
 * cost stays linear in the number of tags.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "contactsync.h"

/* Up to this many tags kept, a repeat is found by comparing with each. */
#define TAGS_LINEAR_MAX 16

PG_FUNCTION_INFO_V1(contactsync_tags_union);

typedef struct TagKey
{
	const char *data;
	int			len;
} TagKey;

static uint32
tags_key_hash(const void *key, Size keysize)
{
	const TagKey *k = key;

	return hash_bytes((const unsigned char *) k->data, k->len);
}

static int
tags_key_match(const void *a, const void *b, Size keysize)
{
	const TagKey *x = a,
			   *y = b;

	return x->len == y->len && memcmp(x->data, y->data, x->len) == 0 ? 0 : 1;
}

/* The key of a non-NULL text element. */
static TagKey
tag_key(Datum d)
{
	TagKey		k;

	k.data = VARDATA_ANY(DatumGetPointer(d));
	k.len = VARSIZE_ANY_EXHDR(DatumGetPointer(d));
	return k;
}

Datum
contactsync_tags_union(PG_FUNCTION_ARGS)
{
	Datum	   *out = NULL;
	bool	   *out_nulls = NULL;
	bool		out_has_null = false;
	int			nout = 0,
				cap = 0;
	HTAB	   *seen = NULL;
	int			arg;

	for (arg = 0; arg < PG_NARGS(); arg++)
	{
		ArrayType  *a;
		Datum	   *elems;
		bool	   *nulls;
		int			n,
					i;

		if (PG_ARGISNULL(arg))
			continue;
		a = PG_GETARG_ARRAYTYPE_P(arg);
		if (ARR_ELEMTYPE(a) != TEXTOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("contactsync_tags_union takes text arrays")));
		deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		if (nout + n > cap)
		{
			int			newcap = Max(cap * 2, nout + n);

			if ((Size) newcap >= MaxAllocSize / sizeof(Datum))
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("too many tags")));
			out = out ? repalloc(out, sizeof(Datum) * newcap) : palloc(sizeof(Datum) * newcap);
			out_nulls = out_nulls ? repalloc(out_nulls, sizeof(bool) * newcap) : palloc(sizeof(bool) * newcap);
			cap = newcap;
		}
		for (i = 0; i < n; i++)
		{
			TagKey		k;
			bool		repeat = false;

			CHECK_FOR_INTERRUPTS();
			if (nulls[i])
			{
				/* NULL tags are one value, as SQL's GROUP BY has them. */
				if (!out_has_null)
				{
					out_has_null = true;
					out[nout] = (Datum) 0;
					out_nulls[nout++] = true;
				}
				continue;
			}
			k = tag_key(elems[i]);
			if (seen == NULL && nout >= TAGS_LINEAR_MAX)
			{
				HASHCTL		ctl;
				int			j;

				memset(&ctl, 0, sizeof(ctl));
				ctl.keysize = sizeof(TagKey);
				ctl.entrysize = sizeof(TagKey);
				ctl.hash = tags_key_hash;
				ctl.match = tags_key_match;
				ctl.hcxt = CurrentMemoryContext;
				seen = hash_create("contactsync tags", 64, &ctl,
								   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
				for (j = 0; j < nout; j++)
					if (!out_nulls[j])
					{
						TagKey		kj = tag_key(out[j]);

						(void) hash_search(seen, &kj, HASH_ENTER, NULL);
					}
			}
			if (seen != NULL)
				(void) hash_search(seen, &k, HASH_ENTER, &repeat);
			else
			{
				int			j;

				for (j = 0; j < nout && !repeat; j++)
					if (!out_nulls[j])
					{
						TagKey		kj = tag_key(out[j]);

						repeat = tags_key_match(&kj, &k, sizeof(TagKey)) == 0;
					}
			}
			if (repeat)
				continue;
			out[nout] = elems[i];
			out_nulls[nout++] = false;
		}
	}

	if (nout == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(TEXTOID));
	{
		int			dims[1] = {nout};
		int			lbs[1] = {1};

		PG_RETURN_ARRAYTYPE_P(construct_md_array(out, out_has_null ? out_nulls : NULL, 1, dims, lbs,
												 TEXTOID, -1, false, TYPALIGN_INT));
	}
}
