/*
 * preload.c — loaded with the AddressSanitizer runtime into the server of
 * `test/run.sh --sanitize` (the server itself is not instrumented; see
 * test/checkers/lib.sh).  It works around two ways in which the sanitizer
 * runtimes and an uninstrumented PostgreSQL get in each other's way.
 */
#include <stddef.h>
#include <stdlib.h>

/*
 * Preloaded, the ASan runtime initialises itself at the first malloc of the
 * process.  In the server that malloc comes from a shared library's
 * constructor, inside glibc, while glibc holds a locale lock for writing
 * (libgpg-error's bindtextdomain, p11-kit's newlocale).  Initialisation
 * looks up the symbol swift_demangle and, when no library defines it, calls
 * dlerror(); translating that message takes the same lock for reading,
 * which glibc refuses to the writer (EDEADLK) — and the unlock that follows
 * releases the writer's hold, leaving the lock's state corrupt: the process
 * hangs at its next setlocale.  Defining the symbol makes the lookup
 * succeed, so dlerror() has no message to translate.
 *
 * The runtime calls it only to demangle Swift names (none here); NULL means
 * "not demangled", and the runtime carries on as without it.
 */
char	   *swift_demangle(const char *name, size_t len, char *out,
						   size_t *outlen, unsigned flags);

char *
swift_demangle(const char *name, size_t len, char *out, size_t *outlen,
			   unsigned flags)
{
	return NULL;
}

/*
 * gcc's UBSan runtime reads its options when it first reports, from
 * /proc/self/environ; by then the postmaster has written its process title
 * over that memory (having moved the environment elsewhere), so
 * UBSAN_OPTIONS would be lost and a report would go to stderr and end the
 * process without a file or an abort.  The runtime also asks this function
 * for default options: it hands over UBSAN_OPTIONS from the environment,
 * which getenv still finds.
 */
const char *__ubsan_default_options(void);

const char *
__ubsan_default_options(void)
{
	const char *options = getenv("UBSAN_OPTIONS");

	return options != NULL ? options : "";
}
