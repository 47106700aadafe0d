/*
 * fuzz_phone.c — libFuzzer harness for the phone normaliser (region
 * resolution and cs_normalize_phone: src/phone.c over libphonenumber in
 * src/phone_lib.cpp).
 *
 * Input: "<region>\t<number>", both text (other inputs are skipped); an
 * empty region means none (the default_region setting, unset here).
 * Beyond memory errors and undefined behaviour, checked for every input:
 * - the region is either resolved to its upper-case form, one that
 *   libphonenumber knows, or refused with an invalid_parameter_value ERROR
 *   (a misuse error), never another error;
 * - the number raises no ERROR: bad data is a NULL result;
 * - a valid number's stored form is E.164 ('+', then 2 to 17 digits, the
 *   first not 0), is valid again read in the same region and in none, and
 *   stays the same: a stored phone re-imports to the same key;
 * - phone_needs_region only when no region is given, and input longer
 *   than 250 octets after trimming is invalid unread;
 * - the normaliser's fast path for "+" and digits gives what the library's
 *   Parse gives (csp_normalize against csp_normalize_parse_only: the same
 *   code, and the same E.164 when valid).
 */
#include "postgres.h"

#include "contactsync.h"
#include "fuzz.h"
#include "phone_lib.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The region of `text`, or NULL after a misuse error (checked here). */
static const char *
resolve(const char *text)
{
	sigjmp_buf	jump;
	const char *region;
	size_t		len = strlen(text);
	size_t		i;

	if (sigsetjmp(jump, 0) != 0)
	{
		if (cs_fuzz_error_code() != ERRCODE_INVALID_PARAMETER_VALUE)
			cs_fuzz_fail("region \"%s\" raised \"%s\", not invalid_parameter_value",
						 text, cs_fuzz_error_message());
		return NULL;
	}
	cs_fuzz_error_jump = &jump;
	region = cs_resolve_region(len > 0 ? text : NULL, (int) len);
	cs_fuzz_error_jump = NULL;

	if (len == 0)
	{
		if (region != NULL)
			cs_fuzz_fail("no region and no default resolved to \"%s\"", region);
		return "";
	}
	if (region == NULL || strlen(region) != len || pg_strcasecmp(region, text) != 0 ||
		!cs_region_is_known(region))
		cs_fuzz_fail("region \"%s\" resolved to \"%s\"", text, region ? region : "NULL");
	for (i = 0; i < len; i++)
		if (region[i] >= 'a' && region[i] <= 'z')
			cs_fuzz_fail("region \"%s\" resolved to \"%s\", not upper-case", text, region);
	return region;
}

static void
check_e164(const char *out)
{
	size_t		len = strlen(out);

	if (len < 3 || len > 18 || out[0] != '+' || out[1] == '0' ||
		strspn(out + 1, "0123456789") != len - 1)
		cs_fuzz_fail("stored phone \"%s\" is not E.164", out);
}

/* A stored form read again, in `region` (NULL for none), is itself. */
static void
check_stable(const char *out, const char *region)
{
	char		again[CS_E164_BUFSIZE];

	if (cs_normalize_phone(out, (int) strlen(out), region, again) != CS_PHONE_VALID ||
		strcmp(again, out) != 0)
		cs_fuzz_fail("stored phone \"%s\" read in region %s is not itself", out,
					 region ? region : "none");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;
	char	   *region_text;
	const char *number;
	size_t		nlen;
	const char *region;
	char		out[CS_E164_BUFSIZE];
	int			start,
				end;

	if (!cs_fuzz_text(s, size) || !cs_fuzz_field(s, size, &region_text, &number, &nlen))
	{
		cs_fuzz_reset();
		return -1;
	}
	region = resolve(region_text);
	if (region == NULL)
	{
		cs_fuzz_reset();
		return 0;
	}
	if (region[0] == '\0')
		region = NULL;

	cs_trim_utf8(number, (int) nlen, &start, &end);
	{
		char		fast[CSP_OUT_SIZE],
					parsed[CSP_OUT_SIZE];
		int			rc_fast = csp_normalize(number + start, (size_t) (end - start), region,
											fast, sizeof(fast));
		int			rc_parsed = csp_normalize_parse_only(number + start, (size_t) (end - start),
														 region, parsed, sizeof(parsed));

		if (rc_fast != rc_parsed || (rc_fast == CSP_VALID && strcmp(fast, parsed) != 0))
			cs_fuzz_fail("\"%.*s\" in region %s: %d %s with the fast path, %d %s through Parse",
						 end - start, number + start, region ? region : "none",
						 rc_fast, rc_fast == CSP_VALID ? fast : "",
						 rc_parsed, rc_parsed == CSP_VALID ? parsed : "");
	}
	switch (cs_normalize_phone(number, (int) nlen, region, out))
	{
		case CS_PHONE_VALID:
			if (end - start > 250)
				cs_fuzz_fail("%d octets were parsed, over the limit of 250", end - start);
			check_e164(out);
			check_stable(out, region);
			check_stable(out, NULL);
			break;
		case CS_PHONE_NEEDS_REGION:
			if (region != NULL)
				cs_fuzz_fail("needs a region, but region %s was given", region);
			break;
		case CS_PHONE_INVALID:
			break;
		default:
			cs_fuzz_fail("unknown result");
	}
	cs_fuzz_reset();
	return 0;
}
