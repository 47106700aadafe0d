/*
 * contactsync.h — declarations shared across the extension's C files.
 */
#ifndef CONTACTSYNC_H
#define CONTACTSYNC_H

#include "postgres.h"

#include "mb/pg_wchar.h"

/* Settings (contactsync.c). */
extern char *cs_default_region;
extern int	cs_unify_hash_bits;
extern int	cs_key_hash_bits;
extern int	cs_phone_threads;

/* Unicode helpers (unicode.c — the only file that talks to ICU). */
extern bool cs_is_uwhite(pg_wchar c);
extern void cs_trim_utf8(const char *s, int len, int *start, int *end);
extern bool cs_is_ascii(const char *s, int len);
extern char *cs_utf8_nfkc(const char *s, int len, int *outlen);
extern char *cs_utf8_lower(const char *s, int len, int *outlen);
extern bool cs_idna_to_ascii(const char *s, int len, char **out, int *outlen);
extern bool cs_email_local_char_ok(pg_wchar c);

/* Email normalisation (email.c). */
extern char *cs_normalize_email(const char *s, int len);

/* Phone normalisation (phone.c, over the C ABI of phone_lib.cpp). */
typedef enum CsPhoneResult
{
	CS_PHONE_VALID = 0,			/* out holds E.164 */
	CS_PHONE_INVALID,			/* not a valid number */
	CS_PHONE_NEEDS_REGION		/* national form, and no region to read it */
} CsPhoneResult;

extern bool cs_region_is_known(const char *code);
extern const char *cs_resolve_region(const char *region, int len);
extern CsPhoneResult cs_normalize_phone(const char *s, int len,
										const char *region, char *out);

#define CS_E164_BUFSIZE 24		/* '+' + at most 17 digits + NUL, rounded */

/*
 * Normalise numbers ahead, in the background while the backend does other
 * work: cs_phone_batch_start copies the inputs into a batch (in a child of
 * the current memory context) and starts contactsync.phone_threads - 1
 * helper threads on it; cs_phone_batch_install takes the backend's share,
 * waits for the helpers and makes the batch the one cs_normalize_phone
 * answers from, until cs_phone_prefetch_reset or the next install.
 * Freeing the context ends the batch, helpers included.  NULL (a region
 * too long to be one) installs nothing.
 */
extern void cs_phone_prefetch_reset(void);
typedef struct CsPhoneBatch CsPhoneBatch;
extern CsPhoneBatch *cs_phone_batch_start(const char *const *inputs, const int *lens, int n, const char *region);
extern void cs_phone_batch_install(CsPhoneBatch *b);

#endif							/* CONTACTSYNC_H */
