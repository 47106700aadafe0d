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
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

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

extern "C" int
csp_normalize(const char *input, size_t len, const char *region,
			  char *out, size_t outsize)
{
	try
	{
		const PhoneNumberUtil *pu = util();
		bool		no_region = (region == nullptr || region[0] == '\0');
		std::string in(input, len);
		PhoneNumber pn;
		PhoneNumberUtil::ErrorType err;

		err = pu->Parse(in, no_region ? std::string("ZZ") : std::string(region), &pn);
		if (err != PhoneNumberUtil::NO_PARSING_ERROR)
		{
			if (no_region && err == PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR &&
				!has_plus(input, len))
				return CSP_NEEDS_REGION;
			return CSP_INVALID;
		}
		if (!pu->IsValidNumber(pn))
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
