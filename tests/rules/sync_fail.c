/*
 * tests/rules: ipset_sync() with a set definition ipset refuses.
 *
 *	sync_fail CONF good	sync the policy of CONF; exit 0 when it worked
 *	sync_fail CONF bad	sync a changed policy (other internal networks,
 *				one more exception) whose last IPv4 exception
 *				has a /33 prefix; exit 0 when ipset_sync
 *				failed, and print its message
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tests/nfqd_all.h"

int
main(int argc, char **argv)
{
	struct policy	*pol;
	char		 err[ERRLEN];
	int		 rc = 1;
	size_t		 i, last = 0;
	bool		 bad;

	if (argc != 3 || ((bad = strcmp(argv[2], "bad") == 0) == false &&
	    strcmp(argv[2], "good") != 0)) {
		fprintf(stderr, "usage: sync_fail CONF good|bad\n");
		return 2;
	}
	if ((pol = policy_load(argv[1], err, sizeof(err))) == NULL) {
		fprintf(stderr, "sync_fail: %s\n", err);
		return 2;
	}
	if (bad) {
		/* A different int4 (filled before the failing line)... */
		pol->conf.internal[0].addr.b[1] = 99;
		/* ...and a prefix ipset refuses in in4 and out4. */
		for (i = 0; i < pol->exc.n; i++)
			if (pol->exc.v[i].pfx.addr.af == 4 &&
			    pol->exc.v[i].expires_at == 0)
				last = i;
		pol->exc.v[last].pfx.len = 33;
	}
	if (ipset_sync(pol, (int64_t)time(NULL), err, sizeof(err)) == 0)
		rc = bad;
	else {
		printf("%s\n", err);
		rc = !bad;
	}
	policy_free(pol);
	return rc;
}
