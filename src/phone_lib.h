/*
 * phone_lib.h — the C ABI of phone_lib.cpp, the one C++ file.
 *
 * Every entry point catches every exception and reports through its return
 * value; nothing here calls into PostgreSQL.
 */
#ifndef CONTACTSYNC_PHONE_LIB_H
#define CONTACTSYNC_PHONE_LIB_H

#include <stddef.h>

#ifdef __cplusplus
extern "C"
{
#endif

/* Return codes of the entry points below. */
#define CSP_VALID			0	/* a valid number, E.164 written to out */
#define CSP_INVALID			1	/* parsed or not, not a valid number */
#define CSP_NEEDS_REGION	2	/* no country code and no region given */
#define CSP_FAILURE		   -1	/* the library threw or could not start */

/*
 * Parse `input` (UTF-8, `len` bytes) as written in `region` (upper-case ISO
 * code, or NULL/"" for none) and, if libphonenumber deems the number valid,
 * write its E.164 form (NUL-terminated) to `out` of `outsize` bytes.
 */
extern int	csp_normalize(const char *input, size_t len, const char *region,
						  char *out, size_t outsize);

/*
 * The same without the fast path for numbers written with their country
 * code: every input through the library's Parse.  For the tests that check
 * the fast path against the library.
 */
extern int	csp_normalize_parse_only(const char *input, size_t len, const char *region,
									 char *out, size_t outsize);

/* One number of a batch: input and result (rc as csp_normalize returns). */
#define CSP_OUT_SIZE 24
typedef struct CspJob
{
	const char *input;
	size_t		len;
	int			rc;
	char		out[CSP_OUT_SIZE];
} CspJob;

/*
 * csp_normalize for each job, on up to `nthreads` threads (the caller's
 * included).  The helper threads run with every signal blocked, call only
 * libphonenumber, and are joined before this returns.  Returns the number
 * of threads used.
 */
extern int	csp_normalize_many(CspJob *jobs, size_t n, const char *region, int nthreads);

/*
 * The same, in the background: csp_batch_start starts `nhelpers` helper
 * threads (signals blocked) taking jobs off a shared counter and returns at
 * once (NULL if it could not start; no job is then done).  The caller
 * takes its share with csp_batch_work (at most `max` jobs a call; 0 when
 * none is left) and ends the batch with csp_batch_end, which stops the
 * helpers after the job each is on, joins them and frees the batch (once
 * csp_batch_work has returned 0, that is when every job is done).  `jobs`
 * must outlive the batch.
 */
typedef struct CspBatch CspBatch;
extern CspBatch *csp_batch_start(CspJob *jobs, size_t n, const char *region, int nhelpers);
extern size_t csp_batch_work(CspBatch *b, size_t max);
extern void csp_batch_end(CspBatch *b);

/* 1 if libphonenumber knows `region` (upper-case), 0 if not, -1 on failure. */
extern int	csp_region_known(const char *region);

#ifdef __cplusplus
}
#endif

#endif							/* CONTACTSYNC_PHONE_LIB_H */
