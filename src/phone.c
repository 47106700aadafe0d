/*
 * phone.c — phone normalisation: region resolution, the call into the
 * libphonenumber wrapper, and the SQL function contactsync_normalize_phone.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "contactsync.h"
#include "phone_lib.h"

PG_FUNCTION_INFO_V1(contactsync_normalize_phone);
PG_FUNCTION_INFO_V1(contactsync_region_code);

/* The last region that was looked up and found known, to skip the lookup. */
static char last_known_region[8] = "";

/* Raise the error for a failure inside libphonenumber. */
static void
phone_library_failed(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
			 errmsg("libphonenumber failed"),
			 errdetail("The phone number library raised an exception."),
			 errhint("Check the server log and the installed libphonenumber package.")));
}

/*
 * cs_region_is_known — whether `code` (upper-case) is a region libphonenumber
 * supports.  Used by the GUC check hook, so it must not raise errors.
 */
bool
cs_region_is_known(const char *code)
{
	return csp_region_known(code) == 1;
}

/*
 * cs_resolve_region — the region a national number is read in.
 *
 * `region` (any case, `len` bytes) wins when given and non-empty; otherwise
 * the contactsync.default_region setting.  Returns the upper-case code, or
 * NULL when there is none.  An unknown code is a user error.
 */
const char *
cs_resolve_region(const char *region, int len)
{
	static char buf[8];
	int			i;
	int			known;

	if (region == NULL || len == 0)
	{
		if (cs_default_region == NULL || cs_default_region[0] == '\0')
			return NULL;
		return cs_default_region;
	}

	if (len >= (int) sizeof(buf))
		goto unknown;
	for (i = 0; i < len; i++)
		buf[i] = pg_ascii_toupper((unsigned char) region[i]);
	buf[len] = '\0';
	if (strcmp(buf, last_known_region) == 0)
		return buf;

	known = csp_region_known(buf);
	if (known < 0)
		phone_library_failed();
	if (known == 0)
		goto unknown;
	strlcpy(last_known_region, buf, sizeof(last_known_region));
	return buf;

unknown:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown region code \"%s\"", pnstrdup(region, Min(len, 64))),
			 errdetail("A region is a two-letter ISO 3166-1 code that libphonenumber supports."),
			 errhint("Use a code such as \"TW\", \"US\" or \"GB\", in any case.")));
	return NULL;				/* keep compiler quiet */
}

/*
 * Longest input handed to libphonenumber, after trimming white space: the
 * library's own documented maximum input length.  Its parser takes time
 * quadratic in the input length, so longer text is rejected here, unread.
 */
#define PHONE_MAX_INPUT 250

/*
 * Numbers normalised ahead, several at a time on helper threads
 * (cs_phone_batch_start, then cs_phone_batch_install), for one region: cs_normalize_phone answers from the installed batch
 * first.  A batch lives in a child of the caller's memory context and ends
 * itself, helper threads included, when that context goes (an error
 * included).
 */
typedef struct PrefetchEntry
{
	char		key[PHONE_MAX_INPUT + 1];
	int			rc;
	char		out[CS_E164_BUFSIZE];
} PrefetchEntry;

#define PREFETCH_SLICE 1024

/* The batch whose answers cs_normalize_phone uses now, if any. */
static HTAB *prefetch = NULL;
static MemoryContext prefetch_cxt = NULL;
static char prefetch_region[8];

StaticAssertDecl(CS_E164_BUFSIZE == CSP_OUT_SIZE, "E.164 buffer sizes differ");

/*
 * Numbers of one batch: a table of distinct inputs, the jobs that fill it,
 * and the helper threads still working on them (async, until installed).
 * What the helpers touch (the jobs, copies of their inputs) lives in the
 * batch's own memory context, whose callback stops them before that memory
 * is freed; the table lives in a child context dynahash makes, freed first.
 */
struct CsPhoneBatch
{
	MemoryContext cxt;
	HTAB	   *hash;
	CspJob	   *jobs;
	PrefetchEntry **owner;
	int			njobs;
	char		region[8];
	CspBatch   *async;
};

