/*
 * unify_int.h — what the unification algorithm (unify.c) and the loader of
 * a whole workspace (unify_load.c) share.  Private to those two files.
 */
#ifndef CONTACTSYNC_UNIFY_INT_H
#define CONTACTSYNC_UNIFY_INT_H

#include "postgres.h"

#include "unify.h"

/* The contacts of a run, sorted by id. */
typedef struct Contacts
{
	int			n;
	int64	   *ids;
	int32	   *cid;			/* customer_id group, or -1 */
	int			ncid;
	int64	   *current;		/* stored unified_contact_id (-1: NULL or not read;
								 * CS_UNIFY_PENDING: not stored yet), or NULL if not read */
} Contacts;

/* A unify-key value shared by two or more contacts. */
typedef struct Shared
{
	char	   *label;			/* "key:value", for linked_by; NULL until needed */
	const char *key;			/* when label is NULL: the key ... */
	const char *value;			/* ... and the value it is made of */
	int			nmembers;
	int32	   *members;		/* contact indexes */
} Shared;

/* The contacts that take no part (unify_split): each its own person. */
typedef struct SplitContacts
{
	int			n;
	int64	   *ids;
	int64	   *current;		/* as in Contacts */
} SplitContacts;

/*
 * Read a whole workspace with a streamed query (once, or twice over one
 * snapshot when the strings do not fit in `budget` bytes): the contacts,
 * their customer_id groups, and every unify-key value two or more of them
 * share.  pending_sql, when not NULL, lists contacts not inserted yet in
 * the same columns (CsUnifyPending); they are read as if stored.
 */
extern void cs_unify_load_workspace(const char *schema, const char *workspace, Size budget,
									const char *pending_sql, Contacts *c, SplitContacts *split,
									Shared **shared, int *nshared);


/* Position of contact id in ids (ascending, n of them), or -1. */
extern int	cs_find_id(const int64 *ids, int n, int64 id);

/* pfree p unless it is NULL. */
extern void cs_free_if(void *p);

/* Grow a huge array of elements of `size` bytes to hold one more. */
extern void *cs_grow(void *items, int n, int *cap, Size size);

#endif							/* CONTACTSYNC_UNIFY_INT_H */
