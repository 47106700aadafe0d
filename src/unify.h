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

#endif							/* CONTACTSYNC_UNIFY_H */
