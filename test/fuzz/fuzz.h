/*
 * fuzz.h — what the libFuzzer harnesses share: the stand-ins for the
 * backend (shim.c) and the checks of a property.
 */
#ifndef CONTACTSYNC_FUZZ_H
#define CONTACTSYNC_FUZZ_H

#include "postgres.h"

#include <setjmp.h>

/*
 * Where ereport(ERROR) jumps: set it around a call that may raise a misuse
 * error; when it is NULL an ERROR is a finding (printed, then abort).
 */
extern sigjmp_buf *cs_fuzz_error_jump;

/* The SQLSTATE and message of the last ERROR raised. */
extern int	cs_fuzz_error_code(void);
extern const char *cs_fuzz_error_message(void);

/* Free everything palloc'd since the last reset (a memory context reset). */
extern void cs_fuzz_reset(void);

/*
 * Whether `len` bytes are a value the server can pass: valid UTF-8 without
 * NUL (the database encoding is UTF-8, and text holds no NUL).
 */
extern bool cs_fuzz_text(const char *s, size_t len);

/* A broken property: print it and abort, so libFuzzer keeps the input. */
extern void cs_fuzz_fail(const char *fmt,...) pg_attribute_printf(1, 2) pg_attribute_noreturn();

/*
 * Split `s` at its first tab: the part before in *head (NUL-terminated,
 * palloc'd), the rest in *rest and *restlen.  False when there is no tab.
 */
extern bool cs_fuzz_field(const char *s, size_t len, char **head,
						  const char **rest, size_t *restlen);

#endif							/* CONTACTSYNC_FUZZ_H */
