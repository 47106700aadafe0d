/*
 * channel.h — the channel rules as data (SPEC §3 "Columns" and "Field
 * rules"): each field's names and validator, and per channel which fields
 * exist, which are required, updatable or the channel primary key, and the
 * allowed messaging statuses.  Validation, merge and the staging template all
 * read these tables; no channel logic lives elsewhere as code.
 */
#ifndef CONTACTSYNC_CHANNEL_H
#define CONTACTSYNC_CHANNEL_H

#include "postgres.h"

typedef enum CsFieldId
{
	CSF_LINE_UID = 0,
	CSF_EMAIL,
	CSF_PHONE,
	CSF_WHATSAPP_MOBILE,
	CSF_CUSTOMER_ID,
	CSF_NAME,
	CSF_NOTE,
	CSF_TAGS,
	CSF_GENDER,
	CSF_BIRTHDAY,
	CSF_MESSAGING_STATUS,
	CSF_CONSENT_SOURCE,
	CSF_CONSENT_AT,
	CSF_EXTERNAL_MEMBER_ID,
	CSF_PLATFORM_TYPE,
	CSF_NFIELDS
} CsFieldId;

typedef enum CsValidatorId
{
	CSV_NONE = 0,				/* read-only column, never stored */
	CSV_TEXT,
	CSV_LINE_UID,
	CSV_EMAIL,
	CSV_PHONE,
	CSV_NAME,
	CSV_TAGS,
	CSV_GENDER,
	CSV_DATE,
	CSV_DATETIME,
	CSV_STATUS
} CsValidatorId;

#define CS_MAX_ALIASES 3
#define CS_MAX_STATUSES 4

typedef struct CsFieldDef
{
	const char *name;			/* canonical column name */
	const char *aliases[CS_MAX_ALIASES];	/* other accepted headers */
	CsValidatorId validator;
} CsFieldDef;

/* Flags of a field on a channel. */
#define CS_IN_TEMPLATE	0x01	/* a column of the channel's staging template */
#define CS_REQUIRED		0x02	/* a row without it fails (missing_required) */
#define CS_UPDATABLE	0x04	/* an update may change it */
#define CS_PRIMARY		0x08	/* the channel primary key */

typedef struct CsChannelDef
{
	const char *name;
	bool		importable;		/* facebook and instagram are not */
	CsFieldId	primary;		/* channel primary key */
	const char *statuses[CS_MAX_STATUSES];	/* allowed messaging_status values */
	bool		skip_empty_status;	/* whatsapp: empty status skips the row */
	uint8		flags[CSF_NFIELDS];
} CsChannelDef;

extern const CsFieldDef cs_fields[CSF_NFIELDS];
extern const CsChannelDef cs_channels[];
extern const int cs_nchannels;

extern const CsChannelDef *cs_channel_by_name(const char *name);
extern int	cs_field_by_header(const char *header, int len);
extern const char *cs_validator_name(CsValidatorId v);

#endif							/* CONTACTSYNC_CHANNEL_H */
