/*
 * contactsync.c — module initialisation and settings.
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/guc.h"

#include "contactsync.h"

PG_MODULE_MAGIC;

/* contactsync.default_region: region for national numbers ('' = none). */
char	   *cs_default_region = NULL;

/*
 * contactsync.unify_hash_bits: keep only this many low bits of the 64-bit
 * value hashes unification groups by (64 = all).  For tests: with few bits
 * nearly every value collides with another, which must change no group.
 */
int			cs_unify_hash_bits = 64;

/*
 * contactsync.key_hash_bits: likewise for the hashes of the keys an import
 * reads, by which it decides that no key repeats.  A collision only sends
 * the import to the exact check, which must find no duplicate.
 */
int			cs_key_hash_bits = 64;

/*
 * contactsync.phone_threads: threads (the backend's own included) that
 * normalise an import's phone numbers, a chunk of rows at a time; the
 * helpers start on a chunk as soon as it is read, while the backend
 * validates the chunk before it.
 */
int			cs_phone_threads = 2;

void		_PG_init(void);

/*
 * Check hook of contactsync.default_region: an empty value or a region that
 * libphonenumber knows, stored upper-case.
 */
static bool
check_default_region(char **newval, void **extra, GucSource source)
{
	char	   *v = *newval;
	char		up[8];
	int			len;
	int			i;

	if (v == NULL || v[0] == '\0')
		return true;
	len = strlen(v);
	if (len >= (int) sizeof(up))
	{
		GUC_check_errdetail("\"%s\" is not a region code.", v);
		GUC_check_errhint("Use a two-letter ISO 3166-1 code such as \"TW\", or an empty string for none.");
		return false;
	}
	for (i = 0; i < len; i++)
		up[i] = pg_ascii_toupper((unsigned char) v[i]);
	up[len] = '\0';
	if (!cs_region_is_known(up))
	{
		GUC_check_errdetail("\"%s\" is not a region that libphonenumber supports.", v);
		GUC_check_errhint("Use a two-letter ISO 3166-1 code such as \"TW\", or an empty string for none.");
		return false;
	}
	/* Same length, so the upper-case form fits in place. */
	memcpy(v, up, len);
	return true;
}

/* Module load: define the settings. */
void
_PG_init(void)
{
	DefineCustomStringVariable("contactsync.default_region",
							   "Region used to read phone numbers written without a country code.",
							   "A two-letter ISO 3166-1 code such as TW; empty means none. "
							   "The region argument of a call and a workspace's default region take precedence.",
							   &cs_default_region,
							   "",
							   PGC_USERSET,
							   0,
							   check_default_region,
							   NULL,
							   NULL);
	DefineCustomIntVariable("contactsync.unify_hash_bits",
							"Bits of the value hashes that unification keeps (for testing).",
							"Fewer bits make hash collisions common; groups must not change. 64 in production.",
							&cs_unify_hash_bits,
							64, 1, 64,
							PGC_SUSET,
							GUC_NOT_IN_SAMPLE,
							NULL, NULL, NULL);
	DefineCustomIntVariable("contactsync.key_hash_bits",
							"Bits of the key hashes an import keeps to rule out repeated keys (for testing).",
							"Fewer bits make hash collisions common; the outcome must not change. 64 in production.",
							&cs_key_hash_bits,
							64, 1, 64,
							PGC_SUSET,
							GUC_NOT_IN_SAMPLE,
							NULL, NULL, NULL);
	DefineCustomIntVariable("contactsync.phone_threads",
							"Threads that normalise an import's phone numbers, the backend's own included.",
							"libphonenumber is the largest cost of reading a file with phone numbers; "
							"1 keeps the work on the backend's thread.",
							&cs_phone_threads,
							2, 1, 16,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("contactsync");
}
