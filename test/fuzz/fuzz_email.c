/*
 * fuzz_email.c — libFuzzer harness for the email normaliser
 * (cs_normalize_email: src/email.c over src/unicode.c's ICU calls).
 *
 * Input: one cell.  Bytes that are not valid UTF-8 text are skipped (the
 * server never passes them).  Beyond memory errors and undefined
 * behaviour, checked for every input:
 * - no ERROR: bad data is a NULL result, never an aborted import;
 * - a stored form is an address the rules accept: exactly one '@', at most
 *   254 octets, a non-empty local part, a lower-case ASCII domain;
 * - a stored form normalises to itself, so an exported contact re-imports
 *   to the same key.
 */
#include "postgres.h"

#include "contactsync.h"
#include "fuzz.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The shape of a stored address (the syntax rules are email.c's). */
static void
check_stored(const char *out)
{
	const char *at = strchr(out, '@');
	size_t		len = strlen(out);
	const char *c;

	if (len > 254 || at == NULL || at == out || strchr(at + 1, '@') != NULL)
		cs_fuzz_fail("stored form \"%s\" is not one local part, '@' and a domain", out);
	if (!cs_fuzz_text(out, len))
		cs_fuzz_fail("stored form \"%s\" is not valid UTF-8", out);
	for (c = at + 1; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'))
			cs_fuzz_fail("stored form \"%s\" has a domain that is not lower-case ASCII", out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;
	char	   *out;

	if (!cs_fuzz_text(s, size))
		return -1;
	out = cs_normalize_email(s, (int) size);
	if (out != NULL)
	{
		char	   *again;

		check_stored(out);
		again = cs_normalize_email(out, (int) strlen(out));
		if (again == NULL || strcmp(again, out) != 0)
			cs_fuzz_fail("stored form \"%s\" normalises to %s%s%s", out,
						 again ? "\"" : "", again ? again : "NULL", again ? "\"" : "");
	}
	cs_fuzz_reset();
	return 0;
}
