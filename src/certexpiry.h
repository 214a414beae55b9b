/*
 * certexpiry.c: each domain's server certificate expiry, read by the
 * parent at startup.
 */

#ifndef RG_CERTEXPIRY_H
#define RG_CERTEXPIRY_H

#define RG_CERTS_MAX		8

void	rg_certexpiry_load(void);
size_t	rg_certexpiry_count(void);
int64_t	rg_certexpiry_get(size_t, const char **);

#endif /* !RG_CERTEXPIRY_H */
