/*
 * phone_lib.cpp — libphonenumber behind a C ABI.
 *
 * This is the extension's only C++ file.  Each entry point catches every
 * exception (catch (...) included) and turns it into a return code, so no
 * C++ exception ever unwinds through PostgreSQL frames, and no PostgreSQL
 * function (ereport, palloc) is called from here.  The library's singleton
 * is obtained lazily, inside the guarded entry points, never from a static
 * initializer.
 */
#include "phone_lib.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <memory>
#include <mutex>
#include <unordered_map>

#include <unicode/regex.h>

/*
 * The library's compiled-in metadata (declared in its metadata.h, which is
 * not installed; the library exports both).
 */
namespace i18n
{
namespace phonenumbers
{
int			metadata_size();
const void *metadata_get();
}
}

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneMetadataCollection;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

/* The library's process-wide instance; created on first use. */
static const PhoneNumberUtil *
util()
{
	return PhoneNumberUtil::GetInstance();
}

/* Whether the UTF-8 text carries a plus sign (ASCII or full-width). */
static bool
has_plus(const char *s, size_t len)
{
	if (memchr(s, '+', len) != nullptr)
		return true;
	/* U+FF0B FULLWIDTH PLUS SIGN is EF BC 8B in UTF-8. */
	for (size_t i = 0; i + 2 < len; i++)
		if ((unsigned char) s[i] == 0xEF && (unsigned char) s[i + 1] == 0xBC &&
			(unsigned char) s[i + 2] == 0x8B)
			return true;
	return false;
}

/*
 * The fast path.
 *
 * libphonenumber's Parse spends most of its time (about 8 of the 12 us a
 * number costs here) running a dozen ICU regular expressions that, for
 * the two ways numbers are usually written, come down to digit work:
 *
 * - "+" and digits (single spaces or hyphens between them): the country
 *   code is the shortest leading one to three digits that are a calling
 *   code, the rest is the national number, from which Parse strips a
 *   national prefix when the "national prefix for parsing" of the code's
 *   main region matches at its start;
 * - digits (the same separators) written in a region: unless the region's
 *   international dialling prefix or its calling code begins them, they
 *   are the national number, from which Parse strips the region's
 *   national prefix when it matches at the start (and the number without
 *   it is still a possible one).
 *
 * The fast path does that digit work when the national prefix for parsing
 * is a plain digit string (or empty) and the region has no transform rule,
 * builds the PhoneNumber Parse would build, and leaves validation and
 * formatting to the library as before.  It declines (the caller then calls
 * Parse) in every other case: another character, no calling code, a
 * pattern for a prefix, digits the dialling prefix may begin (a table of
 * three-digit beginnings per region, from its pattern, built on first
 * use), a national number outside the library's 2 to 17 digits.  Where
 * Parse strips the prefix only if the rest stays possible, the fast path
 * strips it and keeps the result only when it is valid (a valid number is
 * possible, so Parse strips too); otherwise Parse decides.
 *
 * The generated phone corpus (test/corpus: every region's example numbers
 * in many written forms, with the prefixes around them) and the phone
 * fuzzer check the two paths against each other.
 */
struct FastRegion
{
	bool		usable;
	int			cc;
	std::string cc_digits;
	std::string ndd;			/* national prefix for parsing, digits or "" */
	std::vector<bool> idd_maybe;	/* 1000 three-digit beginnings */
};

struct FastMeta
{
	PhoneMetadataCollection collection;
	/* per calling code: the main region's national prefix for parsing */
	std::unordered_map<int, std::string> plus_prefix;
	std::unordered_map<std::string, const PhoneMetadata *> by_region;
	std::mutex	lock;
	std::unordered_map<std::string, FastRegion> regions;
};

static bool
plain_digits(const std::string &s)
{
	return s.find_first_not_of("0123456789") == std::string::npos;
}

static FastMeta &
fast_meta()
{
	/* built once, on first use (thread-safe initialisation) */
	static FastMeta *meta = []()
	{
		FastMeta   *m = new FastMeta();
		const PhoneNumberUtil *pu = util();

		if (!m->collection.ParseFromArray(i18n::phonenumbers::metadata_get(),
										  i18n::phonenumbers::metadata_size()))
			return m;			/* no fast path at all */
		for (const PhoneMetadata &md : m->collection.metadata())
		{
			std::string main_region;

			m->by_region.emplace(md.id(), &md);
			/* the metadata Parse uses: the code's main region, or the non-geographic entity */
			pu->GetRegionCodeForCountryCode(md.country_code(), &main_region);
			if (md.id() == main_region && plain_digits(md.national_prefix_for_parsing()))
				m->plus_prefix.emplace(md.country_code(), md.national_prefix_for_parsing());
		}
		return m;
	}();

	return *meta;
}