/*
 * The batch's context goes (reset of its parent, or an error): helpers
 * still at work are stopped and joined before their memory is freed, and
 * the batch stops answering.
 */
static void
batch_forget(void *arg)
{
	CsPhoneBatch *b = arg;

	if (b->async != NULL)
		csp_batch_end(b->async);
	b->async = NULL;
	if (prefetch_cxt == b->cxt)
	{
		prefetch = NULL;
		prefetch_cxt = NULL;
	}
}

static const char *
region_or_empty(const char *region)
{
	return region ? region : "";
}

CsPhoneBatch *
cs_phone_batch_start(const char *const *inputs, const int *lens, int n, const char *region)
{
	HASHCTL		ctl;
	MemoryContext cxt;
	MemoryContextCallback *cb;
	CsPhoneBatch *b;
	int			i;

	if (strlen(region_or_empty(region)) >= sizeof(b->region))
		return NULL;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "contactsync phone batch",
								ALLOCSET_DEFAULT_SIZES);
	b = MemoryContextAllocZero(cxt, sizeof(CsPhoneBatch));
	b->cxt = cxt;
	b->jobs = MemoryContextAllocHuge(cxt, sizeof(CspJob) * Max(n, 1));
	b->owner = MemoryContextAllocHuge(cxt, sizeof(PrefetchEntry *) * Max(n, 1));
	strlcpy(b->region, region_or_empty(region), sizeof(b->region));

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = PHONE_MAX_INPUT + 1;
	ctl.entrysize = sizeof(PrefetchEntry);
	ctl.hcxt = cxt;
	b->hash = hash_create("contactsync phone batch", Max(n, 16), &ctl,
						  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	cb = MemoryContextAlloc(cxt, sizeof(MemoryContextCallback));
	cb->func = batch_forget;
	cb->arg = b;
	MemoryContextRegisterResetCallback(cxt, cb);

	for (i = 0; i < n; i++)
	{
		char		key[PHONE_MAX_INPUT + 1];
		int			start,
					end;
		bool		found;
		PrefetchEntry *e;

		cs_trim_utf8(inputs[i], lens[i], &start, &end);
		if (end - start > PHONE_MAX_INPUT || memchr(inputs[i] + start, '\0', end - start))
			continue;
		memcpy(key, inputs[i] + start, end - start);
		key[end - start] = '\0';
		e = hash_search(b->hash, key, HASH_ENTER, &found);
		if (found)
			continue;
		e->rc = CSP_FAILURE;
		/*
		 * The helpers read a copy in the batch's own context: the table
		 * lives in a child context, which is freed before the callback
		 * that stops them runs.
		 */
		b->jobs[b->njobs].input = MemoryContextStrdup(cxt, e->key);
		b->jobs[b->njobs].len = end - start;
		b->jobs[b->njobs].rc = CSP_FAILURE;
		b->owner[b->njobs++] = e;
	}
	/* The backend's thread takes its share when the batch is installed. */
	if (b->njobs > 0 && cs_phone_threads > 1)
		b->async = csp_batch_start(b->jobs, b->njobs, b->region, cs_phone_threads - 1);
	return b;
}

void
cs_phone_batch_install(CsPhoneBatch *b)
{
	int			i;

	cs_phone_prefetch_reset();
	if (b == NULL)
		return;

	/*
	 * The backend's thread works too, a slice at a time, so a cancel or
	 * statement_timeout is seen between slices (1,024 numbers take about
	 * 10 ms on two threads); an error on the way ends the helpers through
	 * the context callback.
	 */
	if (b->async != NULL)
	{
		do
			CHECK_FOR_INTERRUPTS();
		while (csp_batch_work(b->async, PREFETCH_SLICE) > 0);
		csp_batch_end(b->async);
		b->async = NULL;
	}
	else
		for (i = 0; i < b->njobs; i += PREFETCH_SLICE)
		{
			CHECK_FOR_INTERRUPTS();
			csp_normalize_many(b->jobs + i, Min(PREFETCH_SLICE, b->njobs - i), b->region, cs_phone_threads);
		}
	for (i = 0; i < b->njobs; i++)
	{
		b->owner[i]->rc = b->jobs[i].rc;
		memcpy(b->owner[i]->out, b->jobs[i].out, CS_E164_BUFSIZE);
	}
	prefetch = b->hash;
	prefetch_cxt = b->cxt;
	strlcpy(prefetch_region, b->region, sizeof(prefetch_region));
}

