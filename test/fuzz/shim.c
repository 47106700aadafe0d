/*
 * shim.c — the few backend functions that the normalisers and validators
 * call, for the libFuzzer harnesses.
 *
 * The harnesses link src/email.c, unicode.c, phone.c, phone_lib.cpp,
 * validate.c and channel.c unchanged.  The linker drops what no harness
 * reaches (--gc-sections), the SQL-callable wrappers among it, so what
 * remains needs only what is here — memory, errors, a list, a character
 * count, the one setting and a hash look-up that is never reached — and
 * what libpgport and libpgcommon (from
 * postgresql-server-dev) provide.  A backend function that the fuzzed code
 * starts to call and that is missing here fails the link.
 *
 * Memory: each palloc is its own malloc, so AddressSanitizer knows the
 * bounds of every chunk (in the server, chunks share a context's blocks and
 * an overrun inside a block goes unseen); cs_fuzz_reset frees them all
 * after each input, as the per-row context reset of an import does.
 *
 * Errors: ereport(ERROR) jumps to cs_fuzz_error_jump when a harness set it,
 * and is otherwise a finding.
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "mb/pg_wchar.h"
#include "nodes/pg_list.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "fuzz.h"

/* contactsync.default_region (contactsync.c): empty, as when unset. */
char	   *cs_default_region = "";

sigjmp_buf *cs_fuzz_error_jump = NULL;

/* Memory: every live chunk, so the reset can free them. */
static void **chunks = NULL;
static size_t nchunks = 0;
static size_t maxchunks = 0;

static void
track(void *p)
{
	if (nchunks == maxchunks)
	{
		maxchunks = maxchunks ? maxchunks * 2 : 256;
		chunks = realloc(chunks, maxchunks * sizeof(void *));
		if (chunks == NULL)
			cs_fuzz_fail("out of memory tracking chunks");
	}
	chunks[nchunks++] = p;
}

/* The slot of a live chunk; a pointer palloc did not return is a finding. */
static size_t
slot(void *p)
{
	size_t		i;

	for (i = nchunks; i-- > 0;)
		if (chunks[i] == p)
			return i;
	cs_fuzz_fail("pfree or repalloc of %p, which palloc did not return", p);
}

void *
palloc(Size size)
{
	void	   *p;

	if (!AllocSizeIsValid(size))
		elog(ERROR, "invalid memory alloc request size %zu", size);
	p = malloc(size > 0 ? size : 1);
	if (p == NULL)
		elog(ERROR, "out of memory");
	track(p);
	return p;
}

void *
palloc0(Size size)
{
	void	   *p = palloc(size);

	memset(p, 0, size);
	return p;
}

void *
repalloc(void *pointer, Size size)
{
	size_t		i = slot(pointer);
	void	   *p;

	if (!AllocSizeIsValid(size))
		elog(ERROR, "invalid memory alloc request size %zu", size);
	p = realloc(pointer, size > 0 ? size : 1);
	if (p == NULL)
		elog(ERROR, "out of memory");
	chunks[i] = p;
	return p;
}

void
pfree(void *pointer)
{
	size_t		i = slot(pointer);

	free(pointer);
	chunks[i] = chunks[--nchunks];
}

char *
pnstrdup(const char *in, Size len)
{
	char	   *out;

	len = strnlen(in, len);
	out = palloc(len + 1);
	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

char *
pstrdup(const char *in)
{
	return pnstrdup(in, strlen(in));
}

void
cs_fuzz_reset(void)
{
	while (nchunks > 0)
		free(chunks[--nchunks]);
}

/* Errors: the one being raised. */
static int	error_code;
static char error_message[1024];

bool
errstart(int elevel, const char *domain)
{
	/* Only errors change control flow; notices and warnings are dropped. */
	if (elevel < ERROR)
		return false;
	error_code = ERRCODE_INTERNAL_ERROR;
	error_message[0] = '\0';
	return true;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

int
errcode(int sqlerrcode)
{
	error_code = sqlerrcode;
	return 0;
}

int
errmsg(const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	vsnprintf(error_message, sizeof(error_message), fmt, args);
	va_end(args);
	return 0;
}

/* No translation here, so the untranslated form is the same function. */
extern int	errmsg_internal(const char *fmt,...) __attribute__((alias("errmsg")));

/* Detail and hint are for the user; the harnesses check codes. */
int
errdetail(const char *fmt,...)
{
	return 0;
}

int
errhint(const char *fmt,...)
{
	return 0;
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	sigjmp_buf *jump = cs_fuzz_error_jump;

	if (jump != NULL)
	{
		cs_fuzz_error_jump = NULL;
		siglongjmp(*jump, 1);
	}
	cs_fuzz_fail("ERROR %s at %s:%d (%s)", error_message, filename, lineno,
				 funcname);
}

int
cs_fuzz_error_code(void)
{
	return error_code;
}

const char *
cs_fuzz_error_message(void)
{
	return error_message;
}

/* pg_mbstrlen_with_len (mbutils.c) for the database encoding, UTF-8. */
int
pg_mbstrlen_with_len(const char *mbstr, int limit)
{
	int			len = 0;

	while (limit > 0 && *mbstr)
	{
		int			l = pg_utf_mblen((const unsigned char *) mbstr);

		limit -= l;
		mbstr += l;
		len++;
	}
	return len;
}

/* lappend (list.c): the same List layout, growing by doubling. */
List *
lappend(List *list, void *datum)
{
	if (list == NIL)
	{
		list = palloc(offsetof(List, initial_elements) + 4 * sizeof(ListCell));
		list->type = T_List;
		list->length = 0;
		list->max_length = 4;
		list->elements = list->initial_elements;
	}
	else if (list->length == list->max_length)
	{
		ListCell   *cells = palloc(2 * list->max_length * sizeof(ListCell));

		memcpy(cells, list->elements, list->length * sizeof(ListCell));
		if (list->elements != list->initial_elements)
			pfree(list->elements);
		list->elements = cells;
		list->max_length *= 2;
	}
	list->elements[list->length++].ptr_value = datum;
	return list;
}

/*
 * dynahash: cs_normalize_phone first looks in the table of numbers an
 * import normalised ahead (cs_phone_batch_install, on helper threads).  No
 * harness fills that table, so the look-up is never reached here; reaching
 * it is a finding.
 */
void *
hash_search(HTAB *hashp, const void *keyPtr, HASHACTION action, bool *foundPtr)
{
	cs_fuzz_fail("hash_search reached: the phone prefetch table is never filled in the harnesses");
	return NULL;
}

bool
cs_fuzz_text(const char *s, size_t len)
{
	return len <= PG_INT32_MAX &&
		pg_encoding_verifymbstr(PG_UTF8, s, (int) len) == (int) len;
}

void
cs_fuzz_fail(const char *fmt,...)
{
	va_list		args;

	fprintf(stderr, "contactsync fuzz: ");
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fprintf(stderr, "\n");
	abort();
}

bool
cs_fuzz_field(const char *s, size_t len, char **head, const char **rest,
			  size_t *restlen)
{
	const char *tab = memchr(s, '\t', len);

	if (tab == NULL)
		return false;
	*head = pnstrdup(s, tab - s);
	*rest = tab + 1;
	*restlen = len - (tab - s) - 1;
	return true;
}