/* The fast-path facts of `region` (computed once per region). */
static const FastRegion &
fast_region(const std::string &region)
{
	FastMeta   &m = fast_meta();
	std::lock_guard<std::mutex> guard(m.lock);
	auto		found = m.regions.find(region);

	if (found != m.regions.end())
		return found->second;

	FastRegion	r;
	auto		md = m.by_region.find(region);

	r.usable = false;
	if (md != m.by_region.end() && region != "001" &&
		plain_digits(md->second->national_prefix_for_parsing()) &&
		md->second->national_prefix_transform_rule().empty())
	{
		UErrorCode	status = U_ZERO_ERROR;
		UParseError perr;
		std::unique_ptr<icu::RegexPattern> idd(icu::RegexPattern::compile(
			icu::UnicodeString::fromUTF8(md->second->international_prefix()), 0, perr, status));

		if (U_SUCCESS(status))
		{
			r.idd_maybe.assign(1000, true);
			for (int i = 0; i < 1000 && U_SUCCESS(status); i++)
			{
				char		three[4] = {char('0' + i / 100), char('0' + i / 10 % 10), char('0' + i % 10), 0};
				icu::UnicodeString text = icu::UnicodeString::fromUTF8(three);
				std::unique_ptr<icu::RegexMatcher> mt(idd->matcher(text, status));

				if (U_FAILURE(status))
					break;
				/* a match, or one that more digits could complete */
				r.idd_maybe[i] = mt->lookingAt(status) || mt->hitEnd();
			}
			if (U_SUCCESS(status))
			{
				r.usable = true;
				r.cc = md->second->country_code();
				r.cc_digits = std::to_string(r.cc);
				r.ndd = md->second->national_prefix_for_parsing();
			}
		}
	}
	return m.regions.emplace(region, std::move(r)).first->second;
}

/* Longest national number Parse accepts (kMaxLengthForNsn) and shortest. */
#define FAST_MAX_NSN 17
#define FAST_MIN_NSN 2

/* The number as Parse would build it from its national digits. */
static void
fast_number(int cc, const char *nsn, size_t nlen, PhoneNumber *pn)
{
	pn->Clear();
	pn->set_country_code(cc);
	if (nlen > 1 && nsn[0] == '0')
	{
		/* as the library keeps leading zeros (Italy) */
		size_t		zeros = 1;

		pn->set_italian_leading_zero(true);
		while (zeros < nlen - 1 && nsn[zeros] == '0')
			zeros++;
		if (zeros != 1)
			pn->set_number_of_leading_zeros((int) zeros);
	}
	pn->set_national_number(strtoull(nsn, nullptr, 10));
}

/*
 * The PhoneNumber Parse builds from `s` in `region` (NULL or "" for none),
 * or false to let Parse decide.  *only_if_valid: the number stands only if
 * it is valid (a stripped national prefix).
 */