void
cs_phone_prefetch_reset(void)
{
	if (prefetch_cxt != NULL)
		MemoryContextDelete(prefetch_cxt);	/* its callback clears both */
	Assert(prefetch == NULL && prefetch_cxt == NULL);
}

/*
 * cs_normalize_phone — E.164 of a valid number written in `region` (already
 * resolved; NULL for none) into `out` (CS_E164_BUFSIZE bytes).
 */
CsPhoneResult
cs_normalize_phone(const char *s, int len, const char *region, char *out)
{
	int			start,
				end,
				rc = CSP_FAILURE;
	bool		done = false;

	cs_trim_utf8(s, len, &start, &end);
	if (end - start > PHONE_MAX_INPUT)
		return CS_PHONE_INVALID;
	if (prefetch != NULL && strcmp(prefetch_region, region_or_empty(region)) == 0)
	{
		char		key[PHONE_MAX_INPUT + 1];
		PrefetchEntry *e;

		memcpy(key, s + start, end - start);
		key[end - start] = '\0';
		e = hash_search(prefetch, key, HASH_FIND, NULL);
		if (e != NULL && e->rc != CSP_FAILURE && strlen(key) == (size_t) (end - start))
		{
			rc = e->rc;
			if (rc == CSP_VALID)
				memcpy(out, e->out, CS_E164_BUFSIZE);
			done = true;
		}
	}
	if (!done)
		rc = csp_normalize(s + start, (size_t) (end - start), region, out, CS_E164_BUFSIZE);

	switch (rc)
	{
		case CSP_VALID:
			return CS_PHONE_VALID;
		case CSP_NEEDS_REGION:
			return CS_PHONE_NEEDS_REGION;
		case CSP_INVALID:
			return CS_PHONE_INVALID;
		default:
			phone_library_failed();
	}
	return CS_PHONE_INVALID;	/* keep compiler quiet */
}

/*
 * contactsync_normalize_phone(text, region text DEFAULT NULL) RETURNS text
 *
 * E.164 of a valid number, else NULL.  Not strict: a NULL region falls back
 * to the contactsync.default_region setting.
 */
Datum
contactsync_normalize_phone(PG_FUNCTION_ARGS)
{
	text	   *in;
	const char *region = NULL;
	char		out[CS_E164_BUFSIZE];

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	in = PG_GETARG_TEXT_PP(0);

	if (!PG_ARGISNULL(1))
	{
		text	   *r = PG_GETARG_TEXT_PP(1);

		region = cs_resolve_region(VARDATA_ANY(r), VARSIZE_ANY_EXHDR(r));
	}
	else
		region = cs_resolve_region(NULL, 0);

	if (cs_normalize_phone(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), region, out) != CS_PHONE_VALID)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(out));
}

/*
 * contactsync_region_code(text) RETURNS text
 *
 * The canonical (upper-case) form of a region code, or an error when
 * libphonenumber does not know it.  Used to validate settings.
 */
Datum
contactsync_region_code(PG_FUNCTION_ARGS)
{
	text	   *r = PG_GETARG_TEXT_PP(0);
	const char *code;

	if (VARSIZE_ANY_EXHDR(r) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("region code must not be empty"),
				 errhint("Use a code such as \"TW\", \"US\" or \"GB\".")));
	code = cs_resolve_region(VARDATA_ANY(r), VARSIZE_ANY_EXHDR(r));
	PG_RETURN_TEXT_P(cstring_to_text(code));
}
