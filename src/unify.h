/*
 * unify.h — identity unification (SPEC §4).
 */
#ifndef CONTACTSYNC_UNIFY_H
#define CONTACTSYNC_UNIFY_H

#include "postgres.h"

typedef struct CsUnifyStats
{
	int64		contacts;		/* contacts regrouped */
	int64		groups;			/* persons among them */
	int64		merged;			/* contacts in groups of two or more */
	int64		conflicts;		/* contacts in conflict */
	int64		changed;		/* contacts whose unified_contact_id changed */
} CsUnifyStats;

/*
 * Regroup a workspace (seeds == NULL) or the connected part of it that the
 * seed contacts belong to.  Runs inside an SPI connection.
 */
extern CsUnifyStats cs_unify(const char *schema, const char *workspace, Datum seeds);

/*
 * Contacts an import is about to insert, unified before they exist, so each
 * is written once with its person instead of inserted and then updated.
 * `sql` lists them in the columns of the workspace read (id, unify_split,
 * unified_contact_id, customer_id, email, phone, whatsapp_mobile, line_uid,
 * fb_id, ig_id) with unified_contact_id = CS_UNIFY_PENDING, and ids larger
 * than every stored one.  The run writes nothing for them: it returns, for
 * each whose person is not itself, its id and its person (n pairs, in the
 * caller's memory context), for the INSERT to write.
 */
#define CS_UNIFY_PENDING (-2)

/*
 * Conflict rows are walked from the smaller side: every row of the
 * workspace when they are at most CS_PROBE_COST times the contacts in
 * question, else those contacts' rows through the indexes.  An index probe
 * costs about as much as reading eight or ten rows in a scan (1,284 probes
 * 1.2 ms, a scan of 1,867 rows 0.18 ms).
 */
#define CS_PROBE_COST 8

typedef struct CsUnifyPending
{
	const char *sql;
	int			n;
	int64	   *ids;
	int64	   *ucids;
} CsUnifyPending;

/* Regroup the whole workspace with the pending contacts in it. */
extern CsUnifyStats cs_unify_with_pending(const char *schema, const char *workspace,
										  CsUnifyPending *pending);

/*
 * Regroup the part of the workspace connected to the seed contacts (an
 * int8[] Datum, possibly empty) and to the pending contacts, with the
 * pending contacts in it.
 */
extern CsUnifyStats cs_unify_around_pending(const char *schema, const char *workspace,
											Datum seeds, CsUnifyPending *pending);

/* An int8[] Datum of the n values (palloc'd in the current context). */
extern Datum cs_int8_array(const int64 *v, int n);

/*
 * Whether a run from nseeds seeds reads the whole workspace (the seeds are
 * a sixteenth of it or more; `adding` contacts are about to join it).
 */
extern bool cs_unify_covers(const char *schema, const char *workspace, int64 nseeds, int64 adding);
extern bool cs_conflict_rows_at_most(const char *schema, Datum workspace, int64 n);

/*
 * The unify keys of a workspace, as flags by key name (customer_id groups
 * always apply); phone and whatsapp_mobile are one phone space, both set
 * when either is a key.
 */
typedef struct UnifyKeys
{
	bool		email,
				phone,
				whatsapp_mobile,
				line_uid,
				fb_id,
				ig_id;
} UnifyKeys;

extern UnifyKeys cs_unify_keys(const char *schema, const char *workspace);

#endif							/* CONTACTSYNC_UNIFY_H */
