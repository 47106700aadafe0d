/*
 * validate.h — the field validators of SPEC §3 "Field rules".
 */
#ifndef CONTACTSYNC_VALIDATE_H
#define CONTACTSYNC_VALIDATE_H

#include "channel.h"

#define CS_NAME_MAX_CHARS 255

extern const char *cs_validate(const CsChannelDef *ch, CsValidatorId v,
							   const char *s, int len, const char *region,
							   char **value);
extern bool cs_parse_date(const char *s, int len, char *out);
extern bool cs_parse_datetime(const char *s, int len, char *out);
extern bool cs_parse_number(const char *s, int len, char **out);

#endif							/* CONTACTSYNC_VALIDATE_H */
