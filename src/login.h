/*
 * POST /api/v2/login/, in four files: login.c (the handler's states),
 * login_form.c (the form, as Go parses it), login_conn.c (the
 * non-blocking libpq connect that checks the password) and
 * login_admit.c (throttling, shared between workers by messages).
 */

#ifndef RG_LOGIN_H
#define RG_LOGIN_H

#include <kore/kore.h>

#include <libpq-fe.h>

#include "rg_buf.h"

struct http_request;

#define RG_LOGIN_USER_MAX	64	/* PostgreSQL's NAMEDATALEN */
#define RG_LOGIN_ADDR_MAX	48
#define RG_LOGIN_PASS_MAX	1024	/* kore.conf's v_password */

/* Per-worker login state: the primary's address, the throttle. */
void	rg_login_init(void);

/* login_form.c: 0 with the fields, or -1 after an error response. */
int	rg_login_form(struct http_request *, struct rg_buf *,
	    struct rg_buf *);
int	rg_login_valid(struct http_request *, const char *, struct rg_buf *);

/* login_conn.c: one password check against the primary. */
#define RG_LOGIN_PENDING	0
#define RG_LOGIN_OK		1
#define RG_LOGIN_DENIED		2	/* the primary refused these credentials */
#define RG_LOGIN_ERROR		3	/* the primary could not be asked */
#define RG_LOGIN_TIMEOUT	4

struct rg_login_conn {
	struct kore_event	evt;		/* first: epoll hands us &evt */
	PGconn			*conn;
	struct kore_timer	*timer;
	int			result;
	const char		*user;
	char			why[256];	/* libpq's error, for the log */
	void			(*done)(void *);
	void			*arg;
};

void	rg_login_conn_init(void);
void	rg_login_conn_start(struct rg_login_conn *, const char *,
	    const char *, void (*)(void *), void *);
void	rg_login_conn_close(struct rg_login_conn *);

/* login_admit.c: throttling and admission by name and address. */
#define RG_ADMIT_GO		0
#define RG_ADMIT_WAIT		1
#define RG_ADMIT_REFUSED	2

void	rg_login_admit_init(void);
void	rg_login_addr(struct http_request *, char *, size_t);
int	rg_login_admit(struct http_request *, const char *, const char *,
	    uint64_t, int);
void	rg_login_release(struct http_request *, const char *, const char *,
	    int);
void	rg_login_outcome(const char *, const char *, int);

#endif /* !RG_LOGIN_H */
