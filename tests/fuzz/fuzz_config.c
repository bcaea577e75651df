/* SPDX-License-Identifier: ISC */
/*
 * fuzz_config.c: libFuzzer target for the config file parser (config_load),
 * on a temporary file rewritten for every input.  A parse that succeeds
 * must give values inside the documented bounds.
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char	 path[64];

static void
cleanup(void)
{
	if (path[0] != '\0')
		unlink(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int	 fd;

	(void)argc;
	(void)argv;
	log_init("fuzz", LOG_LVL_ERR);
	snprintf(path, sizeof(path), "/tmp/certstatus-fuzz-conf.XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		err(1, "mkstemp");
	close(fd);
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*c;
	char		 why[CONFIG_ERR_MAX];
	FILE		*f;

	if ((f = fopen(path, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	why[0] = '\0';
	if ((c = config_load(path, why, sizeof(why))) == NULL) {
		if (why[0] == '\0' || memchr(why, '\0', sizeof(why)) == NULL)
			abort();	/* a refusal always says why */
		return 0;
	}
	if (c->database == NULL || c->listen_addr == NULL ||
	    c->max_certids < 1 || c->max_certids > 256 ||
	    c->max_connections < 1 || c->poll_ms < 10 || c->poll_ms > 60000 ||
	    c->noffices < 0 || c->noffices > CONFIG_OFFICES_MAX)
		abort();
	for (int i = 0; i < c->noffices; i++)
		if (c->offices[i] == NULL)
			abort();
	config_free(c);
	return 0;
}
