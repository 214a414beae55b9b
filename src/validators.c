/*
 * kore.conf's function validators: Kore's calling convention around the
 * pure checks of valid.c.  Kore hands a parameter's value as a
 * NUL-terminated string; rg_param (respond.c) calls the same validator
 * on Go's first value, so both see one definition.
 */

#include "roachgate.h"
#include "valid.h"

int	rg_v_token(struct http_request *, const void *);
int	rg_v_ids(struct http_request *, const void *);
int	rg_v_node(struct http_request *, const void *);
int	rg_v_username(struct http_request *, const void *);
int	rg_v_password(struct http_request *, const void *);
int	rg_v_event_type(struct http_request *, const void *);

#define RG_VALIDATOR(name, check)					\
int									\
name(struct http_request *req, const void *data)			\
{									\
	return (check(data) ? KORE_RESULT_OK : KORE_RESULT_ERROR);	\
}

RG_VALIDATOR(rg_v_token, rg_valid_token)
RG_VALIDATOR(rg_v_ids, rg_valid_ids)
RG_VALIDATOR(rg_v_node, rg_valid_node)
RG_VALIDATOR(rg_v_username, rg_valid_username)
RG_VALIDATOR(rg_v_password, rg_valid_password)
RG_VALIDATOR(rg_v_event_type, rg_valid_event_type)
