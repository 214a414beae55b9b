/*
 * The web console: the files of assets/, compiled into the module
 * (scripts/assets.sh, or kodev itself), served at / on the API's own
 * listener.  The console is static; it reads the cluster only through
 * the public /api/v2 routes, with the session in an HttpOnly cookie
 * (see login.c and logout.c for the cookie mode).
 *
 * Every answer carries a strict Content-Security-Policy (nothing from
 * outside the origin, no inline script or style, no framing), an ETag
 * (the SHA-256 of the file; "-gz" appended for the compressed copy) and
 * "Cache-Control: no-cache", so browsers revalidate and get a 304.
 * Files are compressed at build time; a client that accepts gzip gets
 * that copy.  Under `kodev build` no compressed copy exists (the weak
 * symbols stay NULL) and the identity encoding is served.
 */

#include <string.h>
#include <strings.h>

#include "roachgate.h"

int	rg_console(struct http_request *);

#define ASSET(n)							\
	extern const u_int8_t asset_##n[];				\
	extern const u_int32_t asset_len_##n;				\
	extern const char *asset_sha256_##n;				\
	extern const u_int8_t rg_asset_gz_##n[] __attribute__((weak));	\
	extern const u_int32_t rg_asset_gzlen_##n __attribute__((weak));

ASSET(index_html)
ASSET(console_js)
ASSET(console_css)
ASSET(favicon_svg)

#define ASSET_ENTRY(p, n, t)						\
	{ p, t, asset_##n, &asset_len_##n, &asset_sha256_##n,		\
	    rg_asset_gz_##n, &rg_asset_gzlen_##n }

struct console_file {
	const char		*path;
	const char		*type;
	const u_int8_t		*data;
	const u_int32_t		*len;
	const char		**etag;		/* "\"<sha256>\"" */
	const u_int8_t		*gz;		/* NULL: not compressed */
	const u_int32_t		*gzlen;
};

static const struct console_file	files[] = {
	ASSET_ENTRY("/", index_html, "text/html; charset=utf-8"),
	ASSET_ENTRY("/console.js", console_js,
	    "text/javascript; charset=utf-8"),
	ASSET_ENTRY("/console.css", console_css, "text/css; charset=utf-8"),
	ASSET_ENTRY("/favicon.svg", favicon_svg, "image/svg+xml"),
};

/* Nothing but this origin; no inline code; forms only to the API. */
#define CONSOLE_CSP							\
	"default-src 'none'; script-src 'self'; style-src 'self'; "	\
	"img-src 'self'; connect-src 'self'; form-action 'self'; "	\
	"base-uri 'none'; frame-ancestors 'none'"

static const struct console_file *console_find(const char *);
static int	console_accepts_gzip(struct http_request *);
static int	console_not_modified(struct http_request *, const char *);
static void	console_etag(const struct console_file *, int, char *,
		    size_t);

int
rg_console(struct http_request *req)
{
	const struct console_file	*f;
	char				 etag[80];
	int				 gz;

	if ((f = console_find(req->path)) == NULL) {
		rg_respond_error(req, HTTP_STATUS_NOT_FOUND,
		    "404 page not found");
		return (KORE_RESULT_OK);
	}

	gz = f->gz != NULL && console_accepts_gzip(req);
	console_etag(f, gz, etag, sizeof(etag));

	http_response_header(req, "content-security-policy", CONSOLE_CSP);
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response_header(req, "referrer-policy", "no-referrer");
	http_response_header(req, "x-frame-options", "DENY");
	http_response_header(req, "cache-control", "no-cache");
	http_response_header(req, "vary", "Accept-Encoding");
	http_response_header(req, "etag", etag);

	if (console_not_modified(req, etag)) {
		http_response(req, HTTP_STATUS_NOT_MODIFIED, NULL, 0);
		return (KORE_RESULT_OK);
	}

	http_response_header(req, "content-type", f->type);
	if (gz) {
		http_response_header(req, "content-encoding", "gzip");
		http_response(req, HTTP_STATUS_OK, f->gz, *f->gzlen);
	} else {
		http_response(req, HTTP_STATUS_OK, f->data, *f->len);
	}

	return (KORE_RESULT_OK);
}

static const struct console_file *
console_find(const char *path)
{
	size_t		i;

	for (i = 0; i < RG_NITEMS(files); i++) {
		if (strcmp(files[i].path, path) == 0)
			return (&files[i]);
	}

	return (NULL);
}

/* The stored ETag is quoted; the compressed copy's gets "-gz" inside. */
static void
console_etag(const struct console_file *f, int gz, char *out, size_t len)
{
	const char	*e = *f->etag;
	size_t		 n;

	n = strlen(e);
	if (!gz || n < 2)
		(void)snprintf(out, len, "%s", e);
	else
		(void)snprintf(out, len, "%.*s-gz\"", (int)(n - 1), e);
}

/*
 * Accept-Encoding names gzip (or *) without q=0.  Parameters other than
 * q are not defined for it; a malformed header means identity.
 */
static int
console_accepts_gzip(struct http_request *req)
{
	const char	*hdr, *p, *end, *q;
	size_t		 n;

	if (!http_request_header(req, "accept-encoding", &hdr))
		return (0);

	for (p = hdr; *p != '\0'; p = end + (*end == ',')) {
		while (*p == ' ' || *p == '\t')
			p++;
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		n = strcspn(p, ";, \t");
		if (!((n == 4 && strncasecmp(p, "gzip", 4) == 0) ||
		    (n == 1 && *p == '*')))
			continue;
		q = memchr(p, ';', (size_t)(end - p));
		if (q == NULL)
			return (1);
		q++;
		while (*q == ' ' || *q == '\t')
			q++;
		if (strncasecmp(q, "q=0", 3) != 0)
			return (1);
		for (q += 3; *q == '0' || *q == '.'; q++)
			;
		if (q < end && *q >= '1' && *q <= '9')
			return (1);
	}

	return (0);
}

/* If-None-Match lists this ETag (or is "*"). */
static int
console_not_modified(struct http_request *req, const char *etag)
{
	const char	*hdr;

	if (!http_request_header(req, "if-none-match", &hdr))
		return (0);

	return (strcmp(hdr, "*") == 0 || strstr(hdr, etag) != NULL);
}