static bool
fast_parse(const PhoneNumberUtil *pu, const char *s, size_t len, const char *region,
		   PhoneNumber *pn, bool *only_if_valid)
{
	char		digits[8 + FAST_MAX_NSN + 1];
	size_t		n = 0;
	bool		plus = (len > 0 && s[0] == '+');
	size_t		first = plus ? 1 : 0;

	*only_if_valid = false;
	if (len <= first || s[first] < '0' || s[first] > '9' ||
		s[len - 1] < '0' || s[len - 1] > '9')
		return false;
	for (size_t i = first; i < len; i++)
	{
		char		c = s[i];

		if (c >= '0' && c <= '9')
		{
			if (n == sizeof(digits) - 1)
				return false;
			digits[n++] = c;
		}
		else if ((c == ' ' || c == '-') && s[i - 1] >= '0' && s[i - 1] <= '9')
			continue;			/* one separator between digits */
		else
			return false;
	}
	digits[n] = '\0';
	if (n < 3)
		return false;

	if (plus)
	{
		int			cc = 0;
		size_t		cclen = 0;

		if (digits[0] == '0')
			return false;
		for (size_t i = 1; i <= 3 && i < n; i++)
		{
			int			code = 0;
			std::string code_region;

			for (size_t j = 0; j < i; j++)
				code = code * 10 + (digits[j] - '0');
			pu->GetRegionCodeForCountryCode(code, &code_region);
			if (code_region != "ZZ")
			{
				cc = code;
				cclen = i;
				break;
			}
		}
		if (cc == 0)
			return false;

		const char *nsn = digits + cclen;
		size_t		nlen = n - cclen;
		const FastMeta &m = fast_meta();
		auto		it = m.plus_prefix.find(cc);

		if (nlen < FAST_MIN_NSN || nlen > FAST_MAX_NSN || it == m.plus_prefix.end())
			return false;
		if (!it->second.empty() && nlen >= it->second.size() &&
			memcmp(nsn, it->second.data(), it->second.size()) == 0)
			return false;		/* Parse may strip it */
		fast_number(cc, nsn, nlen, pn);
		return true;
	}

	if (region == nullptr || region[0] == '\0')
		return false;

	const FastRegion &r = fast_region(region);
	const char *nsn = digits;
	size_t		nlen = n;

	if (!r.usable || r.idd_maybe[(digits[0] - '0') * 100 + (digits[1] - '0') * 10 + (digits[2] - '0')])
		return false;			/* the dialling prefix may begin it */
	if (n >= r.cc_digits.size() && memcmp(digits, r.cc_digits.data(), r.cc_digits.size()) == 0)
		return false;			/* the calling code may begin it */
	if (!r.ndd.empty() && n >= r.ndd.size() && memcmp(digits, r.ndd.data(), r.ndd.size()) == 0)
	{
		nsn += r.ndd.size();
		nlen -= r.ndd.size();
		*only_if_valid = true;
	}
	if (nlen < FAST_MIN_NSN || nlen > FAST_MAX_NSN)
		return false;
	fast_number(r.cc, nsn, nlen, pn);
	return true;
}

static int
normalize(const char *input, size_t len, const char *region,
		  char *out, size_t outsize, bool fast)
{
	try
	{
		const PhoneNumberUtil *pu = util();
		bool		no_region = (region == nullptr || region[0] == '\0');
		PhoneNumber pn;
		int			valid = -1;	/* not known yet */
		bool		only_if_valid;

		if (fast && fast_parse(pu, input, len, region, &pn, &only_if_valid))
		{
			valid = pu->IsValidNumber(pn) ? 1 : 0;
			if (valid == 0 && only_if_valid)
				valid = -1;
		}
		if (valid < 0)
		{
			std::string in(input, len);
			PhoneNumberUtil::ErrorType err;

			err = pu->Parse(in, no_region ? std::string("ZZ") : std::string(region), &pn);
			if (err != PhoneNumberUtil::NO_PARSING_ERROR)
			{
				if (no_region && err == PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR &&
					!has_plus(input, len))
					return CSP_NEEDS_REGION;
				return CSP_INVALID;
			}
			valid = pu->IsValidNumber(pn) ? 1 : 0;
		}
		if (!valid)
			return CSP_INVALID;

		std::string e164;

		pu->Format(pn, PhoneNumberUtil::E164, &e164);
		if (e164.size() + 1 > outsize)
			return CSP_INVALID;

		/*
		 * The stored form must read back as itself.  A national number
		 * that begins with its region's national prefix does not: read
		 * again, the prefix is stripped (Belarus, "8 810 123 4567" ->
		 * +3758101234567 -> +375101234567, not valid).  Only such numbers
		 * pay for the second parse; one that does not come back the same
		 * is refused.
		 */
		{
			std::string region_of, ndd, nsn;

			/* the main region of the country code: a map look-up, no pattern */
			pu->GetRegionCodeForCountryCode(pn.country_code(), &region_of);
			pu->GetNddPrefixForRegion(region_of, true, &ndd);
			pu->GetNationalSignificantNumber(pn, &nsn);
			if (!ndd.empty() && nsn.compare(0, ndd.size(), ndd) == 0)
			{
				PhoneNumber again;
				std::string e164_again;

				if (pu->Parse(e164, std::string("ZZ"), &again) != PhoneNumberUtil::NO_PARSING_ERROR ||
					!pu->IsValidNumber(again))
					return CSP_INVALID;
				pu->Format(again, PhoneNumberUtil::E164, &e164_again);
				if (e164_again != e164)
					return CSP_INVALID;
			}
		}
		memcpy(out, e164.data(), e164.size());
		out[e164.size()] = '\0';
		return CSP_VALID;
	}
	catch (...)
	{
		return CSP_FAILURE;
	}
}

