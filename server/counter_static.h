/* SPDX-License-Identifier: ISC */
/*
 * counter_static.h: the online counter's CSS, JavaScript and images,
 * embedded at build time from server/static/ by tools/embed-static.sh.
 */
#ifndef CERTSTATUSD_COUNTER_STATIC_H
#define CERTSTATUSD_COUNTER_STATIC_H

#include <stddef.h>

struct counter_asset {
	const char		*name;		/* file name under /static/ */
	const char		*type;		/* Content-Type */
	const unsigned char	*data;
	size_t			 len;
};

extern const struct counter_asset counter_assets[];
extern const size_t counter_nassets;

#endif
