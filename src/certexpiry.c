/*
 * The expiry of each domain's server certificate, for /_status/vars
 * (CockroachDB's security_certificate_expiration_node: Unix seconds, 0
 * when there is no certificate or it cannot be read: src/REFERENCE.md,
 * "Node events and certificate expiry").  Read once by the
 * parent, before it forks the workers and they chroot: the workers
 * inherit the figures.  Kore rereads no certificate while it runs, so
 * these stay right until a restart.
 */

#include <openssl/asn1.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "roachgate.h"
#include "certexpiry.h"

static struct {
	char		domain[64];
	int64_t		not_after;
} certs[RG_CERTS_MAX];
static size_t	ncerts;

static int64_t	cert_read(const char *);
static int64_t	not_after(const char *);

void
rg_certexpiry_load(void)
{
	struct kore_server	*srv;
	struct kore_domain	*dom;

	LIST_FOREACH(srv, &kore_servers, list) {
		TAILQ_FOREACH(dom, &srv->domains, list) {
			if (dom->certfile == NULL || ncerts == RG_CERTS_MAX)
				continue;
			(void)snprintf(certs[ncerts].domain,
			    sizeof(certs[ncerts].domain), "%s", dom->domain);
			certs[ncerts].not_after = cert_read(dom->certfile);
			ncerts++;
		}
	}
}

size_t
rg_certexpiry_count(void)
{
	return (ncerts);
}

int64_t
rg_certexpiry_get(size_t i, const char **domain)
{
	*domain = certs[i].domain;
	return (certs[i].not_after);
}

/*
 * The keymgr reads the certificate inside its own root: a relative path
 * is relative to keymgr_root, unless Kore runs without chroot (-n).
 */
static int64_t
cert_read(const char *file)
{
	char	path[PATH_MAX];

	if (file[0] == '/' || skip_chroot || keymgr_root_path == NULL)
		return (not_after(file));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", keymgr_root_path,
	    file) >= sizeof(path))
		return (0);
	return (not_after(path));
}

/* The first certificate of a PEM file (the server's own; a chain follows). */
static int64_t
not_after(const char *path)
{
	BIO		*bio;
	X509		*x509;
	struct tm	 tm;
	int64_t		 t;

	t = 0;
	x509 = NULL;
	if ((bio = BIO_new_file(path, "r")) == NULL ||
	    (x509 = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL ||
	    ASN1_TIME_to_tm(X509_get0_notAfter(x509), &tm) != 1) {
		kore_log(LOG_WARNING, "roachgate: cannot read the expiry of "
		    "certificate %s", path);
	} else {
		t = (int64_t)timegm(&tm);
	}
	X509_free(x509);
	BIO_free(bio);
	return (t);
}