extern "C" int
csp_normalize(const char *input, size_t len, const char *region,
			  char *out, size_t outsize)
{
	return normalize(input, len, region, out, outsize, true);
}

extern "C" int
csp_normalize_parse_only(const char *input, size_t len, const char *region,
						 char *out, size_t outsize)
{
	return normalize(input, len, region, out, outsize, false);
}

/* Take jobs off the shared counter until none is left. */
static void
work(CspJob *jobs, size_t n, const char *region, std::atomic<size_t> *next)
{
	for (;;)
	{
		size_t		i = next->fetch_add(1);

		if (i >= n)
			return;
		jobs[i].rc = csp_normalize(jobs[i].input, jobs[i].len, region,
								   jobs[i].out, sizeof(jobs[i].out));
	}
}

/* A batch whose helpers work while the caller does something else. */
struct CspBatch
{
	CspJob	   *jobs;
	size_t		n;
	std::string region;
	std::atomic<size_t> next;
	std::vector<std::thread> helpers;
};

extern "C" CspBatch *
csp_batch_start(CspJob *jobs, size_t n, const char *region, int nhelpers)
{
	CspBatch   *b;
	sigset_t	all,
				old;

	/*
	 * The library's instance is created here, not raced for by the
	 * threads.  Helper threads start with every signal blocked, so the
	 * server's signals keep going to the backend's own thread; starting
	 * one can fail (no threads left): the caller's thread then does more.
	 */
	try
	{
		(void) util();
		(void) fast_meta();
		if (region != nullptr && region[0] != '\0')
			(void) fast_region(region);
		b = new CspBatch();
		b->jobs = jobs;
		b->n = n;
		b->region = region ? region : "";
		b->next.store(0);
		b->helpers.reserve(nhelpers > 0 ? nhelpers : 0);
	}
	catch (...)
	{
		return nullptr;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int t = 0; t < nhelpers; t++)
	{
		try
		{
			b->helpers.emplace_back(work, jobs, n, b->region.c_str(), &b->next);
		}
		catch (...)
		{
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, nullptr);
	return b;
}

extern "C" size_t
csp_batch_work(CspBatch *b, size_t max)
{
	size_t		done = 0;

	while (done < max)
	{
		size_t		i = b->next.fetch_add(1);

		if (i >= b->n)
			break;
		b->jobs[i].rc = csp_normalize(b->jobs[i].input, b->jobs[i].len, b->region.c_str(),
									  b->jobs[i].out, sizeof(b->jobs[i].out));
		done++;
	}
	return done;
}

extern "C" void
csp_batch_end(CspBatch *b)
{
	b->next.store(b->n);
	for (auto &h : b->helpers)
		h.join();
	delete b;
}

extern "C" int
csp_normalize_many(CspJob *jobs, size_t n, const char *region, int nthreads)
{
	/* A helper for each 64 numbers beyond the first 64, up to nthreads - 1. */
	int			nhelpers = n > 0 ? (int) std::min<size_t>(nthreads > 1 ? nthreads - 1 : 0, (n - 1) / 64) : 0;
	CspBatch   *b = csp_batch_start(jobs, n, region, nhelpers);
	int			used;

	if (b == nullptr)
	{
		/* Not started: the caller's thread does every job. */
		for (size_t i = 0; i < n; i++)
			jobs[i].rc = csp_normalize(jobs[i].input, jobs[i].len, region,
									   jobs[i].out, sizeof(jobs[i].out));
		return 1;
	}
	while (csp_batch_work(b, n) > 0)
		;
	used = 1 + (int) b->helpers.size();
	csp_batch_end(b);
	return used;
}

extern "C" int
csp_region_known(const char *region)
{
	try
	{
		if (region == nullptr || region[0] == '\0')
			return 0;
		return util()->GetCountryCodeForRegion(std::string(region)) != 0 ? 1 : 0;
	}
	catch (...)
	{
		return -1;
	}
}
